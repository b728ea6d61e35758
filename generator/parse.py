"""Read dataflow documents with docutils and build the model.

The parser walks docutils' doctree: the document title gives the two systems,
each section whose title reads ``<Source> <Entity> to <Target> <Entity>`` is a
mapping, its sentences give the variant and its ``list-table`` headers tell a
merge-key table (2 columns) from a property table (3 columns, "Data Type").
Problems become :class:`~dataflow_qa.generator.model.Diagnostic` values; nothing here
raises for bad input. No docutils type leaves this module.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser, directives
from docutils.parsers.rst.directives.tables import ListTable
from docutils.parsers.rst.states import Inliner
from docutils.utils import escape2null, new_document

from dataflow_qa.generator.files import MAX_BYTES, any_documents, document_files, find_documents  # noqa: F401  (found here too)
from dataflow_qa.generator.model import (
    DATA_TYPES,
    Condition,
    DataType,
    Diagnostic,
    Document,
    Level,
    Location,
    Mapping,
    MergeKey,
    ParseResult,
    PropertyMap,
    System,
    Variant,
)


_TITLE_SUFFIX = " Dataflow"
_CONDITION = re.compile(r"^(?P<path>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*$")
_DEPENDANT = re.compile(r"^\s*Depend[ae]nt\s+on\s+having\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_GENERATED = re.compile(r"^Generated:\s*(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)\s*$")
# The variant sentences, written to run in linear time: a section can hold any text.
# Only the first "A new" can match (a later one finds the same phrases later or not at all),
# the atomic groups never retry, and a "synchronized" sentence is searched from sentence starts only.
_CREATED_FROM = re.compile(r"A new (?>.+? will be created from )(?>.+? if it is connected to ).+?\.(?=\s|$)")
_EVERY = re.compile(r"(?:^|\.\s)Every ")
_SYNCED = re.compile(r"(?:^|(?<=\.))[^.]*?,?\s*it\s+will be synchronized with [^.]*\.")
_ODD_LINE_BREAKS = str.maketrans(dict.fromkeys("\x1c\x1d\x1e\x85\u2028\u2029", " "))
"""Characters Python (so docutils) ends lines at but editors do not; read as spaces so lines stay true."""


def canonical_id(name: str) -> str:
    """The canonical system id: the lowercase ASCII alphanumerics of a name."""
    return "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())


class _HeaderOnlyListTable(ListTable):
    """``list-table`` that accepts a table with only its header row.

    Stock docutils turns such a table into an ERROR system message; the
    documents use it to mean "no properties documented", which the linter
    reports as a documentation gap instead.
    """

    def check_table_dimensions(self, rows: list, header_rows: int, stub_columns: int) -> None:
        if header_rows and len(rows) == header_rows:
            return
        super().check_table_dimensions(rows, header_rows, stub_columns)


class _PlainInliner:
    """Inline text read literally: no emphasis, roles, references or substitutions.

    Names and sentences in the documents are data, not markup, and docutils'
    inline parser takes time quadratic in a paragraph's length on text full
    of unmatched start-strings (``*x *x *x ...``: 18 KB took 2.6 s, 90 KB 52 s).
    It stands in for docutils' ``Inliner``, which it uses only for link targets.
    """

    def __init__(self) -> None:
        self._inliner = Inliner()
        self._settings: object = None
        self._prepared_for: object = None

    def init_customizations(self, settings: object) -> None:
        """Note the settings docutils' own inliner is prepared with when a link target needs it (rarely: its patterns are many)."""
        self._settings = settings

    def adjust_uri(self, uri: str) -> str:
        """A link target's URI, as docutils would read it."""
        if self._prepared_for is not self._settings:
            self._inliner.init_customizations(self._settings)
            self._prepared_for = self._settings
        return self._inliner.adjust_uri(uri)

    def parse(self, text: str, lineno: int, memo: object, parent: nodes.Element) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        """The text as one plain text node, backslash escapes kept the docutils way."""
        return [nodes.Text(escape2null(text))], []


