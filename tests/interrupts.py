"""Children that take Ctrl-C, however the test run itself was started."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def children_take_ctrl_c() -> Iterator[None]:
    """Start children inside this block so that the SIGINT a test sends them is not ignored.

    A run started as a background job of a non-interactive shell (``make
    test &``) ignores SIGINT, and its children inherit that; a caught signal,
    unlike an ignored one, is reset to its default by ``exec``, so while the
    block lasts this process catches SIGINT as Python does by default.
    """
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
