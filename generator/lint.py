"""Semantic checks over parsed documents: gaps, duplicates, ambiguous rows.

The parser reports what it cannot read; this module reports what it read but
a QA engineer should look at: documentation gaps, merged duplicates, one
property feeding two others, rows no one record can satisfy together, views
of one collection writing one record, and a system spelled differently
across files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from dataflow_qa.generator.model import Diagnostic, Document, Level, Mapping, ParseResult

LEVEL_ORDER: dict[Level, int] = {"error": 0, "warning": 1, "info": 2}


Heading = tuple[str, int, tuple[tuple[str, str], tuple[str, str]]]
"""What the check across documents needs of each, as plain values (cheap to keep for a thousand documents):
where it starts (path, line) and the (id, name) of its source and target system."""


def lint(results: Iterable[ParseResult]) -> list[Diagnostic]:
    """All diagnostics for a set of files: the parser's plus the semantic ones."""
    results = list(results)
    headings = [heading(r.document) for r in results if r.document is not None]
    return combine([document_diagnostics(r) for r in results], headings)


def document_diagnostics(result: ParseResult) -> list[Diagnostic]:
    """The diagnostics of one file alone: the parser's and the semantic ones within the document."""
    found = list(result.diagnostics)
    if result.document is not None:
        for mapping in result.document.mappings:
            found.extend(_mapping_diagnostics(mapping))
        found.extend(_views(result.document))
    return found


def heading(document: Document) -> Heading:
    """What :func:`combine` needs of a document to compare it with the others."""
    return document.loc.path, document.loc.line, ((document.source.id, document.source.name), (document.target.id, document.target.name))


def across_documents(headings: list[Heading]) -> list[Diagnostic]:
    """The diagnostics only a comparison of documents finds (none repeats one of a document's own)."""
    return _spelling(headings)


def combine(per_document: Iterable[Iterable[Diagnostic]], headings: list[Heading]) -> list[Diagnostic]:
    """Each document's own diagnostics plus those across documents, without repeats, in print order."""
    found: set[Diagnostic] = set(across_documents(headings))
    for diagnostics in per_document:
        found.update(diagnostics)
    return in_print_order(found)


def in_print_order(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics sorted by place, then level, code and message."""
    return sorted(diagnostics, key=lambda d: (d.path, d.line, LEVEL_ORDER[d.level], d.code, d.message))


def tally(diagnostics: Iterable[Diagnostic]) -> dict[Level, int]:
    """How many diagnostics there are of each level."""
    counts: dict[Level, int] = {level: 0 for level in LEVEL_ORDER}
    for diagnostic in diagnostics:
        counts[diagnostic.level] += 1
    return counts


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
    out.extend(_exclusive_conditions(mapping))
    out.extend(_gated_on_synced(mapping))
    return out


def _exclusive_conditions(mapping: Mapping) -> list[Diagnostic]:
    """Rows of one mapping whose conditions test one path for different values: no record meets them together."""
    out = []
    for side in ("source", "target"):
        by_path: dict[str, dict[str, int]] = defaultdict(dict)
        for row in mapping.properties:
            condition = getattr(row, f"{side}_condition")
            if condition is not None and condition.is_valid:
                by_path[condition.path].setdefault(condition.value, row.loc.line)
        for path, values in by_path.items():
            if len(values) < 2:
                continue
            (first, first_line), *others = sorted(values.items(), key=lambda item: item[1])
            for value, line in others:
                out.append(Diagnostic(mapping.loc.path, line, "warning", "exclusive-conditions",
                                      f"in {mapping.title!r}, this row applies when {side} {path!r} holds {value!r}, the row at line "
                                      f"{first_line} when it holds {first!r}: no record meets both, so their checks need a record each; "
                                      "if the rows are alternatives (one per country or type, say) nothing is wrong, otherwise correct the values"))
    return out


def _gated_on_synced(mapping: Mapping) -> list[Diagnostic]:
    """A row whose condition tests a property another row of the same mapping syncs."""
    out = []
    for row in mapping.properties:
        for side in ("source", "target"):
            condition = getattr(row, f"{side}_condition")
            if condition is None or not condition.is_valid:
                continue
            syncing = next((other for other in mapping.properties if other is not row and getattr(other, side) == condition.path), None)
            if syncing is not None:
                out.append(Diagnostic(mapping.loc.path, row.loc.line, "warning", "gated-on-synced",
                                      f"in {mapping.title!r}, this row applies when {side} {condition.path!r} holds {condition.value!r}, "
                                      f"and the row at line {syncing.loc.line} syncs {condition.path!r} itself: editing that row switches "
                                      "this one on or off; say which value the condition needs, or gate on a property no row edits"))
    return out


def view_of(entity: str) -> str:
    """The collection an entity names: ``Customers (human data)`` is a view of ``Customers``."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", entity).strip() or entity


def _views(document: Document) -> list[Diagnostic]:
    """Views of one source collection mapped to one target entity, and rows of theirs writing one target property."""
    out = []
    groups: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for mapping in document.mappings:
        groups[(view_of(mapping.source_entity), mapping.target_entity)].append(mapping)
    for (collection, target), mappings in groups.items():
        if len({m.source_entity for m in mappings}) < 2:
            continue
        first = mappings[0]
        for mapping in mappings[1:]:
            if mapping.source_entity != first.source_entity:
                out.append(Diagnostic(document.path, mapping.loc.line, "warning", "views-one-target",
                                      f"{mapping.source_entity!r} and {first.source_entity!r} (line {first.loc.line}) are views of one "
                                      f"{collection!r} collection, both mapped to {target!r}: a {collection} record has one linked {target} "
                                      "record, which both sections write; if the views are different records, name them as different entities"))
        writers: dict[str, tuple[str, str, int]] = {}
        for mapping in mappings:
            for row in mapping.properties:
                earlier = writers.setdefault(row.target, (mapping.source_entity, row.source, row.loc.line))
                if earlier[0] != mapping.source_entity and earlier[1] != row.source:
                    out.append(Diagnostic(document.path, row.loc.line, "warning", "views-fan-in",
                                          f"{target!r} property {row.target!r} is written from {row.source!r} of {mapping.source_entity!r} here "
                                          f"and from {earlier[1]!r} of {earlier[0]!r} at line {earlier[2]}: the views write one record, "
                                          "so the rows overwrite each other; keep one or add conditions"))
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


def _spelling(headings: list[Heading]) -> list[Diagnostic]:
    """One system id written in several ways across documents."""
    spellings: dict[str, dict[str, list[tuple[str, int]]]] = defaultdict(lambda: defaultdict(list))
    for path, line, systems in headings:
        for system_id, name in systems:
            if name:
                spellings[system_id][name].append((path, line))
    out = []
    for system_id, names in spellings.items():
        if len(names) < 2:
            continue
        for name, locations in names.items():
            others = ", ".join(f"{other!r} in {names[other][0][0]}" for other in sorted(names) if other != name)
            for path, line in locations:
                out.append(Diagnostic(path, line, "info", "system-spelling", f"system {system_id!r} is written {name!r} here but {others}; both are treated as one system; use one spelling"))
    return out


def exit_status(diagnostics: Iterable[Diagnostic], strict: bool = False) -> int:
    """1 if any error (or, when strict, any warning) was found, else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return 1 if any(d.level in failing for d in diagnostics) else 0
