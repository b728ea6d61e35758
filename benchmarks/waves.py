"""How long a sandbox wave run takes when every call has network latency: serial vs concurrent rounds.

The checks of the seed documents run as on ``--target sandbox`` (values drawn
up front, waves, polling with a deadline) against the in-process fakes, whose
transport waits ``--latency`` seconds per call like a remote sandbox; the
reference engine polls in a background thread without latency::

    python benchmarks/waves.py --latency 0.03 --concurrency 1 8
"""

from __future__ import annotations

import argparse
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per call (default 0.03)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--specs", default=str(ROOT / "specs"))
    args = parser.parse_args()
    documents = [r.document for r in parse_paths(find_documents([args.specs])) if r.document is not None]
    for concurrency in args.concurrency:
        took, statuses = measure(documents, args.latency, concurrency)
        print(f"latency {args.latency * 1000:.0f} ms, concurrency {concurrency}: {took:.1f} s  {statuses}", flush=True)


if __name__ == "__main__":
    main()
