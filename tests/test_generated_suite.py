"""The committed generated suite is collected by pytest and runs green."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dataflow_qa.generator.chains import find_chains
from dataflow_qa.generator.kinds import kinds_for
from dataflow_qa.generator.parse import DocumentParser, find_documents

ROOT = Path(__file__).resolve().parent.parent


def expected_test_count() -> int:
    parser = DocumentParser()
    documents = [parser.parse_file(p).document for p in find_documents([str(ROOT / "specs")])]
    total = len(find_chains(documents))
    for document in documents:
        for mapping in document.mappings:
            for kind in kinds_for(mapping):
                total += len(kind.rows(mapping)) if kind.scope == "row" else 1
    return total


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-p", "no:cacheprovider", *args], cwd=ROOT, capture_output=True, text=True)


def test_every_mapping_and_row_is_collected() -> None:
    done = run_pytest("--collect-only", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(ids) == expected_test_count()
    assert "generated_tests/test_webcrm_to_crmoffice.py::TestPersonsToContacts::test_forward[PersonFirstName->givenName]" in ids


def test_markers_select_by_kind_and_mapping() -> None:
    forward = run_pytest("--collect-only", "-q", "-m", "forward")
    mapping = run_pytest("--collect-only", "-q", "-m", "dataflow(mapping='webcrm:Persons->crmoffice:Contacts')")
    forward_ids = [line for line in forward.stdout.splitlines() if "::" in line]
    mapping_ids = [line for line in mapping.stdout.splitlines() if "::" in line]
    assert forward_ids and all("::test_forward[" in i for i in forward_ids)
    assert mapping_ids and all("TestPersonsToContacts" in i for i in mapping_ids)
    assert sum("test_forward[" in i for i in mapping_ids) == 4


@pytest.mark.parametrize("wire", ["memory", "http"])
def test_suite_passes_on_the_built_in_systems(wire: str) -> None:
    """On both wires: the fast one, and the vendor-shaped fakes over in-process HTTP, end to end."""
    done = run_pytest("-q", "--fake-wire", wire)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1] and "failed" not in done.stdout.splitlines()[-1]
