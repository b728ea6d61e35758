"""The parser on every seed and corpus document, against an independent count.

``tests/data/corpus`` is a copy of the 96 public sample documents.

The count here reads the raw lines (section underlines, ``* -`` rows) without
docutils, so a parser bug and a counting bug would have to agree to pass.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from dataflow_qa.generator.parse import DocumentParser, canonical_id

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = sorted((ROOT / "specs").glob("*.rst"))
CORPUS = sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))
SHARED_SEEDS = sorted((SHARED / "seeds").glob("*"))

PARSER = DocumentParser()


@cache
def parsed(path: Path):
    """Each file is parsed once per test session."""
    return PARSER.parse_file(path)


def count_by_lines(text: str) -> dict[str, object]:
    """Mappings, unique rows, merge keys and variants, read from raw lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    sections: dict[str, dict] = {}
    current = None
    table: list[list[str]] | None = None
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()) and " to " in f" {line} ":
            current = sections.setdefault(re.sub(r"[^a-z0-9]", "", line.lower()), {"rows": set(), "keys": set(), "text": ""})
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith(".. list-table::"):
            table = []
            current.setdefault("tables", []).append(table)
        elif table is not None and stripped.startswith("* - "):
            table.append([stripped[4:]])
        elif table is not None and stripped.startswith("- ") and table:
            table[-1].append(stripped[2:])
        elif stripped and not line.startswith(" ") and not stripped.startswith(":"):
            table = None
            current["text"] += " " + stripped
    result = {"mappings": len(sections), "rows": 0, "keys": 0, "variants": Counter()}
    for section in sections.values():
        for rows in section.get("tables", []):
            body = {tuple(" ".join(c.split()) for c in row) for row in rows[1:]}
            if rows and len(rows[0]) == 3:
                section["rows"] |= body
            elif rows and len(rows[0]) == 2:
                section["keys"] |= body
        result["rows"] += len(section["rows"])
        result["keys"] += len(section["keys"])
        text = section["text"]
        variant = "link-only" if "Before any synchronization" in text else "merge-or-create" if ("If a matching" in text or "will be created from" in text) else "create"
        result["variants"][variant] += 1
    return result


def count_by_parser(path: Path) -> dict[str, object]:
    result = parsed(path)
    assert result.document is not None, result.diagnostics
    mappings = result.document.mappings
    return {
        "mappings": len(mappings),
        "rows": sum(len(m.properties) for m in mappings),
        "keys": sum(len(m.merge_keys) for m in mappings),
        "variants": Counter(m.variant for m in mappings),
    }


@pytest.mark.parametrize("path", SEEDS + CORPUS, ids=lambda p: p.name)
def test_counts_agree_with_a_line_count(path: Path) -> None:
    assert count_by_parser(path) == count_by_lines(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SEEDS + CORPUS, ids=lambda p: p.name)
def test_no_errors_and_every_node_has_a_place(path: Path) -> None:
    result = parsed(path)
    assert [d for d in result.diagnostics if d.level == "error"] == []
    document = result.document
    assert document is not None
    total_lines = path.read_text(encoding="utf-8").count("\n") + 1
    for mapping in document.mappings:
        assert 1 <= mapping.loc.line <= total_lines
        assert mapping.source_entity and mapping.target_entity
        for node in mapping.properties + mapping.merge_keys:
            assert node.loc.path == str(path)
            assert mapping.loc.line < node.loc.line <= total_lines


def test_corpus_totals() -> None:
    """Totals over the samples, pinned so a parser change that moves them is seen."""
    documents = [parsed(p).document for p in CORPUS]
    mappings = [m for d in documents for m in d.mappings]
    assert len(documents) == 96
    assert len(mappings) == 492
    assert Counter(m.variant for m in mappings) == {"create": 371, "link-only": 113, "merge-or-create": 8}
    assert Counter(row.type for m in mappings for row in m.properties) == {"string": 1156, "integer": 112, None: 64, "float": 10, "boolean": 8}
    assert sum(len(m.merge_keys) for m in mappings) == 141
    assert sum(len(m.duplicates) for m in mappings) == 59


def test_seed_files_are_the_specs_byte_for_byte() -> None:
    """specs/ holds the seeds unchanged, named <source-id>-<target-id>.rst."""
    if not SHARED_SEEDS:
        pytest.skip("../shared/seeds is not present")
    by_bytes = {p.read_bytes(): p.name for p in SEEDS}
    for seed in SHARED_SEEDS:
        name = by_bytes.get(seed.read_bytes())
        assert name is not None, f"{seed.name} is not in specs/"
        document = parsed(seed).document
        assert name == f"{document.source.id}-{document.target.id}.rst"


def test_system_ids_are_lowercase_alphanumerics() -> None:
    assert canonical_id("PowerOffice GO") == "powerofficego"
    assert canonical_id("Custom CRM") == "customcrm"
    assert canonical_id("Wix.com") == "wixcom"
