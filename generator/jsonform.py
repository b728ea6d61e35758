"""The model as plain JSON-ready dicts (``inspect --json`` and the manifest)."""

from __future__ import annotations

from typing import Any

from dataflow_qa.generator.model import Condition, Diagnostic, Document, Mapping, MergeKey, PropertyMap


def condition(value: Condition | None) -> dict[str, str] | None:
    """A condition as ``{"value", "path"}`` or None."""
    return None if value is None else {"value": value.value, "path": value.path}


def property_map(row: PropertyMap) -> dict[str, Any]:
    """One property row."""
    return {
        "source": row.source,
        "target": row.target,
        "type": row.type,
        "source_condition": condition(row.source_condition),
        "target_condition": condition(row.target_condition),
        "line": row.loc.line,
    }


def merge_key(key: MergeKey) -> dict[str, Any]:
    """One merge-key row."""
    return {"source": key.source, "target": key.target, "line": key.loc.line}


def mapping(value: Mapping) -> dict[str, Any]:
    """One mapping with its rows."""
    return {
        "key": value.key,
        "title": value.title,
        "line": value.loc.line,
        "source_entity": value.source_entity,
        "target_entity": value.target_entity,
        "variant": value.variant,
        "precondition": value.precondition,
        "duplicate_lines": [loc.line for loc in value.duplicates],
        "merge_keys": [merge_key(k) for k in value.merge_keys],
        "properties": [property_map(p) for p in value.properties],
    }


def document(value: Document) -> dict[str, Any]:
    """One document in the ``inspect --json`` shape."""
    return {
        "path": value.path,
        "title": value.title,
        "line": value.loc.line,
        "sha256": value.sha256,
        "source_system": {"id": value.source.id, "name": value.source.name},
        "target_system": {"id": value.target.id, "name": value.target.name},
        "generated": value.generated,
        "mappings": [mapping(m) for m in value.mappings],
    }


def diagnostic(value: Diagnostic) -> dict[str, Any]:
    """One diagnostic."""
    return {"path": value.path, "line": value.line, "level": value.level, "code": value.code, "message": value.message}
