"""Rows joined through a shared property (fan-out and fan-in): the checks give them one value.

Found on corpus documents: chargebee-tidsbanken maps ``addr`` to both
``Gateadresse`` and ``Leveringsadresse`` (fan-out), and
freshteam-businesscentral maps ``address.city`` and
``communication_address.communication_city`` both to ``city`` (fan-in). With a
different value in each row, the linked records can never agree, and every
check of the mapping failed on the clean engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import section
from dataflow_qa.checks.pairs import row_groups
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import DocumentParser

FAN_OUT = ("Chargebee", "Address", "Tidsbanken", "Kunde",
           [("addr", "Gateadresse", '"string"'), ("addr", "Leveringsadresse", '"string"'), ("city", "Poststed", '"string"')])
FAN_IN = ("Freshteam", "Employee", "Business Central", "Employees",
          [("address.city", "city", '"string"'), ("communication_address.communication_city", "city", '"string"'),
           ("first_name", "givenName", '"string"')])


def parse(tmp_path: Path, source: str, source_entity: str, target: str, target_entity: str, rows: list) -> Document:
    title = f"{source} to {target} Dataflow"
    path = tmp_path / "doc.rst"
    path.write_text(f"{'=' * len(title)}\n{title}\n{'=' * len(title)}\n\n" + section(source, source_entity, target, target_entity, rows=rows),
                    encoding="utf-8")
    parsed = DocumentParser().parse_file(path).document
    assert parsed is not None and len(parsed.mappings[0].properties) == 3
    return parsed


@pytest.mark.parametrize("spec", [FAN_OUT, FAN_IN], ids=["fan-out", "fan-in"])
@pytest.mark.parametrize("kind", ["link", "forward", "reverse", "round-trip", "conflict", "isolation"])
def test_rows_sharing_a_property_pass_on_the_clean_engine(tmp_path: Path, spec: tuple, kind: str) -> None:
    document = parse(tmp_path, *spec)
    state = Session(lambda scoped: FakeTarget(scoped), [document], 3, "fan", PROFILES["fake"])
    mapping = document.mappings[0]
    rows = [None] if kind == "link" else list(mapping.properties)
    for row in rows:
        result = state.check(kind, mapping, row, f"fan::{kind}")
        assert result.outcome.status == "passed", (row, result.outcome.message)


def test_rows_are_grouped_through_shared_sources_and_targets(tmp_path: Path) -> None:
    assert row_groups(parse(tmp_path, *FAN_OUT).mappings[0]) == [0, 0, 2]
    assert row_groups(parse(tmp_path, *FAN_IN).mappings[0]) == [0, 0, 2]


@pytest.mark.parametrize("variant", ["merge-or-create", "link-only"])
def test_a_merge_key_that_is_also_a_row_holds_the_keys_value(tmp_path: Path, variant: str) -> None:
    """Found on tidsbanken-unieconomy: the check waited for the row's own value where the merge key's had been written."""
    title = "Tidsbanken to Uni Economy Dataflow"
    path = tmp_path / "doc.rst"
    rows = [("Organisasjonsnummer", "OrgNumber", '"string"'), ("Navn", "Name", '"string"')]
    text = section("Tidsbanken", "Kunde", "Uni Economy", "Customers", variant=variant, rows=rows, keys=[("Organisasjonsnummer", "OrgNumber")])
    path.write_text(f"{'=' * len(title)}\n{title}\n{'=' * len(title)}\n\n" + text, encoding="utf-8")
    document = DocumentParser().parse_file(path).document
    assert document is not None and document.mappings[0].variant == variant
    state = Session(lambda scoped: FakeTarget(scoped), [document], 3, "keyed", PROFILES["fake"])
    mapping = document.mappings[0]
    for kind, row in [("link", None), ("forward", mapping.properties[1]), ("reverse", mapping.properties[1])]:
        result = state.check(kind, mapping, row, f"keyed::{kind}")
        assert result.outcome.status == "passed", (kind, result.outcome.message)
