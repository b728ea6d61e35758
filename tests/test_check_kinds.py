"""Which mappings get which mapping-level kinds: concurrent edits need two plain rows that share no property."""

from __future__ import annotations

from dataflow_qa.generator.kinds import KINDS_BY_NAME
from dataflow_qa.generator.model import Condition, Location, Mapping, PropertyMap, System

LOC = Location("doc.rst", 1)


def mapping(*rows: tuple[str, str, Condition | None]) -> Mapping:
    properties = tuple(PropertyMap(LOC, source, target, "string", condition, None) for source, target, condition in rows)
    return Mapping(loc=LOC, title="A X to B Y", source=System("a", "A"), source_entity="X", target=System("b", "B"),
                   target_entity="Y", variant="create", precondition=None, merge_keys=(), properties=properties)


def test_concurrent_edits_need_two_independent_plain_rows() -> None:
    kind = KINDS_BY_NAME["concurrent-edits"]
    assert kind.applies(mapping(("first", "givenName", None), ("last", "familyName", None)))
    assert not kind.applies(mapping(("first", "givenName", None)))
    assert not kind.applies(mapping(("name", "givenName", None), ("name", "displayName", None)))  # fan-out: one source property
    assert not kind.applies(mapping(("first", "givenName", None), ("org", "orgNo", Condition("NO", "country"))))
    assert KINDS_BY_NAME["link"].applies(mapping())
