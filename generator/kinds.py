"""The check kinds the generated suite holds, and which mappings and rows get which.

The renderer emits one test function per kind that applies to a mapping; the
runtime (``fixtures/checks``) implements a check of the same name. Adding a
kind is a row here plus a check there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dataflow_qa.generator.model import Mapping, PropertyMap

Scope = Literal["mapping", "row"]


def _all_rows(mapping: Mapping) -> list[PropertyMap]:
    return list(mapping.properties)


def _typed_rows(mapping: Mapping) -> list[PropertyMap]:
    return [row for row in mapping.properties if row.type is not None]


def _three_valued_rows(mapping: Mapping) -> list[PropertyMap]:
    """Rows that can hold three different values: conflicting edits must differ from each other and from what was there."""
    return [row for row in mapping.properties if row.type != "boolean"]


def _independent_rows(mapping: Mapping) -> list[PropertyMap]:
    """Rows with at least one other row sharing neither its source nor its target."""
    return [
        row for row in mapping.properties
        if any(o.source != row.source and o.target != row.target for o in mapping.properties)
    ]


def _two_independent_rows(mapping: Mapping) -> bool:
    """Two rows sharing neither their source nor their target property (plain ones: no conditions)."""
    plain = [row for row in mapping.properties if row.source_condition is None and row.target_condition is None]
    return any(a.source != b.source and a.target != b.target for i, a in enumerate(plain) for b in plain[i + 1:])


def _always(mapping: Mapping) -> bool:
    return True


def _findable(mapping: Mapping) -> bool:
    """A plain, non-boolean row to find each of many new records by."""
    return any(row.source_condition is None and row.target_condition is None and row.type != "boolean" for row in mapping.properties)


@dataclass(frozen=True, slots=True)
class CheckKind:
    """One promise of the documents, checked per mapping or per property row."""

    name: str
    scope: Scope
    summary: str
    variants: tuple[str, ...] = ("create", "merge-or-create", "link-only")
    rows: Callable[[Mapping], list[PropertyMap]] = _all_rows
    needs: Callable[[Mapping], bool] = _always
    """What a mapping must have for a mapping-level kind to apply."""

    @property
    def method(self) -> str:
        """The runtime method, marker and test function suffix: ``round-trip`` -> ``round_trip``."""
        return self.name.replace("-", "_")

    def applies(self, mapping: Mapping) -> bool:
        """True when the mapping gets a test of this kind."""
        if mapping.variant not in self.variants:
            return False
        return self.needs(mapping) if self.scope == "mapping" else bool(self.rows(mapping))


CHECK_KINDS: tuple[CheckKind, ...] = (
    CheckKind("link", "mapping", "exactly one linked record appears; a re-sync creates no duplicate", ("create", "merge-or-create")),
    CheckKind("merge", "mapping", "a matching existing record is merged with, not duplicated", ("merge-or-create",)),
    CheckKind("link-only", "mapping", "no record is created; matching records get linked and then synced", ("link-only",)),
    CheckKind("delete", "mapping", "deleting one side leaves the linked record in place"),
    CheckKind("concurrent-edits", "mapping", "two properties of one record edited at the two ends at once: both edits survive on both sides",
              needs=_two_independent_rows),
    CheckKind("burst", "mapping", "more new records than two pages of a change listing, made at once: every one arrives, linked once",
              ("create",), needs=_findable),
    CheckKind("rapid-edits", "mapping", "an edit right after create, two edits at once, an edit right after one arrived: each arrives, on one record",
              ("create",), needs=_findable),
    CheckKind("throttled-writes", "mapping", "the sync's updates at the target answered 429 a few times: the edit still arrives after Retry-After",
              needs=_findable),
    CheckKind("forward", "row", "a value written at the source reaches the target, on create and on edit"),
    CheckKind("reverse", "row", "a value written at the target reaches the source"),
    CheckKind("round-trip", "row", "a value written at the source, then a new one at the target, each arrive exactly as written"),
    CheckKind("conflict", "row", "edits on both sides, in both orders: the later one wins on both", rows=_three_valued_rows),
    CheckKind("empty", "row", "an empty value never overwrites a non-empty one, emptied at either end"),
    CheckKind("near-miss", "row", "edits that change one small thing (case, whitespace, Unicode form, one character, a leading zero) arrive exactly, both ways"),
    CheckKind("isolation", "row", "editing one property changes no other mapped property", rows=_independent_rows),
    CheckKind("type", "row", "the target holds the documented type", rows=_typed_rows),
    CheckKind("bounded-writes", "row", "one edit causes a bounded number of writes, then none"),
)
KINDS_BY_NAME = {kind.name: kind for kind in CHECK_KINDS}
CHAIN_KIND = CheckKind("chain", "row", "a value entered at one end of a chain of documents reaches the other end, and back")


def kinds_for(mapping: Mapping) -> list[CheckKind]:
    """The check kinds that apply to one mapping, in a fixed order."""
    return [kind for kind in CHECK_KINDS if kind.applies(mapping)]
