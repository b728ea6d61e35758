"""Benchmarks of dataflow-qa at the size of the real document family; prints one table.

Every figure is the median of ``--repeat`` runs of a whole process (wall
time, with its CPU time and peak memory); a ratio compares two figures taken
in this same run, their runs interleaved so both see the same machine load::

    python benchmarks/run.py            # 1,152 documents of the family's shape, 3 runs each (about 15 minutes on 2 cores)
    python benchmarks/run.py --quick    # a small corpus and suite: proves the script works
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import tasks  # noqa: E402
from benchmarks.make_corpus import FAMILY, FAMILY_SIZE, build as build_corpus, family_present  # noqa: E402
from benchmarks.make_corpus import load_samples, repository_files  # noqa: E402
from dataflow_qa.generator.watch import DEFAULT_INTERVAL  # noqa: E402

PYTHON = sys.executable
SECTIONS = ("generate", "collect", "xdist", "records")


@dataclass(frozen=True)
class Sample:
    """One process run: wall and CPU seconds (children included), peak resident memory."""

    wall: float
    cpu: float
    peak_mb: float
    output: str


@dataclass(frozen=True)
class Figure:
    """The median of several samples."""

    wall: float
    cpu: float
    peak_mb: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Figure:
        """Medians of each measure."""
        return cls(*(statistics.median(getattr(s, name) for s in samples) for name in ("wall", "cpu", "peak_mb")))


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    what: str
    figure: Figure
    compared: str = ""
    result: str = ""
    target: str = ""
    met: bool | None = None


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Sample:
    """Run a command to its end; fail loudly when it fails."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    if process.returncode not in (0,):
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}\n{output[-3000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def interleaved(commands: dict[str, Callable[[], Sample]], repeat: int) -> dict[str, list[Sample]]:
    """Run each command ``repeat`` times, taking turns, so load changes hit all alike."""
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, run in commands.items():
            samples[name].append(run())
    return samples


def environment(cache: Path | None = None) -> dict[str, str]:
    """The environment of a measured process: its own cache folder, bytecode files written as usual."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache is not None:
        env["DATAFLOW_QA_CACHE"] = str(cache)
    return env


def generate(corpus: Path, out: Path, cache: Path, *extra: str) -> Sample:
    """``dataflow-qa generate`` as a user runs it."""
    return measure([PYTHON, "-m", "dataflow_qa.generator.cli", "generate", str(corpus), "--out", str(out), *extra], environment(cache))


def fresh(folder: Path) -> Path:
    """An empty folder."""
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    return folder


def generation_rows(corpus: Path, work: Path, repeat: int) -> list[Row]:
    """Cold generate vs bare docutils; one changed document vs cold; check with nothing changed."""
    out, cache = work / "out", work / "cache"
    samples = interleaved({
        "bare": lambda: measure([PYTHON, "-m", "benchmarks.tasks", "bare-parse", str(corpus)], environment()),
        "cold": lambda: generate(corpus, fresh(out), fresh(cache)),
    }, repeat)
    bare, cold = Figure.of(samples["bare"]), Figure.of(samples["cold"])
    rows = [
        Row("bare docutils parse, 1 process, 1 reused parser", bare),
        _ratio_row(f"cold generate ({tasks.cores()} processes)", cold, bare, "bare parse", 0.6),
    ]
    in_chain, outside = tasks.edit_candidates(corpus, cache)
    for label, document in (("in no chain", outside), ("in a chain", in_chain)):
        if document is None:
            continue
        edits = []
        for number in range(repeat):
            tasks.touch_document(document, number)
            edits.append(generate(corpus, out, cache))
        rows.append(_ratio_row(f"generate, 1 document edited ({label})", Figure.of(edits), cold, "cold generate", 0.03))
    if outside is not None:
        watched, regenerations = watched_edits(corpus, out, cache, outside, repeat)
        ratio = watched.wall / cold.wall
        rows.append(Row(f"generate kept warm (`dataflow-qa watch`, polls every {DEFAULT_INTERVAL:g} s), 1 document edited: edit saved to files written",
                        watched, f"cold generate {cold.wall:.2f} s; regeneration alone {regenerations * 1000:.0f} ms", f"{ratio:.1%}",
                        "<= 3%", ratio <= 0.03))
    typed = [p for p in ([in_chain] if in_chain else []) + sorted(corpus.glob("*.rst")) if '     - "string"' in p.read_text(encoding="utf-8")]
    if typed:
        edits = []
        for _ in range(repeat):
            tasks.retype_a_row(typed[0])  # a chain's rows change: the chains through its document's entities are selected again
            edits.append(generate(corpus, out, cache))
        rows.append(_ratio_row(f"generate, 1 row retyped by hand ({'in a chain' if typed[0] == in_chain else 'in no chain'})",
                               Figure.of(edits), cold, "cold generate", 0.03))
    checks = [measure([PYTHON, "-m", "dataflow_qa.generator.cli", "check", str(corpus), "--out", str(out)], environment(cache)) for _ in range(max(repeat, 3))]
    check = Figure.of(checks)
    rows.append(Row("check, nothing changed (hashes only)", check, "", f"{check.wall:.2f} s", "<= 1 s", check.wall <= 1.0))
    return rows


def watched_edits(corpus: Path, out: Path, cache: Path, document: Path, repeat: int) -> tuple[Figure, float]:
    """Edits of one document under ``dataflow-qa watch``: edit saved to its "regenerated" line read (wall), the
    watching process's CPU time meanwhile and its peak memory; with the median time it reported regenerating.

    Each edit lands at a random moment of the poll cycle, as a person's would.
    """
    import queue
    import random
    import threading

    process = subprocess.Popen([PYTHON, "-m", "dataflow_qa.generator.cli", "watch", str(corpus), "--out", str(out)], cwd=ROOT,
                               env=environment(cache), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def until(fragment: str) -> str:
        while fragment not in (line := lines.get(timeout=600)):
            pass
        return line

    samples, reported = [], []
    try:
        until("watching")
        for number in range(5 * repeat):  # edits are cheap: more of them even out the poll phase
            time.sleep(random.uniform(0, DEFAULT_INTERVAL))
            cpu = _cpu_seconds(process.pid)
            tasks.touch_document(document, 1000 + number)
            started = time.perf_counter()
            line = until("regenerated in ")
            samples.append(Sample(time.perf_counter() - started, _cpu_seconds(process.pid) - cpu, _peak_mb(process.pid), line))
            reported.append(float(re.search(r"regenerated in (\d+) ms", line).group(1)) / 1000)
    finally:
        process.terminate()
        process.wait()
    return Figure.of(samples), statistics.median(reported)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a running process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    """Peak resident memory of a running process (Linux ``/proc``)."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else 0.0


def _ratio_row(what: str, figure: Figure, base: Figure, base_name: str, limit: float) -> Row:
    ratio = figure.wall / base.wall
    shown = f"{ratio:.1%}" if limit < 0.1 else f"{ratio:.2f} x"
    target = f"<= {limit:.0%}" if limit < 0.1 else f"<= {limit} x"
    return Row(what, figure, f"{base_name} {base.wall:.2f} s", shown, target, ratio <= limit)


def collection_rows(work: Path, repeat: int) -> list[Row]:
    """``pytest --collect-only`` of a generated suite: first (compiling), with bytecode files, and only what one edit changed."""
    out = work / "out"
    command = [PYTHON, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-p", "no:dataflow_qa.pytest_plugin.reports",
               "-p", "no:cacheprovider", "--collect-only", "-q", str(out)]
    subprocess.run(["find", str(out), "-name", "__pycache__", "-prune", "-exec", "rm", "-rf", "{}", "+"], check=False)
    first = measure(command, environment())
    warm = Figure.of([measure(command, environment()) for _ in range(repeat)])
    found = re.search(r"(\d+) tests? collected", first.output)
    tests = f"{int(found.group(1)):,} tests" if found else "tests"
    rows = [
        Row(f"pytest --collect-only, first run ({tests})", Figure.of([first])),
        Row(f"pytest --collect-only, bytecode cached ({tests})", warm, "", f"{warm.wall:.1f} s", "<= 30 s", warm.wall <= 30),
    ]
    edited = tasks.commit_and_edit_a_row(work)
    if edited is not None:
        generate(work / "corpus", out, work / "cache")
        changed = Figure.of([measure([*command, "--changed-since", "HEAD"], environment()) for _ in range(repeat)])
        rows.append(Row("pytest --collect-only --changed-since HEAD (1 row edited)", changed, "", f"{changed.wall:.1f} s"))
    return rows


def xdist_rows(repeat: int, selection: list[str]) -> list[Row]:
    """The seeds' generated suite on the fake target, one process vs ``-n 2``."""
    base = [PYTHON, "-m", "pytest", "generated_tests", "-q", "-p", "no:cacheprovider", "--dataflow-seed", "1", *selection]
    samples = interleaved({
        "one": lambda: measure(base, environment()),
        "two": lambda: measure([*base, "-n", "2"], environment()),
    }, repeat)
    one, two = Figure.of(samples["one"]), Figure.of(samples["two"])
    speedup = one.wall / two.wall
    return [
        Row("seeds' suite on fakes (memory wire), 1 process", one, "", f"{one.wall:.1f} s", "<= 3 s", one.wall <= 3.0),
        Row("seeds' suite on fakes, -n 2 (pytest-xdist)", two, f"1 process {one.wall:.1f} s", f"{speedup:.2f} x faster"),
    ]


def records_rows(few: int, many: int, checks: int, repeat: int) -> list[Row]:
    """One check's time on the fake target with few vs many records already stored (CPU column: per check too)."""
    commands = {str(n): (lambda n=n: measure([PYTHON, "-m", "benchmarks.tasks", "records", str(n), str(checks)], environment()))
                for n in (few, many)}
    figures = {}
    for count, runs in interleaved(commands, repeat).items():
        found = [json.loads(run.output.strip().splitlines()[-1]) for run in runs]
        figures[count] = Figure(statistics.median(f["per_check"] for f in found), statistics.median(f["cpu_per_check"] for f in found),
                                statistics.median(run.peak_mb for run in runs))
    small, large = figures[str(few)], figures[str(many)]
    ratio = large.wall / small.wall
    return [
        Row(f"one check, {few:,} records stored", small),
        Row(f"one check, {many:,} records stored", large, f"{few:,} records {small.wall * 1000:.0f} ms", f"{ratio:.2f} x", "<= 1.2 x", ratio <= 1.2),
    ]


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| measured | median wall | CPU | peak memory | compared with | result | target | met |",
             "|---|---:|---:|---:|---|---:|---|---|"]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        wall = f"{row.figure.wall * 1000:.0f} ms" if row.figure.wall < 1 else f"{row.figure.wall:.2f} s"
        lines.append(f"| {row.what} | {wall} | {row.figure.cpu:.2f} s | {row.figure.peak_mb:.0f} MB | {row.compared} | {row.result} | {row.target} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the corpus, run every benchmark, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=None, help=f"documents in the benchmark corpus (default {FAMILY_SIZE}; quick: 6)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (default 3; quick: 1)")
    parser.add_argument("--quick", action="store_true", help="small corpus, a slice of the suite, few records")
    parser.add_argument("--work", type=Path, default=None, help="folder for the corpus and outputs (default: a temporary one)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    count = args.count or (6 if args.quick else FAMILY_SIZE)
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="dataflow-qa-bench-") as scratch:
        work = args.work or Path(scratch)
        corpus = work / "corpus"
        if args.quick:
            build_corpus(count, corpus, load_samples(repository_files()), vary=True)
        else:
            build_corpus(count, corpus)
        shape = tasks.shape(corpus)
        load = os.getloadavg()[0]
        only = set(args.only.split(","))
        rows = generation_rows(corpus, work, repeat) if "generate" in only else []
        rows += collection_rows(work, repeat) if "collect" in only and "generate" in only else []
        rows += xdist_rows(repeat, ["-m", "link"] if args.quick else []) if "xdist" in only else []
        if "records" in only:
            rows += records_rows(10, 100, 2, repeat) if args.quick else records_rows(100, 100_000, 25, repeat)
    made_from = f"made from {FAMILY}" if family_present() and not args.quick else "made from the repository's samples"
    print(f"\nBenchmark corpus ({made_from}): " + ", ".join(f"{n:,} {what}" for what, n in shape.items())
          + f"\nThe public family: {FAMILY_SIZE:,} documents, 4,557 mapping sections, 8,472 property rows")
    print(f"\n{count:,} documents; {repeat} run(s) per figure; {tasks.cores()} cores; "
          f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; Python {sys.version.split()[0]}\n")
    print(table(rows))
    print("\nWall and CPU: median over runs of the whole process (children included); for the two "
          "'one check' rows, median over checks of one check. Peak memory: the largest process's resident set.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
