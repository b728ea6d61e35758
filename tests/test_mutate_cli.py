"""``dataflow-qa mutate`` in a documentation repository: its configuration, its documents, and plain words
when a fault needs a document shape none of them has."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dataflow_qa.generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = ROOT / "tests" / "data" / "corpus" / "membercare-tripletex.rst"


@pytest.fixture
def docs_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One all-string document under docs/, reports under out/, generated; nothing of this repository around it."""
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "specs" / "webcrm-crmoffice.rst", tmp_path / "docs")
    (tmp_path / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = "docs"\nout = "suite"\nreports = "out"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    return tmp_path


def test_a_fault_no_document_can_show_is_named_with_what_it_needs(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["mutate", "--faults", "one-way,stringifies", "--jobs", "2"]) == 1
    out, err = capsys.readouterr()
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert lines["clean"].split()[1] == "-" and lines["clean"].endswith("docs")
    assert lines["one-way"].split()[1] == "yes"
    assert lines["stringifies"].split()[1] == "error"
    assert "needs an integer, float or boolean row; none of the documents (1 in docs) has one: add --samples PATH" in lines["stringifies"]
    assert "faults without a verdict: stringifies" in err
    assert (docs_repo / "out" / "mutation.html").is_file()


def test_samples_give_the_fault_a_document_to_show_on(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["mutate", "--faults", "stringifies", "--samples", str(NUMBERS), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("stringifies"))
    assert line.split()[1] == "yes" and line.endswith(str(NUMBERS))
    assert "1/1 faults killed" in out


def test_mutate_without_a_generated_suite_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["mutate", "--faults", "one-way"]) == 2
    assert "no generated suite in" in capsys.readouterr().err
