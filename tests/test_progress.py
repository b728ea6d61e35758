"""A sandbox run in waves talks: progress lines, throttled, for the whole run across its batches."""

from __future__ import annotations

import select
import subprocess
import sys

from dataflow_qa.checks import Progress
from dataflow_qa.pytest_plugin.progress import ProgressLine, describe


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_line_at_the_start_then_at_most_one_per_interval_and_always_the_last() -> None:
    clock, lines = Clock(), []
    line = ProgressLine(4, lines.append, every=5, clock=clock)
    for now, settled in [(0, 0), (1, 1), (4, 2), (6, 2), (7, 3), (8, 4)]:
        clock.now = now
        line(Progress(total=4, pending=4 - settled, settled=settled))
    assert [text.split(":", 1)[0] for text in lines] == ["dataflow-qa waves, 0 s", "dataflow-qa waves, 6 s", "dataflow-qa waves, 8 s"]
    assert lines[-1].startswith("dataflow-qa waves, 8 s: 0 pending, 4 settled, 0 failed of 4 checks")


def test_batches_add_up_to_the_whole_run() -> None:
    clock, lines = Clock(), []
    line = ProgressLine(5, lines.append, every=0, clock=clock)
    line(Progress(total=3, pending=0, settled=2, failed=1, slowest=(4.0, "a: far")))
    line(Progress(total=1, pending=1, slowest=(1.0, "b: near")))
    line(Progress(total=1, pending=0, failed=1, slowest=(1.0, "b: near")))
    line(Progress(total=1, pending=0, settled=1))
    assert "1 pending, 2 settled, 2 failed of 5 checks; slowest flow 4.0 s (a: far)" in lines[2]
    assert "0 pending, 3 settled, 2 failed of 5 checks" in lines[-1]


def test_a_long_flow_is_cut_to_one_line() -> None:
    text = describe(Progress(total=1, pending=1, slowest=(12.25, "specs/x.rst:7: " + "y" * 200)), 3)
    assert text.startswith("dataflow-qa waves, 3 s: 1 pending, 0 settled, 0 failed of 1 checks; slowest flow 12.2 s (specs/x.rst:7: y")
    assert text.endswith("...)") and len(text) < 200


def test_a_line_reaches_a_piped_stdout_while_the_run_is_still_going(tmp_path) -> None:
    """CI logs are pipes: a progress line must be readable before the run ends, not when its buffer fills."""
    release = tmp_path / "release"
    (tmp_path / "test_waits.py").write_text(
        "import pathlib, pytest\n"
        "from dataflow_qa.checks import Progress\n"
        "from dataflow_qa.pytest_plugin.progress import progress_line\n"
        "def test_waits(pytestconfig):\n"
        "    progress_line(pytestconfig, 1)(Progress(total=1, pending=1))\n"
        f"    while not pathlib.Path({str(release)!r}).exists():\n"
        "        pass\n")
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                           cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        readable, _, _ = select.select([run.stdout], [], [], 60)  # the line must arrive while the test still waits
        assert readable, "no progress line on the pipe while the run was going"
        assert run.stdout.readline().startswith("dataflow-qa waves, ") and run.poll() is None
    finally:
        release.touch()
        run.communicate(timeout=60)
