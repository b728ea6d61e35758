"""Runs of the generated suite write the reports: a forced failure read down to its HTTP exchange."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from reports_support import ROOT, parse_html, report_tests, run_suite

FORWARD = "generated_tests/test_webcrm_to_crmoffice.py::TestPersonsToContacts::test_forward[PersonFirstName->givenName]"


@dataclass
class Run:
    """One finished run of the suite and where its reports are."""

    done: subprocess.CompletedProcess[str]
    reports: Path

    @property
    def lines(self) -> list[str]:
        return [line for line in self.done.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The engine swaps properties; two workers run the Persons forward checks and a gap-only document."""
    reports = tmp_path_factory.mktemp("faulty")
    done = run_suite("-n", "2", "--engine-fault", "swap-properties", "--reports-dir", str(reports),
                     "-k", "(TestPersonsToContacts and forward) or customcrm")
    return Run(done, reports)


def test_a_failed_check_fails_the_run_and_the_terminal_ends_with_a_line_per_document(faulty: Run) -> None:
    assert faulty.done.returncode == 1, faulty.done.stdout[-3000:]
    *_, customcrm_line, webcrm_line, final = faulty.lines
    assert customcrm_line == "specs/customcrm-crmoffice.rst: 4 passed, 0 failed, 0 skipped, 3 gaps"
    assert webcrm_line.startswith("specs/webcrm-crmoffice.rst: 0 passed, 4 failed, 0 skipped, 1 gap, ")
    assert "4 failed, 4 passed" in final
    kinds = faulty.lines[faulty.lines.index(next(line for line in faulty.lines if "checks by kind" in line)) + 1:]
    assert kinds[:3] == ["delete: 2 passed", "forward: 4 failed", "link: 2 passed"], kinds


def test_a_shard_says_which_it_is_and_how_long_it_took(tmp_path: Path) -> None:
    done = run_suite("--splits", "40", "--group", "3", "-k", "webcrm", "--reports-dir", str(tmp_path))
    assert re.search(r"^dataflow-qa: shard 3 of 40: \d+ checks? in \d+\.\d s$", done.stdout, re.M), done.stdout[-2000:]


def test_the_report_shows_a_failure_down_to_its_http_exchanges(faulty: Run) -> None:
    report = faulty.reports / "report.html"
    title = parse_html(report.read_text(encoding="utf-8")).find("h1", id="title").text
    assert "target fake" in title and "swap-properties" in title and "specs sha256" in title
    [test] = report_tests(report)[FORWARD]
    block = parse_html(test["extras"][0]["content"])
    facts = {tr.find("th").text: tr.find("td").text for tr in block.find("table", cls="dfqa-facts").find_all("tr")}
    assert facts["document"] == "specs/webcrm-crmoffice.rst:67"
    assert facts["mapping"] == "webcrm:Persons->crmoffice:Contacts" and facts["property"] == "PersonFirstName->givenName"
    assert facts["check"].startswith("forward") and facts["outcome"].startswith("failed (defect): ")
    assert "--dataflow-seed" in facts["Hypothesis seed"] and "--engine-fault swap-properties" in facts["Hypothesis seed"]
    assert facts["propagation latency"].startswith("n/a on the fake target")
    rows = [[td.text for td in tr.find_all("td")] for tr in block.find("table", cls="dfqa-http").find_all("tr")
            if "bodies" not in tr.classes and tr.find("td")]
    assert ["check", "webcrm", "POST", "http://fakes.invalid/webcrm/Persons", "200"] in [r[1:] for r in rows]
    assert any(r[1:4] == ["engine", "crmoffice", "POST"] for r in rows), "the sync's write is shown"
    bodies = " ".join(pre.text for pre in block.find_all("pre"))
    assert '"givenName"' in bodies and '"PersonFirstName"' in bodies


