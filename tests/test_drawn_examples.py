"""A check's drawn examples depend on the run's seed and the check alone.

On the fake target a check's Hypothesis examples run through one Hypothesis
test per budget, made once and handed each check (making one per check cost
more than running a cheap check). Nothing may carry over from one check to
the next: a check draws the same values after other checks as it does alone.
"""

from __future__ import annotations

from engine_support import document, section
from dataflow_qa.generator.model import Document
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Result, Session
from dataflow_qa.targets.fake import FakeTarget

ROWS = [("name", "Name", '"string"'), ("employees", "Employees", '"integer"')]
DOCUMENT = document("WebCRM", "CRMOffice", section("WebCRM", "Organisation", "CRMOffice", "Company", rows=ROWS), path="webcrm-crmoffice.rst")


def _check(session: Session, kind: str, parsed: Document, row: int) -> Result:
    """One check on fresh fake systems (its own test class), so only the drawing is shared with other checks."""
    mapping = parsed.mappings[0]
    return session.check(kind, mapping, mapping.properties[row], f"{kind}-{row}::{kind}")


def test_a_check_draws_the_same_examples_after_other_checks_as_alone() -> None:
    alone = _check(Session(FakeTarget, [DOCUMENT], 5, "alone", PROFILES["fake"]), "forward", DOCUMENT, 0)
    busy = Session(FakeTarget, [DOCUMENT], 5, "busy", PROFILES["fake"])
    for kind, row in (("forward", 1), ("conflict", 0), ("type", 1)):
        assert _check(busy, kind, DOCUMENT, row).outcome.status == "passed"
    after = _check(busy, "forward", DOCUMENT, 0)
    assert alone.outcome.status == after.outcome.status == "passed", (alone.outcome.message, after.outcome.message)
    assert after.examples == alone.examples > 1
    assert after.draws == alone.draws and after.values == alone.values