@contextmanager
def _tolerant_list_table() -> Iterator[None]:
    """Use the header-only-tolerant list-table for the duration of one parse."""
    directives.register_directive("list-table", _HeaderOnlyListTable)
    try:
        yield
    finally:
        directives.register_directive("list-table", ListTable)


class DocumentParser:
    """A reusable docutils parser with safe settings (no file or raw access)."""

    def __init__(self) -> None:
        self._parser = Parser(inliner=_PlainInliner())
        settings = get_default_settings(Parser)
        settings.report_level = 5
        settings.halt_level = 5
        settings.warning_stream = io.StringIO()
        settings.file_insertion_enabled = False
        settings.raw_enabled = False
        settings.line_length_limit = 100_000
        settings.character_level_inline_markup = False
        self._settings = settings

    def parse_file(self, path: Path | str, display_path: str | None = None) -> ParseResult:
        """Read and parse one file; unreadable files give a diagnostic."""
        shown = display_path or str(path)
        try:
            size = Path(path).stat().st_size
            if size > MAX_BYTES:
                return _unusable(shown, 1, "too-large", f"file is {size} bytes; a dataflow document is far smaller (limit {MAX_BYTES}); check the path")
            data = Path(path).read_bytes()
        except OSError as exc:
            return _unusable(shown, 1, "unreadable", f"cannot read file: {exc.strerror or exc}; check the path and permissions")
        return self.parse_bytes(data, shown)

    def parse_bytes(self, data: bytes, path: str) -> ParseResult:
        """Decode and parse a document's bytes."""
        if b"\x00" in data:
            line = _line_at(data, data.index(b"\x00"))
            return _unusable(path, line, "binary-file", "file holds NUL bytes: this is not a text document; remove it from the specs")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return _unusable(path, _line_at(data, exc.start), "not-utf8", f"byte {data[exc.start]:#04x} is not UTF-8; save the document as UTF-8")
        return self.parse_text(text, path, hashlib.sha256(data).hexdigest())

    def parse_text(self, text: str, path: str, sha256: str | None = None) -> ParseResult:
        """Parse document text; ``path`` is only used for locations."""
        digest = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        text = text.translate(_ODD_LINE_BREAKS)
        if not text.strip():
            return _unusable(path, 1, "empty-file", "file is empty; write a dataflow document or remove the file")
        doctree = new_document(path, self._settings)
        try:
            with _tolerant_list_table():
                self._parser.parse(text, doctree)
        except Exception as exc:  # docutils raises assorted errors on hostile input
            return _unusable(path, _exception_line(exc), "malformed-rst", f"docutils cannot read this document ({type(exc).__name__}: {str(exc)[:200]}); fix the reStructuredText")
        return _DoctreeReader(path, digest, max(len(text.splitlines()), 1)).read(doctree)


def _line_at(data: bytes, offset: int) -> int:
    """1-based line of a byte offset; CRLF, LF and a lone CR each end a line."""
    return len(re.split(rb"\r\n|\r|\n", data[:offset]))


def _exception_line(exc: BaseException) -> int:
    line = getattr(exc, "line", None) or getattr(exc, "lineno", None)
    return line if isinstance(line, int) and line > 0 else 1


def _unusable(path: str, line: int, code: str, message: str) -> ParseResult:
    return ParseResult(path, None, (Diagnostic(path, line, "error", code, message),))


@dataclass
class _Table:
    """A list-table as plain strings: header cells and body rows with lines."""

    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class _Section:
    """A mapping section's raw material before it becomes a Mapping."""

    line: int
    title: str
    sentences: list[tuple[int, str]] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)


