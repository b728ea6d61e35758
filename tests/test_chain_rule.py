"""Chains by the stated rule: every way into and out of a middle record is crossed, and no more than that needs."""

from __future__ import annotations

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
    from dataflow_qa.generator.output import plan

    results = [ParseResult(d.path, d, ()) for d in documents]
    store = DictStore()
    first = plan(results, tmp_path, store=store)
    kept = [key for key, text in store.texts.items() if text.startswith("[[")]
    assert len(kept) == 1 and '"chains": [\n"' in first.files["manifest.json"]
    writes = store.writes
    assert plan(results, tmp_path, store=store).files == first.files
    assert store.writes == writes  # nothing found again, nothing rendered again
    store.texts[kept[0]] = "[]"  # what the store says is what plan uses
    assert '"chains": []' in plan(results, tmp_path, store=store).files["manifest.json"]
    store.texts[kept[0]] = "[[1, 2"  # damaged: found again
    assert plan(results, tmp_path, store=store).files == first.files
