"""Report sizes and open times: the seeds (a real run), the corpus sample, and the corpus size.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reports.py            # everything (several minutes)
    .venv/bin/python benchmarks/bench_reports.py --quick    # synthetic checklists only

It prints one line per measurement. Open times are from navigation to the
load event in headless Chromium (skipped when chromium is missing); for the
pytest-html report that includes its script rendering every test row.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from reports_support import synthetic_records  # noqa: E402

from dataflow_qa.reports.checklist import build_checklist  # noqa: E402
from dataflow_qa.reports.render import RunInfo, write_checklist  # noqa: E402
from dataflow_qa.generator.lint import lint  # noqa: E402
from dataflow_qa.generator.parse import DocumentParser, find_documents  # noqa: E402

STATUSES = ("passed",) * 8 + ("failed", "skipped", "gap")


def size(path: Path) -> str:
    """A file's or folder's size in kB."""
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    return f"{total / 1024:,.0f} kB"


def open_time(browser: object, path: Path) -> str:
    """Navigation to load event, in ms."""
    if browser is None:
        return "n/a (no chromium)"
    started = time.perf_counter()
    problems = browser.open(path.as_uri())  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - started) * 1000
    return f"{elapsed:,.0f} ms" + (f" ({len(problems)} console problems)" if problems else "")


def synthetic(name: str, paths: list[Path], copies: int, out: Path, browser: object) -> None:
    """Render the checklist of ``paths`` (repeated ``copies`` times under new names) from synthetic results."""
    parser = DocumentParser()
    started = time.perf_counter()
    base = [parser.parse_file(p, f"specs/{p.name}") for p in paths]
    results = []
    for n in range(copies):
        for p, r in zip(paths, base, strict=True):
            results.append(base[0].__class__(r.path, None, ()) if r.document is None else
                           parser.parse_text(p.read_text(encoding="utf-8"), f"specs/{n:04d}-{p.name}"))
    parsed = time.perf_counter() - started
    documents = [r.document for r in results if r.document]
    records = synthetic_records(documents, STATUSES)
    started = time.perf_counter()
    checklist = build_checklist(documents, lint(results), records, "fake", href=lambda nodeid: f"../report.html#{nodeid}")
    folder = out / _slug(name) / "checklist"
    write_checklist(checklist, folder, RunInfo("fake", "specs", "0" * 64, "now", report_href="../report.html"))
    built = time.perf_counter() - started
    pages = sorted(folder.glob("*.html"), key=lambda p: p.stat().st_size)
    print(f"{name}: {len(documents)} documents, {len(records):,} checks; parse {parsed:.1f} s, checklist built and "
          f"written in {built:.1f} s; checklist {size(folder)}, index {size(folder / 'index.html')} "
          f"(opens in {open_time(browser, folder / 'index.html')}), largest page {size(pages[-1])} "
          f"(opens in {open_time(browser, pages[-1])})")


def run(name: str, tree: Path, out: Path, browser: object, *args: str) -> None:
    """Run a generated suite with the reports on; sizes of every artifact and open times."""
    reports = out / _slug(name)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-p", "no:cacheprovider", "-q",
                           "--reports-dir", str(reports), *args], cwd=tree, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    final = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    pages = sorted((reports / "checklist").glob("*.html"), key=lambda p: p.stat().st_size)
    print(f"{name}: {final!r} in {elapsed:.1f} s; report.html {size(reports / 'report.html')} "
          f"(opens in {open_time(browser, reports / 'report.html')}), junit.xml {size(reports / 'junit.xml')}, "
          f"checklist {size(reports / 'checklist')} (index opens in {open_time(browser, reports / 'checklist' / 'index.html')}, "
          f"largest page {size(pages[-1])})")


def _slug(name: str) -> str:
    """A folder name without spaces or commas (pytest-html's script cannot handle a comma in its URL)."""
    return "-".join("".join(c if c.isalnum() else " " for c in name).split())


def corpus_tree(out: Path, every: int) -> Path:
    """A project folder holding every ``every``-th corpus document as specs, and its generated suite.

    The fake target runs every document's mappings in one engine, so a run of
    all 96 takes minutes per check here; a slice keeps the run practical.
    """
    tree = out / "corpus-tree"
    (tree / "specs").mkdir(parents=True)
    for path in sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))[::every]:
        shutil.copy(path, tree / "specs")
    shutil.copy(ROOT / "conftest.py", tree)
    subprocess.run([sys.executable, "-m", "dataflow_qa.generator.cli", "generate"], cwd=tree, check=True, capture_output=True)
    return tree


def main() -> None:
    """Measure and print."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="synthetic checklists only")
    options.add_argument("--runs-only", action="store_true", help="real runs only")
    args = options.parse_args()
    browser = None
    if shutil.which("chromium"):
        from test_checklist_browser import Browser

        browser = Browser(Path(tempfile.mkdtemp(prefix="bench-chromium-")))
    out = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    corpus = sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))
    try:
        if not args.runs_only:
            synthetic("seeds, synthetic results", find_documents([str(ROOT / "specs")]), 1, out, browser)
            synthetic("corpus sample, synthetic results", corpus, 1, out, browser)
            synthetic("corpus size (sample x12 = 1,152 documents), synthetic results", corpus, 12, out, browser)
        if not args.quick:
            run("seeds, real run", ROOT, out, browser)
            run("seeds, real run, swap-properties fault", ROOT, out, browser, "--engine-fault", "swap-properties")
            run("corpus slice (every 12th document), real run", corpus_tree(out, 12), out, browser, "--specs", "specs")
    finally:
        if browser is not None:
            browser.close()
        print(f"(artifacts in {out})")


if __name__ == "__main__":
    main()
