"""Random edit sequences on linked records: the sides converge and the latest edit wins."""

from __future__ import annotations

import itertools

from engine_support import World, document, section
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataflow_qa.engine.state import is_empty

ROWS = ("x", "y", "z")
PAIR = document("Alpha", "Beta", section("Alpha", "Things", "Beta", "Items", rows=[(r, r.upper(), '"string"') for r in ROWS]))
CHAIN = [
    document("Alpha", "Beta", section("Alpha", "Things", "Beta", "Items", rows=[("name", "title", '"string"')]), path="ab.rst"),
    document("Beta", "Gamma", section("Beta", "Items", "Gamma", "Objects", rows=[("title", "label", '"string"')]), path="bg.rst"),
]
SIDES = (("alpha", "Things"), ("beta", "Items"))
STEPS = st.lists(st.one_of(st.tuples(st.integers(0, 1), st.integers(0, 2)), st.none()), max_size=25)
"""Each step edits one row on one side with a new value, or (None) runs one sync pass."""

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def unique(values: itertools.count) -> str:
    """A value never used before, so no edit is a no-op."""
    return f"v{next(values)}"


def linked(world: World) -> tuple[str, str]:
    """A fresh linked pair holding a value in every row."""
    source = world.create("alpha", "Things", {row: f"initial {row}" for row in ROWS})
    world.engine.settle()
    target = world.engine.linked(PAIR.mappings[0], source)
    assert target is not None
    return source, target


@SETTINGS
@given(STEPS)
def test_after_any_edits_each_pass_applies_the_latest_edit_per_property(steps: list[tuple[int, int] | None]) -> None:
    world = World([PAIR])
    ids = linked(world)
    paths = (ROWS, tuple(r.upper() for r in ROWS))
    edited: set[tuple[int, int]] = set()
    values = itertools.count()
    for step in [*steps, None]:
        if step is not None:
            side, row = step
            world.edit(*SIDES[side], ids[side], {paths[side][row]: unique(values)})
            edited.add((side, row))
            continue
        records = [world.record(*SIDES[side], ids[side]) for side in (0, 1)]
        expected = []
        for row in range(len(ROWS)):
            current = [records[side].data[paths[side][row]] for side in (0, 1)]
            if {(0, row), (1, row)} <= edited:
                winner = 1 if records[1].updated > records[0].updated else 0
            else:
                winner = 1 if (1, row) in edited else 0
            expected.append(current[winner])
        world.engine.sync_once()
        edited.clear()
        for side in (0, 1):
            assert [world.value(*SIDES[side], ids[side], path) for path in paths[side]] == expected
    assert world.engine.settle() == 0


@SETTINGS
@given(st.lists(st.one_of(st.tuples(st.integers(0, 1), st.integers(0, 2), st.sampled_from([None, "", "a", "b"])), st.none()), max_size=25))
def test_the_engine_never_empties_a_value(steps: list[tuple[int, int, str | None] | None]) -> None:
    world = World([PAIR])
    ids = linked(world)
    paths = (ROWS, tuple(r.upper() for r in ROWS))
    for step in [*steps, None]:
        if step is not None:
            side, row, value = step
            world.edit(*SIDES[side], ids[side], {paths[side][row]: value})
            continue
        before = [[world.value(*SIDES[side], ids[side], path) for path in paths[side]] for side in (0, 1)]
        world.engine.sync_once()
        after = [[world.value(*SIDES[side], ids[side], path) for path in paths[side]] for side in (0, 1)]
        for side, row in itertools.product((0, 1), range(len(ROWS))):
            assert not (not is_empty(before[side][row]) and is_empty(after[side][row])), (side, row, before, after)
    world.engine.settle()
    assert world.engine.sync_once() == 0


CHAIN_STEPS = st.lists(st.one_of(st.integers(0, 2), st.none()), max_size=20)
"""Each step edits the record at one position of the chain, or (None) runs one sync pass."""


@SETTINGS
@given(CHAIN_STEPS)
def test_a_chain_converges_on_the_latest_edit_made_anywhere(steps: list[int | None]) -> None:
    world = World(CHAIN)
    first = world.create("alpha", "Things", {"name": "start"})
    world.engine.settle()
    middle = world.engine.linked(CHAIN[0].mappings[0], first)
    last = world.engine.linked(CHAIN[1].mappings[0], middle)
    places = [("alpha", "Things", first, "name"), ("beta", "Items", middle, "title"), ("gamma", "Objects", last, "label")]
    latest = "start"
    values = itertools.count()
    for step in steps:
        if step is None:
            world.engine.sync_once()
            continue
        system, entity, record_id, path = places[step]
        latest = unique(values)
        world.edit(system, entity, record_id, {path: latest})
    world.engine.settle()
    assert [world.value(*place) for place in places] == [latest] * 3
    assert world.engine.sync_once() == 0


CYCLE = [*CHAIN, document("Gamma", "Alpha", section("Gamma", "Objects", "Alpha", "Things", rows=[("label", "name", '"string"')]), path="ga.rst")]
"""Alpha -> Beta -> Gamma -> Alpha: documents that map in a cycle, all create."""


@SETTINGS
@given(CHAIN_STEPS)
def test_a_cycle_of_create_mappings_makes_one_record_each_and_converges(steps: list[int | None]) -> None:
    world = World(CYCLE)
    first = world.create("alpha", "Things", {"name": "start"})
    world.engine.settle()
    assert [world.count(*end) for end in (("alpha", "Things"), ("beta", "Items"), ("gamma", "Objects"))] == [1, 1, 1]
    middle = world.engine.linked(CYCLE[0].mappings[0], first)
    last = world.engine.linked(CYCLE[1].mappings[0], middle)
    assert world.engine.linked(CYCLE[2].mappings[0], last) == first
    places = [("alpha", "Things", first, "name"), ("beta", "Items", middle, "title"), ("gamma", "Objects", last, "label")]
    latest = "start"
    values = itertools.count()
    for step in steps:
        if step is None:
            world.engine.sync_once()
            continue
        latest = unique(values)
        world.edit(*places[step][:3], {places[step][3]: latest})
    world.engine.settle()
    assert [world.value(*place) for place in places] == [latest] * 3
