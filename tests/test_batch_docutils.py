"""Reusing docutils' list state machines changes nothing but the time it takes."""

from __future__ import annotations

import io
from pathlib import Path

from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser, states
from docutils.utils import new_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataflow_qa.generator.lists import list_parse_reuse_supported, reused_list_parsers
from dataflow_qa.generator.parse import DocumentParser

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [*sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))[::4], *sorted((ROOT / "tests" / "data" / "broken").iterdir()),
             *sorted((ROOT / "specs").glob("*.rst")), *sorted((ROOT / "tests" / "data" / "specs").glob("*.rst"))]
FRAGMENTS = [
    "* item", "- item", "  - nested", "    * deeper", "1. one", "#. auto", "(a) alpha", "ii) roman", ":field: value", ":f2:",
    "-o option  description", "--long=ARG  text", "term", "  definition", "term : classifier", ".. list-table::", "   :header-rows: 1",
    "   :widths: 1 2", "   * - a", "     - b", "     - \"string\"", "   * - x", ".. note::", "   text", ".. image:: x.png", "   :width: 10",
    ".. unknown::", "   :bad option:", "", "", "Title", "=====", "Sub", "---", "| line block", ">>> 1 + 1", "::", "    literal",
    "+---+---+", "| a | b |", "text with *emph* and ``code``", "  indented", "\t* tabbed", ".. |sub| replace:: s", "[1]_ note", ".. [1] foot",
]

_PARSER = Parser()


def stock_settings() -> object:
    """docutils' default settings, quiet."""
    configured = get_default_settings(Parser)
    configured.report_level, configured.halt_level, configured.warning_stream = 5, 5, io.StringIO()
    return configured


def doctree(text: str) -> str:
    """docutils' whole tree for a text, as pseudo-XML (system messages included)."""
    document = new_document("<test>", stock_settings())
    try:
        _PARSER.parse(text, document)
    except Exception as exc:  # hostile input: both ways must fail alike
        return f"raised {type(exc).__name__}: {exc}"
    return document.pformat()


def test_reuse_is_active_on_the_installed_docutils() -> None:
    assert list_parse_reuse_supported(), "re-check dataflow_qa.generator.lists._reusing_list_parse against this docutils, then widen the version range"
    original = states.RSTState.nested_list_parse
    with reused_list_parsers():
        assert states.RSTState.nested_list_parse is not original
    assert states.RSTState.nested_list_parse is original


def test_documents_parse_to_the_same_results() -> None:
    parser = DocumentParser()
    plain = [parser.parse_file(p, p.name) for p in DOCUMENTS if p.is_file()]
    with reused_list_parsers():
        reused = [parser.parse_file(p, p.name) for p in DOCUMENTS if p.is_file()]
    assert len(plain) > 30
    assert reused == plain


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=40))
def test_any_text_gives_the_same_doctree(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    expected = doctree(text)
    with reused_list_parsers():
        assert doctree(text) == expected


def test_link_targets_read_as_docutils_reads_them_though_its_patterns_are_prepared_only_for_them() -> None:
    from docutils import nodes

    from dataflow_qa.generator.parse import _PlainInliner

    text = "Title\n=====\n\n.. _mail: someone@example.com\n.. _site: https://example.com/x\n"
    ours = new_document("x.rst", DocumentParser()._settings)
    DocumentParser()._parser.parse(text, ours)
    stock = new_document("x.rst", stock_settings())
    _PARSER.parse(text, stock)
    refuris = [[t.get("refuri") for t in tree.findall(nodes.target)] for tree in (ours, stock)]
    assert refuris[0] == refuris[1] == ["mailto:someone@example.com", "https://example.com/x"]
    inliner, settings = _PlainInliner(), stock_settings()
    inliner.init_customizations(settings)
    assert not hasattr(inliner._inliner, "patterns")  # nothing prepared until a target asks
    assert inliner.adjust_uri("a@b.example") == "mailto:a@b.example"
