"""Hypothesis strategies that break real dataflow documents in realistic and hostile ways.

Seeds are the real documents (``specs/``, ``tests/data/corpus/``, the small
test specs and the broken samples). A mutated document is a seed with a few
line-level mutations (cut, swap, duplicate, broken tables and underlines,
wrong indentation, odd Unicode, NUL bytes, huge lines, deep nesting, hostile
directives), then encoded with some line-ending style, BOM and encoding.
Used by ``test_fuzz_parser.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SEED_FOLDERS = ("specs", "tests/data/corpus", "tests/data/specs", "tests/data/broken")
MAX_SEED_LINES = 60
"""Longer seeds are fuzzed as their title block plus a window of this many lines (keeps examples fast)."""


def _seed_files() -> list[Path]:
    files = [p for folder in SEED_FOLDERS for p in sorted((ROOT / folder).glob("*.rst"))]
    return sorted(files, key=lambda p: (p.stat().st_size, p.name))  # shrinking goes to the smallest seed


SEED_FILES = _seed_files()
SEEDS: list[list[str]] = [p.read_bytes().decode("utf-8", "replace").splitlines() for p in SEED_FILES]

NASTY_CHARS = "\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff\u200b\u202e\u0301\u00a0\\`*_|:[]<>{}%\"'éÆø日本\U0001f600"
"""Whitespace and line separators docutils and editors disagree on, markup characters, accents, RTL, emoji."""

HUGE_PATTERNS = ("x", "*x ", "**x ", "``x ", ":r:`x ", "|x ", "_`x ", "x_ ", "http://x ", "`", "=", "- ", "| ", "é", "\\")
"""Repeated to make huge lines and paragraphs; several are inline-markup start strings."""
NESTING_PATTERNS = ("- ",)
"""Patterns whose every line is a deeply nested list: kept to small blocks so examples stay fast."""

HOSTILE_SNIPPETS: tuple[str, ...] = (
    ".. include:: {secret}",
    ".. include:: {secret}\n   :literal:",
    ".. include:: {secret}\n   :code: python",
    ".. include:: {secret}\n   :parser: rst\n   :start-line: 0",
    ".. include:: <isonum.txt>",
    ".. raw:: html\n   :file: {secret}",
    ".. raw:: html\n   :url: {url}",
    ".. raw:: html\n\n   <script>alert(document.cookie)</script>",
    ".. csv-table:: t\n   :file: {secret}",
    ".. csv-table:: t\n   :header-rows: 1\n   :encoding: rot13\n   :url: {url}",
    ".. csv-table:: t\n   :delim: tab\n   :quote: x\n   :escape: \\\n   :widths: 1\n\n   \"a, b\n   c",
    ".. list-table::\n   :header-rows: 1\n   :stub-columns: 5\n   :widths: 1 2 3 4\n   :width: -5%\n   :align: sideways\n\n   * - a\n     - b\n     - c",
    ".. list-table::\n   :header-rows: 1000000000000000000000\n\n   * - a",
    ".. list-table::\n   :header-rows: x\n   :widths: auto\n",
    ".. list-table:: title `with *markup\n   :header-rows: 1\n\n   * - .. include:: {secret}\n     - .. raw:: html\n          :file: {secret}\n     - \"string\"",
    ".. list-table::\n   :header-rows: 1\n\n   * - A\n     - B\n     - C\n   * - - nested\n       - list\n     -\n     - * - inner\n         - table",
    ".. image:: {secret}\n   :scale: 50",
    ".. figure:: {url}\n   :figwidth: image",
    ".. |x| replace:: |y|\n.. |y| replace:: |x|\n\n|x| |y| |z|",
    ".. _target: {url}\n\ntarget_ `ref <{url}>`_ [1]_ [#]_ [*]_",
    ".. role:: custom(raw)\n   :format: html\n\n:custom:`<b>bold</b>`",
    ".. default-role:: raw\n\n`<i>x</i>`",
    ".. unicode:: 0x110000 U+D800 &#xFFFFFFFF;",
    ".. |d| date:: %Y %Q %",
    ".. contents::\n   :depth: -1\n.. sectnum::\n   :depth: 99999999999",
    ".. header:: {secret}\n.. footer:: {url}\n.. title:: A to B Dataflow\n.. meta::\n   :keywords: x",
    ".. math:: \\frac{{1}}{{0}}\n.. code:: nonexistent-language\n   :number-lines: -5\n\n   x",
    ".. table:: t\n   :widths: 1 2 3\n\n   ===  ===\n   a    b\n   ===  ===\n   c    d e f\n   ===  ===",
    ".. topic:: X to Y Dataflow\n\n   fake title\n.. sidebar:: s\n   :subtitle: t",
    ".. class:: x\n.. container::\n.. compound::\n.. parsed-literal::\n.. rubric::\n.. target-notes::",
    "+------+------+------+\n| A    | B    | C    |\n+======+======+======+\n| spans all columns  |\n+------+------+------+",
    "+------+------+\n| A    | B    |\n+======+======+\n| spans both  |\n+------+------+\n| x    | y    |\n+------+------+",
    "+-----+-----+-----+\n| A   | B   | C   |\n+=====+=====+=====+\n| x   | y         |\n+-----+-----+-----+\n| z   | w   |     |\n+     +-----+-----+\n|     | v   | u   |\n+-----+-----+-----+",
    "=====  =====  =====\nA      B      C\n=====  =====  =====\nspans the row\n=====  =====  =====",
    "Alpha Person to Beta Contact\n----\n\n.. list-table::\n   :header-rows: 1\n\n   * - A\n     - B",
)
"""Directives and tables that read files, reach the network, embed raw HTML or strain table handling."""


def line_count(text: str) -> int:
    """Lines as editors count them: ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line."""
    return len(re.split(r"\r\n|\r|\n", text))


Mutation = Callable[[st.DrawFn, list[str]], list[str]]


def _index(draw: st.DrawFn, lines: list[str], extra: int = 0) -> int:
    return draw(st.integers(0, max(len(lines) - 1 + extra, 0)))


def cut(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Delete a run of lines."""
    at = _index(draw, lines)
    return lines[:at] + lines[at + draw(st.integers(1, 30)) :]


