"""Many documents at once: hash first, reuse cached work, parse and render the rest in parallel.

``build`` reads every file once and hashes it; documents whose hash, path and
generator fingerprint are in the :class:`~dataflow_qa.generator.cache.Cache` come back
without docutils; the others are parsed and rendered in a pool of forked
processes (one per core), largest first, each with one reused parser whose
list state machines are reused too (:func:`reused_list_parsers`).
``up_to_date`` is ``check``'s fast path: it only hashes files and compares
them with what ``manifest.json`` says they were generated from.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from dataflow_qa.generator.cache import Cache, Digest, Entry, dumps, generator_fingerprint, loads
from dataflow_qa.generator.lint import document_diagnostics, heading, in_print_order, tally
from dataflow_qa.generator.model import Document, ParseResult
from dataflow_qa.generator.output import MANIFEST, MANIFEST_FORMAT, Rendered, body_sha256, is_generated, render_document, summarize
from dataflow_qa.generator.files import MAX_BYTES, document_files
from dataflow_qa.generator.render import make_environment, module_names
from dataflow_qa.generator.stats import StatIndex, file_sha256, stat_key

if TYPE_CHECKING:
    from dataflow_qa.generator.parse import DocumentParser

POOL_MINIMUM = 6
"""Fewer documents than this are parsed in this process: forking would cost more than it saves."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, read and hashed once; ``data`` is None with a hash when its stat vouched for the hash,
    and None without one when the parser is to read it (too large or unreadable)."""

    file: str
    path: str
    data: bytes | None
    sha256: str

    def with_bytes(self) -> Source:
        """The source with its bytes read (and hashed again) when only its stat was looked at."""
        if self.data is not None or not self.sha256:
            return self
        try:
            data = Path(self.file).read_bytes()
        except OSError:
            return Source(self.file, self.path, None, "")  # the parser reports why
        return Source(self.file, self.path, data, hashlib.sha256(data).hexdigest())


@dataclass
class Batch:
    """Parse results in input order, renderings by document path, and counts of the work done."""

    results: list[ParseResult] = field(default_factory=list)
    rendered: dict[str, Rendered] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    parsed: int = 0
    cached: int = 0


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def display_paths(files: Sequence[Path | str], root: Path | None = None, links: Sequence[bool | None] | None = None) -> list[str]:
    """Paths as users typed them: relative to ``root`` (default: the working folder) when inside it, else as given.

    Each folder is resolved and made relative once (a file that is not a
    symlink resolves to its resolved folder plus its name), which matters
    for a thousand files. ``links`` says, per file, whether it is a symlink
    when a folder listing told (see :func:`~dataflow_qa.generator.parse.document_files`); None: look.
    """
    cwd = (root or Path.cwd()).resolve()
    folders: dict[str, str | None] = {}
    shown = []
    for number, file in enumerate(files):
        known = links[number] if links is not None else None
        if known is False:
            parent, name = os.path.split(file)
        else:
            path = Path(file)
            if path.is_symlink():
                shown.append(_relative(path.resolve(), cwd) or path.as_posix())
                continue
            parent, name = os.fspath(path.parent), path.name
        if parent not in folders:
            folders[parent] = _relative(Path(parent).resolve(), cwd)
        folder = folders[parent]
        as_given = file if known is False and os.sep == "/" else Path(file).as_posix()  # a listing's paths are already plain
        shown.append(as_given if folder is None else f"{folder}/{name}" if folder else name)
    return shown


def _relative(path: Path, cwd: Path) -> str | None:
    """``path`` relative to ``cwd`` (``""`` for ``cwd`` itself), or None when outside it."""
    try:
        relative = path.relative_to(cwd).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def read_sources(paths: Sequence[str], root: Path | None = None, stats: StatIndex | None = None) -> tuple[list[Source], list[str]]:
    """Every document file hashed once (read only when ``stats`` cannot vouch for its hash), and the display paths of missing ones."""
    sources, missing = [], []
    found = document_files(list(paths))
    files = [path for path, _ in found]
    cwd = os.getcwd()
    for file, shown in zip(files, display_paths(files, root, [link for _, link in found])):
        try:
            source = _read_source(file, os.path.join(cwd, file), shown, stats)
        except FileNotFoundError:
            missing.append(shown)
            continue
        sources.append(source)
    return sources, missing


def _read_source(file: str, name: str, shown: str, stats: StatIndex | None) -> Source:
    """One document hashed: from ``stats`` (by absolute ``name``) when its stat is unchanged, else from its bytes (then recorded)."""
    read_ns = StatIndex.clock()
    try:
        status = os.stat(name)
        if status.st_size > MAX_BYTES:
            return Source(file, shown, None, "")
        key = stat_key(status)
        known = stats.sha256(name, key) if stats is not None else None
        if known is not None:
            return Source(file, shown, None, known)
        with open(name, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise
    except OSError:
        return Source(file, shown, None, "")  # the parser reports why it cannot read the file
    sha = hashlib.sha256(data).hexdigest()
    if stats is not None:
        stats.record(name, key, read_ns, sha)
    return Source(file, shown, data, sha)


class _Worker:
    """What each process keeps between documents: one parser, one Jinja environment, the cache."""

    parser: DocumentParser | None = None
    env: jinja2.Environment | None = None
    cache: Cache | None = None

    @classmethod
    def prepare(cls, cache: Cache | None = None) -> None:
        """Import docutils and make this process's parser and Jinja environment, if not yet made."""
        from dataflow_qa.generator.parse import DocumentParser

        if cls.parser is None:
            cache = cache if cache is not None else cls.cache
            cls.parser, cls.env = DocumentParser(), make_environment(cache.templates() if cache is not None else None)

    @classmethod
    def build(cls, source: Source) -> bytes:
        """Parse and, when usable, render one document; store it in the cache; the entry as bytes."""
        from dataflow_qa.generator.lists import reused_list_parsers  # docutils: only a run that parses imports it

        cls.prepare()
        assert cls.parser is not None and cls.env is not None
        with reused_list_parsers():
            if source.data is None:
                result = cls.parser.parse_file(source.file, source.path)
            else:
                result = cls.parser.parse_bytes(source.data, source.path)
        blob = dumps(Entry(result, _render(cls.env, result)))
        if cls.cache is not None and source.data is not None:
            cls.cache.put(source.sha256, source.path, blob)
        return blob


