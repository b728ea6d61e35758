"""How long a sandbox wave run takes when every call has network latency: serial vs concurrent rounds.

The checks of the seed documents run as on ``--target sandbox`` (values drawn
up front, waves, polling with a deadline) against the in-process fakes, whose
transport waits ``--latency`` seconds per call like a remote sandbox; the
reference engine polls in a background thread without latency::

    python benchmarks/waves.py --latency 0.03 --concurrency 1 8

``--loopback`` measures instead what a user of the README's "Against
sandboxes" sees: ``fakes serve`` on a loopback port with the ``[run]`` table
it writes, ``engine run --interval 1`` as its own process, and the generated
suite on ``--target sandbox -q``; it prints the wall time and pytest's summary.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataflow_qa.checks import PollWaiter  # noqa: E402
from dataflow_qa.systems.config import build_adapters  # noqa: E402
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session  # noqa: E402
from dataflow_qa.engine import Engine  # noqa: E402
from dataflow_qa.fakes import IN_PROCESS_URL, FakeSystems  # noqa: E402
from dataflow_qa.values.table import beside, settings  # noqa: E402
from dataflow_qa.generator.chains import find_chains  # noqa: E402
from dataflow_qa.generator.kinds import kinds_for  # noqa: E402
from dataflow_qa.generator.model import Document  # noqa: E402
from dataflow_qa.generator.parse import find_documents, parse_paths  # noqa: E402


class Slow(httpx.BaseTransport):
    """A transport that waits before each call, like a sandbox across the network."""

    def __init__(self, inner: httpx.BaseTransport, latency: float) -> None:
        self.inner, self.latency = inner, latency

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.latency)
        return self.inner.handle_request(request)


class Target:
    """Fakes reached with latency, the engine polling them in a thread."""

    name = "sandbox"

    def __init__(self, documents: list[Document], latency: float, concurrency: int) -> None:
        self.fakes = FakeSystems.from_documents(documents, rate_limits=False)
        config = self.fakes.config(IN_PROCESS_URL, throttle=False)
        self.adapters = build_adapters(config, env=self.fakes.env(), transport=Slow(self.fakes.transport(), latency),
                                       catalog=self.fakes.catalog, sleep=lambda s: None)
        values = settings(documents, beside(ROOT / "specs"))
        self.references = values.references
        self.engine = Engine(documents, self.fakes.adapters(client="sesam-talk-engine"), references=values.references)
        self.waiter = PollWaiter(deadline=60, quiet_period=1.5, first_delay=0.2, max_delay=1, concurrency=concurrency)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.engine.run_forever, args=(0.3, self.stop), daemon=True)
        self.thread.start()

    def writes(self, system: str) -> int | None:
        return None

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def plan(documents: list[Document]) -> list[tuple[str, tuple]]:
    """Every check the generated suite would run, as (node id, (kind, mapping or chain, row))."""
    planned: list[tuple[str, tuple]] = []
    for document in documents:
        for mapping in document.mappings:
            for kind in kinds_for(mapping):
                for row in (kind.rows(mapping) if kind.scope == "row" else [None]):
                    planned.append((f"{mapping.key}::{kind.name}::{row and row.label}", (kind.name, mapping, row)))
    planned += [(f"chain::{chain.label}", ("chain", chain, None)) for chain in find_chains(documents)]
    return planned


def measure(documents: list[Document], latency: float, concurrency: int) -> tuple[float, dict[str, int]]:
    """Seconds of one wave run of every check, and how many checks ended how."""
    target = Target(documents, latency, concurrency)
    session = Session(lambda scoped: target, documents, 11, f"bench{concurrency}", PROFILES["sandbox"],
                      overrides=settings(documents, beside(ROOT / "specs")).overrides, references=target.references)
    started = time.perf_counter()
    session.run_planned(plan(documents))
    took = time.perf_counter() - started
    target.close()
    statuses: dict[str, int] = {}
    for result in (session.planned or {}).values():
        statuses[result.outcome.status] = statuses.get(result.outcome.status, 0) + 1
    return took, statuses


def loopback(specs: str) -> tuple[float, str]:
    """Seconds of the generated suite on served fakes and the engine in its own process, and pytest's summary line."""
    cli = Path(sys.executable).parent / "dataflow-qa"
    with tempfile.TemporaryDirectory() as folder:
        config, out = Path(folder) / "sandbox.toml", Path(folder) / "fakes.txt"
        processes = [_start([str(cli), "fakes", "serve", "--port", "0", "--no-rate-limits", "--specs", specs,
                             "--write-config", str(config)], dict(os.environ), out)]
        try:
            while "# --- ready ---" not in out.read_text():
                time.sleep(0.1)
            env = dict(os.environ)
            env.update(re.findall(r"^export (\w+)='?([^'\n]*)'?$", out.read_text(), re.MULTILINE))
            engine = Path(folder) / "engine.log"
            processes.append(_start([str(cli), "engine", "run", "--config", str(config), "--interval", "1"], env, engine))
            while "engine polling" not in engine.read_text():
                time.sleep(0.1)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-q", "-p", "no:cacheprovider",
                                   "--target", "sandbox", "--sandbox-config", str(config), "--ledger-dir", str(Path(folder) / "ledger")],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]
        finally:
            for process in reversed(processes):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per call (default 0.03)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--specs", default=str(ROOT / "specs"))
    parser.add_argument("--loopback", action="store_true", help="the suite on served fakes and the engine process, as the README runs it")
    args = parser.parse_args()
    if args.loopback:
        took, summary = loopback(args.specs)
        print(f"loopback fakes, engine --interval 1: {took:.0f} s  ({summary})", flush=True)
        return
    documents = [r.document for r in parse_paths(find_documents([args.specs])) if r.document is not None]
    for concurrency in args.concurrency:
        took, statuses = measure(documents, args.latency, concurrency)
        print(f"latency {args.latency * 1000:.0f} ms, concurrency {concurrency}: {took:.1f} s  {statuses}", flush=True)


if __name__ == "__main__":
    main()
