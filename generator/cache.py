"""A content-hash cache of parsed and rendered documents, and the generator's fingerprint.

An entry is found by the document's bytes (sha256), its display path and the
fingerprint of everything that shapes the output (the generator's code and
templates, docutils, Jinja and Python), so an unchanged document is neither
parsed nor rendered again, and any change to the generator misses. Entries
are pickles written atomically; a damaged or foreign entry is a miss, never
an error. The folder (default ``.dataflow-qa-cache/``, or
``$DATAFLOW_QA_CACHE``) can be deleted at any time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import operator
import os
import pickle
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import docutils
import jinja2

from dataflow_qa.generator.model import Condition, Diagnostic, Document, Location, Mapping, MergeKey, ParseResult, PropertyMap, System
from dataflow_qa.generator.output import Rendered

DEFAULT_FOLDER = ".dataflow-qa-cache"
ENV_FOLDER = "DATAFLOW_QA_CACHE"
PACKAGE = Path(__file__).resolve().parent
PREFIX = "dataflow-qa-"
OTHER_FOLDER = re.compile(rf"^{PREFIX}[0-9a-f]{{24}}$")
NOT_OUTPUT = frozenset({"__init__", "batch", "cache", "cli", "drift", "lint"})
"""``generator`` modules that never shape a generated file; every other one is in the fingerprint.

Listing the exceptions (not the members) errs on the safe side: a new module
counts until someone shows it does not shape the output.
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the cache keeps per document: the parse result and, when usable, its rendering."""

    result: ParseResult
    rendered: Rendered | None


def output_modules() -> tuple[str, ...]:
    """The ``generator`` modules whose code shapes the generated files."""
    return tuple(sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in NOT_OUTPUT))


@cache
def generator_fingerprint() -> str:
    """sha256 over the output-shaping code, the templates and docutils' version (written to the manifest)."""
    digest = hashlib.sha256()
    files = [PACKAGE / f"{m}.py" for m in output_modules()] + sorted((PACKAGE / "templates").glob("*.jinja"))
    for path in files:
        digest.update(f"{path.relative_to(PACKAGE).as_posix()}\0".encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    digest.update(f"docutils {'.'.join(docutils.__version__.split('.')[:2])}".encode())
    return digest.hexdigest()


@cache
def cache_fingerprint() -> str:
    """The generator fingerprint plus how documents are parsed in bulk, and exact library and Python versions (cache keys only)."""
    bulk = hashlib.sha256((PACKAGE / "batch.py").read_bytes()).hexdigest()
    parts = (generator_fingerprint(), bulk, docutils.__version__, jinja2.__version__, sys.version, str(pickle.HIGHEST_PROTOCOL))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple]]:
    """Pickle a frozen dataclass as its constructor call (much faster to load than field-by-field state)."""
    names = [f.name for f in dataclasses.fields(cls)]
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda value: (cls, (get(value),))
    return lambda value: (cls, get(value))


_DISPATCH = {cls: _reducer(cls) for cls in (Location, System, Condition, PropertyMap, MergeKey, Mapping, Document, Diagnostic, ParseResult, Rendered, Entry)}


def dumps(entry: Entry) -> bytes:
    """An entry as bytes (for the cache and for the worker processes' answers)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(entry)
    return buffer.getvalue()


def loads(blob: bytes) -> Entry:
    """The entry :func:`dumps` made."""
    return pickle.loads(blob)


class Cache:
    """Entries under ``folder/dataflow-qa-<fingerprint>/``; other fingerprints' folders go on first write.

    Entries are pickles, so the folder is as trusted as the code beside it
    (like ``__pycache__``): it lives in the working folder and is git-ignored.
    """

    def __init__(self, folder: Path | str | None = None) -> None:
        base = Path(folder or os.environ.get(ENV_FOLDER) or DEFAULT_FOLDER)
        self.base = base
        self.folder = base / f"{PREFIX}{cache_fingerprint()[:24]}"
        self._pruned = False

    @staticmethod
    def key(sha256: str, path: str) -> str:
        """The entry name for a document's content hash and display path."""
        return hashlib.sha256(f"{sha256}\0{path}".encode()).hexdigest()

    def get(self, sha256: str, path: str) -> Entry | None:
        """The entry, or None when absent, unreadable or not for this document."""
        try:
            entry = loads((self.folder / self.key(sha256, path)).read_bytes())
        except Exception:  # absent, damaged or foreign: only a miss
            return None
        return entry if isinstance(entry, Entry) and entry.result.path == path else None

    def put(self, sha256: str, path: str, blob: bytes) -> None:
        """Store an entry made by :func:`dumps`."""
        self._write(self.key(sha256, path), blob)

    def get_text(self, key: str) -> str | None:
        """A text stored under ``key`` (a hex digest), or None."""
        try:
            return (self.folder / f"{key}.txt").read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put_text(self, key: str, text: str) -> None:
        """Store a text under ``key``."""
        self._write(f"{key}.txt", text.encode("utf-8"))

    def _write(self, name: str, blob: bytes) -> None:
        """Write atomically; a read-only or full disk only costs the cache."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._prune()
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".entry.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(blob)
            os.replace(temp, self.folder / name)
        except OSError:
            pass

    def _prune(self) -> None:
        """Remove folders of other fingerprints (an older generator's entries)."""
        if self._pruned:
            return
        self._pruned = True
        for other in self.base.iterdir():
            if OTHER_FOLDER.match(other.name) and other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)
