"""Small hand-written documents and an in-memory world for the engine's own tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dataflow_qa.systems.adapters.base import Record, Values
from dataflow_qa.systems.adapters.memory import LogicalClock, MemoryAdapter
from dataflow_qa.engine import Engine, Policy
from dataflow_qa.values.paths import Field
from dataflow_qa.generator.model import Condition, Document
from dataflow_qa.generator.parse import DocumentParser, find_documents, parse_paths

Row = tuple[str, str, str]
"""A property row as written in a document: source cell, target cell, type cell."""


def section(source: str, source_entity: str, target: str, target_entity: str, variant: str = "create",
            rows: Sequence[Row] = (), keys: Sequence[tuple[str, str]] = ()) -> str:
    """One mapping section in the documents' own wording."""
    src, tgt = f"{source} {source_entity}", f"{target} {target_entity}"
    title = f"{src} to {tgt}"
    text = [title, "-" * len(title)]
    if variant == "link-only":
        text.append(f"Before any synchronization can take place, a link between a {src} and a {tgt} must be established.\n")
    else:
        text.append(f"Every {src} will be synchronized with a {tgt}.\n")
    if variant == "merge-or-create":
        text.append(f"If a matching {tgt} already exists, the {src} will be merged with the existing one.")
        text.append(f"If no matching {tgt} is found, a new {tgt} will be created.\n")
    if keys:
        text.append(f"A {src} will merge with a {tgt} if one of the following property combinations match:\n")
        text.append(_table([f"{src} Property", f"{tgt} Property"], keys))
    text.append(f"Once a link between a {src} and a {tgt} is established, it will keep in sync between the two systems, regardless of where it is edited.\n")
    text.append(f"The following properties are synchronized between a {src} and a {tgt}:\n")
    text.append(_table([f"{src} Property", f"{tgt} Property", f"{target} Data Type"], rows))
    return "\n".join(text)


def _table(header: list[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for cells in [header, *rows]:
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {cell}" for cell in cells[1:])
    return "\n".join(lines) + "\n\n"


SPECS = Path(__file__).resolve().parent.parent / "specs"


def seed_documents() -> list[Document]:
    """The seed documents in ``specs/``, parsed."""
    documents = [result.document for result in parse_paths(find_documents([str(SPECS)]))]
    assert documents and all(documents)
    return documents  # type: ignore[return-value]


def document(source: str, target: str, *sections: str, path: str = "x.rst") -> Document:
    """Parse a document made of the given sections; fail on any parse error."""
    title = f"{source} to {target} Dataflow"
    text = "\n".join(["=" * len(title), title, "=" * len(title), "", "Generated: 2024-11-13 00:00:00", "", *sections])
    result = DocumentParser().parse_text(text, path)
    errors = [str(d) for d in result.diagnostics if d.level == "error"]
    assert result.document is not None and not errors, errors
    return result.document


PEOPLE = document("Alpha", "Beta", section("Alpha", "People", "Beta", "Contacts", rows=[
    ("first", "givenName", '"string"'), ("last", "familyName", '"string"'), ("age", "years", '"integer"')]))
"""The workhorse: Alpha People -> Beta Contacts (create) with three rows."""
PEOPLE_MAP = PEOPLE.mappings[0]


@dataclass
class World:
    """Memory systems sharing one clock, and an engine over them."""

    documents: Sequence[Document]
    faults: Sequence[str] = ()
    policy: Policy = Policy()
    clock: LogicalClock = field(default_factory=LogicalClock)
    adapters: dict[str, MemoryAdapter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        systems = {s.id for d in self.documents for m in d.mappings for s in (m.source, m.target)}
        self.adapters = {system: MemoryAdapter(system, clock=self.clock) for system in sorted(systems)}
        self.engine = Engine(self.documents, self.adapters, policy=self.policy, faults=self.faults)

    def create(self, system: str, entity: str, values: Values) -> str:
        """Create a record as a user would."""
        return self.adapters[system].create(entity, values)

    def edit(self, system: str, entity: str, record_id: str, values: Values) -> None:
        """Edit a record as a user would."""
        self.adapters[system].update(entity, record_id, values)

    def record(self, system: str, entity: str, record_id: str) -> Record | None:
        """A record as stored now."""
        return self.adapters[system].get(entity, record_id)

    def value(self, system: str, entity: str, record_id: str | None, path: str, condition: Condition | None = None) -> Any:
        """The value at a path of a stored record."""
        assert record_id is not None, "record is not linked"
        record = self.record(system, entity, record_id)
        assert record is not None, f"{system}:{entity}/{record_id} does not exist"
        return self.adapters[system].read(record, path, condition)

    def count(self, system: str, entity: str) -> int:
        """How many records an entity holds."""
        return len(self.adapters[system].records.get(entity, {}))

    def writes(self) -> int:
        """Writes in every system's log so far."""
        return sum(len(adapter.log) for adapter in self.adapters.values())


class CountingAdapter:
    """Wraps an adapter and counts calls by method, and the records listings returned."""

    def __init__(self, inner: MemoryAdapter) -> None:
        self.inner = inner
        self.system = inner.system
        self.calls: Counter[str] = Counter()
        self.listed = 0

    def create(self, entity: str, values: Values) -> str:
        self.calls["create"] += 1
        return self.inner.create(entity, values)

    def get(self, entity: str, record_id: str) -> Record | None:
        self.calls["get"] += 1
        return self.inner.get(entity, record_id)

    def update(self, entity: str, record_id: str, values: Values) -> None:
        self.calls["update"] += 1
        self.inner.update(entity, record_id, values)

    def delete(self, entity: str, record_id: str) -> None:
        self.calls["delete"] += 1
        self.inner.delete(entity, record_id)

    def assigned(self, entity: str, path: str) -> bool:
        return self.inner.assigned(entity, path)

    def find(self, entity: str, path: str, value: Any) -> list[str]:
        self.calls["find"] += 1
        return self.inner.find(entity, path, value)

    def changed_since(self, entity: str, since: datetime | None) -> list[Record]:
        self.calls["changed_since"] += 1
        found = self.inner.changed_since(entity, since)
        self.listed += len(found)
        return found

    def read(self, record: Record, path: str, condition: Condition | None = None) -> Any:
        return self.inner.read(record, path, condition)

    def close(self) -> None:
        self.inner.close()


__all__ = ["PEOPLE", "PEOPLE_MAP", "SPECS", "CountingAdapter", "Field", "World", "document", "section", "seed_documents"]
