"""Faulty systems end to end: the suite on --target sandbox against served fakes that misbehave.

Two runs, each with the fakes and the reference engine as their own processes
on loopback: one where a fifth of all requests meet a fault (429 bursts, 5xx,
dropped connections) and some are slowed by latency spikes, with a clean
engine; one where the engine is frozen with SIGSTOP. Each must end with
readable reports, label every check that did not pass as environment trouble
(never as a defect, never as passed), leave an empty ledger and no test record
in the fakes, and leave no credential in any artifact or in the terminal.
Select them with ``-m faulty``.
"""

from __future__ import annotations

import html.parser
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dataflow_qa.systems.catalog import build_catalog
from dataflow_qa.systems.config import build_adapters, load_config
from dataflow_qa.reports.secrets import artifacts, encodings, scan
from dataflow_qa.generator.parse import find_documents, parse_paths
from test_sandbox_e2e import start, stop, wait_for, with_run

pytestmark = pytest.mark.faulty
ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "import sys; from dataflow_qa.generator.cli import main; sys.exit(main(sys.argv[1:]))"]
"""The worktree's own command line (the installed console script may import another checkout)."""
FAULTS = ["--faults", "0.2", "--burst-429", "2", "--retry-after", "0.5", "--latency-spikes", "0.05", "--spike-seconds", "1",
          "--seed", "8"]
HARSH = ["--faults", "0.3", "--retry-after", "0.1", "--seed", "3"]
"""With the run's clients (and the engine's) allowed two attempts, about one call in eleven fails for good."""
SLICE = "((webcrm and Products) or salesforce) and (test_link or test_forward)"
STALLED_SLICE = "salesforce and TestContactToContacts and (test_link or test_forward)"
"""Checks whose records cleanup can delete: WebCRM has no DELETE for Persons and Users (docs/vendors/webcrm.md)."""


def serve(folder: Path, faults: list[str], deadline: int, quiet: int, attempts: int = 6) -> Iterator[dict]:
    """Fakes on a loopback port (with ``faults``), the sandbox configuration and the fakes' credentials.

    The run and the engine make ``attempts`` per call; ``reap`` gets its own configuration with six.
    """
    folder.mkdir(parents=True)
    config, out = folder / "sandbox.toml", folder / "serve.out"
    fakes = start([*CLI, "fakes", "serve", "--port", "0", "--no-rate-limits", *faults, "--write-config", str(config)],
                  dict(os.environ), out)
    try:
        wait_for(lambda: "# --- ready ---" in out.read_text(), "the fakes to print their credentials")
        credentials = {}
        for line in out.read_text().splitlines():
            if line.startswith("export "):
                name, _, value = line[len("export "):].partition("=")
                credentials[name] = value.strip("'\"")
        assert "on http://127.0.0.1:" in out.read_text(), "the fakes bind to loopback by default"
        (folder / "reap.toml").write_text(config.read_text())
        config.write_text(with_run(config.read_text().replace("retries = 6", f"retries = {attempts}"),
                                   deadline=deadline, quiet_period=quiet, first_delay=0.2, max_delay=2))
        yield {"config": config, "env": {**os.environ, **credentials}, "credentials": credentials, "folder": folder,
               "reap": folder / "reap.toml"}
    finally:
        stop(fakes)


@pytest.fixture
def engine_for(request: pytest.FixtureRequest) -> Iterator[object]:
    """Starts the reference engine for a served set of fakes; stops (and resumes) it at the end."""
    started: list[subprocess.Popen] = []

    def launch(served: dict) -> subprocess.Popen:
        log = served["folder"] / "engine.log"
        process = start([*CLI, "engine", "run", "--config", str(served["config"]), "--interval", "1"], served["env"], log)
        wait_for(lambda: "engine polling" in log.read_text(), "the engine to start")
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGCONT)
        stop(process)


def run_suite(served: dict, selection: str, *flags: str) -> subprocess.CompletedProcess:
    """The generated suite on --target sandbox, a slice of it, reports into the served folder.

    Without the preflight (tests/test_preflight.py tries it): these runs count what is left in the
    systems, and the preflight's WebCRM Persons and Users, which the vendor cannot delete, stay by design."""
    folder = served["folder"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "generated_tests", "-p", "no:cacheprovider", "-p", "no:randomly", "-rA",
         "--target", "sandbox", "--sandbox-config", str(served["config"]), "--ledger-dir", str(folder / "ledger"),
         "--reports-dir", str(folder / "reports"), "--no-preflight", "-k", selection, *flags],
        cwd=ROOT, env=served["env"], capture_output=True, text=True, timeout=900)


