"""The wave runner: many checks advanced step by step, each round's reads done at once.

A fake clock and sleep stand in for time; concurrency is proven with a
barrier that only opens when every pending read is under way together.
"""

from __future__ import annotations

import contextvars
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from dataflow_qa.checks import PollWaiter, Progress, Wait, run_waves
from dataflow_qa.checks.context import Check
from dataflow_qa.targets.sandbox import RunSettings


class FakeTime:
    """A clock that moves only when the runner sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def waiter(time: FakeTime, concurrency: int) -> PollWaiter:
    return PollWaiter(deadline=10, quiet_period=3, first_delay=1, max_delay=2, sleep=time.sleep, clock=time.clock,
                      concurrency=concurrency)


def arrives_after(reads: int, log: list[str], name: str) -> Check:
    """Two steps: a value that shows on the ``reads``-th read, then an assertion on it."""
    count = {"n": 0}

    def read() -> int:
        count["n"] += 1
        return count["n"]

    seen = yield Wait(f"{name} to arrive", read, lambda n: n >= reads)
    log.append(f"{name} saw {seen}")
    quiet = yield Wait("quiet", lambda: "still there", quiet=True)
    assert quiet == "still there"


def never(log: list[str]) -> Check:
    yield Wait("something that never happens", lambda: 0, lambda n: n > 0)
    log.append("unreachable")


def broken_read() -> Check:
    def read() -> Any:
        raise ConnectionError("sandbox unreachable")

    yield Wait("a read that fails", read)


def wrong_value() -> Check:
    seen = yield Wait("a value", lambda: 41)
    assert seen == 42, f"expected 42, found {seen}"


def mixed(log: list[str]) -> dict[str, Check]:
    return {"fast": arrives_after(1, log, "fast"), "slow": arrives_after(3, log, "slow"), "never": never(log),
            "broken": broken_read(), "wrong": wrong_value()}


@pytest.mark.parametrize("concurrency", [1, 8])
def test_outcomes_are_those_of_each_check_alone(concurrency: int) -> None:
    log: list[str] = []
    outcomes = run_waves(mixed(log), waiter(FakeTime(), concurrency))
    assert {name: o.status for name, o in outcomes.items()} == {
        "fast": "passed", "slow": "passed", "never": "failed", "broken": "error", "wrong": "failed"}
    assert "not so after 10 s" in outcomes["never"].message
    assert outcomes["broken"].message == "sandbox unreachable"
    assert outcomes["wrong"].message.startswith("expected 42, found 41")
    assert sorted(log) == ["fast saw 1", "slow saw 3"]
    assert outcomes["fast"].latencies == [0.0] and outcomes["slow"].latencies == [3.0]


def test_concurrency_changes_nothing_but_who_does_the_work() -> None:
    serial_time, threaded_time = FakeTime(), FakeTime()
    serial = run_waves(mixed([]), waiter(serial_time, 1))
    threaded = run_waves(mixed([]), waiter(threaded_time, 8))
    assert {n: (o.status, o.message, o.latencies) for n, o in serial.items()} == \
        {n: (o.status, o.message, o.latencies) for n, o in threaded.items()}
    assert serial_time.slept == threaded_time.slept


def test_the_pending_reads_of_a_round_run_together() -> None:
    together = threading.Barrier(4, timeout=30)

    def check() -> Check:
        yield Wait("every read under way at once", lambda: together.wait() >= 0)

    outcomes = run_waves({f"c{i}": check() for i in range(4)}, waiter(FakeTime(), 8))
    assert {o.status for o in outcomes.values()} == {"passed"}, [o.message for o in outcomes.values()]


def test_the_checks_that_may_go_on_are_advanced_together() -> None:
    together = threading.Barrier(3, timeout=30)

    def check() -> Check:
        yield Wait("a value", lambda: 1)
        together.wait()  # the next step's writes, made by every check at once

    outcomes = run_waves({f"c{i}": check() for i in range(3)}, waiter(FakeTime(), 8))
    assert {o.status for o in outcomes.values()} == {"passed"}, [o.message for o in outcomes.values()]


def test_reads_see_the_callers_context() -> None:
    """The report's recorder of HTTP exchanges is a context variable: worker threads must see it."""
    recorder: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("recorder", default=None)
    seen: list[str] = []
    recorder.set(seen)

    def check(name: str) -> Check:
        def read() -> bool:
            sink = recorder.get()
            assert sink is not None
            sink.append(name)
            return True

        yield Wait("recorded", read)

    outcomes = run_waves({name: check(name) for name in ("a", "b", "c")}, waiter(FakeTime(), 8))
    assert {o.status for o in outcomes.values()} == {"passed"}
    assert sorted(seen) == ["a", "b", "c"]


