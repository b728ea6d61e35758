"""`fakes serve` as a user runs it: a process that prints its configuration, serves, and stops cleanly."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from dataflow_qa.systems.config import load_config
from dataflow_qa.fakes import cli


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_runs_as_a_process_and_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    config_file = tmp_path / "sandbox.toml"
    process = subprocess.Popen(
        [sys.executable, "-m", "dataflow_qa.fakes.cli", "serve", "--port", "0", "--write-config", str(config_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if line.startswith("# --- ready ---"):
                break
        assert lines and lines[-1].startswith("# --- ready ---"), "".join(lines) + process.stderr.read()  # type: ignore[union-attr]
        env = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export "))
        config = load_config(config_file, env)
        base = config.systems["customcrm"].base_url
        answer = httpx.get(base + "/contact", headers={"Authorization": f"Bearer {env['DFQA_CUSTOMCRM_TOKEN']}"})
        assert answer.status_code == 200 and answer.json()["items"] == []
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read().strip().endswith("# stopped")  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_missing_specs_are_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--specs", str(tmp_path / "nowhere")]) == 2
    assert "no such folder or file" in capsys.readouterr().err


def test_a_folder_without_documents_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--specs", str(tmp_path)]) == 2
    assert "no usable dataflow documents" in capsys.readouterr().err


def test_a_busy_port_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_fault_rates_outside_zero_to_one_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--faults", "1.5"]) == 2
    assert "--faults" in capsys.readouterr().err



@pytest.mark.parametrize("argv", [["--latency-spikes", "1"], ["--burst-429", "0"], ["--spike-seconds", "-1"]])
def test_fault_shapes_outside_their_range_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", *argv]) == 2
    assert argv[0] in capsys.readouterr().err


def test_the_fakes_bind_to_loopback_unless_told_otherwise_and_warn_then(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._parser().parse_args(["serve"]).host == "127.0.0.1"
    ready, stop, out = threading.Event(), threading.Event(), io.StringIO()
    serving = threading.Thread(target=cli.main, args=(["serve", "--host", "0.0.0.0", "--port", "0"], out, ready, stop))
    serving.start()
    try:
        assert ready.wait(30)
    finally:
        stop.set()
        serving.join(30)
    assert "beyond loopback: anyone who can reach it can use the printed credentials" in capsys.readouterr().err


def test_the_written_configuration_sets_run_timings_for_loopback_fakes(tmp_path: Path) -> None:
    """Issue 16: with the defaults (600 s deadline, 30 s quiet period) a run on the fakes takes a quarter of an hour."""
    from dataflow_qa.targets.sandbox import RunSettings

    config_file, stop, out = tmp_path / "sandbox.toml", threading.Event(), io.StringIO()
    ready = threading.Event()
    server = threading.Thread(target=cli.main, args=(["serve", "--port", "0", "--write-config", str(config_file)], out, ready, stop))
    server.start()
    try:
        assert ready.wait(30), out.getvalue()
    finally:
        stop.set()
        server.join(30)
    run = RunSettings.load(config_file)
    assert (run.deadline, run.quiet_period, run.first_delay, run.max_delay) == (30, 3, 0.2, 1)
    assert config_file.read_text().count("[run]") == 1
    assert config_file.read_text() in out.getvalue(), "the printed configuration is the written one"
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.getvalue().splitlines() if line.startswith("export "))
    assert load_config(config_file, env).systems, "the systems part still reads: [run] is a known table"
