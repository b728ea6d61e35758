"""``[tool.dataflow-qa]``: one configuration for every command; bad input changes nothing on disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataflow_qa import __version__
from dataflow_qa.generator.cache import sha256_file
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.output import documents_sha256
from dataflow_qa.generator.project import ProjectError, load_project

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ("webcrm-crmoffice.rst", "crmoffice-superoffice.rst", "salesforce-crmoffice.rst")


@pytest.fixture
def docs_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A documentation repository: three documents under docs/, configured in pyproject.toml, as the working folder."""
    (tmp_path / "docs").mkdir()
    for name in SEEDS:
        shutil.copy(ROOT / "specs" / name, tmp_path / "docs" / name)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "docs"\n\n[tool.dataflow-qa]\nspecs = "docs"\nout = "suite"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_defaults_hold_without_a_table(tmp_path: Path) -> None:
    project = load_project(tmp_path)
    assert (project.specs, project.out, project.reports, project.values, project.source) == (
        tmp_path / "specs", tmp_path / "generated_tests", tmp_path / "reports", tmp_path / "specs" / "values.toml", None)


def test_paths_are_relative_to_the_pyproject_found_above(docs_repo: Path) -> None:
    (docs_repo / "docs" / "deeper").mkdir()
    project = load_project(docs_repo / "docs" / "deeper")
    assert project.root == docs_repo and project.source == docs_repo / "pyproject.toml"
    assert (project.specs, project.out, project.values) == (docs_repo / "docs", docs_repo / "suite", docs_repo / "docs" / "values.toml")


def test_a_pyproject_without_the_table_is_passed_over(docs_repo: Path) -> None:
    inner = docs_repo / "sub"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert load_project(inner).root == docs_repo


@pytest.mark.parametrize(("table", "expected"), [
    ('[tool.dataflow-qa]\nspecs = "docs"\nsepcs = "x"\n', "pyproject.toml:1: [tool.dataflow-qa]: unknown key 'sepcs'; known: specs, out, reports, values"),
    ('[tool.dataflow-qa]\nout = 3\n', "pyproject.toml:1: [tool.dataflow-qa]: out must be a path as a string, not 3"),
    ('[tool.dataflow-qa]\nspecs = "docs\n', "pyproject.toml:2: invalid TOML"),
])
def test_a_broken_table_is_an_error_naming_file_and_line(tmp_path: Path, table: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table)
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path)
    assert expected in str(caught.value)


def test_generate_and_check_read_the_table(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0
    assert (docs_repo / "suite" / "test_webcrm_to_crmoffice.py").is_file()
    assert main(["check"]) == 0
    assert main(["lint"]) == 0
    assert "suite is up to date with 3 documents" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["generate", "docs/webcrm-crmofice.rst"], ["generate", "doc"], ["generate", "empty"], ["generate", "--out", "suite"]])
def test_bad_input_to_generate_changes_nothing(docs_repo: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0
    (docs_repo / "empty").mkdir()
    (docs_repo / "empty" / "notes.txt").write_text("not a document")
    if argv == ["generate", "--out", "suite"]:
        shutil.rmtree(docs_repo / "docs")  # the configured documents folder is gone
    before = tree(docs_repo / "suite")
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing was written" in err and "Traceback" not in err
    assert tree(docs_repo / "suite") == before


def test_generate_where_no_documents_folder_exists_says_how_to_set_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 2
    err = capsys.readouterr().err
    assert "specs: no such folder (the documents folder, from the default" in err and "dataflow-qa init" in err
    assert not (tmp_path / "generated_tests").exists()


def test_a_broken_table_stops_every_command_with_its_line(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (docs_repo / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = ["docs"]\n')
    for command in (["generate"], ["check"], ["lint"]):
        assert main(command) == 2
        assert "pyproject.toml:1: [tool.dataflow-qa]: specs must be a path as a string" in capsys.readouterr().err


def test_check_prints_the_exact_command_that_brings_it_up_to_date(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "docs/webcrm-crmoffice.rst", "--out", "one suite"]) == 0
    page = docs_repo / "docs" / "webcrm-crmoffice.rst"
    page.write_text(page.read_text().replace("     - givenName", "     - firstName"))
    capsys.readouterr()
    assert main(["check", "docs/webcrm-crmoffice.rst", "--out", "one suite"]) == 1
    assert "run: dataflow-qa generate docs/webcrm-crmoffice.rst --out 'one suite'" in capsys.readouterr().err
    assert main(["check"]) == 1
    assert "stale; run: dataflow-qa generate\n" in capsys.readouterr().err


def test_version_from_the_command_and_python_m() -> None:
    for command in (["dataflow-qa", "--version"], [sys.executable, "-m", "dataflow_qa", "--version"]):
        if command[0] == "dataflow-qa":
            command[0] = str(Path(sys.executable).with_name("dataflow-qa"))
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == f"dataflow-qa {__version__}"


def test_the_manifest_names_the_version_and_the_documents_hash(docs_repo: Path) -> None:
    assert main(["generate"]) == 0
    manifest = json.loads((docs_repo / "suite" / "manifest.json").read_text())
    assert manifest["version"] == __version__
    assert manifest["documents_sha256"] == documents_sha256([(f"docs/{n}", sha256_file(docs_repo / "docs" / n)) for n in SEEDS])