class _DoctreeReader:
    """Turns one doctree into a Document plus diagnostics."""

    def __init__(self, path: str, sha256: str, last_line: int) -> None:
        self.path = path
        self.sha256 = sha256
        self.last_line = last_line
        self.diagnostics: list[Diagnostic] = []

    def report(self, line: int, level: Level, code: str, message: str) -> None:
        """Record a problem; docutils places some end-of-file problems past the last line."""
        self.diagnostics.append(Diagnostic(self.path, min(max(line, 1), self.last_line), level, code, message))

    def read(self, doctree: nodes.document) -> ParseResult:
        self._report_system_messages(doctree)
        title_node = next(iter(doctree.findall(nodes.title)), None)
        if title_node is None or not _text(title_node).endswith(_TITLE_SUFFIX.strip()):
            line = _title_line(title_node) if title_node is not None else 1
            found = repr(_text(title_node)) if title_node is not None else "no title"
            self.report(line, "error", "not-a-dataflow", f"expected a title '<Source> to <Target> Dataflow', found {found}; this file is not a dataflow document")
            return self._result(None)
        title = _text(title_node)
        systems = self._systems(title, _title_line(title_node))
        if systems is None:
            return self._result(None)
        source, target = systems
        sections = [s for s in self._sections(doctree, title_node)]
        mappings = self._mappings(sections, source, target)
        if not mappings:
            self.report(_title_line(title_node), "warning", "no-mappings",
                        f"the document has no section '{source.name} <Entity> to {target.name} <Entity>': nothing to check; "
                        "add the mapping sections, or remove the document")
        document = Document(
            loc=Location(self.path, _title_line(title_node)),
            title=title,
            source=source,
            target=target,
            sha256=self.sha256,
            generated=_generated(doctree),
            mappings=tuple(mappings),
        )
        return self._result(document)

    def _result(self, document: Document | None) -> ParseResult:
        return ParseResult(self.path, document, tuple(sorted(set(self.diagnostics))))

    def _report_system_messages(self, doctree: nodes.document) -> None:
        for message in doctree.findall(nodes.system_message):
            level = message.get("level", 0)
            text = (_text(message.children[0]) if message.children else "").rstrip(".")
            if level >= 3:
                self.report(_line(message), "error", "malformed-rst", f"{text}; fix the reStructuredText here")
            elif level == 2:
                self.report(_line(message), "warning", "rst-warning", f"{text}; fix the reStructuredText here")

    def _systems(self, title: str, line: int) -> tuple[System, System] | None:
        names = title[: -len(_TITLE_SUFFIX)] if title.endswith(_TITLE_SUFFIX) else title[: -len(_TITLE_SUFFIX.strip())]
        parts = re.split(r"\s+to\s+|\s+to$|^to\s+", names.strip(), maxsplit=1)
        if len(parts) != 2:
            self.report(line, "error", "not-a-dataflow", f"title {title!r} does not read '<Source> to <Target> Dataflow'; this file is not a dataflow document")
            return None
        file_ids = _ids_from_file_name(self.path)
        systems = []
        for side, name, fallback in (("source", parts[0].strip(), file_ids[0]), ("target", parts[1].strip(), file_ids[1])):
            sid = canonical_id(name) or fallback or f"unnamed-{side}"
            if not canonical_id(name):
                self.report(line, "warning", "missing-system-name", f"the title names no {side} system; using {sid!r} (from the file name); write the system's name in the title")
            systems.append(System(sid, name))
        return systems[0], systems[1]

    def _sections(self, doctree: nodes.document, title_node: nodes.title) -> Iterator[_Section]:
        for section in doctree.findall(nodes.section):
            heading = section.next_node(nodes.title)
            if heading is None or heading is title_node or heading.parent is not section:
                continue
            raw = _Section(_title_line(heading), _text(heading))
            for child in section.children:
                if isinstance(child, nodes.paragraph):
                    raw.sentences.append((_line(child), " ".join(_text(child).split())))
                elif isinstance(child, nodes.table):
                    table = _table(child)
                    if table is not None:
                        raw.tables.append(table)
            yield raw

    def _mappings(self, sections: list[_Section], source: System, target: System) -> list[Mapping]:
        by_title: dict[tuple[str, str], Mapping] = {}
        for section in sections:
            mapping = self._mapping(section, source, target)
            if mapping is None:
                continue
            key = (mapping.source_entity, mapping.target_entity)
            first = by_title.get(key)
            by_title[key] = mapping if first is None else _merge(first, mapping)
        return list(by_title.values())

    def _mapping(self, section: _Section, source: System, target: System) -> Mapping | None:
        split = split_section_title(section.title, source.name, target.name)
        if split is None:
            if section.tables:
                self.report(section.line, "warning", "unparsable-section-title",
                            f"section {section.title!r} does not read '{source.name} <Entity> to {target.name} <Entity>': "
                            "it is skipped, the other sections are checked; fix the section title")
            return None
        source_entity, target_entity = split.entities
        for written, system in zip(split.written, (source, target)):
            if written != system.name:
                self.report(section.line, "warning", "system-alias",
                            f"section {section.title!r} writes the system {system.name!r} as {written!r}; read as {system.name!r}; "
                            "write the name as the document title does")
        loc = Location(self.path, section.line)
        variant, precondition = self._variant(section)
        merge_keys: list[MergeKey] = []
        properties: list[PropertyMap] = []
        for table in section.tables:
            self._check_header(table, (source.name, split.written[0]), source_entity, (target.name, split.written[1]), target_entity)
            table.rows = self._whole_rows(table)
            if len(table.header) == 2:
                merge_keys.extend(MergeKey(Location(self.path, line), cells[0], cells[1]) for line, cells in table.rows)
            elif len(table.header) == 3:
                properties.extend(self._property(line, cells) for line, cells in table.rows)
            else:
                self.report(table.line, "error", "unknown-table", f"table has {len(table.header)} columns; expected 2 (merge keys) or 3 (properties with 'Data Type'); fix the table")
        return Mapping(
            loc=loc,
            title=" ".join(section.title.split()),
            source=source,
            source_entity=source_entity,
            target=target,
            target_entity=target_entity,
            variant=variant,
            merge_keys=tuple(merge_keys),
            properties=tuple(properties),
            precondition=precondition,
        )

    def _whole_rows(self, table: _Table) -> list[tuple[int, list[str]]]:
        """Rows with one cell per header cell; others (merged cells in grid tables) are reported and skipped."""
        whole = []
        for line, cells in table.rows:
            if len(cells) == len(table.header):
                whole.append((line, cells))
            else:
                self.report(line, "error", "malformed-row", f"row has {len(cells)} cell{'' if len(cells) == 1 else 's'} but the table header has {len(table.header)} (merged cells?); give every row one cell per column")
        return whole

    def _variant(self, section: _Section) -> tuple[Variant, str | None]:
        text = " ".join(sentence for _, sentence in section.sentences)
        if "Before any synchronization can take place" in text:
            return "link-only", None
        created_from = _CREATED_FROM.match(text, text.find("A new ")) if "A new " in text else None
        if created_from:
            return "merge-or-create", created_from.group(0)
        if "If a matching" in text or "will be merged with the existing" in text:
            return "merge-or-create", None
        every = _EVERY.search(text)
        if every and text.find(" will be synchronized with ", every.end() + 1) >= 0:
            return "create", None
        synced = _SYNCED.search(text)
        if synced:
            return "create", synced.group(0).strip()
        self.report(section.line, "warning", "unknown-variant", f"no sentence of section {section.title!r} says how records are linked; assuming 'create'; add 'Every ... will be synchronized with ...'")
        return "create", None

    def _check_header(self, table: _Table, source: tuple[str, str], source_entity: str, target: tuple[str, str], target_entity: str) -> None:
        """Each header cell names the section's system (as the title has it, or as the section wrote it) and entity."""
        expected = [[f"{name} {source_entity} Property" for name in source], [f"{name} {target_entity} Property" for name in target],
                    [f"{name} Data Type" for name in target]]
        for found, wanted in zip(table.header, expected):
            if canonical_id(found) not in {canonical_id(w) for w in wanted}:
                self.report(table.line, "warning", "header-mismatch", f"table header {found!r} does not match the section title (expected {wanted[0]!r}); fix the header or the title")

    def _property(self, line: int, cells: list[str]) -> PropertyMap:
        source, source_condition = self._path_and_condition(line, cells[0])
        target, target_condition = self._path_and_condition(line, cells[1])
        if not source or not target:
            self.report(line, "warning", "empty-cell", f"row {cells[0]!r} -> {cells[1]!r} has an empty property name; fill in both names")
        return PropertyMap(Location(self.path, line), source, target, self._type(line, cells[2]), source_condition, target_condition)

    def _type(self, line: int, cell: str) -> DataType | None:
        text = cell.strip()
        unquoted = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
        if unquoted in DATA_TYPES:
            return unquoted  # type: ignore[return-value]
        if text.upper() == "N/A":
            return None
        self.report(line, "warning", "unknown-type", f"data type {text!r} is not one of \"string\", \"integer\", \"float\", \"boolean\" or N/A; treating it as N/A")
        return None

    def _path_and_condition(self, line: int, cell: str) -> tuple[str, Condition | None]:
        text = " ".join(cell.split())
        if "(" not in text and ")" not in text:
            return text, None
        match = _CONDITION.match(text)
        dependant = _DEPENDANT.match(match.group("inner")) if match else None
        if match is None or dependant is None:
            self.report(line, "warning", "malformed-condition", f"cannot read the condition in {text!r}; write it as '<path> (Dependant on having <value> in <path>)'")
            path = text.split("(", 1)[0].strip()
            return path, Condition("", "")
        value, path = _split_condition(dependant.group("rest"))
        condition = Condition(value, path)
        if not condition.is_valid:
            missing = "value" if not value else "path"
            self.report(line, "warning", "malformed-condition", f"condition in {text!r} has no {missing}; the row cannot be checked until the document names it")
        return match.group("path"), condition


