"""File hashes kept by their stat, trusted where git trusts its index.

A file whose (mtime, ctime, size, inode) is what it was when it was hashed is
not read again. ctime is in the key because no one can set it: a file edited
with its mtime put back still shows a new ctime. The racy rule is git's, with
the time each file was read standing for the index's time: a file changed
in the clock tick it was read in may keep its stat, so a record is trusted
only when the file's mtime and ctime are older than its reading by more
than the coarsest timestamp tick (2 s, FAT). The index is one file, a
pickle of plain tuples (it lives in the cache folder, as trusted as the code
beside it; the fastest format to read and write for thousands of records);
an absent, damaged or foreign one is empty.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path

StatKey = tuple[int, int, int, int]
"""mtime_ns, ctime_ns, size and inode of a file."""
RACY_NS = 2_000_000_000
"""A file changed less than this before it was read may be changed again unseen (unknown: assumed file and process clocks agree within it)."""


def stat_key(status: os.stat_result) -> StatKey:
    """The parts of a stat that change when a file's bytes may have."""
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)


def trusted(recorded: StatKey, read_ns: int, now: StatKey) -> bool:
    """True when the stat is unchanged and the file had not changed within a tick of its reading (the racy rule)."""
    return recorded == now and max(recorded[0], recorded[1]) < read_ns - RACY_NS


class StatIndex:
    """Absolute path -> (stat, time read, sha256) from earlier runs, saved in ``file``."""

    clock = staticmethod(time.time_ns)
    """Where the time a file is read comes from (tests move it)."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.records: dict[str, tuple[StatKey, int, str]] = {}
        self.dirty = False
        if file is not None:
            self._load(file)

    def _load(self, file: Path) -> None:
        try:
            records = pickle.loads(file.read_bytes())
        except Exception:  # absent, damaged or foreign: nothing is trusted
            return
        if type(records) is dict:
            self.records = records  # each record is checked when it is looked up

    def sha256(self, path: str, key: StatKey) -> str | None:
        """The recorded hash when the file's stat vouches for it, else None (a foreign record vouches for nothing)."""
        record = self.records.get(path)
        if type(record) is not tuple or len(record) != 3:
            return None
        recorded, read_ns, sha = record
        return sha if type(read_ns) is int and type(sha) is str and trusted(recorded, read_ns, key) else None

    def record(self, path: str, key: StatKey, read_ns: int, sha256: str) -> None:
        """Remember a hash computed from bytes read at ``read_ns`` (:attr:`clock`, taken before ``key``)."""
        record = (key, read_ns, sha256)
        if self.records.get(path) != record:
            self.records[path] = record
            self.dirty = True

    def forget(self, path: str) -> None:
        """Drop a record (the file was rewritten or removed)."""
        if self.records.pop(path, None) is not None:
            self.dirty = True

    def save(self) -> None:
        """Write the index atomically when it changed; a read-only or full disk only costs the shortcut."""
        if self.file is None or not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".stats.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(pickle.dumps(self.records, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temp, self.file)
        except OSError:
            return
        self.dirty = False


def file_sha256(path: Path | str, stats: StatIndex | None, status: os.stat_result | None = None) -> str:
    """sha256 of a file's bytes, from ``stats`` when the file's stat (``status``, else taken here) vouches for it.

    OSError when it cannot be read.
    """
    read_ns = StatIndex.clock()
    name = os.fspath(path) if os.path.isabs(path) else os.path.join(os.getcwd(), path)  # what joining the working folder gives, without asking for it
    key = stat_key(status or os.stat(path))
    known = stats.sha256(name, key) if stats is not None else None
    if known is not None:
        return known
    with open(path, "rb") as handle:
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    if stats is not None:
        stats.record(name, key, read_ns, sha)
    return sha
