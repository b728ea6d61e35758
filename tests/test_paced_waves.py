"""Waves paced to the systems' rate limits: a round of reads, and the sync's copies made under the same
limit, must not eat the deadline the checks are judged by (issue 16, sandbox runs with limits on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow_qa.checks import paced, wave_caps
from dataflow_qa.generator.parse import DocumentParser
from dataflow_qa.pytest_plugin import dataflow
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget

SPEC = Path(__file__).resolve().parent.parent / "specs" / "webcrm-crmoffice.rst"


def test_waves_are_cut_so_no_rate_limited_system_holds_more_checks_than_its_rate_allows() -> None:
    caps = wave_caps({"webcrm": 1.667, "poweroffice": 4.0, "crm": 0.0}, deadline=30)
    assert caps == {"webcrm": 12, "poweroffice": 30}, "rate x deadline x a quarter; no rate: no cap"
    touches = {f"w{i}": {"webcrm", "crm"} for i in range(30)} | {f"p{i}": {"poweroffice"} for i in range(5)}
    waves = paced(touches, touches.__getitem__, caps)
    assert [len(w) for w in waves] == [17, 12, 6], "first fit: the others join the first wave with room"
    assert all(sum("webcrm" in touches[n] for n in w) <= 12 for w in waves)
    assert sorted(n for w in waves for n in w) == sorted(touches), "every check in exactly one wave"
    assert paced(touches, touches.__getitem__, {}) == [list(touches)], "no limits: one wave"


def test_a_slow_rate_and_a_short_deadline_still_leave_one_check_per_wave() -> None:
    assert wave_caps({"slow": 0.01}, deadline=5) == {"slow": 1}



class LimitedTarget(FakeTarget):
    """The fake target as a sandbox whose WebCRM budget allows two checks a wave."""

    def wave_caps(self) -> dict[str, int]:
        return {"webcrm": 2}


def test_a_sandbox_run_cuts_its_waves_by_the_targets_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    document = DocumentParser().parse_file(SPEC).document
    assert document is not None and len(document.mappings) >= 3
    waves: list[list[str]] = []
    monkeypatch.setattr(dataflow, "run_waves", lambda checks, waiter, report: waves.append(sorted(checks)) or {})
    session = Session(LimitedTarget, [document], 5, "paced", PROFILES["sandbox"])
    users, persons = document.mappings[1], document.mappings[2]
    plan = [(f"{name}::{kind}", (kind, mapping, None)) for name, mapping in (("users", users), ("persons", persons))
            for kind in ("link", "delete")]
    session.run_planned(plan)
    assert waves == [["users::delete", "users::link"], ["persons::delete", "persons::link"]]


def test_the_run_warns_when_the_sync_is_usually_slower_than_the_quiet_period() -> None:
    """A quiet wait shorter than the sync's passes proves nothing: the summary says so, with the value to set."""
    from dataflow_qa.checks import Outcome, PollWaiter
    from dataflow_qa.pytest_plugin.dataflow import Result, quiet_too_short

    slow = [Result("forward", None, None, Outcome(latencies=[0.4, 14.2, 12.5])), Result("link", None, None, Outcome(latencies=[2.0]))]
    [warning] = quiet_too_short(slow, PollWaiter(quiet_period=3))
    assert "one propagation in ten took 12.5 s or longer, more than [run] quiet_period (3 s)" in warning
    assert warning.endswith("set quiet_period above 12 s in the sandbox configuration")
    assert quiet_too_short(slow, PollWaiter(quiet_period=30)) == []
    assert quiet_too_short(slow, object()) == [], "the fake target settles instead of waiting: nothing to say"
    one_busy_moment = [Result("forward", None, None, Outcome(latencies=[1.0] * 19 + [5.4]))]
    assert quiet_too_short(one_busy_moment, PollWaiter(quiet_period=3)) == []
