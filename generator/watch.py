"""``dataflow-qa watch``: generate, then generate again in the same process whenever a document changes.

A one-shot ``generate`` after one edit spends most of its time being a new
process (starting, importing, loading the cache); a watching process pays
that once, so an edit costs about what regenerating that document costs.
Documents are polled by their stat (no extra dependency, any file system);
a file changed within the timestamps' tick of a poll is compared by content
too (git's racy rule, as :mod:`dataflow_qa.generator.stats` applies it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from dataflow_qa.generator.files import document_files
from dataflow_qa.generator.stats import RACY_NS, StatKey, file_sha256, stat_key

DEFAULT_INTERVAL = 0.1
"""Seconds between polls: an edit is seen 50 ms later on average; polling 1,152 documents takes 3-5 ms (4 % of a core, 2-core machine)."""

Snapshot = dict[str, tuple[StatKey, str | None]]
"""Document path -> its stat, and its sha256 when it changed too recently for the stat to vouch for it."""


def snapshot(paths: Sequence[str], now_ns: int) -> Snapshot:
    """Every document under ``paths`` as it is now; a file that vanishes while it is looked at is left out."""
    found: Snapshot = {}
    for path, _ in document_files(list(paths)):
        try:
            status = os.stat(path)
            key = stat_key(status)
            racy = max(key[0], key[1]) >= now_ns - RACY_NS
            found[path] = (key, file_sha256(path, None, status) if racy else None)
        except OSError:
            continue
    return found


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Documents added, removed or changed between two snapshots, sorted.

    A stat that moved while both hashes are known and equal is no change (a
    file saved again with the same bytes).
    """
    return [path for path in sorted(before.keys() | after.keys()) if _changed(before.get(path), after.get(path))]


def _changed(old: tuple[StatKey, str | None] | None, new: tuple[StatKey, str | None] | None) -> bool:
    if old is None or new is None:
        return old is not new
    (old_key, old_sha), (new_key, new_sha) = old, new
    both_hashed = old_sha is not None and new_sha is not None
    if old_key == new_key:
        return both_hashed and old_sha != new_sha  # same stat: only bytes read in the racy tick can tell
    return not (both_hashed and old_sha == new_sha)


def watch(paths: Sequence[str], regenerate: Callable[[], int], wait: Callable[[float], bool], say: Callable[[str], None],
          interval: float = DEFAULT_INTERVAL, clock: Callable[[], int] = time.time_ns) -> int:
    """Regenerate now and after every change to the documents under ``paths``, until ``wait`` returns False or
    Ctrl-C is pressed (whenever it lands: a generation it cuts short leaves every file old or new, never half).

    ``wait(interval)`` pauses between polls. The snapshot a regeneration
    answers is taken before it starts, so an edit made while it runs is seen
    by the next poll. Returns the last finished generation's status.
    """
    status = 0
    try:
        seen = snapshot(paths, clock())
        status = regenerate()
        say(f"watching {len(seen)} document{'' if len(seen) == 1 else 's'} in {', '.join(paths)} (every {interval:g} s; Ctrl-C stops)")
        while wait(interval):
            now = snapshot(paths, clock())
            changed = changes(seen, now)
            seen = now
            if not changed:
                continue
            if not now:
                say(f"no documents left in {', '.join(paths)}: nothing regenerated (generating from none would remove every module)")
                continue
            started = time.perf_counter()
            status = regenerate()
            named = changed[0] if len(changed) == 1 else f"{len(changed)} documents"
            say(f"{named} changed: regenerated in {(time.perf_counter() - started) * 1000:.0f} ms")
    except KeyboardInterrupt:
        pass
    return status