def _split_condition(rest: str) -> tuple[str, str]:
    """Split ``" wd:Q20 in Country.Code"`` into value and path; either may be empty."""
    words = rest.split()
    if "in" not in words:
        return " ".join(words), ""
    at = len(words) - 1 - words[::-1].index("in")
    return " ".join(words[:at]), " ".join(words[at + 1 :])


def _merge(first: Mapping, other: Mapping) -> Mapping:
    """Union of two copies of one section, in first-seen order, first location kept."""
    def union(a: tuple, b: tuple, key) -> tuple:
        seen = {key(item) for item in a}
        return a + tuple(item for item in b if key(item) not in seen)

    return replace(
        first,
        variant=first.variant if first.variant != "create" else other.variant,
        precondition=first.precondition or other.precondition,
        merge_keys=union(first.merge_keys, other.merge_keys, lambda k: (k.source, k.target)),
        properties=union(first.properties, other.properties, lambda p: (p.source, p.target, p.source_condition, p.target_condition)),
        duplicates=first.duplicates + (other.loc,) + other.duplicates,
    )


@dataclass(frozen=True)
class TitleSplit:
    """A section title read as ``<Source> <Entity> to <Target> <Entity>``, and how it wrote the two systems."""

    entities: tuple[str, str]
    written: tuple[str, str]


