"""The generated tree: plan it in memory, write it atomically, or compare it.

``generated_tests/`` holds one module per document plus ``manifest.json``:
each document's hash, its module's name and hash, and its mappings, one
compact JSON line per document head, mapping and chain (cheap to write, and a
diff names the mapping that changed), under a first line with the generator's
fingerprint and the hash of the lines after it. Only files that start with the
generated header are ever replaced or deleted; a document that fails to parse
keeps its previous module and manifest entry untouched.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import marshal
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import jinja2

from dataflow_qa import __version__
from dataflow_qa.generator import jsonform
from dataflow_qa.generator.chains import Chain, ChainKey, ChainRow, Middle, chain_from_key, chain_rows, row_middles, selected_keys
from dataflow_qa.generator.model import Document, ParseResult
from dataflow_qa.generator.render import (CHAINS_SUFFIX, HEADER_MARK, chains_paths, make_environment, module_names, module_stem, render_module,
                                          render_unstamped_chains, sources_sha256, stamp_chains, unique_module_names)
from dataflow_qa.generator.stats import StatIndex, file_sha256, stat_key

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 3
"""Format 3: one line per document head and per mapping; module hashes (chain modules per document) and the generator fingerprint."""
_STRAY_TEMP = re.compile(r"\.(?:test_[^/]*\.py|manifest\.json)\.[A-Za-z0-9_]+\.tmp")
"""Names ``atomic_write`` gives its temporary files (``.test_x.py.k3j9_2ab.tmp``)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """One document's finished output: module name, module source and its manifest entry (JSON text)."""

    module: str
    text: str
    entry: str


class Summary(NamedTuple):
    """A usable document as planning needs it, with its rendering's name, hash and manifest entry but not its text.

    Small enough to keep every document's in one file, so an unchanged
    document costs neither its model nor its module's text (a named tuple
    of plain values: a thousand of them load in milliseconds). Its chain
    rows are kept marshalled: they are read only when chains through the
    document's middles (``chain_middles``) are selected again.
    """

    path: str
    sha256: str
    stem: str
    chain_rows: bytes
    chain_rows_sha256: str
    chain_middles: tuple[Middle, ...]
    module: str
    module_sha256: str
    entry: str


def summarize(document: Document, rendered: Rendered) -> Summary:
    """A document's summary, with a rendering of it."""
    rows = tuple(chain_rows([document]))
    return Summary(document.path, document.sha256, module_stem(document), marshal.dumps(rows), sha256_text(repr(rows)),
                   tuple(sorted(row_middles(rows))), rendered.module, sha256_text(rendered.text), rendered.entry)


def summary_rows(summary: Summary) -> tuple[ChainRow, ...]:
    """A summary's chain rows."""
    return marshal.loads(summary.chain_rows)


Loader = Callable[[str], tuple[Document, Rendered | None]]
"""A document's model and, when it has one, its rendering, by path (read back when a summary is not enough)."""


@dataclass
class Plan:
    """What the output folder should hold after a generate.

    ``files`` holds texts; ``deferred`` holds, by name, the hash of a file
    whose text is only made (read back from the cache) when the file on disk
    differs: the modules of unchanged documents and unchanged chain modules.
    """

    out: Path
    files: dict[str, str] = field(default_factory=dict)
    keep: set[str] = field(default_factory=set)
    documents: int = 0
    deferred: dict[str, tuple[str, Callable[[], str]]] = field(default_factory=dict)
    hashed: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    """Texts of ``files`` encoded and hashed as they were made: name -> (that text, its sha256, its bytes)."""

    @property
    def manifest(self) -> dict[str, Any]:
        """The planned manifest as data."""
        return json.loads(self.files[MANIFEST])

    def names(self) -> list[str]:
        """Every file the plan produces."""
        return sorted([*self.files, *self.deferred])

    def sha256(self, name: str) -> str:
        """The hash a planned file's bytes must have."""
        deferred = self.deferred.get(name)
        if deferred is not None:
            return deferred[0]
        text = self.files[name]
        hashed = self.hashed.get(name)
        return hashed[1] if hashed is not None and hashed[0] is text else sha256_text(text)

    def data(self, name: str) -> bytes:
        """A planned file's bytes (its text, made now when deferred, encoded)."""
        text = self.text(name)
        hashed = self.hashed.get(name)
        return hashed[2] if hashed is not None and hashed[0] is text else text.encode("utf-8")

    def text(self, name: str) -> str:
        """A planned file's text (made now when deferred)."""
        return self.files[name] if name in self.files else self.deferred[name][1]()

    def materialize(self) -> None:
        """Make every deferred text now (the plan is then plain data)."""
        for name, (_, make) in list(self.deferred.items()):
            self.files[name] = make()
        self.deferred.clear()


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest on disk, or an empty one when absent or unreadable."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"format": MANIFEST_FORMAT, "documents": []}
    return data if isinstance(data, dict) and isinstance(data.get("documents"), list) else {"format": MANIFEST_FORMAT, "documents": []}


