"""``dataflow-qa init``: set up a documentation repository for dataflow-qa.

Writes the ``[tool.dataflow-qa]`` table (a new ``pyproject.toml``, or the
table appended to one that has none), the ``.gitignore`` lines for what runs
produce, and an example CI workflow (GitHub Actions or GitLab CI). It never
overwrites a file: what is already there is left alone and said so.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from dataflow_qa import __version__
from dataflow_qa.generator.project import DEFAULTS, TABLE

TEMPLATES = Path(__file__).parent / "templates" / "init"
CI_FILES = {"github": (".github/workflows/dataflow-qa.yml", "github.yml.jinja"), "gitlab": (".gitlab-ci.yml", "gitlab-ci.yml.jinja")}
IGNORED = ("__pycache__/", ".pytest_cache/", ".hypothesis/", "/.dataflow-qa/", "/.dataflow-qa-cache/")
"""What runs produce besides the reports: bytecode, pytest's and Hypothesis' caches, the sandbox ledger, the generate cache."""
PLAIN_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*")
SKIPPED_FOLDERS = {".git", ".venv", "venv", "node_modules", "build", "dist"}


@dataclass(frozen=True)
class Layout:
    """The folders ``init`` writes into the configuration, relative to the repository."""

    specs: str
    out: str
    reports: str


def guess_specs(root: Path) -> str:
    """The folder holding the most ``*.rst`` documents (``specs`` when none does)."""
    counts = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in SKIPPED_FOLDERS and not p.name.startswith(".")):
        counts[folder.name] = sum(1 for _ in folder.rglob("*.rst"))
    best = max(counts, key=lambda name: (counts[name], name == DEFAULTS["specs"]), default=None)
    return best if best is not None and counts[best] else DEFAULTS["specs"]


def table_text(layout: Layout) -> str:
    """The ``[tool.dataflow-qa]`` table, every value a TOML basic string."""
    lines = [f"[tool.{TABLE}]"]
    for key, value, note in (("specs", layout.specs, "the dataflow documents"), ("out", layout.out, "the generated pytest suite (commit it)"),
                             ("reports", layout.reports, "report.html, junit.xml, checklist/ (not committed)")):
        lines.append(f"{key} = {_toml_string(value)}  # {note}")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_pyproject(root: Path, layout: Layout) -> str:
    """Create ``pyproject.toml`` with the table, or append the table to one without it."""
    path = root / "pyproject.toml"
    if not path.exists():
        _write_new(path, f"# dataflow-qa reads its folders from here; flags override them.\n{table_text(layout)}")
        return f"wrote {path.name} with [tool.{TABLE}]"
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return f"left {path.name} alone: it is not valid TOML ({exc}); add this table by hand:\n{table_text(layout)}"
    if TABLE in data.get("tool", {}):
        return f"left {path.name} alone: it already has [tool.{TABLE}]"
    addition = ("" if text.endswith("\n") or not text else "\n") + "\n" + table_text(layout)
    tomllib.loads(text + addition)  # the appended table must keep the file valid
    with path.open("a", encoding="utf-8") as handle:
        handle.write(addition)
    return f"added [tool.{TABLE}] to {path.name}"


def write_gitignore(root: Path, layout: Layout) -> str:
    """Append the lines for what runs produce that ``.gitignore`` lacks."""
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    wanted = [f"/{layout.reports.strip('/')}/", *IGNORED]
    missing = [line for line in wanted if line not in present and line.lstrip("/") not in present]
    if not missing:
        return f"left {path.name} alone: it already ignores what runs produce"
    block = ("" if text.endswith("\n") or not text else "\n") + ("\n" if text else "") + "# dataflow-qa: what runs produce\n" + "\n".join(missing) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(block)
    return f"{'added' if text else 'wrote'} {len(missing)} lines to {path.name}: {' '.join(missing)}"


def render_ci(kind: str, layout: Layout) -> str:
    """The example CI workflow of ``kind`` (``github`` or ``gitlab``) for this layout."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(CI_FILES[kind][1]).render(
        version=__version__, requirement=f"dataflow-qa=={__version__}", specs=layout.specs, out=layout.out, reports=layout.reports)


def write_ci(root: Path, kind: str, layout: Layout) -> str:
    """Write the CI workflow unless a file is already there."""
    path = root / CI_FILES[kind][0]
    if path.exists():
        return f"left {CI_FILES[kind][0]} alone: it exists (the workflow dataflow-qa would write is in the README, 'Run it in CI')"
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_new(path, render_ci(kind, layout))
    return f"wrote {CI_FILES[kind][0]}"


def _write_new(path: Path, text: str) -> None:
    """Create a file that must not exist yet (never overwrite)."""
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: Sequence[str]) -> int:
    """Set up the working folder; exit 0, or 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="dataflow-qa init", description=__doc__.splitlines()[0])
    parser.add_argument("--specs", default=None, metavar="DIR", help="the documents folder (default: the folder holding the most *.rst files, else specs)")
    parser.add_argument("--out", default=DEFAULTS["out"], metavar="DIR", help=f"the generated suite (default: {DEFAULTS['out']})")
    parser.add_argument("--reports", default=DEFAULTS["reports"], metavar="DIR", help=f"the reports (default: {DEFAULTS['reports']})")
    parser.add_argument("--ci", choices=(*CI_FILES, "none"), default="github", help="which example CI workflow to write (default: github)")
    args = parser.parse_args(list(argv))
    root = Path.cwd()
    layout = Layout(args.specs or guess_specs(root), args.out, args.reports)
    bad = [f"{name} {value!r}" for name, value in vars(layout).items() if not PLAIN_PATH.fullmatch(value) or ".." in Path(value).parts]
    if bad:
        print(f"error: {', '.join(bad)}: give a relative folder of letters, digits, '.', '_', '-' and '/'", file=sys.stderr)
        return 2
    said = [write_pyproject(root, layout), write_gitignore(root, layout)]
    if args.ci != "none":
        said.append(write_ci(root, args.ci, layout))
    for line in said:
        print(line)
    documents = sum(1 for _ in (root / layout.specs).rglob("*.rst")) if (root / layout.specs).is_dir() else 0
    print(f"documents: {layout.specs}/ ({documents} *.rst files); suite: {layout.out}/; reports: {layout.reports}/")
    print("next: dataflow-qa generate && python -m pytest && dataflow-qa check")
    return 0
