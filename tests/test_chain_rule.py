"""Chains by the stated rule: every way into and out of a middle record is crossed, and no more than that needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataflow_qa.generator.chains import Chain, all_chains, find_chains
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.kinds import CHECK_KINDS
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"


def way_in(chain: Chain) -> tuple[str, ...]:
    return (chain.start.system, chain.middle.system, chain.middle.entity)


def way_out(chain: Chain) -> tuple[str, ...]:
    return (chain.middle.system, chain.middle.entity, chain.end.system, chain.end.entity)


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents([str(CORPUS), str(ROOT / "specs")])) if r.document is not None]


def test_every_way_in_and_out_is_crossed_by_a_kept_chain(documents: list[Document]) -> None:
    everything, kept = all_chains(documents), find_chains(documents)
    assert set(kept) <= set(everything)
    assert {way_in(c) for c in kept} == {way_in(c) for c in everything}
    assert {way_out(c) for c in kept} == {way_out(c) for c in everything}


def test_each_kept_chain_crosses_a_way_no_earlier_kept_chain_crosses(documents: list[Document]) -> None:
    kept = find_chains(documents)
    assert kept == sorted(kept)
    seen: set[tuple[str, ...]] = set()
    for chain in kept:
        assert way_in(chain) not in seen or way_out(chain) not in seen, chain.label
        seen |= {way_in(chain), way_out(chain)}


def test_chain_checks_stay_a_small_share_of_the_suite(documents: list[Document]) -> None:
    checks = sum(len(k.rows(m)) if k.scope == "row" else 1 for d in documents for m in d.mappings for k in CHECK_KINDS if k.applies(m))
    chains = len(find_chains(documents))
    assert 0 < chains <= 0.10 * (chains + checks), (chains, checks)
    assert len(all_chains(documents)) > 3 * chains  # the rule does cut: every combination would be several times more


def test_chain_modules_sit_next_to_their_first_document_and_stay_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", str(CORPUS), str(ROOT / "specs"), "--out", "suite"]) == 0
    chain_modules = sorted((tmp_path / "suite").glob("*_chains.py"))
    assert chain_modules
    for module in chain_modules:
        assert (module.parent / module.name.replace("_chains.py", ".py")).is_file(), module.name
    assert max(p.stat().st_size for p in (tmp_path / "suite").glob("*.py")) < 1_000_000


class DictStore:
    """A text store in memory that counts what it was asked."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.writes = 0

    def get_text(self, key: str) -> str | None:
        return self.texts.get(key)

    def put_text(self, key: str, text: str) -> None:
        self.writes += 1
        self.texts[key] = text


def test_plan_keeps_the_chains_by_their_rows_and_survives_a_damaged_entry(documents: list[Document], tmp_path: Path) -> None:
    from dataflow_qa.generator.model import ParseResult
    from dataflow_qa.generator.output import SELECTION_STATE, plan

    results = [ParseResult(d.path, d, ()) for d in documents]
    store = DictStore()
    first = plan(results, tmp_path, store=store)
    kept = [key for key, text in store.texts.items() if text.startswith("[[")]
    assert len(kept) == 1 and '"chains": [\n"' in first.files["manifest.json"]
    writes = store.writes
    assert plan(results, tmp_path, store=store).files == first.files
    assert store.writes == writes  # nothing found again, nothing rendered again
    state = json.loads(store.texts[SELECTION_STATE])
    store.texts["e" * 64], state["chains"] = "[]", "e" * 64
    store.texts[SELECTION_STATE] = json.dumps(state)
    assert '"chains": []' in plan(results, tmp_path, store=store).files["manifest.json"]  # what the store says is what plan uses
    store.texts[SELECTION_STATE] = '{"documents": [1, 2'  # damaged: found again
    assert plan(results, tmp_path, store=store).files == first.files


def retyped(document: Document, number: int) -> Document:
    """The document with the type of its ``number``-th chainable row changed (string <-> integer)."""
    from dataclasses import replace

    from dataflow_qa.generator.chains import CHAINABLE

    seen = 0
    mappings = list(document.mappings)
    for index, mapping in enumerate(mappings):
        rows = list(mapping.properties)
        for at, row in enumerate(rows):
            if mapping.variant in CHAINABLE and row.type in ("string", "integer"):
                if seen == number:
                    rows[at] = replace(row, type="integer" if row.type == "string" else "string")
                    mappings[index] = replace(mapping, properties=tuple(rows))
                    return replace(document, mappings=tuple(mappings), sha256="f" * 64)
                seen += 1
    raise LookupError(f"{document.path} has no chainable row {number}")


def test_chains_selected_again_only_through_changed_middles_are_those_a_whole_selection_gives(
        documents: list[Document], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow_qa.generator import chains, output
    from dataflow_qa.generator.model import ParseResult

    involved = sorted({loc.path for chain in find_chains(documents) for loc in chain.via})
    store = DictStore()
    plan_of = lambda docs, kept: output.plan([ParseResult(d.path, d, ()) for d in docs], tmp_path, store=kept)  # noqa: E731
    plan_of(documents, store)
    asked: list[set | None] = []
    real = chains.selected_keys
    monkeypatch.setattr(output, "selected_keys", lambda rows, middles=None: asked.append(middles) or real(rows, middles))
    by_path = {d.path: d for d in documents}
    edits = [
        [retyped(by_path[involved[0]], 0) if d.path == involved[0] else d for d in documents],  # a row of a chain retyped
        [retyped(by_path[involved[-1]], 1) if d.path == involved[-1] else d for d in documents],  # then another document's
        [d for d in documents if d.path != involved[1]],  # a chained document gone
        documents,  # and everything as it was
    ]
    for edited in edits:
        asked.clear()
        incremental = plan_of(edited, store)
        assert asked and all(m is not None for m in asked), "the kept selection was not built on"
        assert incremental.files == plan_of(edited, None).files  # the same as selecting every chain again
    assert find_chains(edits[0]) != find_chains(documents)  # the edits did change the chains
