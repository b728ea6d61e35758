"""``dataflow-qa preflight`` passes against the served fakes of every vendor profile added for issue 17 item 6:
one document naming the vendor, its fakes on loopback, every step ok and nothing left."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.server import FakeServer
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.parse import find_documents, parse_paths
from dataflow_qa.systems.config import dump_config
from test_preflight import STEPS, rows

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
DOCUMENT_BY_VENDOR = {"zendesk": "zendesk-tripletex.rst", "shopify": "shopify-hubspot.rst",
                      "businesscentral": "businesscentral-salesforce.rst"}
"""A document naming each vendor, with a partner that preflight also passes on."""


@pytest.mark.parametrize("vendor", sorted(DOCUMENT_BY_VENDOR))
def test_every_step_passes_on_every_entity_of_the_vendor(vendor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    document = CORPUS / DOCUMENT_BY_VENDOR[vendor]
    fakes = FakeSystems.from_documents([r.document for r in parse_paths(find_documents([str(document)]))
                                        if r.document is not None])
    server = FakeServer(fakes).start()
    try:
        config = tmp_path / "sandbox.toml"
        config.write_text(dump_config(fakes.config(server.url)), encoding="utf-8")
        for name, value in fakes.env().items():
            monkeypatch.setenv(name, value)
        code = main(["preflight", "--config", str(config), "--specs", str(document),
                     "--ledger-dir", str(tmp_path / "ledger")])
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert code == 0, out
    table = rows(out)
    entities = {(s.id, e) for s in fakes.catalog for e in s.entities}
    assert {system for system, _ in entities} >= {vendor}
    assert {(system, entity, step) for system, entity in entities for step in STEPS} == set(table)
    assert set(table.values()) == {"ok"}
    left = {(s.id, e): len(fakes.records(s.id, e)) for s in fakes.catalog for e in s.entities}
    assert set(left.values()) == {0}
