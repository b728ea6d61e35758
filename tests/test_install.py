"""dataflow-qa as another repository gets it: the wheel, in a fresh virtualenv, beside the package index's ``fixtures``.

One scenario, in the order a new user meets it: build the wheel, install it
with the unrelated ``fixtures`` package from the index, ``init`` a folder
holding three documents under ``docs/``, ``generate``, then the steps of both
CI workflows ``init`` writes (GitHub Actions and GitLab CI), an edited row
for ``check`` to name, and a mistyped path that must change nothing. Needs
the package index (as ``make test`` does to install the project).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dataflow_qa import __version__

ROOT = Path(__file__).resolve().parent.parent
TOP_IGNORED = {".git", ".venv", "reports", "build", "dist", "generated_tests", "tests", "benchmarks", "specs"}
"""What a wheel never holds: the repository's own checkouts, runs and tests (skipped at the top only: fixtures/reports is code)."""


def source_ignored(folder: str, names: list[str]) -> set[str]:
    top = TOP_IGNORED if Path(folder) == ROOT else set()
    return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info") or n.startswith((".dataflow-qa", ".pytest_cache", ".hypothesis"))}


def run(command: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it exits otherwise than ``expect``."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == expect, f"{command} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def shell(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One step of a CI workflow, as the runner's shell runs it."""
    return run(["bash", "-ec", line], cwd, env)


def workflow_steps(text: str, kind: str) -> list[str]:
    """The shell lines of a workflow ``init`` wrote: ``run:`` steps (GitHub) or ``script:`` items (GitLab)."""
    if kind == "github":
        return re.findall(r"^\s+run: (.+)$", text, re.MULTILINE)
    script = text.split("script:\n", 1)[1].split("\n  artifacts:", 1)[0]
    return [line.strip()[2:] for line in script.splitlines() if line.strip().startswith("- ")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh virtualenv with the wheel and the index's ``fixtures``; the environment to run its commands in."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=source_ignored)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)], work, dict(os.environ))
    wheel = next((work / "dist").glob("dataflow_qa-*.whl"))
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"dataflow_qa", f"dataflow_qa-{__version__}.dist-info"}, tops
    run([sys.executable, "-m", "venv", str(work / "venv")], work, dict(os.environ))
    bin_dir = work / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel), "fixtures"], work, env)
    return env


@pytest.fixture(scope="module")
def docs_repo(installed: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three documents under docs/, then ``dataflow-qa init`` and ``generate``."""
    repo = tmp_path_factory.mktemp("docs-repo")
    (repo / "docs").mkdir()
    for name in ("webcrm-crmoffice.rst", "crmoffice-superoffice.rst", "salesforce-crmoffice.rst"):
        shutil.copy(ROOT / "specs" / name, repo / "docs" / name)
    said = run(["dataflow-qa", "init"], repo, installed).stdout
    assert "wrote pyproject.toml" in said and "documents: docs/ (3 *.rst files)" in said
    run(["dataflow-qa", "init", "--ci", "gitlab"], repo, installed)
    run(["dataflow-qa", "generate"], repo, installed)
    return repo


def test_only_dataflow_qa_lands_in_site_packages_and_the_index_fixtures_still_works(installed: dict[str, str], docs_repo: Path) -> None:
    done = run(["python", "-c", "import fixtures, dataflow_qa; print(fixtures.Fixture.__name__, fixtures.__file__, dataflow_qa.__version__)"],
               docs_repo.parent, installed)
    name, location, version = done.stdout.split()
    assert (name, version) == ("Fixture", __version__) and "site-packages" in location
    run(["python", "-c", "import generator"], docs_repo.parent, installed, expect=1)


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_the_ci_workflow_runs_and_writes_reports_naming_the_version(installed: dict[str, str], docs_repo: Path, kind: str) -> None:
    workflow = (docs_repo / (".github/workflows/dataflow-qa.yml" if kind == "github" else ".gitlab-ci.yml")).read_text()
    steps = workflow_steps(workflow, kind)
    assert steps[0] == f"python -m pip install dataflow-qa=={__version__}"  # the wheel stands in for the index here
    assert steps[1:] == ["dataflow-qa check", "python -m pytest -p no:cacheprovider"]
    shutil.rmtree(docs_repo / "reports", ignore_errors=True)
    for step in steps[1:]:
        shell(step, docs_repo, installed)
    junit = (docs_repo / "reports" / "junit.xml").read_text()
    assert f'name="dataflow_qa_version" value="{__version__}"' in junit and 'name="documents_sha256"' in junit
    assert f"dataflow-qa {__version__} on target fake" in (docs_repo / "reports" / "report.html").read_text()
    assert f"Generated by dataflow-qa {__version__}" in (docs_repo / "reports" / "checklist" / "index.html").read_text()
    assert "reports/junit.xml" in workflow or kind == "github"


def test_check_names_an_edited_row_and_a_mistyped_path_changes_nothing(installed: dict[str, str], docs_repo: Path) -> None:
    suite = docs_repo / "generated_tests"
    before = {p.name: p.read_bytes() for p in suite.iterdir() if p.is_file()}
    done = run(["dataflow-qa", "generate", "doc"], docs_repo, installed, expect=2)
    assert "doc: no such file or folder" in done.stderr and "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in suite.iterdir() if p.is_file()} == before
    page = docs_repo / "docs" / "webcrm-crmoffice.rst"
    original = page.read_text()
    page.write_text(original.replace("     - givenName", "     - firstName"))
    try:
        done = run(["dataflow-qa", "check"], docs_repo, installed, expect=1)
        assert "docs/webcrm-crmoffice.rst:67: property added to 'WebCRM Persons to CRMOffice Contacts': PersonFirstName->firstName (string)" in done.stderr
        assert "run: dataflow-qa generate" in done.stderr
    finally:
        page.write_text(original)
    run(["dataflow-qa", "check"], docs_repo, installed)
