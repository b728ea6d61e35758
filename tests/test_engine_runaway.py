"""Records that multiply: the engine gives up with a clear message instead of eating the machine.

Found on the corpus document powerofficego-powerofficego: entity variants
("Customers", "Customers (human data)", "Customers (classification data)")
live in one PowerOffice collection, so every record the sync created there
was a new source for the other mappings, and the records doubled each pass;
a run of the generated suite grew to 10 GB before it was stopped.
"""

from __future__ import annotations

import pytest

from engine_support import document, section
from dataflow_qa.systems.adapters.base import Values
from dataflow_qa.systems.adapters.memory import LogicalClock, MemoryAdapter
from dataflow_qa.engine import Engine, EngineNotQuiescent


class SharedCollection(MemoryAdapter):
    """Every entity name that starts with ``Customers`` is stored in one collection."""

    def create(self, entity: str, values: Values) -> str:
        return super().create(entity.split(" (")[0], values)

    def get(self, entity: str, record_id: str):  # type: ignore[no-untyped-def]
        return super().get(entity.split(" (")[0], record_id)

    def update(self, entity: str, record_id: str, values: Values) -> None:
        super().update(entity.split(" (")[0], record_id, values)

    def changed_since(self, entity: str, since):  # type: ignore[no-untyped-def]
        return super().changed_since(entity.split(" (")[0], since)


def test_records_that_multiply_stop_the_settle_with_a_clear_message() -> None:
    rows = [("name", "name", '"string"')]
    doubling = document("PowerOffice GO", "PowerOffice GO",
                        section("PowerOffice GO", "Customers", "PowerOffice GO", "Customers (human data)", rows=rows),
                        section("PowerOffice GO", "Customers", "PowerOffice GO", "Customers (classification data)", rows=rows))
    adapter = SharedCollection("powerofficego", clock=LogicalClock())
    engine = Engine([doubling], {"powerofficego": adapter})
    adapter.create("Customers", {"name": "Ada"})
    with pytest.raises(EngineNotQuiescent, match=r"writes in \d+ passes and still writing.*records multiply"):
        engine.settle(max_passes=50, max_writes=500)
    stored = len(adapter.records["Customers"])
    assert 500 < stored < 2_000, stored
