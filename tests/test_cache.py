"""The content-hash cache: unchanged documents are neither parsed nor rendered again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dataflow_qa.generator import batch, cache
from dataflow_qa.generator.batch import build
from dataflow_qa.generator.cache import Cache, Entry, dumps, loads
from dataflow_qa.generator.parse import DocumentParser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding a copy of specs/ and its own cache folder."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    return tmp_path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display paths docutils is asked to parse, in order."""
    seen: list[str] = []
    original = DocumentParser.parse_bytes

    def counting(self: DocumentParser, data: bytes, path: str):  # type: ignore[no-untyped-def]
        seen.append(path)
        return original(self, data, path)

    monkeypatch.setattr(DocumentParser, "parse_bytes", counting)
    return seen


def test_unchanged_documents_are_not_parsed_again(project: Path, parsed: list[str]) -> None:
    first = build(["specs"], Cache(), jobs=1)
    assert len(parsed) == 5 and first.parsed == 5 and first.cached == 0
    parsed.clear()
    spec = project / "specs" / "webcrm-crmoffice.rst"
    spec.write_text(spec.read_text(encoding="utf-8").replace("     - givenName", "     - firstName"), encoding="utf-8")
    second = build(["specs"], Cache(), jobs=1)
    assert parsed == ["specs/webcrm-crmoffice.rst"]
    assert second.parsed == 1 and second.cached == 4
    assert [r.path for r in second.results] == [r.path for r in first.results]
    assert second.rendered["specs/crmoffice-superoffice.rst"] == first.rendered["specs/crmoffice-superoffice.rst"]
    assert "firstName" in second.rendered["specs/webcrm-crmoffice.rst"].text


def test_cached_results_equal_fresh_ones(project: Path) -> None:
    fresh = build(["specs"], None, jobs=1)
    build(["specs"], Cache(), jobs=1)
    again = build(["specs"], Cache(), jobs=1)
    assert again.cached == 5
    assert again.results == fresh.results and again.rendered == fresh.rendered


def test_same_bytes_under_another_path_is_another_entry(project: Path, parsed: list[str]) -> None:
    build(["specs"], Cache(), jobs=1)
    shutil.copytree(project / "specs", project / "copy")
    parsed.clear()
    copy = build(["copy"], Cache(), jobs=1)
    assert len(parsed) == 5 and copy.cached == 0
    assert all(r.path.startswith("copy/") for r in copy.results)
    assert all(d.path.startswith("copy/") for r in copy.results for d in r.diagnostics)


def test_another_generator_build_misses_and_sweeps_the_old_entries(project: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    build(["specs"], Cache(), jobs=1)
    old_folders = list((project / cache.DEFAULT_FOLDER).iterdir())
    unrelated = project / cache.DEFAULT_FOLDER / "keep-me"
    unrelated.mkdir()
    monkeypatch.setattr(cache, "cache_fingerprint", lambda: "f" * 64)
    parsed.clear()
    rebuilt = build(["specs"], Cache(), jobs=1)
    assert len(parsed) == 5 and rebuilt.cached == 0
    assert not any(folder.exists() for folder in old_folders)
    assert unrelated.exists()


def test_a_damaged_entry_is_only_a_miss(project: Path, parsed: list[str]) -> None:
    build(["specs"], Cache(), jobs=1)
    for entry in Cache().folder.iterdir():
        entry.write_bytes(b"not a pickle")
    parsed.clear()
    again = build(["specs"], Cache(), jobs=1)
    assert len(parsed) == 5 and again.cached == 0


def test_an_unwritable_cache_folder_only_costs_the_cache(project: Path) -> None:
    (project / "blocked").write_text("a file where the cache folder should be")
    result = build(["specs"], Cache(project / "blocked"), jobs=1)
    assert result.parsed == 5 and len(result.rendered) == 5


def test_the_fingerprint_covers_output_code_not_the_command_line() -> None:
    modules = cache.output_modules()
    assert {"parse", "render", "output", "naming", "model", "chains", "jsonform", "kinds"} <= set(modules)
    assert not {"cli", "cache", "batch", "lint", "drift"} & set(modules)
    assert len(cache.generator_fingerprint()) == 64


def test_entries_round_trip_through_bytes() -> None:
    result = DocumentParser().parse_file(ROOT / "specs" / "webcrm-crmoffice.rst", "specs/webcrm-crmoffice.rst")
    entry = Entry(result, None)
    assert loads(dumps(entry)) == entry


def test_cache_folder_can_be_chosen_by_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_FOLDER, str(project / "elsewhere"))
    build(["specs"], Cache(), jobs=1)
    assert any((project / "elsewhere").iterdir())
    assert not (project / cache.DEFAULT_FOLDER).exists()
    assert batch.default_jobs() >= 1


