"""``dataflow-qa init``: the configuration, .gitignore and a CI workflow, never overwriting a file."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from dataflow_qa.generator.cli import main
from dataflow_qa.generator.init import Layout, render_ci
from dataflow_qa.generator.project import load_project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def docs_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three documents under docs/ and nothing else, as the working folder."""
    (tmp_path / "docs").mkdir()
    for name in ("webcrm-crmoffice.rst", "crmoffice-superoffice.rst", "salesforce-crmoffice.rst"):
        shutil.copy(ROOT / "specs" / name, tmp_path / "docs" / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_finds_the_documents_and_writes_the_configuration(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "documents: docs/ (3 *.rst files)" in out
    project = load_project(docs_repo)
    assert (project.specs, project.out, project.reports) == (docs_repo / "docs", docs_repo / "generated_tests", docs_repo / "reports")
    ignored = (docs_repo / ".gitignore").read_text().splitlines()
    assert {"/reports/", "__pycache__/", "/.dataflow-qa/", "/.dataflow-qa-cache/"} <= set(ignored)
    assert (docs_repo / ".github" / "workflows" / "dataflow-qa.yml").read_text() == render_ci("github", Layout("docs", "generated_tests", "reports"))
    assert main(["generate"]) == 0 and main(["check"]) == 0


def test_a_second_init_changes_nothing_and_says_so(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    before = {p: p.read_bytes() for p in docs_repo.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["init", "--specs", "elsewhere"]) == 0
    out = capsys.readouterr().out
    assert "left pyproject.toml alone: it already has [tool.dataflow-qa]" in out
    assert "left .gitignore alone" in out and "left .github/workflows/dataflow-qa.yml alone: it exists" in out
    assert {p: p.read_bytes() for p in docs_repo.rglob("*") if p.is_file()} == before


def test_init_adds_to_existing_files_without_losing_a_byte(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = '[project]\nname = "our-docs"  # kept\n\n[tool.pytest.ini_options]\naddopts = "-ra"'
    (docs_repo / "pyproject.toml").write_text(pyproject)
    (docs_repo / ".gitignore").write_text("*.swp\n__pycache__/\n")
    (docs_repo / ".gitlab-ci.yml").write_text("ours: {script: [make]}\n")
    assert main(["init", "--ci", "gitlab", "--out", "tests/dataflow"]) == 0
    out = capsys.readouterr().out
    text = (docs_repo / "pyproject.toml").read_text()
    assert text.startswith(pyproject + "\n")
    assert tomllib.loads(text)["tool"]["dataflow-qa"] == {"specs": "docs", "out": "tests/dataflow", "reports": "reports"}
    assert tomllib.loads(text)["tool"]["pytest"]["ini_options"] == {"addopts": "-ra"}
    gitignore = (docs_repo / ".gitignore").read_text()
    assert gitignore.startswith("*.swp\n__pycache__/\n") and gitignore.count("__pycache__/") == 1 and "/reports/" in gitignore
    assert (docs_repo / ".gitlab-ci.yml").read_text() == "ours: {script: [make]}\n"
    assert "left .gitlab-ci.yml alone: it exists" in out


def test_init_leaves_an_invalid_pyproject_alone_and_shows_the_table(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (docs_repo / "pyproject.toml").write_text("[project\n")
    assert main(["init", "--ci", "none"]) == 0
    assert (docs_repo / "pyproject.toml").read_text() == "[project\n"
    assert '[tool.dataflow-qa]\nspecs = "docs"' in capsys.readouterr().out
    assert not (docs_repo / ".github").exists()


@pytest.mark.parametrize("folder", ["../docs", "my docs", 'x"y', "/abs"])
def test_init_refuses_folders_it_cannot_write_safely(docs_repo: Path, folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--specs", folder]) == 2
    assert "error: specs" in capsys.readouterr().err
    assert sorted(p.name for p in docs_repo.iterdir()) == ["docs"]


def test_the_readme_shows_the_workflows_init_writes() -> None:
    """The README's CI examples are what ``init`` writes for the default layout, so neither drifts from the other."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
    default = Layout("specs", "generated_tests", "reports")
    assert render_ci("github", default) in blocks
    assert render_ci("gitlab", default) in blocks

