"""Rows joined through a shared property (fan-out and fan-in): the checks give them one value.

Found on corpus documents: chargebee-tidsbanken maps ``addr`` to both
``Gateadresse`` and ``Leveringsadresse`` (fan-out), and
freshteam-businesscentral maps ``address.city`` and
``communication_address.communication_city`` both to ``city`` (fan-in). With a
different value in each row, the linked records can never agree, and every
check of the mapping failed on the clean engine.
"""

from __future__ import annotations

import pytest

from engine_support import document, section
from dataflow_qa.checks.pairs import row_groups
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget
from dataflow_qa.generator.model import Document

FAN_OUT = ("Chargebee", "Address", "Tidsbanken", "Kunde",
           [("addr", "Gateadresse", '"string"'), ("addr", "Leveringsadresse", '"string"'), ("city", "Poststed", '"string"')])
FAN_IN = ("Freshteam", "Employee", "Business Central", "Employees",
          [("address.city", "city", '"string"'), ("communication_address.communication_city", "city", '"string"'),
           ("first_name", "givenName", '"string"')])


def parse(source: str, source_entity: str, target: str, target_entity: str, rows: list) -> Document:
    parsed = document(source, target, section(source, source_entity, target, target_entity, rows=rows), path="doc.rst")
    assert len(parsed.mappings[0].properties) == 3
    return parsed


@pytest.mark.parametrize("spec", [FAN_OUT, FAN_IN], ids=["fan-out", "fan-in"])
@pytest.mark.parametrize("kind", ["link", "forward", "reverse", "round-trip", "conflict", "isolation"])
def test_rows_sharing_a_property_pass_on_the_clean_engine(spec: tuple, kind: str) -> None:
    parsed = parse(*spec)
    state = Session(lambda scoped: FakeTarget(scoped), [parsed], 3, "fan", PROFILES["fake"])
    mapping = parsed.mappings[0]
    rows = [None] if kind == "link" else list(mapping.properties)
    for row in rows:
        result = state.check(kind, mapping, row, f"fan::{kind}")
        assert result.outcome.status == "passed", (row, result.outcome.message)


def test_rows_are_grouped_through_shared_sources_and_targets() -> None:
    assert row_groups(parse(*FAN_OUT).mappings[0]) == [0, 0, 2]
    assert row_groups(parse(*FAN_IN).mappings[0]) == [0, 0, 2]


@pytest.mark.parametrize("variant", ["merge-or-create", "link-only"])
def test_a_merge_key_that_is_also_a_row_holds_the_keys_value(variant: str) -> None:
    """Found on tidsbanken-unieconomy: the check waited for the row's own value where the merge key's had been written."""
    rows = [("Organisasjonsnummer", "OrgNumber", '"string"'), ("Navn", "Name", '"string"')]
    text = section("Tidsbanken", "Kunde", "Uni Economy", "Customers", variant=variant, rows=rows, keys=[("Organisasjonsnummer", "OrgNumber")])
    parsed = document("Tidsbanken", "Uni Economy", text, path="doc.rst")
    assert parsed.mappings[0].variant == variant
    state = Session(lambda scoped: FakeTarget(scoped), [parsed], 3, "keyed", PROFILES["fake"])
    mapping = parsed.mappings[0]
    for kind, row in [("link", None), ("forward", mapping.properties[1]), ("reverse", mapping.properties[1])]:
        result = state.check(kind, mapping, row, f"keyed::{kind}")
        assert result.outcome.status == "passed", (kind, result.outcome.message)
