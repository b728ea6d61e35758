"""Runs that spread: --changed-since, shards across machines (pytest-split), JUnit merged, pytest-xdist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from dataflow_qa.pytest_plugin.select import changed_mappings
from dataflow_qa.generator.chains import find_chains
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.parse import find_documents, parse_paths

ROOT = Path(__file__).resolve().parent.parent
PERSONS = "webcrm:Persons->crmoffice:Contacts"


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=qa@example.invalid", "-c", "user.name=qa", *args], cwd=project,
                          capture_output=True, text=True, check=True)
    return done.stdout


def pytest_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-p", "no:cacheprovider", *args],
                          cwd=project, capture_output=True, text=True)


def collected(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the specs, their generated suite committed, and the plugins registered."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--strict-markers"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "specs and suite")
    return tmp_path


def edit(project: Path, name: str, old: str, new: str) -> None:
    spec = project / "specs" / name
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["generate"]) == 0


def test_changed_since_keeps_the_changed_mapping_and_its_chains(project: Path) -> None:
    edit(project, "webcrm-crmoffice.rst", "     - givenName", "     - firstName")
    done = pytest_run(project, "--collect-only", "-q", "--changed-since", "HEAD")
    assert done.returncode == 0, done.stdout + done.stderr
    ids = collected(done)
    modules = {i.split("::")[0] for i in ids}
    assert modules == {"generated_tests/test_webcrm_to_crmoffice.py", "generated_tests/test_webcrm_to_crmoffice_chains.py"}
    assert all("TestPersonsToContacts" in i for i in ids if "webcrm_to_crmoffice.py" in i)
    chains = sorted(i.split("[", 1)[1].rstrip("]") for i in ids if "_chains.py" in i)
    assert chains and chains == expected_chains(project, PERSONS)
    everything = collected(pytest_run(project, "--collect-only", "-q", "-m", f"dataflow(mapping='{PERSONS}')"))
    assert [i for i in ids if "webcrm_to_crmoffice.py" in i] == everything
    assert "1 mappings changed" in done.stdout


def expected_chains(project: Path, key: str) -> list[str]:
    """Labels of the chains one of whose two mappings is ``key``, found without the plugin."""
    documents = [r.document for r in parse_paths(find_documents([str(project / "specs")])) if r.document is not None]
    found = []
    for chain in find_chains(documents):
        first = f"{chain.start.system}:{chain.start.entity}->{chain.middle.system}:{chain.middle.entity}"
        second = f"{chain.middle.system}:{chain.middle.entity}->{chain.end.system}:{chain.end.entity}"
        if key in (first, second):
            found.append(chain.label)
    return sorted(found)


def test_moved_lines_alone_change_nothing(project: Path) -> None:
    edit(project, "webcrm-crmoffice.rst", "Introduction\n------------\n", "Introduction\n------------\n\nOne more line.\n")
    done = pytest_run(project, "-q", "--changed-since", "HEAD")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 mappings changed" in done.stdout and "no tests ran" in done.stdout


def test_without_a_manifest_then_everything_counts_as_changed(project: Path) -> None:
    git(project, "rm", "-q", "-r", "--cached", "generated_tests")
    git(project, "commit", "-q", "-m", "untrack the suite")
    done = pytest_run(project, "--collect-only", "-q", "--changed-since", "HEAD")
    assert "every mapping counts as changed" in done.stdout
    assert len(collected(done)) == len(collected(pytest_run(project, "--collect-only", "-q"))) > 0


def test_an_unknown_revision_is_a_usage_error(project: Path) -> None:
    done = pytest_run(project, "--collect-only", "-q", "--changed-since", "no-such-branch")
    assert done.returncode == 4
    assert "--changed-since no-such-branch: not a commit" in done.stderr


def test_changed_mappings_ignore_lines_but_not_types() -> None:
    row = {"source": "a", "target": "b", "type": "string", "source_condition": None, "target_condition": None, "line": 5}
    old = {"documents": [{"title": "T", "mappings": [{"key": "k", "variant": "create", "properties": [row], "line": 3}]}]}
    moved = {"documents": [{"title": "T", "mappings": [{"key": "k", "variant": "create", "properties": [{**row, "line": 9}], "line": 4}]}]}
    retyped = {"documents": [{"title": "T", "mappings": [{"key": "k", "variant": "create", "properties": [{**row, "type": "integer"}]}]}]}
    assert changed_mappings(old, moved) == set()
    assert changed_mappings(old, retyped) == {"k"}
    assert changed_mappings({"documents": []}, old) == {"k"}


def test_shards_cover_the_suite_once_and_their_junit_merges(project: Path, tmp_path: Path) -> None:
    whole = collected(pytest_run(project, "--collect-only", "-q"))
    shards = [collected(pytest_run(project, "--collect-only", "-q", "--splits", "2", "--group", str(n))) for n in (1, 2)]
    assert sorted(i for shard in shards for i in shard) == sorted(whole)
    assert all(shards)
    reports = []
    for group in (1, 2):
        report = tmp_path / f"shard-{group}.xml"
        done = pytest_run(project, "-q", "-m", "link", "--splits", "2", "--group", str(group), f"--junitxml={report}")
        assert done.returncode == 0, done.stdout[-2000:]
        reports.append(report)
    merged = tmp_path / "junit.xml"
    done = subprocess.run([str(Path(sys.executable).parent / "junitparser"), "merge", *map(str, reports), str(merged)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    cases = [case for suite in JUnitXml.fromfile(str(merged)) for case in suite]
    links = collected(pytest_run(project, "--collect-only", "-q", "-m", "link"))
    assert len(cases) == len(links) and all(case.is_passed for case in cases)


def test_two_workers_each_with_their_own_fakes_pass(project: Path) -> None:
    done = pytest_run(project, "-q", "-n", "2", "-m", "link or delete", "--dataflow-seed", "7")
    assert done.returncode == 0, done.stdout[-3000:]
    final = done.stdout.strip().splitlines()[-1]
    assert "passed" in final and "failed" not in final
