"""Which files are documents: found without docutils, so a run that parses nothing does not import it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024
"""Files above this size are refused before docutils sees them."""


def find_documents(paths: list[str]) -> list[Path]:
    """Expand arguments into document files: a directory means its ``*.rst``."""
    return [Path(path) for path, _ in document_files(paths)]


def document_files(paths: list[str]) -> list[tuple[str, bool | None]]:
    """:func:`find_documents` as path strings, each with whether it is a symlink as its folder's listing
    showed (None for a path named as an argument: not looked at)."""
    found: list[tuple[str, bool | None]] = []
    for argument in paths:
        if os.path.isdir(argument):
            folder = os.fspath(Path(argument))
            found.extend((path, link) for _, path, link in sorted(_rst_files(folder, ())))
        else:
            found.append((argument, None))
    return found


def any_documents(paths: list[str]) -> bool:
    """True when :func:`find_documents` finds something (it stops at the first document)."""
    return any(not os.path.isdir(p) or next(_rst_files(p, ()), None) is not None for p in paths)


def _rst_files(folder: str, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, bool]]:
    """The files ``Path(folder).rglob("*.rst")`` finds (symlinked folders are not entered), without a stat per plain file:
    each as its path's parts below ``folder`` (sorting these sorts as paths do), its path and whether it is a symlink."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError:
        return
    for entry in entries:
        if entry.name.endswith(".rst") and entry.is_file():
            yield (*parts, os.path.normcase(entry.name)), entry.path, entry.is_symlink()
        if entry.is_dir(follow_symlinks=False):
            yield from _rst_files(entry.path, (*parts, os.path.normcase(entry.name)))
