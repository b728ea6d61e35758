"""Properties: both directions, latest edit wins per property, empties, deletes, no echo."""

from __future__ import annotations

import pytest
from engine_support import PEOPLE, PEOPLE_MAP, World, document, section

from dataflow_qa.engine import Policy


def linked_pair(world: World, **values: object) -> tuple[str, str]:
    """A person and its contact, settled."""
    person = world.create("alpha", "People", dict(values))
    world.engine.settle()
    contact = world.engine.linked(PEOPLE_MAP, person)
    assert contact is not None
    return person, contact


def test_forward_edit_reaches_the_target() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": "Ærøskøbing  "})
    world.engine.settle()
    assert world.value("beta", "Contacts", contact, "givenName") == "Ærøskøbing  "


def test_reverse_edit_reaches_the_source() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.edit("beta", "Contacts", contact, {"years": 37, "familyName": "Byron"})
    world.engine.settle()
    assert world.record("alpha", "People", person).data == {"first": "Ada", "age": 37, "last": "Byron"}


def test_latest_edit_wins_per_property() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada", last="L")
    world.edit("alpha", "People", person, {"first": "from source"})
    world.edit("beta", "Contacts", contact, {"givenName": "from target, later"})
    world.engine.settle()
    assert world.value("alpha", "People", person, "first") == "from target, later"
    assert world.value("beta", "Contacts", contact, "givenName") == "from target, later"


def test_edits_of_different_properties_on_both_sides_both_survive() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada", last="L")
    world.edit("beta", "Contacts", contact, {"familyName": "target's"})
    world.edit("alpha", "People", person, {"first": "source's"})
    world.engine.settle()
    for system, entity, record in (("alpha", "People", person), ("beta", "Contacts", contact)):
        data = world.record(system, entity, record).data
        assert set(data.values()) == {"source's", "target's"}


@pytest.mark.parametrize("empty", [None, ""])
@pytest.mark.parametrize("side", ["source", "target"])
def test_an_empty_value_never_overwrites_a_non_empty_one(empty: object, side: str) -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    if side == "source":
        world.edit("alpha", "People", person, {"first": empty})
        assert world.engine.settle() == 0
        assert world.value("beta", "Contacts", contact, "givenName") == "Ada"
    else:
        world.edit("beta", "Contacts", contact, {"givenName": empty})
        assert world.engine.settle() == 0
        assert world.value("alpha", "People", person, "first") == "Ada"


def test_an_empty_value_loses_a_conflict_even_when_later() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": "Bea"})
    world.edit("beta", "Contacts", contact, {"givenName": ""})
    world.engine.settle()
    assert world.value("alpha", "People", person, "first") == "Bea"


def test_empty_overwrites_when_the_policy_says_so() -> None:
    world = World([PEOPLE], policy=Policy(empty_overwrites=True))
    person, contact = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": ""})
    world.engine.settle()
    assert world.value("beta", "Contacts", contact, "givenName") == ""


def test_zero_and_false_are_values_not_empties() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, age=36)
    world.edit("alpha", "People", person, {"age": 0})
    world.engine.settle()
    assert world.value("beta", "Contacts", contact, "years") == 0


def test_a_later_edit_after_an_ignored_empty_still_flows() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": None})
    world.engine.settle()
    world.edit("beta", "Contacts", contact, {"givenName": "Back"})
    world.engine.settle()
    assert world.value("alpha", "People", person, "first") == "Back"


def test_deleting_the_source_leaves_the_target() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.adapters["alpha"].delete("People", person)
    world.edit("beta", "Contacts", contact, {"givenName": "Edited"})
    world.engine.settle()
    assert world.value("beta", "Contacts", contact, "givenName") == "Edited"
    assert world.count("alpha", "People") == 0


def test_deleting_the_target_leaves_the_source_and_creates_nothing_new() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    world.adapters["beta"].delete("Contacts", contact)
    world.edit("alpha", "People", person, {"first": "Edited"})
    world.engine.settle()
    assert world.value("alpha", "People", person, "first") == "Edited"
    assert world.count("beta", "Contacts") == 0
    assert world.engine.linked(PEOPLE_MAP, person) == contact


def test_deletes_propagate_when_the_policy_says_so() -> None:
    world = World([PEOPLE], policy=Policy(deletes_propagated=True))
    person, contact = linked_pair(world, first="Ada")
    world.adapters["alpha"].delete("People", person)
    world.engine.settle()
    assert world.record("beta", "Contacts", contact) is None


@pytest.mark.parametrize(("rule", "winner"), [("source-wins", "source"), ("target-wins", "target"), ("first-edit-wins", "source")])
def test_other_conflict_rules_are_named_policies(rule: str, winner: str) -> None:
    world = World([PEOPLE], policy=Policy(conflict=rule))
    person, contact = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": "source"})
    world.edit("beta", "Contacts", contact, {"givenName": "target"})
    world.engine.settle()
    assert world.value("alpha", "People", person, "first") == winner
    assert world.value("beta", "Contacts", contact, "givenName") == winner


def test_policy_from_configuration_names_bad_settings() -> None:
    assert Policy.from_table({"empty-overwrites": True}) == Policy(empty_overwrites=True)
    with pytest.raises(ValueError, match="unknown policy setting"):
        Policy.from_table({"delete": True})
    with pytest.raises(ValueError, match="unknown conflict rule 'newest'"):
        Policy.from_table({"conflict": "newest"})
    with pytest.raises(ValueError, match="must be true or false"):
        Policy.from_table({"deletes_propagated": "yes"})


def test_one_edit_causes_exactly_one_write_and_then_none() -> None:
    world = World([PEOPLE])
    person, contact = linked_pair(world, first="Ada")
    before = world.writes()
    world.edit("alpha", "People", person, {"first": "Bea", "last": "B"})
    assert world.engine.settle() == 1
    assert world.writes() - before == 2  # the user's edit and one engine update
    assert [w.values for w in world.adapters["beta"].log[-1:]] == [{"givenName": "Bea", "familyName": "B"}]
    assert world.engine.sync_once() == 0 and world.engine.sync_once() == 0


def test_settled_systems_stay_quiet_when_a_record_is_touched_without_change() -> None:
    world = World([PEOPLE])
    person, _ = linked_pair(world, first="Ada")
    world.edit("alpha", "People", person, {"first": "Ada"})
    assert world.engine.settle() == 0


def test_write_counter_adds_up_the_passes() -> None:
    world = World([PEOPLE])
    linked_pair(world, first="Ada")
    linked_pair(world, first="Bea")
    assert world.engine.writes == 2
    assert world.engine.passes >= 4


def test_two_rows_into_one_target_field_write_the_first_and_leave_the_source_alone() -> None:
    shared_field = document("Alpha", "Beta", section("Alpha", "Customers", "Beta", "Accounts", rows=[
        ("Number", "customerNumber", '"string"'), ("OrgNr", "customerNumber", '"string"')]))
    world = World([shared_field])
    customer = world.create("alpha", "Customers", {"Number": "1", "OrgNr": "2"})
    world.engine.settle()
    account = world.engine.linked(shared_field.mappings[0], customer)
    assert world.value("beta", "Accounts", account, "customerNumber") == "1"
    assert world.record("alpha", "Customers", customer).data == {"Number": "1", "OrgNr": "2"}
    world.edit("alpha", "Customers", customer, {"OrgNr": "3"})
    world.engine.settle()
    assert world.value("beta", "Accounts", account, "customerNumber") == "3"
    assert world.engine.sync_once() == 0
