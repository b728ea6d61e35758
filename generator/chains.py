"""Chains across documents: a row whose target is another document's source.

WebCRM Persons.PersonFirstName -> CRMOffice Contacts.givenName (one document)
and CRMOffice Contacts.givenName -> SuperOffice Person.Firstname (another) make
a chain: a value entered in WebCRM must reach SuperOffice, and back.

The rule for which chains are checked: a chain proves what neither
document's own checks can, that the service passes on a change it wrote
itself into the middle record. That can fail by the way in (changes that
came from one system are not passed on, say because that system's records
live in another namespace) or by the way out (one outgoing flow ignores
changes the service made). So every way into a middle record from a system,
and every way out of it to a system's entity, is crossed by at least one
chain: the chains are taken in sort order (start, middle, end, type, rows)
and one is kept when it crosses a way in or out that no kept chain crosses.
That keeps chain checks linear in the number of mappings: 1,431 chains on
the 634 corpus documents (3 % of the checks), where every combination gave
15,634 (26 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from dataflow_qa.generator.model import DataType, Document, Location, PropertyMap


@dataclass(frozen=True, slots=True, order=True)
class End:
    """One record field along a chain: system, entity and property path."""

    system: str
    entity: str
    path: str

    def __str__(self) -> str:
        return f"{self.system}:{self.entity}.{self.path}"


@dataclass(frozen=True, slots=True, order=True)
class Chain:
    """Two rows of two mappings joined at a shared entity and path."""

    start: End
    middle: End
    end: End
    type: DataType | None
    via: tuple[Location, Location]

    @property
    def label(self) -> str:
        """``Persons.PersonFirstName->Contacts.givenName->Person.Firstname``."""
        return "->".join(f"{end.entity}.{end.path}" for end in (self.start, self.middle, self.end))


CHAINABLE = ("create", "merge-or-create")


def _plain(row: PropertyMap) -> bool:
    return row.source_condition is None and row.target_condition is None and row.type != "boolean"


ChainRow = tuple[str, str, str, str, str, str, str, str, str, int]
"""A row that can carry a chain, as plain values: mapping key, source system, entity and path, target
system, entity and path, type (``""`` for none), and where the row is (path, line)."""

ChainKey = tuple[str, str, str, str, str, str, str, str, str, str, str, int, str, int]
"""A chain as plain values in :class:`Chain`'s sort order (type ``None`` as ``""``): sorting these is cheap."""


def find_chains(documents: list[Document]) -> list[Chain]:
    """The chains to check (see the module's rule), sorted."""
    return chains_from_rows(chain_rows(documents))


def all_chains(documents: list[Document]) -> list[Chain]:
    """Every two-hop chain of unconditional rows through mappings that create records, sorted."""
    return [chain_from_key(key) for key in _chain_keys(chain_rows(documents))]


def chain_rows(documents: list[Document]) -> list[ChainRow]:
    """The rows chains are made of (unconditional, not boolean, in mappings that create records), in document order.

    Chains depend on these alone, so a caller may keep the chains by them.
    """
    return [(m.key, m.source.id, m.source_entity, row.source, m.target.id, m.target_entity, row.target, row.type or "",
             row.loc.path, row.loc.line)
            for d in documents for m in d.mappings if m.variant in CHAINABLE for row in m.properties if _plain(row)]


def chains_from_rows(rows: list[ChainRow]) -> list[Chain]:
    """:func:`find_chains` over rows from :func:`chain_rows`."""
    return [chain_from_key(key) for key in selected_keys(rows)]


Middle = tuple[str, str]
"""A chain's middle system and entity: the rule's ways in and out all name it, so chains through
different middles never bear on each other's selection."""


def row_middles(rows: list[ChainRow] | tuple[ChainRow, ...]) -> set[Middle]:
    """The middles chains made of these rows can pass through (each row's source and target entity)."""
    return {(row[1], row[2]) for row in rows} | {(row[4], row[5]) for row in rows}


def selected_keys(rows: list[ChainRow], middles: set[Middle] | None = None) -> list[ChainKey]:
    """The keys of the chains to check (see the module's rule), sorted; only those through ``middles`` when given.

    Every way in or out names the chain's middle, so the selection among the
    chains through one middle is the same whatever other rows are given: to
    select again the chains through some middles, every row touching them is
    enough (:func:`row_middles`).
    """
    crossed: set[tuple[str, ...]] = set()
    kept = []
    for key in _chain_keys(rows):
        if middles is not None and (key[3], key[4]) not in middles:
            continue
        way_in = ("in", key[0], key[3], key[4])
        way_out = ("out", key[3], key[4], key[6], key[7])
        if way_in not in crossed or way_out not in crossed:
            crossed |= {way_in, way_out}
            kept.append(key)
    return kept


def _chain_keys(rows: list[ChainRow]) -> list[ChainKey]:
    """Every chain the rows make, as a sorted list of keys."""
    outgoing: dict[tuple[str, str, str], list[ChainRow]] = {}
    for row in rows:
        outgoing.setdefault(row[1:4], []).append(row)
    keys: set[ChainKey] = set()
    for first in rows:
        for second in outgoing.get(first[4:7], ()):
            if second[0] != first[0]:
                keys.add((*first[1:7], *second[4:8], *first[8:10], *second[8:10]))
    return sorted(keys)


def chain_key(chain: Chain) -> ChainKey:
    """The chain as plain values (JSON-safe), which :func:`chain_from_key` turns back into it."""
    return (chain.start.system, chain.start.entity, chain.start.path, chain.middle.system, chain.middle.entity, chain.middle.path,
            chain.end.system, chain.end.entity, chain.end.path, chain.type or "", chain.via[0].path, chain.via[0].line, chain.via[1].path, chain.via[1].line)


def chain_from_key(key: ChainKey) -> Chain:
    """The chain :func:`chain_key` made plain."""
    return Chain(start=End(*key[0:3]), middle=End(*key[3:6]), end=End(*key[6:9]), type=key[9] or None,  # type: ignore[arg-type]
                 via=(Location(key[10], key[11]), Location(key[12], key[13])))