def _render(env: jinja2.Environment, result: ParseResult) -> Rendered | None:
    """The rendering under the name the document gets when no other takes it first."""
    if not usable(result):
        return None
    document = result.document
    try:
        return render_document(env, document, module_names([document])[document.path])
    except Exception:  # rendered again in the main process, which reports it
        return None


def usable(result: ParseResult) -> bool:
    """A document is generated only when it parsed without errors."""
    return result.document is not None and not any(d.level == "error" for d in result.diagnostics)


def build(paths: Sequence[str], cache: Cache | None = None, jobs: int | None = None, root: Path | None = None) -> Batch:
    """Parse results and renderings of every document under ``paths``; cached ones are reused.
    Paths are shown relative to ``root`` (default: the working folder)."""
    sources, missing = _sources(paths, cache, root)
    entries: dict[int, Entry] = {}
    todo: list[int] = []
    for index, source in enumerate(sources):
        found = cache.get(source.sha256, source.path) if cache is not None and source.sha256 else None
        if found is None:
            todo.append(index)
            sources[index] = source.with_bytes()
        else:
            entries[index] = found
    entries.update(_parse(sources, todo, cache, jobs))
    batch = Batch(missing=missing, parsed=len(todo), cached=len(sources) - len(todo))
    for index in range(len(sources)):
        entry = entries[index]
        batch.results.append(entry.result)
        if entry.rendered is not None:
            batch.rendered[entry.result.path] = entry.rendered
    return batch


