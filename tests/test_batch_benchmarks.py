"""The benchmark tools work on a fresh clone (their timings are not asserted: benchmarks measure, tests do not)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.make_corpus import ENTITY_TAGS, build, load_samples, repository_files
from dataflow_qa.generator import jsonform
from dataflow_qa.generator.parse import DocumentParser

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("bare docutils parse", "cold generate", "1 document edited (in no chain)", "check, nothing changed",
        "pytest --collect-only, bytecode cached", "seeds' suite on fakes, -n 2", "one check, 100 records stored")


def model(document: object) -> str:
    """A document's parsed content without its path, hash and line numbers."""
    data = jsonform.document(document)  # type: ignore[arg-type]
    for key in ("path", "sha256", "line"):
        data.pop(key)
    for mapping in data["mappings"]:
        mapping.pop("line")
        mapping.pop("duplicate_lines")
        for row in mapping["properties"] + mapping["merge_keys"]:
            row.pop("line")
    return json.dumps(data, sort_keys=True)


def test_corpus_documents_are_distinct_and_parse_cleanly(tmp_path: Path) -> None:
    samples = load_samples([p for p in repository_files() if p.name.startswith("asana-")] + [ROOT / "specs" / "webcrm-crmoffice.rst"])
    assert len(samples) == 5
    paths = build(14, tmp_path / "corpus", samples, vary=True)  # three copies of each sample
    assert len(paths) == 14 == len({p.name for p in paths})
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}) == 14
    parser = DocumentParser()
    results = [parser.parse_file(p, p.name) for p in paths]
    assert not [d for r in results for d in r.diagnostics if d.level == "error"]
    documents = [r.document for r in results]
    assert len({model(d) for d in documents}) == 14
    assert len({(d.source.id, d.target.id) for d in documents}) == 14
    renamed = [m for d in documents[5:] for m in d.mappings if m.source_entity.endswith(ENTITY_TAGS) or m.target_entity.endswith(ENTITY_TAGS)]
    assert renamed, "some entities are renamed in later copies"


def test_quick_benchmark_prints_the_table(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--work", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for label in ROWS:
        assert any(label in line for line in table), f"no row for {label!r} in:\n{done.stdout}"
    assert all(line.count("|") == 9 for line in table)


def test_copies_of_the_family_keep_its_shape(tmp_path: Path) -> None:
    """Without cutting rows, a renamed copy has its sample's sections, rows and conditions: the family's density."""
    samples = load_samples([ROOT / "specs" / "webcrm-crmoffice.rst", ROOT / "tests" / "data" / "corpus" / "freshteam-membercare.rst"])
    paths = build(4, tmp_path / "corpus", samples, vary=False)
    parser = DocumentParser()
    documents = [parser.parse_file(p, p.name).document for p in paths]
    shape = [(len(d.mappings), sum(len(m.properties) for m in d.mappings),
              sum(1 for m in d.mappings for r in m.properties if r.source_condition or r.target_condition)) for d in documents]
    assert shape[:2] == shape[2:] and documents[0].source.id != documents[2].source.id
