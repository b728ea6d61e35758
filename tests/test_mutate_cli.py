"""``dataflow-qa mutate`` in a documentation repository: its configuration, its documents, plain words
when a fault needs a document shape none of them has, and the kill matrix per target (the sandbox target:
served fakes and the engine as processes on loopback, never left running)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from dataflow_qa.engine.mutate import Matrix, Run, cheapest_kinds, verdict
from dataflow_qa.generator.cli import main
from interrupts import children_take_ctrl_c

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
    out, err = capsys.readouterr()
    told = sorted(line.split(": ", 1)[1] for line in err.splitlines() if line.startswith("dataflow-qa mutate: "))
    assert told[0].startswith("1/2 on fake: ") and told[1].startswith("2/2 on fake: "), "each run is told as it ends"
    assert any("clean run: " in line and ", 0 failed in " in line for line in told)
    assert any(line.split(": ", 1)[1].startswith("stringifies: killed by ") for line in told)
    line = next(line for line in out.splitlines() if line.startswith("stringifies"))
    assert line.split()[1] == "yes" and line.endswith(str(NUMBERS))
    assert "1/1 faults killed" in out


def test_mutate_without_a_generated_suite_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["mutate", "--faults", "one-way"]) == 2
    assert "no generated suite in" in capsys.readouterr().err


def started_in(folder: Path) -> list[str]:
    """Command lines of the live processes working in ``folder`` (mutate starts every process there), but this one."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and proc.name != str(os.getpid()) and Path(os.readlink(proc / "cwd")) == folder:
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def test_both_targets_kill_the_faults_each_in_its_own_matrix(docs_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sandbox runs are served fakes and an engine process each, on loopback; the kinds a fault runs there are
    the cheapest that caught it on the fake target, and the output says so."""
    capsys.readouterr()
    assert main(["mutate", "--target", "both", "--faults", "one-way,gives-up-on-429", "--select", "Users and (throttled or reverse)",
                 "--deadline", "8", "--jobs", "3"]) == 0
    out = capsys.readouterr().out
    fake, _, sandbox = out.partition("\nsandbox target: ")
    assert fake.lstrip().startswith("fake target: in process") and "each fault ran the 2 check kind(s)" in sandbox
    assert "a change may take 8 s; the clean run first and alone, then the faults, 3 at once" in sandbox
    for block in (fake, sandbox):
        lines = {line.split()[0]: line for line in block.splitlines() if line.strip()}
        assert lines["clean"].split()[1] == "-" and lines["one-way"].split()[1] == "yes"
        assert lines["gives-up-on-429"].split()[1] == "yes"
    assert "docs (kinds: throttled-writes)" in sandbox and "docs (kinds: reverse)" in sandbox
    assert "2/2 faults killed on fake; 2/2 faults killed on sandbox in " in out
    page = (docs_repo / "out" / "mutation.html").read_text()
    assert '<h2 id="fake">' in page and '<h2 id="sandbox">' in page
    assert started_in(docs_repo) == []


def test_an_interrupted_sandbox_mutation_stops_every_process_it_started(docs_repo: Path) -> None:
    """Ctrl-C while the fakes and the engine serve a run: mutate stops them all (they live in process groups of
    their own, which the terminal's Ctrl-C does not reach) and starts no more."""
    with children_take_ctrl_c():
        run = subprocess.Popen([str(Path(sys.executable).parent / "dataflow-qa"), "mutate", "--target", "sandbox", "--sandbox-kinds", "0",
                                "--faults", "one-way", "--select", "Users and reverse"], cwd=docs_repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any("engine run" in line for line in started_in(docs_repo)):
        assert run.poll() is None and time.monotonic() < deadline, "the engine process never started"
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "interrupted; every process it started is stopped" in err
    assert started_in(docs_repo) == []


def test_the_sandbox_runs_the_kinds_with_fewest_checks_that_caught_the_fault() -> None:
    clean = Run("clean", Path("."), "suite", [], checks=Counter({"forward": 40, "link": 3, "reverse": 40, "burst": 3}))
    fake = Run("one-way", Path("."), "suite", [], killed_by=Counter({"reverse": 4, "link": 1, "burst": 1}), failed=6)
    assert cheapest_kinds(fake, clean, 2) == ("burst", "link")
    assert cheapest_kinds(fake, clean, 0) == ()
    assert cheapest_kinds(Run("one-way", Path("."), "suite", []), clean, 2) == ()  # not caught on the fake target: every kind


def test_a_fault_that_survives_on_one_target_fails_the_mutation(capsys: pytest.CaptureFixture[str]) -> None:
    def runs(survives: bool) -> list[Run]:
        return [Run("clean", Path("."), "suite", []), Run("one-way", Path("."), "suite", [], failed=0 if survives else 2)]

    assert verdict([Matrix("fake", runs(False), ""), Matrix("sandbox", runs(False), "")]) == 0
    assert verdict([Matrix("fake", runs(False), ""), Matrix("sandbox", runs(True), "")]) == 1
    assert "faults that survived on sandbox: one-way" in capsys.readouterr().err