def _sources(paths: Sequence[str], cache: Cache | None, root: Path | None) -> tuple[list[Source], list[str]]:
    """:func:`read_sources` with the cache's record of the documents' stats (renewed)."""
    stats = cache.stats("sources") if cache is not None else None
    sources, missing = read_sources(paths, root, stats)
    if stats is not None:
        stats.save()
    return sources, missing


def _parse(sources: list[Source], todo: list[int], cache: Cache | None, jobs: int | None) -> Iterator[tuple[int, Entry]]:
    """Entries of the sources at ``todo`` (bytes read), parsed largest first and stored in the cache."""
    todo = sorted(todo, key=lambda i: -len(sources[i].data or b""))
    _Worker.cache = cache
    try:
        yield from _run([sources[i] for i in todo], todo, jobs or default_jobs())
    finally:
        _Worker.cache = None


def digest(entry: Entry) -> Digest:
    """An entry's digest (a usable document the worker could not render is rendered here, which reports why)."""
    result = entry.result
    summary = None
    if usable(result):
        document = result.document
        assert document is not None
        rendered = entry.rendered or render_document(make_environment(), document, module_names([document])[document.path])
        summary = summarize(document, rendered)
    found = set(document_diagnostics(result))
    counts = tally(found)
    errors = tuple(in_print_order(d for d in found if d.level == "error"))
    heading_ = heading(result.document) if result.document is not None else None
    return Digest(result.path, errors, (counts["error"], counts["warning"], counts["info"]), heading_, summary)


@dataclass
class Digested:
    """Every document's digest in input order, the missing paths, and how to read a document's full entry back."""

    digests: list[Digest]
    missing: list[str]
    load: Callable[[str], tuple[Document, Rendered | None]]
    parsed: int = 0


def digest_all(paths: Sequence[str], cache: Cache | None = None, jobs: int | None = None, root: Path | None = None) -> Digested:
    """:func:`build` for ``generate``: digests from one index file; full entries only of documents that changed.

    A document missing from the index is read from its cache entry, else
    parsed; the index keeps the digests of the current version of every
    document it has seen.
    """
    sources, missing = _sources(paths, cache, root)
    index = cache.digests() if cache is not None else {}
    new: dict[str, Digest] = {}
    digests: dict[int, Digest] = {}
    entries: dict[str, Entry] = {}
    todo: list[int] = []
    for number, source in enumerate(sources):
        key = _digest_key(source) if source.sha256 else ""
        found = index.get(key)
        if found is not None and found.path == source.path:
            digests[number] = found
            continue
        entry = cache.get(source.sha256, source.path) if cache is not None and key else None
        if entry is None:
            todo.append(number)
            sources[number] = source.with_bytes()
            continue
        entries[source.path] = entry
        digests[number] = new[key] = digest(entry)
    for number, entry in _parse(sources, todo, cache, jobs):
        entries[entry.result.path] = entry
        digests[number] = digest(entry)
        if sources[number].data is not None:
            new[_digest_key(sources[number])] = digests[number]
    if cache is not None and new:
        index.update(new)
        current = {_digest_key(s) for s in sources if s.sha256}
        shown = {s.path for s in sources}
        cache.add_digests(new, {key: d for key, d in index.items() if key in current or d.path not in shown})
    by_path = {source.path: source for source in sources}

    def load(path: str) -> tuple[Document, Rendered | None]:
        entry = entries.get(path) or _reload(by_path[path], cache)
        if entry.result.document is None:
            raise BatchError(f"{path} no longer parses as it did at the start of this run; run again")
        return entry.result.document, entry.rendered

    return Digested([digests[n] for n in range(len(sources))], missing, load, len(todo))


def _digest_key(source: Source) -> str:
    """A document's key in the digest index: its content hash and display path (no path holds a NUL)."""
    return f"{source.sha256}\0{source.path}"


