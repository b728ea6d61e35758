"""The memory adapter's timeline and find index agree with a plain scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dataflow_qa.systems.adapters.memory import LogicalClock, MemoryAdapter, Write
from dataflow_qa.values.paths import Field
from dataflow_qa.generator.model import Condition

OPERATIONS = st.lists(st.tuples(st.sampled_from(["create", "update", "delete", "find"]), st.integers(0, 5), st.sampled_from(["a", "b", "c", None])), max_size=60)


@settings(max_examples=100, deadline=None)
@given(OPERATIONS, st.integers(0, 60))
def test_listing_and_find_match_a_plain_scan(operations: list[tuple[str, int, str | None]], cut: int) -> None:
    adapter = MemoryAdapter("alpha", clock=LogicalClock())
    ids: list[str] = []
    times = []
    for method, which, value in operations:
        if method == "create" or not ids:
            ids.append(adapter.create("E", {"email": value}))
        elif method == "update":
            adapter.update("E", ids[which % len(ids)], {"email": value})
        elif method == "delete":
            adapter.delete("E", ids.pop(which % len(ids)))
        else:
            assert sorted(adapter.find("E", "email", value)) == sorted(i for i, r in adapter.records["E"].items() if r.data.get("email") == value)
        times.extend(r.updated for r in adapter.records.get("E", {}).values())
    stored = adapter.records.get("E", {})
    since = sorted(times)[cut % len(times)] if times else None
    expected = sorted((r for r in stored.values() if since is None or r.updated > since), key=lambda r: r.updated)
    assert adapter.changed_since("E", since) == expected
    for value in ("a", "b", "c"):
        assert sorted(adapter.find("E", "email", value)) == sorted(i for i, r in stored.items() if r.data.get("email") == value)


def test_many_updates_of_one_record_list_it_once() -> None:
    adapter = MemoryAdapter("alpha", clock=LogicalClock())
    record_id = adapter.create("E", {"n": 0})
    for n in range(1, 500):
        adapter.update("E", record_id, {"n": n})
    assert [r.data for r in adapter.changed_since("E", None)] == [{"n": 499}]


def test_the_write_log_keeps_what_was_written_with_conditions_shown() -> None:
    clock = LogicalClock()
    adapter = MemoryAdapter("alpha", clock=clock)
    record_id = adapter.create("E", {"a.b": 1})
    adapter.update("E", record_id, {Field("phones.number", Condition("wd:Q1", "phones.name")): "+47"})
    adapter.delete("E", record_id)
    assert [(w.method, w.values) for w in adapter.log] == [
        ("create", {"a.b": 1}), ("update", {"phones.number (wd:Q1 in phones.name)": "+47"}), ("delete", {})]
    assert adapter.writes == [("create", "E", record_id), ("update", "E", record_id), ("delete", "E", record_id)]
    assert all(isinstance(w, Write) for w in adapter.log)


def test_adapters_on_the_default_clock_order_their_writes_across_systems() -> None:
    first, second = MemoryAdapter("alpha"), MemoryAdapter("beta")
    early = first.get("E", first.create("E", {}))
    late = second.get("E", second.create("E", {}))
    assert early is not None and late is not None and early.updated < late.updated
