"""One source property documented to two target properties (fan-out): the checks give both rows one value.

Found on the corpus document chargebee-tidsbanken (``addr`` to ``Gateadresse``
and ``Leveringsadresse``): the link check wrote one value and looked for another.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import section
from fixtures.dataflow import PROFILES, Session
from fixtures.targets import FakeTarget
from generator.model import Document
from generator.parse import DocumentParser

TITLE = "Chargebee to Tidsbanken Dataflow"
ROWS = [("addr", "Gateadresse", '"string"'), ("addr", "Leveringsadresse", '"string"'), ("city", "Poststed", '"string"')]


@pytest.fixture
def document(tmp_path: Path) -> Document:
    path = tmp_path / "chargebee-tidsbanken.rst"
    path.write_text(f"{'=' * len(TITLE)}\n{TITLE}\n{'=' * len(TITLE)}\n\n" + section("Chargebee", "Address", "Tidsbanken", "Kunde", rows=ROWS), encoding="utf-8")
    parsed = DocumentParser().parse_file(path).document
    assert parsed is not None and len(parsed.mappings[0].properties) == 3
    return parsed


@pytest.mark.parametrize("kind", ["link", "forward", "reverse", "round-trip"])
def test_rows_sharing_a_source_property_pass_on_the_clean_engine(document: Document, kind: str) -> None:
    state = Session(lambda: FakeTarget([document]), [document], 3, "fan-out", PROFILES["fake"])
    mapping = document.mappings[0]
    rows = [None] if kind == "link" else list(mapping.properties)
    for row in rows:
        result = state.check(kind, mapping, row, f"fan-out::{kind}")
        assert result.outcome.status == "passed", (row, result.outcome.message)
