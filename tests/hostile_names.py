"""Dataflow documents whose names try to break out of the generated code or the output folder.

Used by ``test_hostile_names.py``. Every document is valid enough to be
generated (no error diagnostics), so each hostile name reaches the renderer.
Payloads that would run create ``pwned-*`` files in the working folder.
"""

from __future__ import annotations

import unicodedata

RUN_PAYLOAD = "__import__('os').system('touch pwned-{n}')"

SYSTEM_PAIRS: dict[str, tuple[str, str]] = {
    "quotes-quotes.rst": ('O\'Reilly "Data" \\\\', "Tgt''' \"\"\""),
    "import-jinja.rst": ("x'); " + RUN_PAYLOAD.format(n=1) + " #", "{{ 7*7 }}{% if 1 %}y{% endif %}{# c #}"),
    "class-none.rst": ("class", "None"),
    "etc-windows.rst": ("../../etc/passwd", "C:\\\\Windows\\\\System32\\\\"),
    "long-long.rst": ("L" + "o" * 300 + "ng", "X" * 200),
    "nihon-chugoku.rst": ("日本", "中国"),
    "bidi-escape.rst": ("Evil\u202eSystem\u2066", "Bell\x07\x1b[31mRed\u200b"),
    "..-evil.rst": ("Alpha", "Beta"),
    "alpha-beta.rst": ("ALPHA", "BETA"),
    "sub-dir.rst": ("alpha", "beta"),
}
"""File name -> (source, target) system names, as written in RST (``\\\\`` is one backslash in a title).

The last three canonicalise to the same ids as each other.
"""

ENTITIES: tuple[str, ...] = (
    '"""; import os; os.system("touch pwned-2") #',
    "{{ config }} {% include '/etc/passwd' %}",
    "def",
    "__class__",
    "Persons [a]",
    "Persons (a)",
    "back\\\\slash\\\\",
    "a/../b",
    "'''",
    "Ω" * 120,
)
"""Entity names, paired first with last: "Persons [a]" to "Persons (a)" and back collide after sanitising."""

CELLS: tuple[str, ...] = (
    "'; " + RUN_PAYLOAD.format(n=3) + "; '",
    '"""',
    "'''",
    "\\",
    "tail\\",
    "{{ 7*7 }}",
    "{% for x in range(9) %}loop{% endfor %}",
    "lambda: 0",
    "import",
    "../../../tmp/x",
    "C:\\x\\y",
    "p" * 3000,
    "# not a comment",
    "esc\x1b[2Jclear",
    "bidi\u202e}}{{\u202c",
    "first line\n       second line",
    "OrgNr (Dependant on having '); os.system('x in Country.Code)",
    "name (Dependant on having {{x}} in a.'''.b)",
)
"""Property and merge-key cells; the multi-line one is a cell continuation in the list-table."""


def _width(text: str) -> int:
    """Columns docutils needs for an underline (East Asian wide characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text) + 4


def _section(source: str, entity: str, target: str, target_entity: str, rows: list[tuple[str, str, str]]) -> str:
    title = f"{source} {entity} to {target} {target_entity}"
    header = [f"{source} {entity} Property", f"{target} {target_entity} Property", f"{target} Data Type"]
    lines = [
        title,
        "-" * _width(title),
        f"Every {source} {entity} will be synchronized with a {target} {target_entity}.",
        "",
        f"A new {{{{ {target_entity} }}}} will be created from '''{entity} if it is connected to \"\"\"{target}.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        f"   * - {header[0]}",
        f"     - {header[1]}",
        "",
        f"   * - {rows[0][0]}",
        f"     - {rows[0][1]}",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        *[f"   {'*' if i == 0 else ' '} - {cell}" for i, cell in enumerate(header)],
    ]
    for row in rows:
        lines += [f"   {'*' if i == 0 else ' '} - {cell}" for i, cell in enumerate(row)]
    return "\n".join(lines) + "\n\n"


def hostile_document(source: str, target: str) -> str:
    """A document between two hostile systems, with a section per hostile entity and every hostile cell."""
    title = f"{source} to {target} Dataflow"
    bar = "=" * _width(title)
    parts = [f"{bar}\n{title}\n{bar}\n\nGenerated: 2024-11-13 00:00:00\n\n"]
    rows = [(cell, CELLS[-1 - i], '"string"' if i % 3 else '"{{x}}"') for i, cell in enumerate(CELLS)]
    for i, entity in enumerate(ENTITIES):
        parts.append(_section(source, entity, target, ENTITIES[-1 - i], rows[i : i + 6] or rows[:1]))
    return "".join(parts)


def hostile_documents() -> dict[str, str]:
    """File name -> document text for every system pair."""
    return {name: hostile_document(source, target) for name, (source, target) in SYSTEM_PAIRS.items()}