def _reload(source: Source, cache: Cache | None) -> Entry:
    """A document's entry from the cache, else parsed again; it must be the version this run saw."""
    entry = cache.get(source.sha256, source.path) if cache is not None and source.sha256 else None
    if entry is not None:
        return entry
    again = source.with_bytes() if source.data is None else source
    if again.sha256 != source.sha256:
        raise BatchError(f"{source.path} changed during this run; run again")
    return loads(_Worker.build(again))


def load(folder: Path, root: Path) -> list[ParseResult]:
    """The parse results of a folder's documents, shown relative to ``root``, for the run-time side.

    Documents ``generate`` saw are read from the cache without docutils (a
    family of 634 documents in about a second instead of minutes); the
    others are parsed here, in this process, and cached for next time.
    """
    return build([str(folder)], Cache(), jobs=1, root=root).results


def _run(sources: list[Source], indexes: list[int], jobs: int) -> Iterator[tuple[int, Entry]]:
    """Build entries in this process, or in forked processes when there is enough work."""
    if jobs < 2 or len(sources) < POOL_MINIMUM or not hasattr(os, "fork"):
        for index, source in zip(indexes, sources):
            yield index, loads(_Worker.build(source))
        return
    import multiprocessing  # only here: a run that parses a few documents does not pay for it
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(min(jobs, len(sources)), mp_context=context, initializer=_ignore_interrupts)
    try:
        futures = {pool.submit(_Worker.build, source): index for index, source in zip(indexes, sources)}
        for future in as_completed(futures):
            yield futures[future], loads(future.result())
    except BrokenProcessPool:
        raise BatchError("a process parsing documents died (killed, or out of memory); "
                         "run with --jobs 1 to see which document it was") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C, waits only for the documents under way


def prepare_parser(cache: Cache | None) -> None:
    """Make the parser and templates documents are parsed with in this process now, not at the first edit (``watch``)."""
    _Worker.prepare(cache)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them all."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class BatchError(RuntimeError):
    """The parallel run broke down (not a problem in any document)."""


@dataclass(frozen=True)
class Verdict:
    """Why the fast path could or could not vouch for the generated tree."""

    up_to_date: bool
    documents: int = 0
    reason: str = ""


def up_to_date(paths: Sequence[str], out: Path, cache: Cache | None = None) -> Verdict:
    """True only when every document and generated file hashes to what the manifest recorded.

    With a ``cache``, files whose stat is unchanged since they were last hashed are not read again.
    """
    try:
        manifest_text = (out / MANIFEST).read_text(encoding="utf-8")
        manifest: dict[str, Any] = json.loads(manifest_text)
    except (OSError, ValueError):
        return Verdict(False, reason="no readable manifest")
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("fingerprint") != generator_fingerprint():
        return Verdict(False, reason="manifest written by another generator version")
    if manifest.get("content_sha256") != body_sha256(manifest_text):
        return Verdict(False, reason="manifest edited since it was generated")
    entries = {e.get("path"): e for e in manifest.get("documents", []) if isinstance(e, dict)}
    found = document_files(list(paths))
    files = [path for path, _ in found]
    if len(files) != len(entries):
        return Verdict(False, reason="documents added or removed")
    modules = dict(manifest.get("chain_modules") or {})
    sources, outputs = (cache.stats("sources"), cache.stats("outputs")) if cache is not None else (None, None)
    try:
        for file, shown in zip(files, display_paths(files, links=[link for _, link in found])):
            entry = entries.get(shown)
            if entry is None or file_sha256(file, sources) != entry.get("sha256"):
                return Verdict(False, reason=f"{shown} changed")
            modules[entry.get("module")] = entry.get("module_sha256")
        for name, sha in modules.items():
            if not isinstance(name, str) or file_sha256(out / name, outputs) != sha:
                return Verdict(False, reason=f"{name} differs")
    except OSError as exc:
        return Verdict(False, reason=f"cannot read {exc.filename}")
    finally:
        for stats in (sources, outputs):
            if stats is not None:
                stats.save()
    if any(p.name not in modules and is_generated(p) for p in out.glob("test_*.py")):
        return Verdict(False, reason="a generated module has no document")
    return Verdict(True, documents=len(entries))