def sha256_text(text: str) -> str:
    """Hex sha256 of text as it is written (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_document(env: jinja2.Environment, document: Document, module: str) -> Rendered:
    """A document's module and manifest entry, ready to write."""
    text = render_module(env, document, module)
    entry = {"path": document.path, "module": f"{module}.py", "sha256": document.sha256, "module_sha256": sha256_text(text)}
    entry.update((k, v) for k, v in jsonform.document(document).items() if k not in entry)
    return Rendered(module, text, entry_text(entry))


def entry_text(entry: dict[str, Any]) -> str:
    """A manifest entry as text: the document's keys on one line, then one line per mapping."""
    head = {k: v for k, v in entry.items() if k != "mappings"}
    mappings = entry.get("mappings") or []
    text = _dumps(head)[:-1] + ', "mappings": ['
    return text + (",\n".join(["", *map(_dumps, mappings)])[1:] + "]}" if mappings else "]}")


def _dumps(value: Any) -> str:
    """Compact one-line JSON with the C encoder; key order as built, so output is deterministic."""
    return json.dumps(value, ensure_ascii=False)


class TextStore(Protocol):
    """Somewhere to keep rendered text by a key (the cache); one with a ``templates()`` method
    (:meth:`dataflow_qa.generator.cache.Cache.templates`) keeps compiled templates too."""

    def get_text(self, key: str) -> str | None: ...

    def put_text(self, key: str, text: str) -> None: ...


def documents_sha256(hashes: list[tuple[str, str]]) -> str:
    """One sha256 over every document's path and hash (the manifest and every report name it)."""
    return hashlib.sha256("".join(f"{path} {digest}\n" for path, digest in sorted(hashes)).encode()).hexdigest()


def plan(results: list[ParseResult], out: Path, rendered: Mapping[str, Rendered] | None = None, fingerprint: str = "",
         store: TextStore | None = None) -> Plan:
    """Render every parsed document (reusing ``rendered`` by path); carry over what failed to parse.

    ``fingerprint`` names the generator build in the manifest (see
    :func:`dataflow_qa.generator.cache.generator_fingerprint`); ``store`` keeps the chain
    module, which is large, between runs.
    """
    documents = [r.document for r in results if r.document is not None]
    env = make_environment()
    names = module_names(documents)
    done: dict[str, tuple[Document, Rendered | None]] = {}
    for document in documents:
        reuse = (rendered or {}).get(document.path)
        if reuse is None or reuse.module != names[document.path]:
            reuse = render_document(env, document, names[document.path])
        done[document.path] = document, reuse
    summaries = [summarize(d, r) for d, r in done.values() if r is not None]
    target = plan_summaries(summaries, [r.path for r in results if r.document is None], out, done.__getitem__, fingerprint, store)
    target.materialize()
    return target


