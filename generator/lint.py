"""Semantic checks over parsed documents: gaps, duplicates, ambiguous rows.

The parser reports what it cannot read; this module reports what it read but
a QA engineer should look at: documentation gaps, merged duplicates, one
property feeding two others, and a system spelled differently across files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from dataflow_qa.generator.model import Diagnostic, Document, Level, Mapping, ParseResult

LEVEL_ORDER: dict[Level, int] = {"error": 0, "warning": 1, "info": 2}


def lint(results: Iterable[ParseResult]) -> list[Diagnostic]:
    """All diagnostics for a set of files: the parser's plus the semantic ones."""
    results = list(results)
    found: set[Diagnostic] = set()
    documents = [r.document for r in results if r.document is not None]
    for result in results:
        found.update(result.diagnostics)
    for document in documents:
        for mapping in document.mappings:
            found.update(_mapping_diagnostics(mapping))
    found.update(_spelling(documents))
    return sorted(found, key=lambda d: (d.path, d.line, LEVEL_ORDER[d.level], d.code, d.message))


def _mapping_diagnostics(mapping: Mapping) -> list[Diagnostic]:
    path = mapping.loc.path
    out: list[Diagnostic] = []
    if not mapping.is_documented:
        out.append(Diagnostic(path, mapping.loc.line, "warning", "empty-table", f"section {mapping.title!r} documents no properties: only its link can be checked; add the synchronised properties to its table"))
    if mapping.variant != "create" and not mapping.merge_keys:
        out.append(Diagnostic(path, mapping.loc.line, "warning", "missing-merge-keys", f"{mapping.variant} section {mapping.title!r} has no merge-key rows, so records cannot be matched; add its merge-key table"))
    for copy in mapping.duplicates:
        out.append(Diagnostic(path, copy.line, "warning", "duplicate-section", f"section {mapping.title!r} repeats the one at line {mapping.loc.line}; the rows of both are checked as one; merge them into one section"))
    out.extend(_fan(mapping, "source", "target", "fan-out", "is synced to both {a!r} and {b!r}; an edit on the target side of one row overwrites the other; keep one row or say which wins"))
    out.extend(_fan(mapping, "target", "source", "fan-in", "is fed by both {a!r} and {b!r}; the two rows overwrite each other; keep one row or add conditions"))
    return out


def _fan(mapping: Mapping, side: str, other: str, code: str, template: str) -> list[Diagnostic]:
    """Rows sharing one end (and its condition) but differing at the other end."""
    seen: dict[tuple, str] = {}
    out = []
    for row in mapping.properties:
        key = (getattr(row, side), getattr(row, f"{side}_condition"))
        end = getattr(row, other)
        first = seen.setdefault(key, end)
        if first != end:
            message = f"in {mapping.title!r}, {side} property {key[0]!r} " + template.format(a=first, b=end)
            out.append(Diagnostic(row.loc.path, row.loc.line, "warning", code, message))
    return out


def _spelling(documents: list[Document]) -> list[Diagnostic]:
    """One system id written in several ways across documents."""
    spellings: dict[str, dict[str, list[Document]]] = defaultdict(lambda: defaultdict(list))
    for document in documents:
        for system in (document.source, document.target):
            if system.name:
                spellings[system.id][system.name].append(document)
    out = []
    for system_id, names in spellings.items():
        if len(names) < 2:
            continue
        for name, docs in names.items():
            others = ", ".join(f"{other!r} in {names[other][0].path}" for other in sorted(names) if other != name)
            for document in docs:
                out.append(Diagnostic(document.loc.path, document.loc.line, "info", "system-spelling", f"system {system_id!r} is written {name!r} here but {others}; both are treated as one system; use one spelling"))
    return out


def exit_status(diagnostics: Iterable[Diagnostic], strict: bool = False) -> int:
    """1 if any error (or, when strict, any warning) was found, else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return 1 if any(d.level in failing for d in diagnostics) else 0
