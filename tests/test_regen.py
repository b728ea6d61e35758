"""Regenerating after an edit: the shortcuts (stats, digests, deferred module text) never hide a change."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from dataflow_qa.generator import batch, cache
from dataflow_qa.generator.cache import Cache
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.stats import RACY_NS, StatIndex, stat_key

ROOT = Path(__file__).resolve().parent.parent
EDITED = "specs/webcrm-crmoffice.rst"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding a copy of specs/, generated, whose files' stats vouch for their hashes.

    Files are read on a clock 10 s ahead, as if each run came well after the
    last change: the racy rule would otherwise distrust every file just made.
    """
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    monkeypatch.setattr(StatIndex, "clock", staticmethod(lambda: time.time_ns() + 10 * 10**9))
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert main(["generate", "specs", "--out", "out"]) == 0  # records the generated files' stats
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_as_from_scratch(project: Path) -> None:
    """``out`` holds exactly what a generate without any cache writes."""
    assert main(["generate", "specs", "--out", "scratch", "--no-cache"]) == 0
    assert tree(project / "out") == tree(project / "scratch")


def edit_same_size(path: Path, old: str, new: str) -> None:
    """Replace text by text of the same length and put the file's mtime back."""
    assert len(old.encode()) == len(new.encode())
    status = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size and path.stat().st_mtime_ns == status.st_mtime_ns


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of document and generated files read whole, in order."""
    seen: list[str] = []
    read_bytes = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        if self.suffix in (".rst", ".py"):
            seen.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    for module in ("stats", "batch"):
        monkeypatch.setattr(f"dataflow_qa.generator.{module}.open", lambda path, mode: seen.append(Path(path).name) or open(path, mode), raising=False)
    return seen


def test_unchanged_files_are_neither_read_nor_loaded(project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    get = Cache.get
    monkeypatch.setattr(Cache, "get", lambda self, sha, path: loaded.append(path) or get(self, sha, path))
    (project / EDITED).write_text((project / EDITED).read_text(encoding="utf-8") + "\nA reviewer's note.\n", encoding="utf-8")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert reads == ["webcrm-crmoffice.rst"]
    assert loaded == [EDITED]
    assert_as_from_scratch(project)


def test_an_edit_with_the_mtime_put_back_is_found(project: Path) -> None:
    edit_same_size(project / EDITED, "     - givenName", "     - firstName")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert b"firstName" in tree(project / "out")["test_webcrm_to_crmoffice.py"]
    assert_as_from_scratch(project)


def test_a_same_size_edit_in_the_tick_the_file_was_read_is_found(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system whose ctime and mtime do not tell the edit apart: only the racy rule finds it."""
    coarse = lambda status: (status.st_mtime_ns, status.st_mtime_ns, status.st_size, status.st_ino)  # noqa: E731
    monkeypatch.setattr(batch, "stat_key", coarse)
    monkeypatch.setattr(StatIndex, "clock", staticmethod(time.time_ns))  # each run reads right after the change
    spec = project / EDITED
    spec.write_text(spec.read_text(encoding="utf-8") + "\nA reviewer's note.\n", encoding="utf-8")
    assert main(["generate", "specs", "--out", "out"]) == 0  # read in the tick it changed: its record is racy
    edit_same_size(spec, "     - givenName", "     - firstName")  # same tick, same size, same mtime
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert b"firstName" in tree(project / "out")["test_webcrm_to_crmoffice.py"]