def split_section_title(title: str, source_name: str, target_name: str) -> TitleSplit | None:
    """Split a section title on the document's system names, spelled as the title does or in an alias.

    Aliases, one rule everywhere: the same letters with other spaces or case
    (``Businesscentral`` for ``Business Central``), or the name's leading
    words (``Exact`` for ``Exact Online``); the full name is tried first.
    """
    words = title.split()
    for source_id in _aliases(source_name):
        for target_id in _aliases(target_name):
            for i in _prefix_ends(words, 0, source_id):
                for j in range(i + 1, len(words)):
                    if words[j].lower() != "to":
                        continue
                    for k in _prefix_ends(words, j + 1, target_id):
                        if k < len(words):
                            return TitleSplit((" ".join(words[i:j]), " ".join(words[k:])), (" ".join(words[:i]), " ".join(words[j + 1:k])))
    return None


def _aliases(name: str) -> list[str]:
    """Canonical ids a title may spell a system with: the whole name, then its leading words, longest first."""
    words = name.split()
    return list(dict.fromkeys(canonical_id(" ".join(words[:n])) for n in range(len(words), 0, -1))) or [""]


def _prefix_ends(words: list[str], start: int, system_id: str) -> Iterator[int]:
    """Indexes ``end`` where ``words[start:end]`` spells ``system_id``."""
    if not system_id:
        yield start
        return
    spelled = ""
    for end in range(start, len(words)):
        spelled += canonical_id(words[end])
        if spelled == system_id:
            yield end + 1
            return
        if not system_id.startswith(spelled):
            return


