"""A check the fake target moves to its http wire (it needs HTTP) meets vendor rules the memory wire, where the
mapping's other checks ran, does not hold: such a refusal is a skip saying so; over http throughout it still fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dataflow_qa.generator.cli import main

DOCUMENT = """\
===========================================
PowerOffice GO to WebCRM Dataflow
===========================================

Introduction
------------

It serves as a QA checklist for testing purposes.

PowerOffice GO Contactperson to WebCRM Persons
----------------------------------------------
Every PowerOffice GO Contactperson will be synchronized with a WebCRM Persons.

Once a link between a PowerOffice GO Contactperson and a WebCRM Persons is established, it will keep in sync between the two systems, regardless of where it is edited.

.. list-table::
   :header-rows: 1

   * - PowerOffice GO Contactperson Property
     - WebCRM Persons Property
     - WebCRM Data Type
   * - partyId
     - PersonOrganisationId
     - "string"
   * - firstName
     - PersonFirstName
     - "string"
"""
"""The parent of a PowerOffice Go contact person written as a plain value (docs/vendors/powerofficego.md: the
parent is part of the path and cannot change), as a real document of the family maps it."""


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-q", "-rs", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "-k", "throttled_writes", *args], cwd=folder, capture_output=True, text=True)


def test_a_vendor_rule_the_memory_wire_does_not_hold_skips_the_http_check_and_fails_over_http(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "powerofficego-webcrm.rst").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = "specs"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    memory = run(tmp_path)
    assert memory.returncode == 0 and "1 skipped" in memory.stdout, memory.stdout[-3000:]
    assert "the vendor-shaped fakes refused a call of this check, which needs HTTP" in memory.stdout
    assert "PowerOffice Go" in memory.stdout  # the vendor's rule, in its own words
    http = run(tmp_path, "--fake-wire", "http")
    assert http.returncode == 1 and "error: client" in http.stdout, http.stdout[-3000:]
