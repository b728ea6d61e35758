"""The one configuration every command and the pytest plugin read: ``[tool.dataflow-qa]``.

It sits in the project's ``pyproject.toml`` (the nearest one, from the working
folder up, that has the table); paths in it are relative to that file's
folder. Flags override it; without the table the defaults below hold,
relative to the working folder::

    [tool.dataflow-qa]
    specs = "specs"                 # the dataflow documents
    out = "generated_tests"         # the generated pytest suite
    reports = "reports"             # report.html, junit.xml, checklist/
    values = "specs/values.toml"    # the [values] table (default: values.toml in specs)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TABLE = "dataflow-qa"
DEFAULTS = {"specs": "specs", "out": "generated_tests", "reports": "reports"}
KEYS = (*DEFAULTS, "values")
VALUES_FILE = "values.toml"


class ProjectError(ValueError):
    """The configuration cannot be used; the message says where and what to do."""


@dataclass(frozen=True)
class Project:
    """Where a project's documents, suite, reports and values file are (absolute paths)."""

    root: Path
    specs: Path
    out: Path
    reports: Path
    values: Path
    source: Path | None = None
    """The ``pyproject.toml`` the settings came from, or None for the defaults."""

    def with_specs(self, specs: Path) -> Project:
        """The same project with another documents folder (a flag); its values file follows unless configured."""
        configured_values = self.values != self.specs / VALUES_FILE
        return Project(self.root, specs, self.out, self.reports, self.values if configured_values else specs / VALUES_FILE, self.source)

    def describe(self, key: str) -> str:
        """Where a setting came from, for messages: ``pyproject.toml [tool.dataflow-qa] specs`` or ``the default``."""
        if self.source:
            return f"{key} in [tool.{TABLE}] of {self.source}"
        return f"the default, as no pyproject.toml here has [tool.{TABLE}] ('dataflow-qa init' writes one)"


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` from ``start`` up that has a ``[tool.dataflow-qa]`` table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def _has_table(path: Path) -> bool:
    """A cheap test before parsing: does the file mention the table at all?"""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?dataflow-qa[\"']?\s*\]", text, re.MULTILINE) is not None


def load_project(start: Path | None = None) -> Project:
    """The configuration for a command run in ``start`` (default: the working folder)."""
    start = (start or Path.cwd()).resolve()
    source = find_pyproject(start)
    if source is None:
        return _project(start, {}, None)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ProjectError(f"{source}:{line.group(1) if line else 1}: invalid TOML: {exc}; fix the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{source}:1: cannot read it: {exc}") from None
    table = data.get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise ProjectError(f"{source}:{_line_of(source, TABLE)}: [tool.{TABLE}] must be a table")
    problems = [f"unknown key {key!r}; known: {', '.join(KEYS)}" for key in table if key not in KEYS]
    problems += [f"{key} must be a path as a string, not {value!r}" for key, value in table.items()
                 if key in KEYS and (not isinstance(value, str) or not value.strip())]
    if problems:
        raise ProjectError(f"{source}:{_line_of(source, TABLE)}: [tool.{TABLE}]: " + "; ".join(problems))
    return _project(source.parent, table, source)


def _project(root: Path, table: dict[str, str], source: Path | None) -> Project:
    paths = {key: (root / table.get(key, default)).resolve() for key, default in DEFAULTS.items()}
    values = (root / table["values"]).resolve() if "values" in table else paths["specs"] / VALUES_FILE
    return Project(root, paths["specs"], paths["out"], paths["reports"], values, source)


def _line_of(path: Path, table: str) -> int:
    """The line of the table's header, for messages."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if table in line and line.lstrip().startswith("["):
            return number
    return 1
