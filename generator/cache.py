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
from typing import Any, NamedTuple

import docutils
import jinja2

from dataflow_qa.generator.model import Condition, Diagnostic, Document, Location, Mapping, MergeKey, ParseResult, PropertyMap, System
from dataflow_qa.generator.lint import Heading
from dataflow_qa.generator.output import Rendered, Summary
from dataflow_qa.generator.stats import StatIndex

DEFAULT_FOLDER = ".dataflow-qa-cache"
ENV_FOLDER = "DATAFLOW_QA_CACHE"
PACKAGE = Path(__file__).resolve().parent
PREFIX = "dataflow-qa-"
DIGESTS = "digests.index"
DIGEST_LOG = "digests.log"
DIGEST_LOG_LIMIT = 512 * 1024
"""Bytes of appended digests after which the index is rewritten whole (about a hundred documents' digests)."""
OTHER_FOLDER = re.compile(rf"^{PREFIX}[0-9a-f]{{24}}$")
NOT_OUTPUT = frozenset({"__init__", "batch", "cache", "cli", "drift", "lint", "stats", "watch"})
"""``generator`` modules that never shape a generated file; every other one is in the fingerprint.

Listing the exceptions (not the members) errs on the safe side: a new module
counts until someone shows it does not shape the output.
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the cache keeps per document: the parse result and, when usable, its rendering."""

    result: ParseResult
    rendered: Rendered | None


class Digest(NamedTuple):
    """What ``generate`` needs of one parsed document: its own errors and how many diagnostics of each level
    it has (error, warning, info), its heading (for lint across documents) and, when usable, its summary.
    Every document's is kept in one index file."""

    path: str
    errors: tuple[Diagnostic, ...]
    counts: tuple[int, int, int]
    heading: Heading | None
    summary: Summary | None


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
    """The generator fingerprint plus how documents are parsed in bulk and linted (digests keep lint's findings),
    and exact library and Python versions (cache keys only)."""
    bulk = hashlib.sha256((PACKAGE / "batch.py").read_bytes() + (PACKAGE / "lint.py").read_bytes()).hexdigest()
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


def dumps(entry: Entry | dict[str, Digest]) -> bytes:
    """An entry (or the digest index) as bytes (for the cache and for the worker processes' answers)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(entry)
    return buffer.getvalue()


def loads(blob: bytes) -> Entry:
    """The entry :func:`dumps` made."""
    return pickle.loads(blob)


def _digest_frames(file: Path) -> dict[str, Digest]:
    """The digests in a file of pickled frames, up to the first unreadable or foreign one."""
    index: dict[str, Digest] = {}
    try:
        with file.open("rb") as stream:
            while stream.peek(1):
                frame: Any = pickle.load(stream)
                if type(frame) is not dict or not all(type(k) is str and type(v) is Digest for k, v in frame.items()):
                    break
                index.update(frame)
    except Exception:  # absent, torn or damaged: what was read stands, the rest is missed
        pass
    return index


class Cache:
    """Entries under ``folder/dataflow-qa-<fingerprint>/``; other fingerprints' folders go on first write.

    Entries are pickles and compiled templates are code, so the folder is as
    trusted as the code beside it (like ``__pycache__``): it lives in the
    working folder and is git-ignored.
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

    def digests(self) -> dict[str, Digest]:
        """The digest index (a document's hash and path -> digest): the index file, then the log's frames; what is unreadable is missed."""
        index = _digest_frames(self.folder / DIGESTS)
        index.update(_digest_frames(self.folder / DIGEST_LOG))
        return index

    def add_digests(self, new: dict[str, Digest], index: dict[str, Digest]) -> None:
        """Append ``new`` digests to the log, or, once the log has grown, replace index and log with ``index``.

        A key names a document's bytes and path under this generator build,
        so a digest never goes stale: a torn or lost frame only costs misses.
        """
        try:
            grown = (self.folder / DIGEST_LOG).stat().st_size > DIGEST_LOG_LIMIT
        except OSError:
            grown = False
        if grown or not (self.folder / DIGESTS).exists():
            self._write(DIGESTS, dumps(index))
            (self.folder / DIGEST_LOG).unlink(missing_ok=True)
            return
        try:
            with (self.folder / DIGEST_LOG).open("ab") as log:
                log.write(dumps(new))
        except OSError:
            pass

    def stats(self, name: str) -> StatIndex:
        """The stat index ``name`` (file hashes by their stat) kept beside the entries."""
        return StatIndex(self.folder / f"{name}.stats")

    def templates(self) -> jinja2.BytecodeCache:
        """Where compiled Jinja templates are kept (Jinja checks each against its template's source)."""
        return _TemplateCode(self)

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


class _TemplateCode(jinja2.BytecodeCache):
    """Compiled templates in the cache folder, so a run that renders one document does not compile its template.

    Each is kept by the template's name and file and the environment's
    options that shape the compiled code (see :func:`_compile_options`);
    Jinja checks it against the template source's checksum and the Python
    version. An unreadable, damaged or foreign one is compiled again.
    """

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> jinja2.bccache.Bucket:
        bucket = jinja2.bccache.Bucket(environment, self.get_cache_key(f"{name}\0{_compile_options(environment)}", filename),
                                       self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            bucket.bytecode_from_string((self.cache.folder / f"{bucket.key}.template").read_bytes())
        except Exception:  # absent, damaged or foreign: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.cache._write(f"{bucket.key}.template", bucket.bytecode_to_string())


def _compile_options(env: jinja2.Environment) -> str:
    """The environment's settings a compiled template depends on, as text (an option whose text
    names an object's address, a custom finalize say, is never found again: only a miss)."""
    return repr((env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
                 env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
                 env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.autoescape,
                 env.optimized, env.finalize, env.undefined, env.is_async, sorted(env.extensions)))
