"""``dataflow-qa watch``: regenerates on every change to the documents, and only then; Ctrl-C stops it cleanly.

The loop is tested with its pause injected (each pause is where the test
edits); the command itself is run as users run it, its lines awaited from a
reader thread with a deadline (no sleeps), stopped with SIGINT.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from dataflow_qa.generator.stats import RACY_NS
from dataflow_qa.generator.watch import changes, snapshot, watch
from interrupts import children_take_ctrl_c

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "tests" / "data" / "specs"
LONG_AGO = 1_000_000_000 * 1_000_000_000  # 2001 in ns: no file here was changed within RACY_NS of it


def _scripted(steps: list[Callable[[], None]]) -> Callable[[float], bool]:
    """A pause that runs the next step each time it is called, and stops the loop when none are left."""
    pending = list(steps)

    def pause(_: float) -> bool:
        if not pending:
            return False
        pending.pop(0)()
        return True

    return pause


def _write(path: Path, text: str) -> Callable[[], None]:
    return lambda: path.write_text(text, encoding="utf-8")


def test_regenerates_once_per_change_and_never_while_idle(tmp_path: Path) -> None:
    first, second = tmp_path / "a.rst", tmp_path / "b.rst"
    first.write_text("one", encoding="utf-8")
    second.write_text("two", encoding="utf-8")
    runs, lines = [], []
    steps = [lambda: None, _write(first, "one, edited"), lambda: None, lambda: second.unlink(),
             _write(tmp_path / "c.rst", "three"), lambda: None]

    status = watch([str(tmp_path)], lambda: runs.append(1) or 7, _scripted(steps), lines.append, interval=0.5)

    assert status == 7  # the last generation's status
    assert len(runs) == 4  # at the start, after the edit, the removal and the addition; not on the idle polls
    assert lines[0] == f"watching 2 documents in {tmp_path} (every 0.5 s; Ctrl-C stops)"
    assert [line.split(" changed: ")[0] for line in lines[1:]] == [str(first), str(second), str(tmp_path / "c.rst")]


def test_no_documents_left_regenerates_nothing(tmp_path: Path) -> None:
    only = tmp_path / "a.rst"
    only.write_text("one", encoding="utf-8")
    runs, lines = [], []

    watch([str(tmp_path)], lambda: runs.append(1) or 0, _scripted([lambda: only.unlink()]), lines.append)

    assert len(runs) == 1  # generating from no documents would remove every module
    assert lines[-1].startswith(f"no documents left in {tmp_path}: nothing regenerated")


def test_bytes_changed_within_a_tick_are_seen_though_the_stat_is_the_same(tmp_path: Path) -> None:
    document = tmp_path / "a.rst"
    document.write_text("same size A", encoding="utf-8")
    status = document.stat()
    before = snapshot([str(tmp_path)], status.st_mtime_ns + RACY_NS // 2)
    document.write_text("same size B", encoding="utf-8")
    os.utime(document, ns=(status.st_atime_ns, status.st_mtime_ns))  # a same-size edit in the same tick (ctime moves; compared anyway)
    after = snapshot([str(tmp_path)], status.st_mtime_ns + RACY_NS // 2)
    after_same_stat = {path: (before[path][0], sha) for path, (_, sha) in after.items()}

    assert changes(before, after_same_stat) == [str(document)]


def test_the_same_bytes_saved_again_are_no_change(tmp_path: Path) -> None:
    document = tmp_path / "a.rst"
    document.write_text("text", encoding="utf-8")
    before = snapshot([str(tmp_path)], document.stat().st_mtime_ns)  # within the tick: hashed
    os.utime(document, ns=(LONG_AGO, LONG_AGO))
    document.write_text("text", encoding="utf-8")  # the stat moves on, the bytes do not

    assert before[str(document)][0] != snapshot([str(tmp_path)], document.stat().st_mtime_ns)[str(document)][0]
    assert changes(before, snapshot([str(tmp_path)], document.stat().st_mtime_ns)) == []


class _Lines:
    """A process's stdout lines, awaited with a deadline."""

    def __init__(self, stream) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self._lines.put(line) for line in stream], daemon=True).start()

    def until(self, fragment: str, deadline: float = 60.0) -> list[str]:
        seen = []
        while True:
            line = self._lines.get(timeout=deadline)
            seen.append(line)
            if fragment in line:
                return seen


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = "specs"\nout = "generated"\n', encoding="utf-8")
    return tmp_path


def test_the_command_regenerates_an_edited_document_keeps_a_broken_ones_module_and_stops_on_ctrl_c(project: Path) -> None:
    env = dict(os.environ, DATAFLOW_QA_CACHE=str(project / "cache"))
    with children_take_ctrl_c():
        process = subprocess.Popen([sys.executable, "-m", "dataflow_qa.generator.cli", "watch", "--interval", "0.05"], cwd=project,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out = _Lines(process.stdout)
        assert "3 files written" in "".join(out.until("watching 2 documents in specs"))
        module = project / "generated" / "test_alphaerp_to_beta.py"
        document = project / "specs" / "alpha-beta.rst"
        original = document.read_text(encoding="utf-8")

        document.write_text(original.replace("   * - age\n     - Age\n", "   * - years\n     - Age\n"), encoding="utf-8")
        assert out.until("changed: regenerated")[-1].startswith("specs/alpha-beta.rst changed")
        assert "'years'" in module.read_text(encoding="utf-8") and "'age'" not in module.read_text(encoding="utf-8")

        kept = module.read_bytes()
        document.write_text(original + "\x00", encoding="utf-8")  # an error of the whole document: not a text file
        out.until("changed: regenerated")
        assert module.read_bytes() == kept  # a document with errors keeps its old module
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 1  # the last generation found errors
    assert "specs/alpha-beta.rst:" in errors and errors.rstrip().endswith("stopped")


def test_ctrl_c_anywhere_stops_with_the_last_finished_generations_status(tmp_path: Path) -> None:
    document = tmp_path / "a.rst"
    document.write_text("one", encoding="utf-8")
    statuses = iter([1, 0])

    def regenerate() -> int:
        status = next(statuses, None)
        if status is None:
            raise KeyboardInterrupt  # pressed while the third generation runs
        return status

    def edit_each_time(_: float) -> bool:
        document.write_text(document.read_text(encoding="utf-8") + " more", encoding="utf-8")
        return True

    assert watch([str(tmp_path)], regenerate, edit_each_time, lambda line: None) == 0


@pytest.mark.parametrize("interval", ["0", "soon", "nan"])
def test_an_interval_that_is_no_sensible_number_of_seconds_is_refused(project: Path, interval: str, capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow_qa.generator.cli import main

    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as exit_:
        main(["watch", "--interval", interval])

    assert exit_.value.code == 2
    assert f"expected seconds between 0.01 and 3600, got {interval!r}" in capsys.readouterr().err
    assert not (project / "generated").exists()  # refused before anything was written


def test_one_document_is_named_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "a.rst").write_text("one", encoding="utf-8")
    lines: list[str] = []

    watch([str(tmp_path)], lambda: 0, _scripted([]), lines.append, interval=1)

    assert lines == [f"watching 1 document in {tmp_path} (every 1 s; Ctrl-C stops)"]
