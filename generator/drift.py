"""Explain how the committed suite differs from the documents, row by row.

Compares two manifests (what ``generated_tests/`` was made from, and what the
documents say now) and names every mapping or property added, removed or
retyped, with the document line, so a reviewer sees which row changed.
"""

from __future__ import annotations

from typing import Any


def _row_key(row: dict[str, Any]) -> tuple:
    return (row.get("source"), row.get("target"), repr(row.get("source_condition")), repr(row.get("target_condition")))


def _row_text(row: dict[str, Any]) -> str:
    text = f"{row.get('source')}->{row.get('target')}"
    for side in ("source", "target"):
        condition = row.get(f"{side}_condition")
        if condition:
            text += f" [{side} if {condition.get('value')} in {condition.get('path')}]"
    return text


def _by(items: list[Any], key: str) -> dict[Any, dict[str, Any]]:
    return {item.get(key): item for item in items if isinstance(item, dict)}


def semantic_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable lines, each ``path:line: what changed``."""
    old_docs, new_docs = _by(old.get("documents", []), "path"), _by(new.get("documents", []), "path")
    lines: list[str] = []
    for path in sorted(set(old_docs) | set(new_docs), key=str):
        before, after = old_docs.get(path), new_docs.get(path)
        if before is None:
            lines.append(f"{path}:1: document added: {after.get('title')!r} ({len(after.get('mappings', []))} mappings)")
        elif after is None:
            lines.append(f"{path}:1: document removed: {before.get('title')!r}")
        else:
            lines.extend(_document_diff(path, before, after))
    old_chains, new_chains = set(old.get("chains", [])), set(new.get("chains", []))
    lines += [f"chain removed: {label}" for label in sorted(old_chains - new_chains)]
    lines += [f"chain added: {label}" for label in sorted(new_chains - old_chains)]
    return lines


def _document_diff(path: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    if before.get("title") != after.get("title"):
        lines.append(f"{path}:{after.get('line', 1)}: title changed: {before.get('title')!r} -> {after.get('title')!r}")
    old_maps, new_maps = _by(before.get("mappings", []), "key"), _by(after.get("mappings", []), "key")
    for key in sorted(set(old_maps) | set(new_maps), key=str):
        was, now = old_maps.get(key), new_maps.get(key)
        if was is None:
            lines.append(f"{path}:{now.get('line')}: mapping added: {now.get('title')!r} ({len(now.get('properties', []))} properties)")
        elif now is None:
            lines.append(f"{path}:{was.get('line')}: mapping removed: {was.get('title')!r}")
        else:
            lines.extend(_mapping_diff(path, was, now))
    return lines


def _mapping_diff(path: str, was: dict[str, Any], now: dict[str, Any]) -> list[str]:
    title = now.get("title")
    lines = []
    if was.get("variant") != now.get("variant"):
        lines.append(f"{path}:{now.get('line')}: variant of {title!r} changed: {was.get('variant')} -> {now.get('variant')}")
    old_rows = {_row_key(r): r for r in was.get("properties", [])}
    new_rows = {_row_key(r): r for r in now.get("properties", [])}
    for key in old_rows.keys() - new_rows.keys():
        row = old_rows[key]
        lines.append(f"{path}:{row.get('line')}: property removed from {title!r}: {_row_text(row)} ({row.get('type') or 'N/A'})")
    for key in new_rows.keys() - old_rows.keys():
        row = new_rows[key]
        lines.append(f"{path}:{row.get('line')}: property added to {title!r}: {_row_text(row)} ({row.get('type') or 'N/A'})")
    for key in old_rows.keys() & new_rows.keys():
        a, b = old_rows[key], new_rows[key]
        if a.get("type") != b.get("type"):
            lines.append(f"{path}:{b.get('line')}: property retyped in {title!r}: {_row_text(b)} {a.get('type') or 'N/A'} -> {b.get('type') or 'N/A'}")
    old_keys = {(k.get("source"), k.get("target")): k for k in was.get("merge_keys", [])}
    new_keys = {(k.get("source"), k.get("target")): k for k in now.get("merge_keys", [])}
    for key in old_keys.keys() - new_keys.keys():
        lines.append(f"{path}:{old_keys[key].get('line')}: merge key removed from {title!r}: {key[0]}->{key[1]}")
    for key in new_keys.keys() - old_keys.keys():
        lines.append(f"{path}:{new_keys[key].get('line')}: merge key added to {title!r}: {key[0]}->{key[1]}")
    return sorted(lines, key=_line_order)


def _line_order(text: str) -> tuple[int, str]:
    parts = text.split(":", 2)
    return (int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0, text)
