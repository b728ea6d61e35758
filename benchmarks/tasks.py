"""What the benchmarks run in their own processes, and small helpers they share.

    python -m benchmarks.tasks bare-parse DIR      # docutils alone: one reused parser, every .rst under DIR
    python -m benchmarks.tasks records N CHECKS    # time one check with N records already stored
"""

from __future__ import annotations

import io
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from dataflow_qa.generator.batch import build, default_jobs
from dataflow_qa.generator.cache import Cache
from dataflow_qa.generator.chains import find_chains
from dataflow_qa.generator.model import DataType, Mapping, PropertyMap

BENCH_MAPPING = "webcrm:Persons->crmoffice:Contacts"
BENCH_ROW = "PersonFirstName"
_GENERATED = re.compile(r"^Generated: .*$", re.MULTILINE)


def cores() -> int:
    """The cores generate uses by default."""
    return default_jobs()


def bare_parse(folder: Path) -> int:
    """Parse every document with stock docutils and one reused parser; the documents parsed."""
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    parser = Parser()
    settings = get_default_settings(Parser)
    settings.report_level, settings.halt_level, settings.warning_stream = 5, 5, io.StringIO()
    files = sorted(folder.rglob("*.rst"))
    for path in files:
        parser.parse(path.read_text(encoding="utf-8"), new_document(str(path), settings))
    return len(files)


def shape(corpus: Path) -> dict[str, int]:
    """What makes a corpus heavy: documents, sections, rows, conditional rows, views and chains."""
    documents = [r.document for r in build([str(corpus)], None).results if r.document is not None]
    mappings = [m for d in documents for m in d.mappings]
    return {
        "documents": len(documents),
        "mapping sections": len(mappings),
        "property rows": sum(len(m.properties) for m in mappings),
        "conditional rows": sum(1 for m in mappings for r in m.properties if r.source_condition or r.target_condition),
        "view sections": sum(1 for m in mappings if m.source_entity.endswith(")") or m.target_entity.endswith(")")),
        "chains": len(find_chains(documents)),
    }


def edit_candidates(corpus: Path, cache: Path) -> tuple[Path | None, Path | None]:
    """A document some chain runs through, and one no chain touches (read through the warm cache)."""
    results = build([str(corpus)], Cache(cache)).results
    documents = [r.document for r in results if r.document is not None]
    involved = {loc.path for chain in find_chains(documents) for loc in chain.via}
    by_path = {d.path: Path(d.path) for d in documents}
    in_chain = next((by_path[p] for p in sorted(by_path) if p in involved), None)
    outside = next((by_path[p] for p in sorted(by_path) if p not in involved), None)
    return in_chain, outside


def touch_document(path: Path, number: int) -> None:
    """Edit a document so its bytes are new (its Generated line), as a reviewer's edit would."""
    stamp = f"Generated: 2031-01-01 {number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
    text = path.read_text(encoding="utf-8")
    edited, count = _GENERATED.subn(stamp, text, count=1)
    path.write_text(edited if count else f"{text}\n.. edit {number}\n", encoding="utf-8")


def retype_a_row(path: Path) -> bool:
    """Retype one more row of a document by hand (its first "string" row becomes "integer"), so each run meets a
    version of the document no run saw before; False when it has none left."""
    text = path.read_text(encoding="utf-8")
    if '     - "string"' not in text:
        return False
    path.write_text(text.replace('     - "string"', '     - "integer"', 1), encoding="utf-8")
    return True


def commit_and_edit_a_row(work: Path) -> Path | None:
    """Commit the corpus and its suite in a scratch git repository, then retype one row of one document."""
    import subprocess

    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    (work / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A", "corpus", "out"], ["commit", "-q", "-m", "corpus and suite"]):
        subprocess.run([*git, *args], cwd=work, check=True, capture_output=True)
    for path in sorted((work / "corpus").glob("*.rst")):
        text = path.read_text(encoding="utf-8")
        if '     - "string"' in text:
            path.write_text(text.replace('     - "string"', '     - "integer"', 1), encoding="utf-8")
            return path
    return None


def _value(kind: DataType | None, number: int) -> Any:
    return {"integer": number, "float": number + 0.5, "boolean": number % 2 == 0}.get(kind or "", f"stored {number}")


def _records(mapping: Mapping, side: str, count: int) -> Any:
    """``count`` records of one side of a mapping, each with every unconditional property set."""
    from dataflow_qa.values import paths

    rows: list[PropertyMap] = [r for r in mapping.properties if getattr(r, f"{side}_condition") is None]
    return (paths.build({getattr(r, side): _value(r.type, n) for r in rows}) for n in range(count))


def records(count: int, checks: int) -> dict[str, float]:
    """Median seconds of one forward check after ``count`` records were stored at both ends of a mapping.

    One check runs first, so the engine's cursors stand past the stored
    records, as in a long-running system whose old records are long synced.
    """
    from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
    from dataflow_qa.targets.fake import FakeTarget
    from dataflow_qa.generator.parse import find_documents, parse_paths

    documents = [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]
    mapping = next(m for d in documents for m in d.mappings if m.key == BENCH_MAPPING)
    row = next(r for r in mapping.properties if r.source == BENCH_ROW)
    session = Session(lambda scoped: FakeTarget(scoped, wire="http"), documents, 1, "bench", PROFILES["fake"])
    session.check("forward", mapping, row)
    fakes = session.target.fakes
    fakes.seed(mapping.source.id, mapping.source_entity, _records(mapping, "source", count))
    fakes.seed(mapping.target.id, mapping.target_entity, _records(mapping, "target", count))
    times, cpu = [], []
    for _ in range(checks):
        started, started_cpu = time.perf_counter(), time.process_time()
        outcome = session.check("forward", mapping, row).outcome
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if outcome.status != "passed":
            raise SystemExit(f"benchmark check did not pass: {outcome.status}: {outcome.message}")
    return {"records": count, "per_check": statistics.median(times), "cpu_per_check": statistics.median(cpu)}


def main(argv: list[str]) -> int:
    """Run one task."""
    if argv[:1] == ["bare-parse"] and len(argv) == 2:
        print(f"{bare_parse(Path(argv[1]))} documents parsed")
        return 0
    if argv[:1] == ["records"] and len(argv) == 3:
        print(json.dumps(records(int(argv[1]), int(argv[2]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
