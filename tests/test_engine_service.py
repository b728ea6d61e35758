"""The engine as a service process: polls until it is told to stop by a signal."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from engine_support import PEOPLE, PEOPLE_MAP

from dataflow_qa.systems.adapters.base import Values
from dataflow_qa.systems.adapters.memory import LogicalClock, MemoryAdapter
from dataflow_qa.engine import Engine
from dataflow_qa.engine.service import run_until_signalled


class Signalling(MemoryAdapter):
    """Sets an event when a record is created."""

    def __init__(self, system: str, clock: LogicalClock) -> None:
        super().__init__(system, clock=clock)
        self.created = threading.Event()

    def create(self, entity: str, values: Values) -> str:
        record_id = super().create(entity, values)
        self.created.set()
        return record_id


def test_sigterm_stops_the_polling_loop_after_a_whole_pass() -> None:
    clock = LogicalClock()
    alpha, beta = MemoryAdapter("alpha", clock=clock), Signalling("beta", clock=clock)
    engine = Engine([PEOPLE], {"alpha": alpha, "beta": beta})
    person = alpha.create("People", {"first": "Ada"})
    stop, finished, problems = threading.Event(), threading.Event(), []

    def terminate_once_synced() -> None:  # stops the loop itself on failure, so the test cannot hang
        if not beta.created.wait(timeout=10):
            problems.append("the engine never created the contact")
            stop.set()
            return
        os.kill(os.getpid(), signal.SIGTERM)
        if not finished.wait(timeout=10):
            problems.append("SIGTERM did not stop the loop")
            stop.set()

    helper = threading.Thread(target=terminate_once_synced, daemon=True)
    before = signal.getsignal(signal.SIGTERM)
    helper.start()
    run_until_signalled(engine, 0.01, stop_event=stop)
    finished.set()
    helper.join(timeout=10)
    assert problems == []
    assert engine.linked(PEOPLE_MAP, person) is not None
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_non_positive_interval_is_refused() -> None:
    engine = Engine([PEOPLE], {"alpha": MemoryAdapter("alpha"), "beta": MemoryAdapter("beta")})
    with pytest.raises(ValueError, match="interval must be a positive number of seconds"):
        run_until_signalled(engine, 0)
