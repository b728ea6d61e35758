"""Rows naming a value the system assigns itself (a record id): the engine leaves them alone, their checks skip.

Corpus documents map ``subscription_id`` to Tidsbanken's ``Id`` or ``id`` to
Salesforce's ``Id``. No client can write those (Salesforce answers 400 to an
``Id`` in a create), so the engine must not try, and a check of such a row
would only ever fail; it skips and says why.
"""

from __future__ import annotations

import pytest

from engine_support import document as parse_document, section
from dataflow_qa.systems.adapters.base import assigned_end, writable
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget
from dataflow_qa.generator.model import Document

ROWS = [("name", "Name", '"string"'), ("external_id", "Id", '"string"'), ("phone", "Phone", '"string"')]


@pytest.fixture
def document() -> Document:
    return parse_document("HubSpot", "Salesforce", section("HubSpot", "Companies", "Salesforce", "Account", rows=ROWS), path="hubspot-salesforce.rst")


@pytest.mark.parametrize(("dialect_system", "entity", "path", "expected"), [
    ("salesforce", "Account", "Id", True),
    ("salesforce", "Account", "ID", True),
    ("salesforce", "Account", "SystemModstamp", True),
    ("salesforce", "Account", "Name", False),
    ("hubspot", "Companies", "id", True),
    ("hubspot", "Companies", "updatedAt", True),
    ("hubspot", "Companies", "name", False),
    ("hubspot", "Companies", "properties.id", False),
])
def test_each_dialect_names_the_fields_it_assigns(document: Document, dialect_system: str, entity: str, path: str, expected: bool) -> None:
    target = FakeTarget([document])
    assert target.adapters[dialect_system].assigned(entity, path) is expected


def test_the_engine_syncs_the_other_rows_and_never_writes_the_id(document: Document) -> None:
    target = FakeTarget([document], wire="http")  # the vendor fakes put the ids they assign into the records
    hubspot, salesforce = target.adapters["hubspot"], target.adapters["salesforce"]
    company = hubspot.create("Companies", {"name": "Ærøskøbing AS", "external_id": "ext-1", "phone": "+47 1"})
    target.settle()
    [account] = salesforce.find("Account", "Name", "Ærøskøbing AS")
    record = salesforce.get("Account", account)
    assert record is not None and record.data["Id"] == account and record.data["Phone"] == "+47 1"
    hubspot.update("Companies", company, {"phone": "+47 2"})
    target.settle()
    assert salesforce.read(salesforce.get("Account", account), "Phone") == "+47 2"  # type: ignore[arg-type]
    mapping = document.mappings[0]
    assert assigned_end(target.adapters, mapping, mapping.properties[1]) == "Salesforce Account.Id"
    assert [row.target for row in writable(target.adapters, mapping).properties] == ["Name", "Phone"]


def test_checks_of_an_assigned_row_skip_with_the_reason_and_the_others_pass(document: Document) -> None:
    state = Session(lambda scoped: FakeTarget(scoped), [document], 5, "assigned", PROFILES["fake"])
    mapping = document.mappings[0]
    name, external, phone = mapping.properties
    for kind in ("forward", "reverse", "isolation"):
        skipped = state.check(kind, mapping, external, f"assigned::{kind}")
        assert skipped.outcome.status == "skipped"
        assert "Salesforce Account.Id is assigned by the system itself" in skipped.outcome.message
        assert f"{external.loc}" in skipped.outcome.message
        for row in (name, phone):
            result = state.check(kind, mapping, row, f"assigned::{kind}")
            assert result.outcome.status == "passed", (kind, row, result.outcome.message)
    assert state.check("link", mapping, None, "assigned::link").outcome.status == "passed"