def test_the_racy_rule() -> None:
    index = StatIndex(None)
    tick = 5 * 10**18
    index.record("a.rst", (tick, tick, 10, 1), tick + RACY_NS // 2, "sha")
    index.record("b.rst", (tick, tick, 10, 2), tick + RACY_NS + 1, "sha")
    assert index.sha256("a.rst", (tick, tick, 10, 1)) is None  # read in the tick it changed: may change again unseen
    assert index.sha256("b.rst", (tick, tick, 10, 2)) == "sha"
    assert index.sha256("b.rst", (tick, tick + 1, 10, 2)) is None  # ctime moved: bytes may have changed
    assert index.sha256("b.rst", (tick, tick, 10, 3)) is None  # another file under the name


def test_a_generated_file_edited_by_hand_is_rewritten(project: Path) -> None:
    module = project / "out" / "test_webcrm_to_crmoffice.py"
    edit_same_size(module, "import", "IMPORT")
    assert main(["check", "specs", "--out", "out"]) == 1
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_a_chain_module_edited_by_hand_is_made_again(project: Path) -> None:
    module = project / "out" / "test_webcrm_to_crmoffice_chains.py"
    edit_same_size(module, "import", "IMPORT")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_an_edit_on_a_chain_restamps_its_chain_module(project: Path) -> None:
    spec = project / EDITED
    spec.write_text(spec.read_text(encoding="utf-8") + "\nA reviewer's note.\n", encoding="utf-8")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_a_chain_module_is_made_again_when_its_kept_text_is_gone(project: Path) -> None:
    folder = Cache().folder
    outcomes = [json.loads(p.read_text()) for p in folder.glob("*.txt") if p.read_text().startswith('{"labels"')]
    assert outcomes
    for outcome in outcomes:
        for module in outcome["modules"].values():
            (folder / f"{module['text']}.txt").unlink(missing_ok=True)
    edit_same_size(project / "out" / "test_webcrm_to_crmoffice_chains.py", "import", "IMPORT")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_a_generated_file_is_rewritten_from_the_document_when_its_cache_entry_is_gone(project: Path) -> None:
    for entry in Cache().folder.iterdir():
        if len(entry.name) == 64:
            entry.unlink()
    (project / "out" / "test_webcrm_to_crmoffice.py").write_text("# Generated by dataflow-qa\n", encoding="utf-8")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_a_document_changed_while_its_module_is_read_back_stops_generate(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for entry in Cache().folder.iterdir():
        if len(entry.name) == 64:
            entry.unlink()
    (project / "out" / "test_webcrm_to_crmoffice.py").write_text("# Generated by dataflow-qa\n", encoding="utf-8")
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (b"\nChanged meanwhile.\n" if self.name == "webcrm-crmoffice.rst" else b""))
    assert main(["generate", "specs", "--out", "out"]) == 1
    assert "specs/webcrm-crmoffice.rst changed during this run; run again" in capsys.readouterr().err


def test_a_renamed_document_is_generated_under_its_new_path(project: Path) -> None:
    (project / EDITED).rename(project / "specs" / "zz-renamed.rst")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert b"specs/zz-renamed.rst" in tree(project / "out")["manifest.json"]
    assert_as_from_scratch(project)


@pytest.mark.parametrize("damage", [b"not a pickle", b"\x80\x05N.", b""])
def test_a_damaged_or_foreign_digest_index_is_only_a_miss(project: Path, damage: bytes) -> None:
    folder = Cache().folder
    (folder / cache.DIGESTS).write_bytes(damage)
    (folder / cache.DIGEST_LOG).write_bytes(damage)
    for stats in folder.glob("*.stats"):
        stats.write_bytes(damage)
    edit_same_size(project / EDITED, "     - givenName", "     - firstName")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_a_torn_digest_log_keeps_its_whole_frames(project: Path) -> None:
    spec = project / EDITED
    spec.write_text(spec.read_text(encoding="utf-8") + "\nFirst note.\n", encoding="utf-8")
    assert main(["generate", "specs", "--out", "out"]) == 0
    log = Cache().folder / cache.DIGEST_LOG
    whole = log.read_bytes()
    assert whole and len(Cache().digests()) == 6  # five documents, one of them twice
    log.write_bytes(whole + whole[: len(whole) // 2])
    assert len(Cache().digests()) == 6
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)


def test_deleting_the_cache_folder_at_any_time_is_safe(project: Path) -> None:
    shutil.rmtree(project / cache.DEFAULT_FOLDER)
    edit_same_size(project / EDITED, "     - givenName", "     - firstName")
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert_as_from_scratch(project)
    assert main(["check", "specs", "--out", "out"]) == 0


def test_stat_keys_cover_what_an_edit_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.rst"
    path.write_text("one")
    before = stat_key(path.stat())
    edit_same_size(path, "one", "two")
    assert stat_key(path.stat()) != before


def test_finding_documents_agrees_with_rglob(tmp_path: Path) -> None:
    from dataflow_qa.generator.parse import any_documents, find_documents

    (tmp_path / "docs" / "deeper" / "folder.rst").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for name in ("docs/a.rst", "docs/B.rst", "docs/.hidden.rst", "docs/notes.txt", "docs/deeper/c.rst", "elsewhere/d.rst"):
        (tmp_path / name).write_text("x")
    (tmp_path / "docs" / "linked.rst").symlink_to(tmp_path / "elsewhere" / "d.rst")
    (tmp_path / "docs" / "broken.rst").symlink_to(tmp_path / "nowhere.rst")
    (tmp_path / "docs" / "linked-folder").symlink_to(tmp_path / "elsewhere")
    folder = tmp_path / "docs"
    assert find_documents([str(folder)]) == sorted(p for p in folder.rglob("*.rst") if p.is_file())
    assert len(find_documents([str(folder)])) == 5
    assert any_documents([str(folder)]) and not any_documents([str(tmp_path / "docs" / "deeper" / "folder.rst")])


def test_display_paths_are_relative_to_the_working_folder_when_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, outside = tmp_path / "work", tmp_path / "outside"
    (work / "specs").mkdir(parents=True)
    outside.mkdir()
    for path in (work / "top.rst", work / "specs" / "a.rst", outside / "b.rst"):
        path.write_text("x")
    (work / "specs" / "link.rst").symlink_to(outside / "b.rst")
    (work / "specs" / "inside-link.rst").symlink_to(work / "top.rst")
    monkeypatch.chdir(work)
    files = [Path("top.rst"), Path("specs/a.rst"), work / "specs" / "a.rst", outside / "b.rst", Path("specs/link.rst"),
             Path("specs/inside-link.rst"), Path("specs/../specs/a.rst")]
    assert batch.display_paths(files) == ["top.rst", "specs/a.rst", "specs/a.rst", (outside / "b.rst").as_posix(), "specs/link.rst",
                                          "top.rst", "specs/a.rst"]
    assert batch.display_paths([outside / "b.rst"], root=outside) == ["b.rst"]


def test_a_foreign_stat_record_vouches_for_nothing(tmp_path: Path) -> None:
    key = (1, 1, 10, 1)
    index = StatIndex(None)
    index.records.update({"list.rst": [key, 5 * 10**18, "sha"], "short.rst": (key, 5 * 10**18), "time.rst": (key, "later", "sha"),  # type: ignore[dict-item]
                          "hash.rst": (key, 5 * 10**18, b"sha"), "good.rst": (key, 5 * 10**18, "sha")})
    assert [index.sha256(name, key) for name in ("list.rst", "short.rst", "time.rst", "hash.rst", "good.rst")] == [None] * 4 + ["sha"]
    (tmp_path / "x.stats").write_bytes(b"\x80\x05K\x01.")  # a pickle, but not of a dict
    assert StatIndex(tmp_path / "x.stats").records == {}


def test_a_folder_listing_tells_symlinks_and_shows_paths_as_looking_at_each_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow_qa.generator.parse import document_files, find_documents

    work, outside = tmp_path / "work", tmp_path / "outside"
    (work / "specs" / "deeper").mkdir(parents=True)
    outside.mkdir()
    for path in (work / "top.rst", work / "specs" / "a.rst", work / "specs" / "deeper" / "c.rst", outside / "b.rst"):
        path.write_text("x")
    (work / "specs" / "link.rst").symlink_to(outside / "b.rst")
    (work / "specs" / "inside-link.rst").symlink_to(work / "top.rst")
    monkeypatch.chdir(work)
    for arguments in (["specs"], ["./specs/", "top.rst"], [str(work / "specs")], [str(outside), "specs/a.rst"]):
        found = document_files(arguments)
        assert [Path(p) for p, _ in found] == find_documents(arguments)
        assert [link for _, link in found] == [None if not Path(a).is_dir() else Path(p).is_symlink() for a in arguments
                                               for p, _ in document_files([a])]
        files = [p for p, _ in found]
        assert batch.display_paths(files, links=[link for _, link in found]) == batch.display_paths([Path(p) for p in files])
    assert [link for _, link in document_files(["specs"])] == [False, False, True, True]  # a, deeper/c, inside-link, link


def test_generate_as_the_program_leaves_its_objects_to_the_exit_and_as_a_call_does_not(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import sys

    before = gc.get_freeze_count()
    assert main(["generate", "specs", "--out", "out"]) == 0
    assert gc.get_freeze_count() == before  # a caller's objects stay collectable
    monkeypatch.setattr(sys, "argv", ["dataflow-qa", "generate", "specs", "--out", "out"])
    try:
        assert main() == 0
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_only_a_run_that_parses_imports_docutils_parser(project: Path) -> None:
    import subprocess
    import sys

    def imports_docutils(*command: str) -> bool:
        probe = ("import sys\nfrom dataflow_qa.generator.cli import main\n"
                 f"code = main({list(command)!r})\nprint(code, 'docutils.parsers.rst' in sys.modules)\n")
        done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True)
        code, imported = done.stdout.split()[-2:]
        assert code == "0", done.stderr
        return imported == "True"

    assert not imports_docutils("generate", "specs", "--out", "out")  # nothing changed: digests and stats only
    assert not imports_docutils("check", "specs", "--out", "out")
    (project / EDITED).write_text((project / EDITED).read_text(encoding="utf-8") + "\nA reviewer's note.\n", encoding="utf-8")
    assert imports_docutils("generate", "specs", "--out", "out")
