"""Change detection: cursors, equal timestamps, cost per pass, failures, polling."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from engine_support import PEOPLE, PEOPLE_MAP, CountingAdapter, World

from dataflow_qa.systems.adapters.base import AdapterError, Values
from dataflow_qa.systems.adapters.memory import EPOCH, LogicalClock, MemoryAdapter
from dataflow_qa.engine import Engine, EngineNotQuiescent


class FrozenClock:
    """A clock whose time moves only when told: many writes share one timestamp."""

    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> datetime:
        return self.now


def test_an_edit_in_the_same_tick_as_the_cursor_is_not_missed() -> None:
    clock = FrozenClock()
    world = World([PEOPLE], clock=clock)  # type: ignore[arg-type]
    person = world.create("alpha", "People", {"first": "Ada"})
    world.engine.settle()
    contact = world.engine.linked(PEOPLE_MAP, person)
    world.edit("alpha", "People", person, {"first": "Same tick"})
    world.engine.settle()
    assert world.value("beta", "Contacts", contact, "givenName") == "Same tick"
    world.edit("beta", "Contacts", contact, {"years": 40})
    world.engine.settle()
    assert world.value("alpha", "People", person, "age") == 40


def test_records_at_the_cursor_edge_are_not_handled_again() -> None:
    clock = FrozenClock()
    counting = {name: CountingAdapter(MemoryAdapter(name, clock=clock)) for name in ("alpha", "beta")}  # type: ignore[arg-type]
    engine = Engine([PEOPLE], counting)
    counting["alpha"].create("People", {"first": "Ada"})
    engine.settle()
    for adapter in counting.values():
        adapter.calls.clear()
    assert engine.sync_once() == 0
    assert [dict(adapter.calls) for adapter in counting.values()] == [{"changed_since": 1}, {"changed_since": 1}]


def test_own_writes_are_read_once_and_then_left_behind() -> None:
    shared = LogicalClock()
    counting = {name: CountingAdapter(MemoryAdapter(name, clock=shared)) for name in ("alpha", "beta")}
    engine = Engine([PEOPLE], counting)
    counting["alpha"].create("People", {"first": "Ada"})
    assert engine.sync_once() == 1
    assert engine.sync_once() == 0
    before = sum(a.listed for a in counting.values())
    assert engine.sync_once() == 0 and engine.sync_once() == 0
    assert sum(a.listed for a in counting.values()) - before <= 4  # only the edge records, skipped unread


def calls_for_one_edit(stored: int) -> tuple[dict[str, int], int]:
    """Adapter calls and records listed in the one pass after one edit, with ``stored`` records synced."""
    clock = LogicalClock()
    counting = {name: CountingAdapter(MemoryAdapter(name, clock=clock)) for name in ("alpha", "beta")}
    engine = Engine([PEOPLE], counting)
    ids = [counting["alpha"].inner.create("People", {"first": f"P{n}"}) for n in range(stored)]
    engine.settle()
    counting["alpha"].inner.update("People", ids[stored // 2], {"first": "Edited"})
    for adapter in counting.values():
        adapter.calls.clear()
        adapter.listed = 0
    assert engine.sync_once() == 1
    calls = {f"{name}.{method}": n for name, adapter in counting.items() for method, n in adapter.calls.items()}
    return calls, sum(adapter.listed for adapter in counting.values())


def test_a_pass_after_one_edit_touches_only_the_changed_record_however_many_are_stored() -> None:
    few, listed_few = calls_for_one_edit(10)
    many, listed_many = calls_for_one_edit(3_000)
    assert many == few == {"alpha.changed_since": 1, "beta.changed_since": 1, "beta.get": 1, "beta.update": 1}
    assert listed_many == listed_few <= 3


class FailingOnce:
    """An adapter whose next call to ``method`` fails like an unreachable system."""

    def __init__(self, inner: MemoryAdapter, method: str) -> None:
        self.inner, self.system, self.method, self.armed = inner, inner.system, method, False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name == self.method and self.armed:
            self.armed = False
            raise AdapterError(f"{self.system}: {name} failed: connection refused", system=self.system, kind="connection")
        return attribute


def test_a_failed_pass_is_repeated_and_nothing_is_lost() -> None:
    clock = LogicalClock()
    beta = FailingOnce(MemoryAdapter("beta", clock=clock), "update")
    alpha = MemoryAdapter("alpha", clock=clock)
    engine = Engine([PEOPLE], {"alpha": alpha, "beta": beta})
    person = alpha.create("People", {"first": "Ada"})
    engine.settle()
    alpha.update("People", person, {"first": "Bea"})
    beta.armed = True
    with pytest.raises(AdapterError, match="connection refused"):
        engine.sync_once()
    engine.settle()
    assert beta.inner.get("Contacts", engine.linked(PEOPLE_MAP, person)).data["givenName"] == "Bea"
    assert len(beta.inner.records["Contacts"]) == 1


class Normalising(MemoryAdapter):
    """A system that changes every value written to it: the two sides never agree."""

    def update(self, entity: str, record_id: str, values: Values) -> None:
        super().update(entity, record_id, {key: f"{value}!" for key, value in values.items()})


def test_settle_says_clearly_when_the_systems_never_agree() -> None:
    clock = LogicalClock()
    adapters = {"alpha": Normalising("alpha", clock=clock), "beta": Normalising("beta", clock=clock)}
    engine = Engine([PEOPLE], adapters)
    person = adapters["alpha"].create("People", {"first": "Ada"})
    engine.settle()
    adapters["alpha"].update("People", person, {"first": "Bea"})
    with pytest.raises(EngineNotQuiescent, match=r"each of 10 passes made writes .*an echo loop"):
        engine.settle(max_passes=10)


class Signalling(MemoryAdapter):
    """Sets an event when a record is updated."""

    def __init__(self, system: str, clock: LogicalClock) -> None:
        super().__init__(system, clock=clock)
        self.updated = threading.Event()

    def update(self, entity: str, record_id: str, values: Values) -> None:
        super().update(entity, record_id, values)
        self.updated.set()


def test_run_forever_polls_until_stopped_and_survives_system_errors(caplog: pytest.LogCaptureFixture) -> None:
    clock = LogicalClock()
    alpha = FailingOnce(MemoryAdapter("alpha", clock=clock), "changed_since")
    beta = Signalling("beta", clock=clock)
    engine = Engine([PEOPLE], {"alpha": alpha, "beta": beta})
    person = alpha.inner.create("People", {"first": "Ada"})
    engine.settle()
    alpha.armed = True
    stop = threading.Event()
    worker = threading.Thread(target=engine.run_forever, args=(0.01, stop), daemon=True)
    with caplog.at_level(logging.WARNING, logger="dataflow_qa.engine.core"):
        worker.start()
        alpha.inner.update("People", person, {"first": "Bea"})
        assert beta.updated.wait(timeout=10), "the polling engine never synced the edit"
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert beta.get("Contacts", engine.linked(PEOPLE_MAP, person)).data["givenName"] == "Bea"
    assert "sync pass failed" in caplog.text and "connection refused" in caplog.text


def test_lookback_is_configurable_for_clocks_that_skew() -> None:
    clock = FrozenClock()
    adapters = {name: MemoryAdapter(name, clock=clock) for name in ("alpha", "beta")}  # type: ignore[arg-type]
    engine = Engine([PEOPLE], adapters, lookback=timedelta(seconds=5))
    clock.now = EPOCH + timedelta(seconds=10)
    person = adapters["alpha"].create("People", {"first": "Ada"})
    engine.settle()
    clock.now = EPOCH + timedelta(seconds=8)  # committed late: stamped before the cursor
    adapters["alpha"].update("People", person, {"first": "Committed late"})
    engine.settle()
    assert adapters["beta"].get("Contacts", engine.linked(PEOPLE_MAP, person)).data["givenName"] == "Committed late"


def test_a_lookback_of_zero_is_refused_because_it_misses_same_tick_edits() -> None:
    with pytest.raises(ValueError, match="lookback must be positive"):
        Engine([PEOPLE], {"alpha": MemoryAdapter("alpha"), "beta": MemoryAdapter("beta")}, lookback=timedelta(0))