def plan_summaries(summaries: list[Summary], failed: list[str], out: Path, load: Loader, fingerprint: str = "",
                   store: TextStore | None = None) -> Plan:
    """:func:`plan` from summaries (in input order) and the paths of documents that failed to parse.

    A summary rendered under the module name the document still gets is
    deferred: its text is loaded only if the file on disk differs. The others
    (a name taken by a new document, say) are loaded and rendered again.
    """
    old_entries = {entry.get("path"): entry for entry in read_manifest(out)["documents"] if isinstance(entry, dict)} if failed else {}
    env = _environment(store)
    names = unique_module_names([(s.path, s.stem) for s in summaries])
    result = Plan(out)
    entries: list[tuple[str, str]] = []
    hashes = [(s.path, s.sha256) for s in summaries]
    for summary in sorted(summaries, key=lambda s: s.path):
        if summary.module == names[summary.path]:
            result.deferred[f"{summary.module}.py"] = (summary.module_sha256, partial(_module_text, load, summary.path, summary.module))
            entries.append((summary.path, summary.entry))
            continue
        done = render_document(env, load(summary.path)[0], names[summary.path])
        result.files[f"{done.module}.py"] = done.text
        entries.append((summary.path, done.entry))
    chained = [s for s in summaries if s.chain_middles]
    labels, chain_modules = _chain_modules(chained, names, store)
    result.deferred.update(chain_modules)
    for path in sorted(failed):
        old = old_entries.get(path)
        if old is not None and isinstance(old.get("module"), str):
            result.keep.add(old["module"])
            entries.append((path, entry_text(old)))
            hashes.append((path, str(old.get("sha256"))))
    entries.sort(key=lambda e: e[0])
    result.documents = len(entries)
    head = {
        "format": MANIFEST_FORMAT,
        "generator": "dataflow-qa",
        "version": __version__,
        "fingerprint": fingerprint,
        "documents_sha256": documents_sha256(hashes),
        "chain_modules": {name: sha for name, (sha, _) in sorted(chain_modules.items())},
    }
    manifest = _manifest(head, [text for _, text in entries], labels)
    result.files[MANIFEST] = manifest[0]
    result.hashed[MANIFEST] = manifest
    return result


def _module_text(load: Loader, path: str, module: str) -> str:
    """The text of a document's module, read back from its rendering."""
    rendered = load(path)[1]
    if rendered is None or rendered.module != module:
        raise LookupError(f"no rendering of {path} holds {module}.py; this is a dataflow-qa bug, please report it")
    return rendered.text


ChainModules = tuple[list[str], dict[str, tuple[str, Callable[[], str]]]]
"""The chain labels (for the manifest), and each chain module's hash with how to make its text."""


def _chain_modules(chained: list[Summary], names: Mapping[str, str], store: TextStore | None) -> ChainModules:
    """The chain labels and modules of the documents with chain rows (in input order).

    What the chains come to is kept in the store by the chain selection (see
    :func:`_selection`) and the chained documents' paths and module names:
    the labels and, per chain module, its unstamped text's key, the documents
    it passes through and the hash of its text as last stamped. So an edit to
    a document restamps only the chain modules passing through it, and a
    module's text is made only if the file on disk differs.
    """
    selection, made_now = _selection(chained, store)
    key = sha256_text(f"chain modules\n{selection}\n{[(s.path, names[s.path]) for s in chained]!r}")
    chains = cache(partial(_selected_chains, selection, made_now, chained, store))
    outcome = _kept_outcome(store.get_text(key)) if store is not None else None
    texts: dict[str, str] = {}
    changed = outcome is None
    if outcome is None:
        outcome, texts = _outcome(chains(), names, store)
    sha256_by_path = {s.path: s.sha256 for s in chained}
    made: dict[str, tuple[str, Callable[[], str]]] = {}
    for name, module in outcome["modules"].items():
        sources = sources_sha256(module["paths"], sha256_by_path)
        unstamped = partial(str, texts[name]) if name in texts else partial(_unstamped_chains, store, module["text"], chains, names, name)
        if sources not in module["stamped"]:
            module["stamped"] = {sources: sha256_text(stamp_chains(unstamped(), sources))}
            changed = True
        made[name] = module["stamped"][sources], partial(_stamped, unstamped, sources)
    if store is not None and changed:
        store.put_text(key, json.dumps(outcome))
    return outcome["labels"], made


def _stamped(unstamped: Callable[[], str], sources: str) -> str:
    """A chain module's text stamped with its documents' hash."""
    return stamp_chains(unstamped(), sources)


