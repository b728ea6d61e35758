"""The QA checklist pages, rendered from documents and results and read back as HTML."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from reports_support import ROOT, Element, parse_html, synthetic_records

from dataflow_qa.reports.checklist import GAP_CODES, MAPPING_KINDS, ROW_KINDS, build_checklist, percentiles
from dataflow_qa.reports.render import RunInfo, write_checklist
from dataflow_qa.reports.results import CheckRecord
from dataflow_qa.generator.lint import lint
from dataflow_qa.generator.model import ParseResult
from dataflow_qa.generator.parse import DocumentParser, find_documents

STATUSES = ("passed", "failed", "passed", "skipped", "passed", "gap", "error")
RUN = RunInfo(target="fake", specs="specs", specs_hash="0" * 64, finished="now", report_href="../report.html")


def parse(folder: Path) -> list[ParseResult]:
    parser = DocumentParser()
    return [parser.parse_file(p, p.relative_to(ROOT).as_posix()) for p in find_documents([str(folder)])]


def href(nodeid: str) -> str:
    return f"../report.html#{nodeid}"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ParseResult], Path]:
    results = parse(ROOT / "specs")
    documents = [r.document for r in results if r.document]
    checklist = build_checklist(documents, lint(results), synthetic_records(documents, STATUSES), "fake", href)
    folder = tmp_path_factory.mktemp("reports") / "checklist"
    write_checklist(checklist, folder, RUN)
    return results, folder


def page(folder: Path, name: str) -> Element:
    return parse_html((folder / name).read_text(encoding="utf-8"))


def section(tree: Element, line: int) -> Element:
    found = tree.find("section", id=f"m{line}")
    assert found is not None, f"no section for the mapping at line {line}"
    return found


def row_cells(table: Element, line: int) -> list[Element]:
    for tr in table.find_all("tr"):
        cells = tr.find_all("td")
        if cells and cells[0].text.strip() == str(line):
            return [td for td in cells if "st" in td.classes]
    raise AssertionError(f"no row for line {line}")


def status_of(cell: Element) -> str:
    return next(c.removeprefix("st-") for c in cell.classes if c.startswith("st-"))


def test_every_row_of_every_seed_document_has_a_status_cell_per_row_kind(seeds: tuple[list[ParseResult], Path]) -> None:
    results, folder = seeds
    index = page(folder, "index.html")
    pages = {a.text.strip(): a.attrs["href"] for a in index.find("table", cls="docs").find_all("a")}
    rows_seen = 0
    for document in (r.document for r in results if r.document):
        tree = page(folder, pages[document.title])
        for mapping in document.mappings:
            sect = section(tree, mapping.loc.line)
            links = sect.find("table", cls="links").find_all("td", cls="st")
            assert [status_of(c) != "na" for c in links] == [k.applies(mapping) for k in MAPPING_KINDS]
            for row in mapping.properties:
                cells = row_cells(sect.find("table", cls="rows"), row.loc.line)
                applies = [k.applies(mapping) and row in k.rows(mapping) for k in ROW_KINDS]
                assert len(cells) == len(ROW_KINDS)
                assert [status_of(c) != "na" for c in cells] == applies, f"{row.loc}"
                assert all(status_of(c) in {"passed", "failed", "skipped", "gap", "error", "na"} for c in cells)
                rows_seen += 1
    assert rows_seen == sum(d.property_count for d in (r.document for r in results if r.document)) > 0


def test_each_cell_links_to_its_test_and_every_non_pass_has_a_note(seeds: tuple[list[ParseResult], Path]) -> None:
    _, folder = seeds
    tree = page(folder, "webcrm_crmoffice.html")
    cells = [c for c in tree.find_all("td", cls="st") if status_of(c) != "na"]
    assert cells
    for cell in cells:
        link = cell.find("a")
        assert link is not None and link.attrs["href"].startswith("../report.html#generated_tests/")
        if status_of(cell) in ("failed", "skipped", "gap", "error"):
            note = cell.find("sup").find("a").attrs["href"]
            item = tree.find("tr", id=note.removeprefix("#"))
            assert item is not None and item.find("td", cls="msg").text.strip()
    notes = tree.find("section", cls="notes").text
    assert "expected the value to arrive" in notes and "no value is configured for condition" in notes


def test_documentation_gaps_are_called_out_where_they_occur(seeds: tuple[list[ParseResult], Path]) -> None:
    results, folder = seeds
    tree = page(folder, "customcrm_crmoffice.html")
    first = section(tree, 12)
    codes = [d.find("b").text for d in first.find_all("p", cls="diag-gap")]
    assert codes == ["empty-table", "duplicate-section"]
    assert "line 44" in first.find("h2").text
    assert section(tree, 28).find("p", cls="empty") is not None
    counted = sum(1 for d in lint(results) if d.path == "specs/customcrm-crmoffice.rst" and d.code in GAP_CODES)
    assert f"{counted} documentation gaps" in tree.find("p", cls="counts").text


@pytest.fixture(scope="module")
def corpus_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ParseResult], Path]:
    """A dozen corpus documents (one with malformed conditions), rendered with every status."""
    paths = sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))
    parser = DocumentParser()
    results = [parser.parse_file(p, p.relative_to(ROOT).as_posix()) for p in paths[::8] + [p for p in paths if p.stem == "hubspot-hubspot"]]
    documents = [r.document for r in results if r.document]
    folder = tmp_path_factory.mktemp("corpus") / "checklist"
    write_checklist(build_checklist(documents, lint(results), synthetic_records(documents, STATUSES), "fake", href), folder, RUN)
    return results, folder


def test_a_malformed_condition_is_flagged_at_its_row(corpus_sample: tuple[list[ParseResult], Path]) -> None:
    results, folder = corpus_sample
    malformed = [d for d in lint(results) if d.code == "malformed-condition" and d.path.endswith("hubspot-hubspot.rst")]
    assert malformed
    tree = page(folder, "hubspot_hubspot.html")
    flagged = {tr.find("td").text.strip() for tr in tree.find_all("tr", cls="flagged")}
    assert {str(d.line) for d in malformed} <= flagged


def test_results_of_a_partial_run_leave_the_rest_not_run(tmp_path: Path) -> None:
    results = parse(ROOT / "specs" / "webcrm-crmoffice.rst")
    documents = [r.document for r in results if r.document]
    forward = [r for r in synthetic_records(documents) if r.check == "forward"]
    checklist = build_checklist(documents, lint(results), forward, "fake")
    view = checklist.documents[0]
    assert view.counts.passed == len(forward)
    assert view.counts.not_run == view.counts.total - len(forward) > 0
    write_checklist(checklist, tmp_path, RUN)
    statuses = {status_of(c) for c in page(tmp_path, view.page).find_all("td", cls="st")}
    assert statuses == {"passed", "not-run", "na"}


def test_results_that_match_no_row_are_listed_not_dropped(tmp_path: Path) -> None:
    results = parse(ROOT / "specs" / "webcrm-crmoffice.rst")
    documents = [r.document for r in results if r.document]
    stale = CheckRecord("generated_tests/test_old.py::T::test_forward[Gone->away]", documents[0].path, 999,
                       "webcrm:Persons->crmoffice:Contacts", "Gone->away", "forward", "passed")
    checklist = build_checklist(documents, [], [stale], "fake")
    assert checklist.unmatched == [stale]
    write_checklist(checklist, tmp_path, RUN)
    assert "test_forward[Gone-&gt;away]" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_the_index_shows_totals_matrix_picture_and_latency(seeds: tuple[list[ParseResult], Path]) -> None:
    results, folder = seeds
    documents = [r.document for r in results if r.document]
    index = page(folder, "index.html")
    pairs = {(d.source.id, d.target.id) for d in documents}
    filled = [td for td in index.find("table", cls="matrix").find_all("td") if "void" not in td.classes]
    assert len(filled) == len(pairs)
    assert all(any(c.startswith("rate-") for c in td.classes) for td in filled)
    svg = index.find("svg")
    assert len(svg.find_all("path", cls="edge")) == len(pairs)
    assert len(svg.find_all("circle")) == len({s for p in pairs for s in p})
    latency = [tr.find_all("td")[-1].text for tr in index.find("table", cls="docs").find("tbody").find_all("tr")]
    assert latency and set(latency) == {"n/a"}
    assert "documentation gaps" in index.find("div", cls="tiles").text


def test_pages_refer_to_nothing_outside_their_folder(seeds: tuple[list[ParseResult], Path]) -> None:
    _, folder = seeds
    for path in folder.glob("*.html"):
        tree = page(folder, path.name)
        assert tree.find("script") is None, f"{path.name} holds a script"
        for element in tree.iter():
            for name in ("src", "href"):
                value = element.attrs.get(name, "")
                assert "://" not in value and not value.startswith("//"), f"{path.name}: {name}={value}"
                if name == "href" and value and not value.startswith(("#", "../report.html")):
                    assert (folder / unquote(value.split("#")[0])).is_file(), f"{path.name}: broken link {value}"


def test_latency_percentiles_per_flow_on_a_sandbox_run(tmp_path: Path) -> None:
    results = parse(ROOT / "specs")
    documents = [r.document for r in results if r.document]
    records = synthetic_records(documents, latency=42.0)
    checklist = build_checklist(documents, lint(results), records, "sandbox")
    write_checklist(checklist, tmp_path, RunInfo("sandbox", "specs", "0" * 64, "now"))
    index = page(tmp_path, "index.html")
    cells = [tr.find_all("td")[-1].text for tr in index.find("table", cls="docs").find("tbody").find_all("tr")]
    assert "42.0 s / 42.0 s" in cells
    assert percentiles([1.0, 2.0, 3.0, 4.0, 100.0]) == (3.0, 100.0)


def test_document_text_is_escaped_everywhere(tmp_path: Path) -> None:
    text = (ROOT / "specs" / "webcrm-crmoffice.rst").read_text(encoding="utf-8")
    hostile = text.replace("PersonFirstName", "<script>alert(1)</script>").replace("WebCRM", "Web<b>CRM</b>")
    result = DocumentParser().parse_text(hostile, "specs/hostile.rst")
    documents = [result.document]
    write_checklist(build_checklist(documents, lint([result]), synthetic_records(documents), "fake"), tmp_path, RUN)
    for path in tmp_path.glob("*.html"):
        tree = page(tmp_path, path.name)
        assert tree.find("script") is None, path.name
        assert all(b.text != "CRM" for b in tree.find_all("b")), path.name
    assert "&lt;script&gt;" in (tmp_path / "hostile.html").read_text(encoding="utf-8")


def test_corpus_documents_get_a_page_each_with_every_check_in_a_cell(corpus_sample: tuple[list[ParseResult], Path]) -> None:
    results, folder = corpus_sample
    documents = [r.document for r in results if r.document]
    records = synthetic_records(documents, STATUSES)
    pages = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
    assert len(pages) == len(documents) == len(results)
    index = page(folder, "index.html")
    assert sorted(a.attrs["href"] for a in index.find("table", cls="docs").find_all("a")) == pages
    linked = {unquote(a.attrs["href"].split("#", 1)[1]) for name in pages for a in page(folder, name).find_all("a")
              if a.attrs.get("href", "").startswith("../report.html#")}
    assert linked == {r.nodeid for r in records}


def test_cells_and_the_index_say_why_a_check_did_not_pass(seeds: tuple[list[ParseResult], Path]) -> None:
    results, folder = seeds
    document = page(folder, "webcrm_crmoffice.html")
    cells = [td for td in document.find_all("td") if "st" in td.classes]
    errors = [td for td in cells if status_of(td) == "error"]
    failures = [td for td in cells if status_of(td) == "failed"]
    assert errors and all(td.text.strip().startswith("env") and "environment: server" in td.attrs["title"] for td in errors)
    assert failures and all(td.text.strip().startswith("FAIL") and ": defect: " in td.attrs["title"] for td in failures)
    index = page(folder, "index.html").find("p", cls="causes")
    assert index is not None and "defect" in index.text and "environment: server" in index.text
