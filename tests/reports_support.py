"""Helpers for the report tests: a small HTML tree, the pytest-html data, suite runs."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    """One parsed element: tag, attributes, children and text."""

    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    parts: list[str | Element] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def iter(self) -> Any:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.stack[-1].parts.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.stack[-1].parts.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"end tag </{tag}> closes nothing open")

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse_html(text: str) -> Element:
    """The document as a tree; fails on end tags that close nothing."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def report_tests(report: Path) -> dict[str, list[dict[str, Any]]]:
    """The tests of a self-contained pytest-html report, from its JSON data blob."""
    match = re.search(r'data-jsonblob="(.*?)"', report.read_text(encoding="utf-8"), re.S)
    assert match, f"{report} holds no pytest-html data blob"
    return json.loads(html.unescape(match.group(1)))["tests"]


def run_suite(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the generated suite in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True)


def synthetic_records(documents: list[Any], statuses: tuple[str, ...] = ("passed",), latency: float | None = None) -> list[Any]:
    """One record per check the generated suite holds for ``documents``, statuses taken in turn."""
    from dataflow_qa.reports.results import CheckRecord
    from dataflow_qa.generator.chains import find_chains
    from dataflow_qa.generator.kinds import kinds_for

    records = []

    def add(document: str, line: int, mapping: str, prop: str, check: str) -> None:
        status = statuses[len(records) % len(statuses)]
        nodeid = f"generated_tests/test_{Path(document).stem}.py::T{line}::test_{check}[{prop}]"
        message = {"failed": f"{document}:{line}: expected the value to arrive", "skipped": "no value is configured for condition 'wd:Q20'",
                   "gap": "the condition is malformed in the document", "error": "crmoffice: GET answered 503"}.get(status, "")
        records.append(CheckRecord(nodeid, document, line, mapping, prop, check, status, message, seed=1,
                                  latencies=[latency] if latency is not None and status == "passed" else [],
                                  cause={"failed": "defect", "error": "environment: server"}.get(status, "")))

    for document in documents:
        for mapping in document.mappings:
            for kind in kinds_for(mapping):
                if kind.scope == "mapping":
                    add(document.path, mapping.loc.line, mapping.key, "", kind.name)
                else:
                    for row in kind.rows(mapping):
                        add(document.path, row.loc.line, mapping.key, row.label, kind.name)
    for chain in find_chains(documents):
        add(chain.via[0].path, chain.via[0].line, f"{chain.start.system}:{chain.start.entity}->{chain.end.system}:{chain.end.entity}",
            chain.label, "chain")
    return records