def _table(node: nodes.table) -> _Table | None:
    thead = next(iter(node.findall(nodes.thead)), None)
    tbody = next(iter(node.findall(nodes.tbody)), None)
    if thead is None or not len(thead):
        return None
    header = _cells(thead[0])
    rows = [(_row_line(row, node), _cells(row)) for row in (tbody.children if tbody is not None else [])]
    return _Table(_line(node), header, rows)


def _cells(row: nodes.Node) -> list[str]:
    return [" ".join(_raw(p) for p in _written_paragraphs(entry)) or _written_text(entry) for entry in row.children]


def _written_paragraphs(entry: nodes.Node) -> list[nodes.paragraph]:
    """A cell's paragraphs, without those of docutils' own messages (a cell holding only three quotes gets one)."""
    messages = {id(p) for message in entry.findall(nodes.system_message) for p in message.findall(nodes.paragraph)}
    return [p for p in entry.findall(nodes.paragraph) if id(p) not in messages]


def _written_text(entry: nodes.Node) -> str:
    """A cell's text when it holds no paragraph (a literal block, a nested list), docutils' messages left out."""
    return " ".join(_text(child) for child in entry.children if not isinstance(child, nodes.system_message)).strip()


def _row_line(row: nodes.Node, table: nodes.table) -> int:
    for paragraph in row.findall(nodes.paragraph):
        if paragraph.line:
            return paragraph.line
    return _line(table)


def _raw(paragraph: nodes.paragraph) -> str:
    """A cell's text as written (so ``id_`` is not read as a link)."""
    return " ".join((paragraph.rawsource or paragraph.astext()).split())


def _text(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


def _line(node: nodes.Node) -> int:
    line = node.get("line") if isinstance(node, nodes.system_message) else getattr(node, "line", None)
    if line is None and isinstance(node, nodes.Element):
        for child in node.findall(include_self=False):
            if getattr(child, "line", None):
                return child.line
    return line or 1


def _title_line(title: nodes.title) -> int:
    """docutils gives a title the line of its underline; people mean the text."""
    line = getattr(title, "line", None)
    return max(line - 1, 1) if line else _line(title.parent)


def _generated(doctree: nodes.document) -> str | None:
    for paragraph in doctree.findall(nodes.paragraph):
        match = _GENERATED.match(_text(paragraph))
        if match:
            return f"{match.group(1)}T{match.group(2)}"
    return None


def _ids_from_file_name(path: str) -> tuple[str, str]:
    stem = Path(path).stem
    parts = stem.split("-")
    if len(parts) == 2 and all(canonical_id(p) == p for p in parts):
        return parts[0], parts[1]
    return "", ""


def parse_paths(paths: list[Path], parser: DocumentParser | None = None) -> list[ParseResult]:
    """Parse files in order with one reused parser."""
    reader = parser or DocumentParser()
    return [reader.parse_file(path, str(path)) for path in paths]
