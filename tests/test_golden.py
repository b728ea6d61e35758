"""Golden files: the generated tree and the inspect JSON, compared whole."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

from dataflow_qa.generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
REGENERATE = "make golden"


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_tree(expected: Path, actual: Path) -> None:
    want, got = tree(expected), tree(actual)
    problems = [f"missing: {name}" for name in sorted(want.keys() - got.keys())]
    problems += [f"unexpected: {name}" for name in sorted(got.keys() - want.keys())]
    for name in sorted(want.keys() & got.keys()):
        if want[name] != got[name]:
            diff = difflib.unified_diff(want[name].splitlines(), got[name].splitlines(), f"golden/{name}", f"new/{name}", lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    assert not problems, "\n".join(problems) + f"\n\nIf the change is intended, regenerate the golden files with: {REGENERATE}"


def test_generated_tree_matches_golden(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "generated"
    assert main(["generate", "tests/data/specs", "--out", str(out)]) == 0
    assert_same_tree(GOLDEN / "generated", out)


def test_inspect_json_matches_golden(monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["inspect", "--json", "specs", "tests/data/specs"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = json.loads((GOLDEN / "inspect.json").read_text(encoding="utf-8"))
    assert got == want, f"inspect --json changed; if intended: {REGENERATE}"


def test_inspect_json_has_the_documented_shape(monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    main(["inspect", "--json", "specs/webcrm-crmoffice.rst"])
    payload = json.loads(capsys.readouterr().out)
    (document,) = payload["documents"]
    assert document["path"] == "specs/webcrm-crmoffice.rst"
    assert document["source_system"] == {"id": "webcrm", "name": "WebCRM"}
    assert document["target_system"] == {"id": "crmoffice", "name": "CRMOffice"}
    assert document["generated"] == "2024-09-14T00:00:00"
    persons = document["mappings"][2]
    assert {k: persons[k] for k in ("title", "line", "source_entity", "target_entity", "variant", "merge_keys")} == {
        "title": "WebCRM Persons to CRMOffice Contacts",
        "line": 50,
        "source_entity": "Persons",
        "target_entity": "Contacts",
        "variant": "create",
        "merge_keys": [],
    }
    assert persons["properties"][1] == {
        "source": "PersonFirstName",
        "target": "givenName",
        "type": "string",
        "source_condition": None,
        "target_condition": None,
        "line": 67,
    }
    assert payload["diagnostics"][0]["code"] == "empty-table"


def test_conditions_are_split_from_paths(monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    main(["inspect", "--json", "tests/data/specs/alpha-beta.rst"])
    rows = json.loads(capsys.readouterr().out)["documents"][0]["mappings"][0]["properties"]
    assert rows[0]["source"] == "OrgNr"
    assert rows[0]["source_condition"] == {"value": "wd:Q20", "path": "Country.TwoLetterISOCountry"}
    assert rows[3]["target"] == "phone_numbers.number"
    assert rows[3]["target_condition"] == {"value": "wd:Q214995", "path": "phone_numbers.name"}
    assert rows[3]["type"] is None


def test_broken_documents_diagnostics_snapshot() -> None:
    """Every broken document ends in diagnostics with a line, never a traceback."""
    done = subprocess.run([sys.executable, "-m", "dataflow_qa.generator.cli", "lint", "tests/data/broken"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    want = (ROOT / "tests/data/broken/expected.txt").read_text(encoding="utf-8")
    assert done.stderr == want, f"diagnostics changed; if intended: {REGENERATE}\n" + "\n".join(
        difflib.unified_diff(want.splitlines(), done.stderr.splitlines(), "expected", "actual", lineterm="")
    )
