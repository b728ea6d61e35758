"""Rows gated on one path with different values, and rows gated on a property another row syncs.

Found on the family's documents (tripletex-powerofficego, tripletex-superoffice
and 332 false alarms on unseen ones): ``... (Dependant on having NO in
Country.Code)`` beside ``... (Dependant on having SE in Country.Code)``, where
the pair set-up wrote one value to ``Country.Code`` and the rows of the other
branch never agreed; and ``Country.Code`` synced by one row while another row
is gated on it, where the row's own value switched the gated row off.
"""

from __future__ import annotations

import pytest

from engine_support import document, section
from dataflow_qa.checks.context import branch, probe_row
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget

GATED = document("Alpha", "Beta", section("Alpha", "Companies", "Beta", "Firms", rows=[
    ("Name", "name", '"string"'),
    ("Country.Code", "countryCode", '"string"'),
    ("OrgNr (Dependant on having NO in Country.Code)", "organizationNumber", '"string"'),
    ("VatNr (Dependant on having SE in Country.Code)", "organizationNumber", '"string"'),
    ("Duns (Dependant on having SE in Country.Code)", "duns", '"string"'),
]))
MAPPING = GATED.mappings[0]
KINDS = ["forward", "reverse", "round-trip", "conflict", "empty", "isolation"]


def session(faults: tuple[str, ...] = ()) -> Session:
    return Session(lambda scoped: FakeTarget(scoped, faults=faults), [GATED], 5, "branches", PROFILES["fake"])


def test_a_branch_holds_the_rows_whose_conditions_agree_with_the_checked_row() -> None:
    name, country, org, vat, duns = MAPPING.properties
    assert [r.source for r in branch(MAPPING, vat).properties] == ["Name", "Country.Code", "VatNr", "Duns"]
    assert [r.source for r in branch(MAPPING, org).properties] == ["Name", "Country.Code", "OrgNr"]
    assert [r.source for r in branch(MAPPING).properties] == ["Name", "Country.Code", "OrgNr"]
    plain = document("Alpha", "Beta", section("Alpha", "People", "Beta", "Contacts", rows=[("a", "A", '"string"')])).mappings[0]
    assert branch(plain) is plain
    assert probe_row(MAPPING) == name, "Country.Code holds the condition's value, not a unique one"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", ["Country.Code", "OrgNr", "VatNr", "Duns"])
def test_every_row_passes_on_the_clean_engine(kind: str, source: str) -> None:
    row = next(r for r in MAPPING.properties if r.source == source)
    result = session().check(kind, MAPPING, row, f"branches::{kind}")
    assert result.outcome.status == "passed", result.outcome.message


@pytest.mark.parametrize("kind", ["link", "delete"])
def test_the_mapping_checks_pass_on_the_clean_engine(kind: str) -> None:
    result = session().check(kind, MAPPING, None, f"branches::{kind}")
    assert result.outcome.status == "passed", result.outcome.message


@pytest.mark.parametrize("source", ["Name", "OrgNr", "VatNr"])
def test_an_engine_that_ignores_conditions_fails_isolation(source: str) -> None:
    """Isolation edits the other branch's rows beside the checked one: an engine syncing them anyway is caught."""
    row = next(r for r in MAPPING.properties if r.source == source)
    outcome = session(("conditions-ignored",)).check("isolation", MAPPING, row, "branches::isolation").outcome
    assert outcome.status == "failed", outcome.message


TARGET_GATED = document("Alpha", "Beta", section("Alpha", "Customers", "Beta", "Accounts", rows=[
    ("number", "Number", '"string"'),
    ("number", "OrgNo (Dependant on having wd:Q20 in Address.Country)", '"string"'),
    ("orgNumber", "OrgNo (Dependant on having NO in Address.Country)", '"string"'),
    ("country", "Address.Country", '"string"'),
]))
"""tripletex-powerofficego's shape: conditions on the target side, two rows into one target property."""


@pytest.mark.parametrize("kind", KINDS)
def test_a_condition_on_the_target_side_gates_the_row_both_ways(kind: str) -> None:
    """An edit of OrgNo at a NO account must not flow back through the wd:Q20 row into number (and on to Number)."""
    mapping = TARGET_GATED.mappings[0]
    row = next(r for r in mapping.properties if r.source == "orgNumber")
    state = Session(lambda scoped: FakeTarget(scoped), [TARGET_GATED], 5, "target-gated", PROFILES["fake"])
    result = state.check(kind, mapping, row, f"target-gated::{kind}")
    assert result.outcome.status == "passed", result.outcome.message
