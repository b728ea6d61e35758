"""Generation is safe to interrupt: every file old or new, never half; the manifest whole; the next run finishes.

The input is the 96 corpus documents: "old" is the tree generated from them,
"new" follows edits to every document, three removals and two additions
(so a full run rewrites every module, writes new ones and deletes stale
ones). A hand-written module sits in the folder throughout.

Interruptions, without sleeps:
- in-process, a failure (Ctrl-C or a full disk) injected at sampled calls of
  ``os.replace``, ``os.fsync`` (a complete temporary file not yet renamed)
  and ``Path.unlink`` (stale modules);
- SIGKILL of a child process that writes the plan and is paused at its k-th
  rename, so the kill lands exactly there;
- SIGKILL of an unmodified ``dataflow-qa generate`` as soon as it has replaced
  its first module (polled, with a deadline).
After each: every file holds its old or its new content in full, only
dot-named temporary files may remain (never ``test_*.py``), the manifest is
valid JSON and either the old or the new one (and new only once every module
is), and the next run brings the whole tree to the new state.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from dataflow_qa.generator.cache import generator_fingerprint
from dataflow_qa.generator.cli import main, read
from dataflow_qa.generator.output import MANIFEST, Plan, plan, write

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))
ADDED = CORPUS[:2]
REMOVED = CORPUS[2:5]
HANDWRITTEN = "test_handwritten.py"
TEMP_NAME = re.compile(r"\.(?:test_.+\.py|manifest\.json)\.\w+\.tmp")


@dataclass(frozen=True)
class Trees:
    """The old and new output trees (name -> bytes), a pristine old folder, and the new plan."""

    work: Path
    old_dir: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    plan: Plan


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    base = tmp_path_factory.mktemp("interrupt")
    work = base / "work"
    (work / "specs").mkdir(parents=True)
    for path in CORPUS:
        if path not in ADDED:
            shutil.copyfile(path, work / "specs" / path.name)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        assert main(["generate", "specs", "--out", "generated_tests"]) == 0
        (work / "generated_tests" / HANDWRITTEN).write_text("def test_mine():\n    pass\n", encoding="utf-8")
        shutil.copytree(work / "generated_tests", base / "old")
        for path in REMOVED:
            (work / "specs" / path.name).unlink()
        for path in ADDED:
            shutil.copyfile(path, work / "specs" / path.name)
        for spec in (work / "specs").iterdir():
            spec.write_bytes(spec.read_bytes().replace(b"Generated: 2024-11-13", b"Generated: 2024-12-24"))
        results, diagnostics = read(["specs"])
    assert not [d for d in diagnostics if d.level == "error"]
    new_plan = plan(results, base / "new", fingerprint=generator_fingerprint())
    write(new_plan)
    new = snapshot(base / "new") | {HANDWRITTEN: snapshot(base / "old")[HANDWRITTEN]}
    old = snapshot(base / "old")
    assert len(old) == len(CORPUS) - len(ADDED) + 2 + sum(name.endswith("_chains.py") for name in old) and all(old[name] != new.get(name) for name in old if name != HANDWRITTEN)
    return Trees(work, base / "old", old, new, new_plan)


def assert_old_or_new(out: Path, trees: Trees) -> list[str]:
    """The invariants after an interruption; returns the temporary files left behind."""
    present = snapshot(out)
    temps = sorted(name for name in present if name.startswith("."))
    assert all(TEMP_NAME.fullmatch(name) for name in temps), temps
    for name, data in present.items():
        if name not in temps:
            assert data in (trees.old.get(name), trees.new.get(name)), f"{name} is neither its old nor its new content"
    missing = [name for name in trees.old.keys() & trees.new.keys() if name not in present]
    assert not missing, f"files vanished: {missing}"
    manifest = json.loads(present[MANIFEST])
    assert manifest in (json.loads(trees.old[MANIFEST]), json.loads(trees.new[MANIFEST]))
    if present[MANIFEST] == trees.new[MANIFEST]:
        assert all(present.get(name) == data for name, data in trees.new.items() if name.startswith("test_")), "new manifest before new modules"
    return temps


def fresh_copy(trees: Trees, out: Path) -> Path:
    shutil.copytree(trees.old_dir, out)
    return out


class Injected(Exception):
    """Stands for a failure at one step of a write."""


def failing_at(n: int, real: Callable[..., object], failure: BaseException) -> Callable[..., object]:
    """``real``, except that its n-th call raises ``failure`` instead."""
    calls = [0]

    def wrapper(*args: object) -> object:
        calls[0] += 1
        if calls[0] == n:
            raise failure
        return real(*args)

    return wrapper


def sample(total: int, points: int = 8) -> list[int]:
    return sorted(n for n in {1, 2, total - 1, total} | set(range(1, total + 1, max(1, total // points))) if 1 <= n <= total)


STEPS: dict[str, tuple[object, str]] = {"replace": (os, "replace"), "fsync": (os, "fsync"), "unlink": (Path, "unlink")}
"""Where a failure is injected: the rename, the flush of a complete temporary file, the deletion of a stale module."""


@pytest.mark.parametrize("step", ["replace", "fsync", "unlink"])
def test_a_failure_at_any_step_leaves_old_or_new_and_the_next_write_finishes(trees: Trees, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not under test; keeps the many writes fast
    owner, attribute = STEPS[step]
    real = getattr(owner, attribute)
    counted = [0]

    def counting(*args: object) -> object:
        counted[0] += 1
        return real(*args)

    with monkeypatch.context() as patch:
        patch.setattr(owner, attribute, counting)
        write(replace(trees.plan, out=fresh_copy(trees, tmp_path / "count")))
    assert counted[0] >= (1 if step == "fsync" else 3)  # only the manifest is flushed
    for n in sample(counted[0]):
        out = fresh_copy(trees, tmp_path / f"at-{n}")
        failure: BaseException = KeyboardInterrupt() if n % 2 else Injected(f"{step} #{n} failed")
        with monkeypatch.context() as patch:
            patch.setattr(owner, attribute, failing_at(n, real, failure))
            with pytest.raises(type(failure)):
                write(replace(trees.plan, out=out))
        assert assert_old_or_new(out, trees) == [], f"temporary files left after a failure at {step} #{n}"
        write(replace(trees.plan, out=out))
        assert snapshot(out) == trees.new, f"the next write after a failure at {step} #{n} did not finish the job"


PAUSED_WRITER = """
import os, pickle, sys
from dataflow_qa.generator.output import write
pause_at, calls, real_replace = int(sys.argv[2]), [0], os.replace
def replace(source, target):
    calls[0] += 1
    if calls[0] == pause_at:
        print(target, flush=True)
        sys.stdin.readline()  # the test kills the process here
    real_replace(source, target)
