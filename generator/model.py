"""The parsed model of a dataflow document: small immutable values, no docutils.

Every layer after the parser (lint, render, the runtime in ``fixtures/``) reads
these classes only. Each node carries a :class:`Location` so any problem or
test can point back at ``path:line`` in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]
Variant = Literal["create", "merge-or-create", "link-only"]
DataType = Literal["string", "integer", "float", "boolean"]

VARIANTS: tuple[Variant, ...] = ("create", "merge-or-create", "link-only")
DATA_TYPES: tuple[DataType, ...] = ("string", "integer", "float", "boolean")


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a document: its path and 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class System:
    """A business system: display name as written, canonical lowercase id."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A row applies only while ``path`` holds ``value`` (often a Wikidata id)."""

    value: str
    path: str

    @property
    def is_valid(self) -> bool:
        """Both halves are present; a malformed condition cannot be evaluated."""
        return bool(self.value) and bool(self.path)

    def __str__(self) -> str:
        return f"{self.value or '?'} in {self.path or '?'}"


@dataclass(frozen=True, slots=True)
class PropertyMap:
    """One row of a property table: a source path synced with a target path."""

    loc: Location
    source: str
    target: str
    type: DataType | None = None
    source_condition: Condition | None = None
    target_condition: Condition | None = None

    @property
    def label(self) -> str:
        """The row as people name it: ``PersonFirstName->givenName``."""
        return f"{self.source}->{self.target}"


@dataclass(frozen=True, slots=True)
class MergeKey:
    """One row of a merge-key table: records match when these values are equal."""

    loc: Location
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Mapping:
    """One section: source entity linked with target entity, and its rows."""

    loc: Location
    title: str
    source: System
    source_entity: str
    target: System
    target_entity: str
    variant: Variant
    merge_keys: tuple[MergeKey, ...] = ()
    properties: tuple[PropertyMap, ...] = ()
    duplicates: tuple[Location, ...] = ()
    precondition: str | None = None

    @property
    def key(self) -> str:
        """A stable id: ``webcrm:Persons->crmoffice:Contacts``."""
        return f"{self.source.id}:{self.source_entity}->{self.target.id}:{self.target_entity}"

    @property
    def is_documented(self) -> bool:
        """False when the property table has no rows: a documentation gap."""
        return bool(self.properties)


@dataclass(frozen=True, slots=True)
class Document:
    """One dataflow document: a source system, a target system and mappings."""

    loc: Location
    title: str
    source: System
    target: System
    sha256: str
    generated: str | None = None
    mappings: tuple[Mapping, ...] = ()

    @property
    def path(self) -> str:
        """The document's path as given to the parser."""
        return self.loc.path

    @property
    def property_count(self) -> int:
        """Number of property rows over all mappings."""
        return sum(len(m.properties) for m in self.mappings)


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A problem found in a document, printed the way compilers do."""

    path: str
    line: int
    level: Level = field(compare=False)
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What reading one file gives: a document (unless unusable) and diagnostics."""

    path: str
    document: Document | None
    diagnostics: tuple[Diagnostic, ...] = ()