def _outcome(chains: list[Chain], names: Mapping[str, str], store: TextStore | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The chains' modules as :func:`_chain_modules` keeps them, with their labels, and the modules' unstamped texts."""
    env = _environment(store)
    modules, texts = {}, {}
    for path, group in sorted(_by_first_document(chains).items()):
        name = f"{names[path]}{CHAINS_SUFFIX}.py"
        text_key, texts[name] = _chains_module(env, group, store, name)
        modules[name] = {"text": text_key, "paths": chains_paths(group), "stamped": {}}
    return {"labels": [_dumps(c.label) for c in chains], "modules": modules}, texts


def _unstamped_chains(store: TextStore | None, text_key: str, chains: Callable[[], list[Chain]], names: Mapping[str, str], name: str) -> str:
    """A chain module's unstamped text from the store, else made again from the chains."""
    text = store.get_text(text_key) if store is not None else None
    if text is not None:
        return text
    env = _environment(store)
    group = {f"{names[path]}{CHAINS_SUFFIX}.py": group for path, group in _by_first_document(chains()).items()}[name]
    return _chains_module(env, group, store, name)[1]


def _environment(store: TextStore | None) -> jinja2.Environment:
    """A Jinja environment whose compiled templates the store keeps, when it can."""
    templates = getattr(store, "templates", None)
    return make_environment(templates() if templates is not None else None)


def _kept_outcome(text: str | None) -> dict[str, Any] | None:
    """What :func:`_outcome` made, as the store kept it; None when absent or damaged."""
    try:
        data = json.loads(text) if text is not None else None
        labels, modules = data["labels"], data["modules"]  # type: ignore[index]
        valid = all(isinstance(x, str) for x in labels) and all(
            isinstance(name, str) and isinstance(m["text"], str) and all(isinstance(p, str) for p in m["paths"])
            and all(isinstance(k, str) and isinstance(v, str) for k, v in m["stamped"].items()) for name, m in modules.items())
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return data if valid else None


SELECTION_STATE = "chain-selection"
"""The store key of the last chain selection: each chained document's rows hash and middles, and the selection's key."""


def _selection(chained: list[Summary], store: TextStore | None) -> tuple[str, list[ChainKey] | None]:
    """The key of the chain selection the documents' rows make, and the selection when it was made now (None: kept).

    The store keeps the last selection with the rows hash and middles of each
    document it was made from. When the rows hashes are the same, it stands;
    when some documents' rows differ (or they came or went), only the chains
    through those documents' old and new middles are selected again, from
    the rows of the documents touching those middles (see
    :func:`~dataflow_qa.generator.chains.selected_keys`); an absent or
    damaged record selects them all.
    """
    current = {s.path: s.chain_rows_sha256 for s in chained}
    state = _kept_state(store.get_text(SELECTION_STATE)) if store is not None else None
    if state is not None and {path: kept[0] for path, kept in state["documents"].items()} == current:
        return state["chains"], None
    kept = _kept_keys(store.get_text(state["chains"])) if store is not None and state is not None else None
    before = state["documents"] if state is not None else {}
    changed = {path for path in current.keys() | before.keys() if current.get(path) != before.get(path, ("",))[0]}
    try:
        middles = {m for path in changed & before.keys() for m in _kept_middles(before[path])}
    except ValueError:
        kept = None
    if kept is None:
        keys = selected_keys([row for s in chained for row in summary_rows(s)])
    else:
        middles |= {m for s in chained if s.path in changed for m in s.chain_middles}
        rows = [row for s in chained if not middles.isdisjoint(s.chain_middles) for row in summary_rows(s)]
        keys = sorted([key for key in kept if (key[3], key[4]) not in middles] + selected_keys(rows, middles))  # type: ignore[arg-type]
    text = json.dumps(keys)
    selection = sha256_text(f"chain selection\n{text}")
    if store is not None:
        store.put_text(selection, text)
        documents = {s.path: [s.chain_rows_sha256, s.chain_middles] for s in chained}
        store.put_text(SELECTION_STATE, json.dumps({"documents": documents, "chains": selection}))
    return selection, keys


def _kept_state(text: str | None) -> dict[str, Any] | None:
    """The record :func:`_selection` keeps; None when absent or damaged (a document's middles are checked when read)."""
    try:
        data = json.loads(text) if text is not None else None
        valid = isinstance(data["chains"], str) and all(  # type: ignore[index]
            type(kept) is list and len(kept) == 2 and type(kept[0]) is str for kept in data["documents"].values())  # type: ignore[index]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return data if valid else None


def _kept_middles(kept: list[Any]) -> set[Middle]:
    """A document's middles as :func:`_selection` kept them; ValueError when damaged."""
    middles = kept[1]
    if type(middles) is not list or not all(type(m) is list and len(m) == 2 and type(m[0]) is str and type(m[1]) is str for m in middles):
        raise ValueError("damaged chain selection record")
    return {(m[0], m[1]) for m in middles}


_KEY_TYPES = (str,) * 11 + (int, str, int)
"""The types of a :data:`~dataflow_qa.generator.chains.ChainKey`'s values."""


def _kept_keys(text: str | None) -> list[ChainKey] | None:
    """A chain selection as the store kept it; None when absent or damaged."""
    try:
        keys = [tuple(key) for key in json.loads(text)] if text is not None else None
    except (ValueError, TypeError):
        return None
    if keys is None or not all(len(key) == len(_KEY_TYPES) and all(type(v) is t for v, t in zip(key, _KEY_TYPES)) for key in keys):
        return None
    return keys  # type: ignore[return-value]


def _selected_chains(selection: str, made_now: list[ChainKey] | None, chained: list[Summary], store: TextStore | None) -> list[Chain]:
    """The chains of a selection: made now, else kept in the store, else selected again from every row."""
    keys = made_now if made_now is not None else _kept_keys(store.get_text(selection)) if store is not None else None
    if keys is None:
        keys = selected_keys([row for s in chained for row in summary_rows(s)])
    return [chain_from_key(key) for key in keys]


def _by_first_document(chains: list[Chain]) -> dict[str, list[Chain]]:
    """Chains grouped by the document that holds their first row (their module sits next to its module)."""
    groups: dict[str, list[Chain]] = {}
    for chain in chains:
        groups.setdefault(chain.via[0].path, []).append(chain)
    return groups


def _chains_module(env: jinja2.Environment, chains: list[Chain], store: TextStore | None, name: str) -> tuple[str, str]:
    """The chain module's store key and unstamped text; the text comes from the store when the chains are unchanged.

    Only the sources hash in its header depends on the documents' bytes, so an
    edit elsewhere in a document on a chain re-stamps the cached text instead of
    rendering and parsing thousands of chains again.
    """
    key = sha256_text("chains\n" + "\n".join(f"{c.start}|{c.middle}|{c.end}|{c.type}|{c.via[0]}|{c.via[1]}" for c in chains))
    text = store.get_text(key) if store is not None else None
    if text is None:
        text = render_unstamped_chains(env, chains, name.removesuffix(".py"))
        if store is not None:
            store.put_text(key, text)
    return key, text


def manifest_text(head: dict[str, Any], entries: list[str], chains: list[str]) -> str:
    """The manifest: valid JSON, one line per document head, mapping and chain (``chains``: labels as JSON strings).

    The first line ends with ``content_sha256``, the hash of all lines after
    it, so ``check`` can trust the manifest without re-reading the documents.
    """
    return _manifest(head, entries, chains)[0]


def _manifest(head: dict[str, Any], entries: list[str], chains: list[str]) -> tuple[str, str, bytes]:
    """:func:`manifest_text`, its sha256 and its bytes (megabytes: each is copied, encoded and hashed once)."""
    body = "".join(['"documents": [', *_lines(entries), "],\n", '"chains": [', *_lines(chains), "]}\n"]).encode("utf-8")
    first = (_dumps({**head, "content_sha256": hashlib.sha256(body).hexdigest()})[:-1] + ",\n").encode("utf-8")
    data = first + body
    return data.decode("utf-8"), hashlib.sha256(data).hexdigest(), data


def _lines(items: list[str]) -> list[str]:
    """The pieces of ``"\\n" + ",\\n".join(items) + "\\n"`` (nothing for no items), to be joined once."""
    if not items:
        return []
    pieces = ["\n"]
    for item in items:
        pieces += (item, ",\n")
    pieces[-1] = "\n"
    return pieces


def body_sha256(text: str) -> str:
    """The hash ``content_sha256`` must hold for a manifest's text (everything after its first line)."""
    return sha256_text(text.split("\n", 1)[1] if "\n" in text else "")


def is_generated(path: Path) -> bool:
    """True when a file starts with the generated header."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.readline().startswith(HEADER_MARK)
    except OSError:
        return False


def stale_files(target: Plan) -> list[str]:
    """Generated modules on disk that the plan no longer produces."""
    if not target.out.is_dir():
        return []
    wanted = set(target.names()) | target.keep
    with os.scandir(target.out) as scan:
        names = [entry.name for entry in scan if fnmatch.fnmatchcase(entry.name, "test_*.py")]
    return sorted(name for name in names if name not in wanted and is_generated(target.out / name))


def changed_files(target: Plan, stats: StatIndex | None = None) -> list[str]:
    """Files whose content on disk differs from the plan (missing ones included), compared by hash.

    ``stats`` vouches for the hashes of files whose stat is unchanged since
    they were last hashed, so an unchanged tree is not read.
    """
    return _compare(target, stats)[0]


def _compare(target: Plan, stats: StatIndex | None) -> tuple[list[str], list[str]]:
    """Files that differ from the plan, and unchanged ones that an older release wrote 0600 (mode fixed by :func:`write`)."""
    folder = os.path.abspath(target.out)
    changed, private = [], []
    for name in target.names():
        file = os.path.join(folder, name)
        try:
            status = os.stat(file)
            known = stats.sha256(file, stat_key(status)) if stats is not None else None  # ``file`` is absolute: its record's name
            if (known or file_sha256(file, stats, status)) == target.sha256(name):
                if status.st_mode & 0o777 == 0o600 and FILE_MODE != 0o600:
                    private.append(name)
                continue
        except OSError:
            pass
        changed.append(name)
    return changed, private


def write(target: Plan, stats: StatIndex | None = None) -> tuple[list[str], list[str]]:
    """Bring the folder in line with the plan: (written, deleted) file names.

    Modules are written first and the manifest last, each atomically, so an
    interrupted run leaves every file either old or new. Only the manifest is
    flushed to disk (one fsync, not one per module): it records each module's
    hash, so after a power cut ``check`` finds a module that did not reach the
    disk. ``stats``: see :func:`changed_files` (a file just written is hashed next time: its stat is too new to vouch for it).
    """
    for name in target.names():
        _check_plain_name(name)
    target.out.mkdir(parents=True, exist_ok=True)
    _remove_stray_temps(target.out)
    changed, private = _compare(target, stats)
    ordered = [n for n in changed if n != MANIFEST] + [n for n in changed if n == MANIFEST]
    for name in ordered:
        existing = target.out / name
        if existing.exists() and name != MANIFEST and not is_generated(existing):
            raise FileExistsError(f"{existing} exists and was not generated by dataflow-qa; move it away or choose another --out")
    for name in ordered:
        atomic_write(target.out / name, target.data(name), durable=name == MANIFEST)
    for name in private:
        (target.out / name).chmod(FILE_MODE)  # an older release wrote modules 0600; a new file gets the umask's mode
    deleted = stale_files(target)
    for name in deleted:
        (target.out / name).unlink()
    return changed, deleted


def _remove_stray_temps(out: Path) -> None:
    """Delete temporary files a killed run left behind; only ``atomic_write``'s own names match."""
    with os.scandir(out) as scan:
        strays = [entry.path for entry in scan if _STRAY_TEMP.fullmatch(entry.name) and entry.is_file()]
    for path in strays:
        Path(path).unlink(missing_ok=True)


def _check_plain_name(name: str) -> None:
    """Refuse any name but a plain file directly inside the output folder (defence in depth)."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\x00" in name or os.path.basename(name) != name or os.path.splitdrive(name)[0]:
        raise ValueError(f"refusing to write {name!r}: not a plain file name inside the output folder; this is a dataflow-qa bug, please report it")


def _file_mode() -> int:
    """0666 less the process's umask: the mode ``open()`` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def atomic_write(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write text (as UTF-8, newlines as they are) or bytes through a temporary file in the same folder, then rename over
    (``durable``: fsync first)."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, FILE_MODE)  # mkstemp makes 0600; a generated file is as readable as any file the user writes
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8") if isinstance(text, str) else text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