def cases(junit: Path) -> dict[str, dict[str, str]]:
    """Each JUnit test case by name: its properties, plus ``outcome`` (passed, failure, error or skipped)."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        props["outcome"] = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        found[f"{case.get('classname')}::{case.get('name')}"] = props
    return found


class _Page(html.parser.HTMLParser):
    """Collects an HTML page's text and pytest-html's JSON blob (a ``data-jsonblob`` attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.blob: dict = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-jsonblob" and value:
                self.blob = json.loads(value)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read_page(path: Path) -> _Page:
    """A parsed HTML file."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def page_text(path: Path) -> str:
    """The visible text of an HTML file."""
    return " ".join(read_page(path).parts)


def left_records(served: dict) -> list[str]:
    """Records in the fakes that carry a dataflow-qa token (none may be left)."""
    documents = [r.document for r in parse_paths(find_documents([str(ROOT / "specs")]))]
    config = load_config(served["config"], served["env"])
    patient = replace(config, systems={k: replace(s, retries=40) for k, s in config.systems.items()})  # outlast the faults
    adapters = build_adapters(patient, env=served["env"], catalog=build_catalog(documents))
    ends = sorted({(s, e) for d in documents for m in d.mappings
                   for s, e in ((m.source.id, m.source_entity), (m.target.id, m.target_entity))})
    left = [f"{system} {entity} {record.id}" for system, entity in ends
            for record in adapters[system].changed_since(entity, None) if "dfqa-" in json.dumps(record.data, default=str)]
    for adapter in adapters.values():
        adapter.close()
    return left


def reap_until_clean(served: dict, engine: subprocess.Popen, tries: int = 10) -> int:
    """Stop the engine (its pass under way ends), then run ``reap`` until no ledger is left; how often it ran."""
    stop(engine)
    ledger = served["folder"] / "ledger"
    runs = 0
    while list(ledger.glob("*.jsonl")) and runs < tries:  # reap meets the same faults: run it again, as a person would
        runs += 1
        subprocess.run([*CLI, "reap", "--config", str(served["reap"]), "--ledger-dir", str(ledger)], cwd=ROOT,
                       env=served["env"], capture_output=True, text=True, timeout=300)
    return runs


def assert_nothing_left(served: dict) -> None:
    """An empty ledger, no test record in the fakes, and nothing for ``reap`` to do."""
    ledger = served["folder"] / "ledger"
    assert list(ledger.glob("*.jsonl")) == []
    assert left_records(served) == []
    reaped = subprocess.run([*CLI, "reap", "--config", str(served["reap"]), "--ledger-dir", str(ledger)], cwd=ROOT,
                            env=served["env"], capture_output=True, text=True, timeout=300)
    assert (reaped.returncode, reaped.stdout.strip()) == (0, "nothing to reap: no ledger"), reaped.stderr


def assert_no_secret(served: dict, done: subprocess.CompletedProcess) -> None:
    """No credential of the fakes in any report file, the ledger folder, the engine's log or the terminal output."""
    credentials = {value: name for name, value in served["credentials"].items()}
    folder = served["folder"]
    assert scan(artifacts(folder / "reports") + artifacts(folder / "ledger", [folder / "engine.log"]), credentials) == []
    terminal = done.stdout + done.stderr
    for value, name in credentials.items():
        assert not any(form.decode() in terminal for form in encodings(value).values()), f"{name} in the terminal"


def assert_readable_reports(served: dict, names: set[str], done: subprocess.CompletedProcess) -> dict[str, dict[str, str]]:
    """report.html, junit.xml and the checklist exist and parse; JUnit holds exactly the selected tests."""
    reports = served["folder"] / "reports"
    missing = [p for p in ("report.html", "junit.xml", "checklist/index.html") if not (reports / p).is_file()]
    assert not missing, f"not written: {missing}\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    found = cases(reports / "junit.xml")
    assert set(found) == names
    tests = read_page(reports / "report.html").blob["tests"]
    assert {nodeid.rsplit("::", 1)[-1] for nodeid in tests} == {name.rsplit("::", 1)[-1] for name in names}
    index = page_text(reports / "checklist" / "index.html")
    assert "QA checklist" in index and "checks reached a verdict" in index
    return found


def selected(served: dict, selection: str) -> set[str]:
    """The JUnit names (class path::test) of the tests a selection collects."""
    done = subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-k", selection], cwd=ROOT, env=served["env"], capture_output=True, text=True, timeout=300)
    names = set()
    for line in done.stdout.splitlines():
        if "::" in line:
            path, cls, test = line.split("::")
            names.add(f"{path.removesuffix('.py').replace('/', '.')}.{cls}::{test}")
    assert names, done.stdout + done.stderr
    return names


def test_a_fifth_of_requests_failing_gives_real_passes_labelled_failures_and_leaves_nothing(
        tmp_path: Path, engine_for: object) -> None:
    for served in serve(tmp_path / "faulty", FAULTS, deadline=60, quiet=20):
        engine = engine_for(served)  # type: ignore[operator]
        names = selected(served, SLICE)
        done = run_suite(served, SLICE)
        found = assert_readable_reports(served, names, done)
        passed = {n for n, p in found.items() if p["outcome"] == "passed"}
        failed = {n: p for n, p in found.items() if p["outcome"] != "passed"}
        # a pass is a check that ran to its end and saw its changes arrive
        assert all(found[n]["status"] == "passed" and found[n].get("latency_s") for n in passed)
        # whatever did not pass is environment trouble (faults are only in the transport), labelled with its kind
        assert all(p.get("cause", "").startswith("environment: ") for p in failed.values()), failed
        assert len(passed) >= len(found) // 2, f"retries should absorb most faults: {len(passed)} of {len(found)} passed"
        if failed:
            assert "why checks did not pass: environment: " in done.stdout
        # cleanup meets the faults too: what it could not delete, it says, keeping the ledger for reap
        kept = "dataflow-qa: records remain; run: dataflow-qa reap" in done.stdout
        assert done.returncode == (1 if failed or kept else 0), done.stdout[-3000:]
        assert bool(list((served["folder"] / "ledger").glob("*.jsonl"))) == kept
        assert "secret scan:" in done.stdout and "clean" in done.stdout
        reap_until_clean(served, engine)
        assert_nothing_left(served)
        assert_no_secret(served, done)


def test_a_stalled_engine_fails_checks_as_environment_trouble_and_cleanup_still_empties_the_ledger(
        tmp_path: Path, engine_for: object) -> None:
    for served in serve(tmp_path / "stalled", [], deadline=8, quiet=3):
        engine = engine_for(served)  # type: ignore[operator]
        os.killpg(engine.pid, signal.SIGSTOP)
        names = selected(served, STALLED_SLICE)
        done = run_suite(served, STALLED_SLICE)
        found = assert_readable_reports(served, names, done)
        assert done.returncode == 1, done.stdout[-3000:]
        assert {(p["outcome"], p["status"], p.get("cause")) for p in found.values()} == {
            ("failure", "error", "environment: sync-stalled")}
        assert f"why checks did not pass: environment: sync-stalled {len(names)}" in done.stdout
        assert "passed" not in done.stdout.splitlines()[-1]
        index = page_text(served["folder"] / "reports" / "checklist" / "index.html")
        assert "environment: sync-stalled" in index
        assert_nothing_left(served)
        assert_no_secret(served, done)


def test_faults_retries_cannot_absorb_are_environment_trouble_and_reap_still_removes_everything(
        tmp_path: Path, engine_for: object) -> None:
    for served in serve(tmp_path / "harsh", HARSH, deadline=15, quiet=3, attempts=2):
        engine = engine_for(served)  # type: ignore[operator]
        names = selected(served, STALLED_SLICE)
        done = run_suite(served, STALLED_SLICE)
        found = assert_readable_reports(served, names, done)
        failed = {n: p for n, p in found.items() if p["outcome"] != "passed"}
        # About one call in eleven fails for good: over hundreds of calls that bites the checks (usually) or the
        # cleanup (when the checks' calls got through), and the run fails either way; which one is down to timing.
        assert done.returncode == 1 and (failed or "dataflow-qa cleanup: " in done.stdout), done.stdout[-3000:]
        assert all(p.get("cause", "").startswith("environment: ") for p in failed.values()), failed
        assert all(found[n]["status"] == "passed" and found[n].get("latency_s") for n in set(found) - set(failed))
        reap_until_clean(served, engine)
        assert_nothing_left(served)
        assert_no_secret(served, done)