os.replace = replace
with open(sys.argv[1], "rb") as stream:
    write(pickle.load(stream))
"""


def poll_until(condition: Callable[[], bool], seconds: float, interval: float = 0.002) -> None:
    """Check ``condition`` every ``interval`` until it holds or ``seconds`` pass (a write takes ~3 ms a file)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(interval)


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("where", ["first", "middle", "manifest"])
def test_sigkill_at_a_rename_leaves_old_or_new_and_the_next_write_finishes(trees: Trees, tmp_path: Path, where: str) -> None:
    out = fresh_copy(trees, tmp_path / "out")
    renames = len([name for name in trees.new if trees.new[name] != trees.old.get(name)])
    pause_at = {"first": 1, "middle": renames // 2, "manifest": renames}[where]
    plan_file = tmp_path / "plan.pickle"
    plan_file.write_bytes(pickle.dumps(replace(trees.plan, out=out)))
    child = subprocess.Popen([sys.executable, "-c", PAUSED_WRITER, str(plan_file), str(pause_at)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    paused_at = child.stdout.readline().strip()
    child.kill()
    child.wait(timeout=60)
    assert paused_at, child.stderr.read()
    assert child.returncode == -signal.SIGKILL
    if where == "manifest":
        assert Path(paused_at).name == MANIFEST
    temps = assert_old_or_new(out, trees)
    assert len(temps) == 1 and temps[0].startswith(f".{Path(paused_at).name}.")
    write(replace(trees.plan, out=out))
    assert snapshot(out) == trees.new


def test_sigkill_of_a_real_generate_mid_write_leaves_old_or_new_and_the_next_generate_finishes(trees: Trees, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    shutil.copytree(trees.work / "specs", run / "specs")
    out = fresh_copy(trees, run / "generated_tests")
    first = out / min(name for name in trees.old.keys() & trees.new.keys() if name.startswith("test_") and name != HANDWRITTEN)
    before = first.stat().st_ino
    child = subprocess.Popen([sys.executable, "-m", "dataflow_qa.generator.cli", "generate"], cwd=run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    poll_until(lambda: first.stat().st_ino != before or child.poll() is not None, seconds=300)
    child.kill()
    _, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, f"generate was not caught mid-write (exit {child.returncode}): {err.decode()[-500:]}"
    assert_old_or_new(out, trees)
    assert any(out.joinpath(name).read_bytes() == trees.old[name] for name in trees.old.keys() & trees.new.keys() if name.startswith("test_") and name != HANDWRITTEN), "no module left old: the kill came too late to test anything"
    monkeypatch.chdir(run)
    assert main(["generate"]) == 0
    assert snapshot(out) == trees.new


def test_a_hand_written_file_in_the_way_stops_the_write_before_it_starts(trees: Trees, tmp_path: Path) -> None:
    out = fresh_copy(trees, tmp_path / "out")
    last = max(name for name in trees.new if name.startswith("test_") and name != HANDWRITTEN)
    (out / last).write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not generated by dataflow-qa"):
        write(replace(trees.plan, out=out))
    assert snapshot(out) == trees.old | {last: b"# mine\n"}