def steps(time: FakeTime, count: int, finished: dict[str, float], name: str) -> Check:
    """``count`` steps whose change is there at the first look; notes when it ended."""
    for step in range(count):
        yield Wait(f"{name} step {step}", lambda: True)
    finished[name] = time.now


def test_a_missed_deadline_holds_the_others_up_no_longer_than_that_deadline() -> None:
    time, finished = FakeTime(), {}
    outcomes = run_waves({"never": never([]), "quick": steps(time, 5, finished, "quick")}, waiter(time, 8))
    assert outcomes["quick"].status == "passed" and outcomes["never"].status == "failed"
    assert "not so after 10 s" in outcomes["never"].message
    assert finished["quick"] == 10.0, "its later steps went on when the wave's deadline passed, not later"
    assert time.slept == [1, 2, 2, 2, 2, 1], "the last read falls on the deadline"


def test_progress_is_reported_after_each_round_and_ends_with_every_check_counted() -> None:
    reports: list[Progress] = []
    run_waves(mixed([]), waiter(FakeTime(), 8), report=lambda p: reports.append(Progress(**vars(p))))
    assert (reports[0].pending, reports[0].settled, reports[0].failed) == (5, 0, 0), "told at the start"
    assert reports[1].pending < 5
    last = reports[-1]
    assert (last.total, last.pending, last.settled, last.failed) == (5, 0, 2, 3)
    assert last.slowest == (3.0, "slow to arrive")
    assert [r.pending for r in reports] == sorted((r.pending for r in reports), reverse=True)
    assert [r.pending for r in reports].count(0) == 1, "the end is told once (a progress line adds up batches by it)"


def test_the_start_is_told_before_the_first_steps_which_may_take_long() -> None:
    told: list[int] = []

    def check() -> Check:
        assert told == [1], "the first step ran before the start was told"
        yield Wait("a value", lambda: 1)

    outcomes = run_waves({"a": check()}, waiter(FakeTime(), 1), report=lambda p: told.append(p.pending))
    assert outcomes["a"].status == "passed", outcomes["a"].message


def test_a_run_whose_changes_all_arrive_tells_its_end_once() -> None:
    time, reports = FakeTime(), []
    run_waves({"a": steps(time, 2, {}, "a"), "b": steps(time, 3, {}, "b")}, waiter(time, 1), report=lambda p: reports.append(p.pending))
    assert reports.count(0) == 1 and reports[-1] == 0, reports


@pytest.mark.parametrize("value", ["0", "true", "2.5", '"8"'])
def test_a_bad_concurrency_setting_names_the_file(tmp_path: Path, value: str) -> None:
    config = tmp_path / "sandbox.toml"
    config.write_text(f"[run]\nconcurrency = {value}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(config))}: \[run\] concurrency must be a whole number from 1 to 64"):
        RunSettings.load(config)


def test_concurrency_is_read_from_the_run_table(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.toml"
    config.write_text("[run]\nconcurrency = 3\n", encoding="utf-8")
    assert RunSettings.load(config).concurrency == 3


def test_checks_that_must_not_see_others_records_share_a_batch_only_with_checks_they_cannot_see() -> None:
    """Row-less mappings find their linked record as "the one new record" in the target entity."""
    from dataflow_qa.generator.parse import find_documents, parse_paths
    from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session

    documents = [r.document for r in parse_paths(find_documents([str(Path(__file__).parent.parent / "specs")])) if r.document]
    session = Session(lambda scoped: None, documents, 1, "run", PROFILES["sandbox"])
    rowless = sorted({m.key: m for d in documents for m in d.mappings if not m.properties and m.variant != "link-only"}.items())
    groups = session.apart([(f"{key}::{kind}", mapping) for key, mapping in rowless for kind in ("link", "delete")])
    mappings = dict(rowless)
    assert 1 < len(groups) < 2 * len(rowless), groups
    for group in groups:
        members = [mappings[name.split("::")[0]] for name in group]
        for one in members:
            watched = {(one.target.id, one.target_entity), *session.downstream(one.target.id, one.target_entity)}
            for other in (m for m in members if m is not one):
                lands = {(other.source.id, other.source_entity), *session.downstream(other.source.id, other.source_entity)}
                assert not watched & lands, (one.key, other.key)

