"""A problem in one section never drops a document; system names are read one way everywhere;
``check`` says why it fails; generated files are readable like any file the user writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dataflow_qa.generator.cli import main
from dataflow_qa.generator.parse import DocumentParser

ROOT = Path(__file__).resolve().parent.parent
PARSER = DocumentParser()


def document(*sections: str, title: str = "Exact Online to Salesforce Dataflow") -> str:
    """A dataflow document with the given section titles, each with one property row."""
    bar = "=" * len(title)
    text = f"{bar}\n{title}\n{bar}\n\n"
    target_system = title.split(" to ")[1].removesuffix(" Dataflow")
    for heading in sections:
        source, target = heading.split(" to ")
        text += f"""{heading}
{"-" * len(heading)}
Every {source} will be synchronized with a {target}.

.. list-table::
   :header-rows: 1

   * - {source} Property
     - {target} Property
     - {target_system} Data Type
   * - name
     - Name
     - "string"

"""
    return text


def parse(text: str) -> tuple[list[str], list[str]]:
    """(mapping keys, 'line: level: code' of each diagnostic)."""
    result = PARSER.parse_text(text, "doc.rst")
    keys = [m.key for m in result.document.mappings] if result.document else []
    return keys, [f"{d.line}: {d.level}: {d.code}" for d in result.diagnostics]


def test_a_system_written_by_its_leading_words_is_read_as_the_system_with_a_warning() -> None:
    keys, diagnostics = parse(document("Exact Items to Salesforce Product2", "Exact Online Accounts to Salesforce Account"))
    assert keys == ["exactonline:Items->salesforce:Product2", "exactonline:Accounts->salesforce:Account"]
    assert diagnostics == ["5: warning: system-alias"]


def test_a_system_written_with_other_spaces_or_case_gets_the_same_warning() -> None:
    text = document("Businesscentral Items to Salesforce Product2", "Business Central Companies to Salesforce Account",
                    title="Business Central to Salesforce Dataflow")
    keys, diagnostics = parse(text)
    assert keys == ["businesscentral:Items->salesforce:Product2", "businesscentral:Companies->salesforce:Account"]
    assert diagnostics == ["5: warning: system-alias"]


def test_an_unparsable_section_is_skipped_and_the_rest_is_kept() -> None:
    keys, diagnostics = parse(document("Visma Items to Salesforce Product2", "Exact Online Accounts to Salesforce Account"))
    assert keys == ["exactonline:Accounts->salesforce:Account"]
    assert diagnostics == ["5: warning: unparsable-section-title"]


def test_a_document_without_mappings_is_a_warning() -> None:
    keys, diagnostics = parse(document())
    assert keys == [] and diagnostics == ["2: warning: no-mappings"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_section_problem_still_generates_the_document(project: Path) -> None:
    (project / "specs" / "exact-salesforce.rst").write_text(document("Exact Items to Salesforce Product2", "Visma Items to Salesforce X"))
    assert main(["generate"]) == 0
    assert "Product2" in (project / "generated_tests" / "test_exactonline_to_salesforce.py").read_text()


def test_check_that_fails_on_document_errors_says_so(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0
    (project / "specs" / "broken.rst").write_text("just text, no dataflow\n")
    capsys.readouterr()
    assert main(["check", "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert "broken.rst:1: error: not-a-dataflow" in err
    assert "is up to date with 5 documents, but the documents have 1 error(s)" in err


def test_generated_files_are_as_readable_as_any_new_file(project: Path) -> None:
    previous = os.umask(0o022)
    try:
        assert main(["generate"]) == 0
        modes = {p.name: p.stat().st_mode & 0o777 for p in (project / "generated_tests").iterdir()}
        assert set(modes.values()) == {0o644}, modes
        (project / "generated_tests" / "test_webcrm_to_crmoffice_chains.py").chmod(0o600)  # as an older release wrote it
        assert main(["generate"]) == 0
        assert (project / "generated_tests" / "test_webcrm_to_crmoffice_chains.py").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(previous)