CHAINS = "test_webcrm_to_crmoffice_chains.py"
"""The chain module of the seeds whose chains start in webcrm-crmoffice.rst, the document edited below."""


def test_an_edit_off_the_chains_restamps_the_cached_chain_module(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow_qa.generator import output
    from dataflow_qa.generator.cli import main

    assert main(["generate", "specs", "--out", "cached"]) == 0
    spec = project / "specs" / "webcrm-crmoffice.rst"
    spec.write_text(spec.read_text(encoding="utf-8") + "\nA reviewer's note at the end.\n", encoding="utf-8")
    renders: list[int] = []
    real = output.render_unstamped_chains
    monkeypatch.setattr(output, "render_unstamped_chains", lambda env, chains, name: renders.append(len(chains)) or real(env, chains, name))
    before = (project / "cached" / CHAINS).read_text(encoding="utf-8")
    assert main(["generate", "specs", "--out", "cached"]) == 0
    assert renders == []
    assert main(["generate", "specs", "--out", "fresh", "--no-cache"]) == 0
    after = (project / "cached" / CHAINS).read_text(encoding="utf-8")
    assert after == (project / "fresh" / CHAINS).read_text(encoding="utf-8")
    changed = [pair for pair in zip(before.splitlines(), after.splitlines(), strict=True) if pair[0] != pair[1]]
    assert len(changed) == 1 and changed[0][1].startswith("# sources-sha256: ")


def test_compiled_templates_are_kept_and_a_damaged_one_is_compiled_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    from dataflow_qa.generator.render import make_environment, render_module

    document = DocumentParser().parse_file(project / "specs" / "webcrm-crmoffice.rst", "specs/webcrm-crmoffice.rst").document
    assert document is not None
    store = Cache(project / "cache")
    fresh = render_module(make_environment(), document, "test_webcrm_to_crmoffice")
    assert render_module(make_environment(store.templates()), document, "test_webcrm_to_crmoffice") == fresh
    (kept,) = store.folder.glob("*.template")
    compiled: list[str] = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, source, name=None, *rest, **named: compiled.append(name) or real(self, source, name, *rest, **named))
    assert render_module(make_environment(store.templates()), document, "test_webcrm_to_crmoffice") == fresh
    assert compiled == []  # read back, not compiled
    for damage in (kept.read_bytes()[:40], b"j2" + b"\x00" * 30, b""):
        kept.write_bytes(damage)
        assert render_module(make_environment(store.templates()), document, "test_webcrm_to_crmoffice") == fresh
    assert compiled == ["module.py.jinja"] * 3


def test_a_template_compiled_under_other_options_is_not_reused(project: Path) -> None:
    from dataflow_qa.generator.render import make_environment

    store = Cache(project / "cache")
    plain = make_environment(store.templates())
    other = make_environment(store.templates())
    other.trim_blocks = False  # the same template under another lexer setting compiles to other code
    first = plain.get_template("chains.py.jinja").render(view={"sources_code": "'a.rst'", "sha256": "0" * 64, "chains": []}, header="#")
    second = other.get_template("chains.py.jinja").render(view={"sources_code": "'a.rst'", "sha256": "0" * 64, "chains": []}, header="#")
    assert first != second
    assert len(list(store.folder.glob("*.template"))) == 2
