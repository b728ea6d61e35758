"""The check kinds the generated suite holds, and which mappings get which.

The renderer emits one test function per kind that applies to a mapping; the
runtime (``fixtures/``) implements a method of the same name. Adding a kind is
a row here plus a method there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from generator.model import Mapping

Scope = Literal["mapping", "row"]


@dataclass(frozen=True, slots=True)
class CheckKind:
    """One promise of the documents, checked per mapping or per property row."""

    name: str
    scope: Scope
    summary: str
    applies: Callable[[Mapping], bool] = lambda mapping: True

    @property
    def method(self) -> str:
        """The runtime method and test function suffix: ``round-trip`` -> ``round_trip``."""
        return self.name.replace("-", "_")


CHECK_KINDS: tuple[CheckKind, ...] = (
    CheckKind("link", "mapping", "exactly one linked record appears; a re-sync creates no duplicate"),
    CheckKind("forward", "row", "a value written at the source reaches the target", lambda m: m.is_documented),
)


def kinds_for(mapping: Mapping) -> list[CheckKind]:
    """The check kinds that apply to one mapping, in a fixed order."""
    return [kind for kind in CHECK_KINDS if kind.applies(mapping)]
