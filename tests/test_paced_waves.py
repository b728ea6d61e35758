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
