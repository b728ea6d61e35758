"""Safe, unique Python names for documents' systems and entities."""

from __future__ import annotations

import hashlib
import keyword
import re
import unicodedata

MAX_NAME = 80
"""Longer names are cut and given a hash suffix to stay readable and unique."""


def ascii_words(text: str) -> list[str]:
    """Words of ``text`` folded to ASCII letters and digits (``Ærø-skøbing`` -> ``Aero``, ``skobing``)."""
    folded = unicodedata.normalize("NFKD", text.replace("Æ", "Ae").replace("æ", "ae").replace("Ø", "O").replace("ø", "o"))
    plain = "".join(ch for ch in folded if ch.isascii())
    return re.findall(r"[A-Za-z0-9]+", plain)


def class_name(*parts: str) -> str:
    """A ``TestCamelCase`` class name from free text."""
    words = [w for part in parts for w in ascii_words(part)]
    body = "".join(w[:1].upper() + w[1:] for w in words) or "Unnamed"
    return _bounded("Test" + body)


def module_name(*parts: str) -> str:
    """A ``test_snake_case`` module name (no extension) from free text."""
    words = [w.lower() for part in parts for w in ascii_words(part)]
    name = "test_" + ("_".join(words) or "unnamed")
    return _bounded(name)


def identifier(text: str) -> str:
    """A snake_case identifier that is never a keyword and never starts with a digit."""
    name = "_".join(w.lower() for w in ascii_words(text)) or "unnamed"
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return _bounded(name)


def _bounded(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    return name[: MAX_NAME - 9] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


class UniqueNames:
    """Hands out names, suffixing ``_2``, ``_3`` ... on collision."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, name: str) -> str:
        """``name`` if free, else the first free ``name_N``."""
        candidate, n = name, 1
        while candidate.lower() in self._taken:
            n += 1
            candidate = f"{name}_{n}"
        self._taken.add(candidate.lower())
        return candidate