def swap(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Swap two lines."""
    if len(lines) < 2:
        return lines
    a, b = _index(draw, lines), _index(draw, lines)
    lines = list(lines)
    lines[a], lines[b] = lines[b], lines[a]
    return lines


def duplicate(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Copy a run of lines to another place."""
    start = _index(draw, lines)
    chunk = lines[start : start + draw(st.integers(1, 25))]
    at = _index(draw, lines, extra=1)
    return lines[:at] + chunk + lines[at:]


def break_table(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Damage a list-table: drop, re-indent, empty or add a cell or an option."""
    spots = [i for i, line in enumerate(lines) if re.match(r"\s*(\* -|- |:header-rows:|\.\. list-table::)", line)]
    if not spots:
        return lines
    at = draw(st.sampled_from(spots))
    line = lines[at]
    edit = draw(st.sampled_from(["drop", "indent", "dedent", "empty", "extra", "nodash", "option"]))
    replacement = {
        "drop": [],
        "indent": ["  " + line],
        "dedent": [line[2:]],
        "empty": [re.sub(r"(-\s*).*$", r"\1", line)],
        "extra": [line, re.sub(r"\S.*$", "- extra cell", line)],
        "nodash": [line.replace("- ", "", 1)],
        "option": [line, "   :header-rows: " + draw(st.sampled_from(["0", "2", "-1", "9", "x", ""]))],
    }[edit]
    return lines[:at] + replacement + lines[at + 1 :]


def break_underline(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Shorten, lengthen, re-character or drop a section underline or overline."""
    spots = [i for i, line in enumerate(lines) if re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}\s*", line)]
    if not spots:
        return lines
    at = draw(st.sampled_from(spots))
    char = draw(st.sampled_from("=-~^#*+`"))
    lines = list(lines)
    lines[at] = char * draw(st.integers(0, len(lines[at]) + 5))
    return lines


def reindent(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Give a line wrong indentation (spaces or a tab)."""
    if not lines:
        return lines
    at = _index(draw, lines)
    lines = list(lines)
    lines[at] = draw(st.sampled_from(["", " ", "  ", "   ", "\t", "      ", "            "])) + lines[at].lstrip()
    return lines


def odd_text(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Insert random Unicode, odd separators or a NUL into a line."""
    if not lines:
        return [draw(st.text(max_size=20))]
    at = _index(draw, lines)
    text = draw(st.one_of(st.text(max_size=20), st.text(alphabet=NASTY_CHARS, min_size=1, max_size=8), st.just("\x00")))
    line = lines[at]
    col = draw(st.integers(0, len(line)))
    lines = list(lines)
    lines[at] = line[:col] + text + line[col:]
    return lines


def huge_line(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Insert one huge line (sometimes past docutils' line-length limit) or a huge block of lines."""
    pattern = draw(st.sampled_from(HUGE_PATTERNS))
    size = draw(st.sampled_from([2_000, 20_000, 99_000, 120_000]))
    block = [pattern * (size // len(pattern))]
    if draw(st.booleans()):
        if pattern in NESTING_PATTERNS:
            size = 800  # every line nests ~40 lists deep: docutils spends ~50 ms a line (see SECURITY.md)
        block = [pattern * (80 // len(pattern))] * (size // 80)
    at = _index(draw, lines, extra=1)
    return lines[:at] + [""] + block + [""] + lines[at:]


def deep_nesting(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Insert deeply nested block quotes, directives, lists or tables-in-cells."""
    kind = draw(st.sampled_from(["quote", "note", "bullet", "enum", "cell", "definition"]))
    deep = draw(st.integers(0, 9)) == 0  # now and then deeper than the stack allows (~110 levels); such examples are slow
    depth = draw(st.integers(100, 160) if deep else st.integers(1, 40))
    block: list[str] = []
    for level in range(depth):
        pad = "   " * level
        block += {
            "quote": [pad + "quoted", ""],
            "note": [pad + ".. note::", ""],
            "bullet": [pad + "- item", ""],
            "enum": [pad + "1. item", ""],
            "cell": [pad + ".. list-table::", "", pad + "   * - cell"],
            "definition": [pad + "term", pad + "   definition", ""],
        }[kind]
    at = _index(draw, lines, extra=1)
    return lines[:at] + [""] + block + ["", "leaf", ""] + lines[at:]


def snippet(draw: st.DrawFn, lines: list[str], secret: str = "/nonexistent", url: str = "http://127.0.0.1:9/x") -> list[str]:
    """Insert a hostile directive or table, at the margin or indented into the surrounding block."""
    text = draw(st.sampled_from(HOSTILE_SNIPPETS)).format(secret=secret, url=url)
    pad = draw(st.sampled_from(["", "", "   ", "     "]))
    at = _index(draw, lines, extra=1)
    return lines[:at] + [""] + [pad + line for line in text.split("\n")] + [""] + lines[at:]


def splice(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Insert a run of lines from another real document."""
    other = draw(st.sampled_from(SEEDS))
    start = _index(draw, other)
    at = _index(draw, lines, extra=1)
    return lines[:at] + other[start : start + draw(st.integers(1, 40))] + lines[at:]


MUTATIONS: tuple[Mutation, ...] = (cut, swap, duplicate, break_table, break_underline, reindent, odd_text, huge_line, deep_nesting, snippet, splice)


def seed_window(draw: st.DrawFn) -> list[str]:
    """A seed; a long one is cut to its title block plus a window of its lines."""
    lines = draw(st.sampled_from(SEEDS))
    if len(lines) <= MAX_SEED_LINES:
        return list(lines)
    start = draw(st.integers(8, max(8, len(lines) - MAX_SEED_LINES)))
    return lines[:8] + lines[start : start + MAX_SEED_LINES]


def encode(draw: st.DrawFn, lines: list[str]) -> bytes:
    """Join lines with some line-ending style, then encode with an optional BOM or bad bytes."""
    style = draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "mixed"]))
    if style == "mixed":
        rnd = draw(st.randoms(use_true_random=False))
        text = "".join(line + rnd.choice(["\n", "\r\n", "\r"]) for line in lines)
    else:
        text = style.join(lines) + draw(st.sampled_from([style, ""]))
    form = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "bom-inside", "utf-16", "latin-1", "bad-bytes", "nul"]))
    if form == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if form == "bom-inside":
        at = draw(st.integers(0, len(text)))
        return (text[:at] + "\ufeff" + text[at:]).encode("utf-8", "surrogatepass")
    if form == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if form == "latin-1":
        return text.encode("latin-1", "replace")
    data = text.encode("utf-8", "surrogatepass")
    if form in ("bad-bytes", "nul"):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + (b"\x00" if form == "nul" else draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]))) + data[at:]
    return data


@st.composite
def mutated_lines(draw: st.DrawFn, mutations: tuple[Mutation, ...] = MUTATIONS, most: int = 4) -> list[str]:
    """A real document's lines after 1..``most`` mutations."""
    lines = seed_window(draw)
    for _ in range(draw(st.integers(1, most))):
        lines = draw(st.sampled_from(mutations))(draw, lines)
    return lines


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A mutated real document as the bytes of a file."""
    return encode(draw, draw(mutated_lines()))


@st.composite
def documents_with_snippets(draw: st.DrawFn, secret: str, url: str) -> str:
    """A real document with 1..3 hostile snippets (reading ``secret``, fetching ``url``) and other mutations."""
    lines = seed_window(draw)
    for _ in range(draw(st.integers(1, 3))):
        lines = snippet(draw, lines, secret, url)
    lines = draw(st.sampled_from([lambda d, ls: ls, reindent, break_table, cut]))(draw, lines)
    return "\n".join(lines) + "\n"
