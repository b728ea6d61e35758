"""Conflicting edits are ordered by the systems' own stamps, whatever their resolution.

Salesforce stamps edits to the millisecond. A conflict check that wrote the
source and then, microseconds later, a Salesforce target could give the later
edit the earlier stamp, so the clean engine rightly kept the source's value and
the check reported a defect (46 of 48 conflict checks of the corpus document
businesscentral-salesforce). The check now writes the later edit until the
target's stamp is later.
"""

from __future__ import annotations

from engine_support import document, section
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget

ROWS = [("displayName", "Name", '"string"'), ("email", "Email", '"string"'), ("phoneNumber", "Phone", '"string"')]


def test_conflicts_with_a_millisecond_target_pass_on_the_clean_engine() -> None:
    parsed = document("Business Central", "Salesforce", section("Business Central", "Customers", "Salesforce", "Account", rows=ROWS),
                      path="businesscentral-salesforce.rst")
    state = Session(lambda scoped: FakeTarget(scoped), [parsed], 11, "conflict-order", PROFILES["fake"])
    mapping = parsed.mappings[0]
    for row in mapping.properties:
        result = state.check("conflict", mapping, row, "order::conflict")
        assert result.outcome.status == "passed", (row.label, result.outcome.message)
        assert result.examples > 1
