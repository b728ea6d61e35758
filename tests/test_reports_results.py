"""Test reports become one record per check, whatever phase decided its status."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from dataflow_qa.checks import Outcome
from dataflow_qa.pytest_plugin.dataflow import Result
from dataflow_qa.reports.results import HOLLOW, Collector, format_values, identifier_properties, outcome_properties
from dataflow_qa.generator.model import Location, Mapping, System

IDS = identifier_properties({"document": "specs/a.rst", "line": 42, "mapping": "a:X->b:Y", "property": "p->q", "check": "forward"})
MAPPING = Mapping(Location("specs/a.rst", 12), "A X to B Y", System("a", "A"), "X", System("b", "B"), "Y", "create")


def report(when: str, outcome: str, properties: list[tuple[str, str]], longrepr: Any = None, text: str = "") -> SimpleNamespace:
    return SimpleNamespace(nodeid="t.py::test_forward[p->q]", when=when, outcome=outcome, user_properties=properties,
                           longrepr=longrepr, longreprtext=text, passed=outcome == "passed", failed=outcome == "failed",
                           skipped=outcome == "skipped")


def collect(*reports: SimpleNamespace) -> Collector:
    collector = Collector()
    for each in reports:
        collector.add(each)
    return collector


def test_a_checks_outcome_comes_from_its_properties() -> None:
    result = Result("forward", MAPPING, None, Outcome("skipped", "condition 'wd:Q20' is malformed", gap=True),
                    values=[("p->q", "Zoë"), ("long", "x" * 500)], seed=7, examples=3)
    props = IDS + outcome_properties(result, "fake")
    collector = collect(report("setup", "passed", IDS), report("call", "skipped", props, ("t.py", 1, "Skipped: documentation gap: condition 'wd:Q20' is malformed")),
                        report("teardown", "passed", props))
    [record] = collector.records.values()
    assert (record.document, record.line, record.mapping, record.property, record.check) == ("specs/a.rst", 42, "a:X->b:Y", "p->q", "forward")
    assert (record.status, record.seed, record.latencies) == ("gap", 7, [])
    assert record.message == "documentation gap: condition 'wd:Q20' is malformed"
    assert "p->q='Zoë'" in record.values and "(502 characters)" in record.values


def test_latencies_are_kept_on_a_sandbox_only() -> None:
    result = Result("forward", MAPPING, None, Outcome("passed", latencies=[1.25, 30.5]), seed=1)
    assert ("latency_s", "1.250,30.500") in outcome_properties(result, "sandbox")
    assert all(name != "latency_s" for name, _ in outcome_properties(result, "fake"))
    record = next(iter(collect(report("call", "passed", IDS + outcome_properties(result, "sandbox"))).records.values()))
    assert record.latencies == [1.25, 30.5]


def test_setup_and_teardown_trouble_is_an_error_not_a_verdict() -> None:
    broken_setup = collect(report("setup", "failed", IDS, text="fixture 'dataflow' raised ConfigError"))
    assert [(r.status, r.message) for r in broken_setup.records.values()] == [("error", "setup: fixture 'dataflow' raised ConfigError")]
    broken_teardown = collect(report("call", "passed", IDS), report("teardown", "failed", IDS, text="cleanup failed"))
    assert next(iter(broken_teardown.records.values())).status == "error"


def test_without_a_stored_result_nothing_counts_as_passed_or_as_a_defect() -> None:
    failed = collect(report("call", "failed", IDS, text="AssertionError: boom"))
    assert [(r.status, r.cause, r.message) for r in failed.records.values()] == [
        ("error", "error: internal (no check result)", "AssertionError: boom")]
    hollow = collect(report("call", "passed", IDS))
    assert [(r.status, r.message) for r in hollow.records.values()] == [("not-run", HOLLOW)]
    skipped = collect(report("setup", "skipped", IDS, ("t.py", 3, "Skipped: needs a sandbox")))
    assert [(r.status, r.message) for r in skipped.records.values()] == [("skipped", "needs a sandbox")]


def test_reports_of_other_tests_are_ignored() -> None:
    assert collect(report("call", "passed", [("owner", "me")])).records == {}
    assert format_values([]) == ""