def test_junit_carries_the_identifiers_as_properties(faulty: Run) -> None:
    cases = ET.parse(faulty.reports / "junit.xml").getroot().iter("testcase")
    by_name = {f"{c.get('classname')}::{c.get('name')}": c for c in cases}
    case = by_name["generated_tests.test_webcrm_to_crmoffice.TestPersonsToContacts::test_forward[PersonFirstName->givenName]"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert {k: props[k] for k in ("document", "line", "mapping", "property", "check", "status")} == {
        "document": "specs/webcrm-crmoffice.rst", "line": "67", "mapping": "webcrm:Persons->crmoffice:Contacts",
        "property": "PersonFirstName->givenName", "check": "forward", "status": "failed"}
    assert int(props["seed"]) >= 0 and case.find("failure") is not None
    assert all({"document", "check", "status"} <= {p.get("name") for p in c.iter("property")} for c in by_name.values())


def test_the_checklist_is_built_from_the_workers_reports_and_links_into_the_report(faulty: Run) -> None:
    tests = report_tests(faulty.reports / "report.html")
    page = parse_html((faulty.reports / "checklist" / "webcrm_crmoffice.html").read_text(encoding="utf-8"))
    persons = page.find("section", id="m50")
    first_name = next(tr for tr in persons.find("table", cls="rows").find_all("tr") if tr.find("td") and tr.find("td").text == "67")
    forward = first_name.find_all("td", cls="st")[0]
    assert "st-failed" in forward.classes
    target = unquote(forward.find("a").attrs["href"])
    assert target == f"../report.html#{FORWARD}" and FORWARD in tests
    assert "st-not-run" in first_name.find_all("td", cls="st")[1].classes
    gaps = parse_html((faulty.reports / "checklist" / "customcrm_crmoffice.html").read_text(encoding="utf-8"))
    assert {"st-passed"} == {c for td in gaps.find_all("td", cls="st") if "st-na" not in td.classes for c in td.classes if c.startswith("st-")}


def new_user_tree(tmp_path: Path) -> Path:
    """A project folder with one document and its generated suite, as a new user would have it."""
    (tmp_path / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "customcrm-crmoffice.rst", tmp_path / "specs")
    shutil.copy(ROOT / "conftest.py", tmp_path)
    subprocess.run([sys.executable, "-m", "dataflow_qa.generator.cli", "generate"], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def test_a_plain_run_writes_every_report_into_reports_and_fail_on_gap_gates(tmp_path: Path) -> None:
    tree = new_user_tree(tmp_path)
    done = run_suite(cwd=tree)
    assert done.returncode == 0, done.stdout[-3000:]
    assert {p.name for p in (tree / "reports").iterdir()} >= {"report.html", "junit.xml", "checklist"}
    assert (tree / "reports" / "checklist" / "index.html").is_file()
    assert done.stdout.splitlines()[-2] == "specs/customcrm-crmoffice.rst: 4 passed, 0 failed, 0 skipped, 3 gaps"
    elsewhere = tmp_path / "elsewhere" / "qa.html"
    gated = run_suite("--fail-on-gap", "--html", str(elsewhere), cwd=tree)
    assert gated.returncode == 1 and "FAILED: --fail-on-gap" in gated.stdout and "3 documentation gaps" in gated.stdout
    assert elsewhere.is_file()
    index = parse_html((tree / "reports" / "checklist" / "index.html").read_text(encoding="utf-8"))
    links = {a.text: a.attrs["href"] for a in index.find("header").find_all("a")}
    assert links["pytest-html report"] == "../../elsewhere/qa.html"


def test_a_run_of_the_projects_own_tests_writes_no_reports(tmp_path: Path) -> None:
    tree = tmp_path
    shutil.copy(ROOT / "conftest.py", tree)
    (tree / "tests").mkdir()
    (tree / "tests" / "test_nothing.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider"], cwd=tree,
                          capture_output=True, text=True)
    assert done.returncode == 0 and not (tree / "reports").exists(), done.stdout[-2000:]
