"""Each named fault changes what the engine does, in the way its name says."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from engine_support import PEOPLE, PEOPLE_MAP, World, document, section, seed_documents

from dataflow_qa.engine import FAULTS, Engine, EngineNotQuiescent
from dataflow_qa.engine.faults import TRUNCATE_AT, Fault, behaviour, parse_faults, showing_on
from dataflow_qa.values.paths import MISSING
from dataflow_qa.engine.policies import Policy
from dataflow_qa.fakes import in_process

ROWS = [("name", "Name", '"string"'), ("email", "Email", '"string"')]
MERGE = document("Alpha", "Beta", section("Alpha", "Customers", "Beta", "Accounts", "merge-or-create", ROWS, keys=[("email", "Email")]))
LINK_ONLY = document("Alpha", "Beta", section("Alpha", "Employees", "Beta", "Staff", "link-only", ROWS, keys=[("email", "Email")]))
GATED = document("Alpha", "Beta", section("Alpha", "Companies", "Beta", "Firms", rows=[
    ("Name", "name", '"string"'), ("OrgNr (Dependant on having NO in Country.Code)", "organizationNumber", '"string"')]))
CHAIN = [
    document("Alpha", "Beta", section("Alpha", "Things", "Beta", "Items", rows=[("name", "title", '"string"')]), path="ab.rst"),
    document("Beta", "Gamma", section("Beta", "Items", "Gamma", "Objects", rows=[("title", "label", '"string"')]), path="bg.rst"),
]

Faults = Sequence[str]


def person_pair(faults: Faults, **values: Any) -> tuple[World, str, str]:
    """A world with one person synced to its contact."""
    world = World([PEOPLE], faults=faults)
    person = world.create("alpha", "People", values or {"first": "Ada"})
    world.engine.settle()
    contact = world.engine.linked(PEOPLE_MAP, person)
    assert contact is not None
    return world, person, contact


def created_contact(**values: Any) -> Callable[[Faults], Any]:
    """Scenario: the contact created for a person holding ``values``."""
    def scenario(faults: Faults) -> Any:
        world, _, contact = person_pair(faults, **values)
        return world.record("beta", "Contacts", contact).data
    return scenario


def reverse_edit(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("beta", "Contacts", contact, {"givenName": "Edited in target"})
    world.engine.settle()
    return world.value("alpha", "People", person, "first")


def forward_edit(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("alpha", "People", person, {"first": "Bea"})
    world.engine.settle()
    return world.value("beta", "Contacts", contact, "givenName")


def conflicting_edits(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("alpha", "People", person, {"first": "source, earlier"})
    world.edit("beta", "Contacts", contact, {"givenName": "target, later"})
    world.engine.settle()
    return world.value("alpha", "People", person, "first"), world.value("beta", "Contacts", contact, "givenName")


def conflicting_edits_target_first(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("beta", "Contacts", contact, {"givenName": "target, earlier"})
    world.edit("alpha", "People", person, {"first": "source, later"})
    world.engine.settle()
    return world.value("alpha", "People", person, "first"), world.value("beta", "Contacts", contact, "givenName")


def edits_at_both_ends(faults: Faults) -> Any:
    world, person, contact = person_pair(faults, first="Ada", last="Lovelace")
    world.edit("alpha", "People", person, {"first": "Augusta"})
    world.edit("beta", "Contacts", contact, {"familyName": "King"})
    world.engine.settle()
    return [world.value(*where, field) for where, field in ((("alpha", "People", person), "first"), (("alpha", "People", person), "last"),
                                                             (("beta", "Contacts", contact), "givenName"), (("beta", "Contacts", contact), "familyName"))]


def contacts_after_a_burst(faults: Faults) -> Any:
    world = World([PEOPLE], faults=faults)
    for n in range(101):  # one more than a page of the engine's listing (100 where an adapter names no page size)
        world.create("alpha", "People", {"first": f"P{n}"})
    world.engine.settle()
    return world.count("beta", "Contacts")


def emptied_target(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("beta", "Contacts", contact, {"givenName": ""})
    world.engine.settle()
    return world.value("alpha", "People", person, "first")


def padded_reverse_edit(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("beta", "Contacts", contact, {"givenName": "  Bea "})
    world.engine.settle()
    return world.value("alpha", "People", person, "first"), world.value("beta", "Contacts", contact, "givenName")


def small_edit(new: str, start: str = "Ada Lovelace") -> Callable[[Faults], Any]:
    """Scenario: an edit at the source from ``start`` to ``new``; what the contact holds after."""
    def scenario(faults: Faults) -> Any:
        world, person, contact = person_pair(faults, first=start)
        world.edit("alpha", "People", person, {"first": new})
        world.engine.settle()
        return world.value("beta", "Contacts", contact, "givenName")
    return scenario


def emptied_source(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.edit("alpha", "People", person, {"first": ""})
    world.engine.settle()
    return world.value("beta", "Contacts", contact, "givenName")


def contacts_after_an_edit(faults: Faults) -> Any:
    world, person, _ = person_pair(faults)
    world.edit("alpha", "People", person, {"first": "Bea"})
    world.engine.settle()
    return world.count("beta", "Contacts")


def accounts_after_merge(faults: Faults) -> Any:
    world = World([MERGE], faults=faults)
    world.create("beta", "Accounts", {"Email": "a@x.no"})
    world.create("alpha", "Customers", {"email": "a@x.no", "name": "A"})
    world.engine.settle()
    return world.count("beta", "Accounts")


def staff_without_match(faults: Faults) -> Any:
    world = World([LINK_ONLY], faults=faults)
    world.create("alpha", "Employees", {"email": "a@x.no", "name": "A"})
    world.engine.settle()
    return world.count("beta", "Staff")


def settles_after_a_create(faults: Faults) -> Any:
    world = World([PEOPLE], faults=faults)
    world.create("alpha", "People", {"first": "Ada"})
    try:
        world.engine.settle(max_passes=10)
    except EngineNotQuiescent:
        return "never settles"
    return "settles"


def contact_after_source_deleted(faults: Faults) -> Any:
    world, person, contact = person_pair(faults)
    world.adapters["alpha"].delete("People", person)
    world.engine.settle()
    return world.record("beta", "Contacts", contact) is not None


def far_end_of_chain(faults: Faults) -> Any:
    world = World(CHAIN, faults=faults)
    world.create("alpha", "Things", {"name": "N"})
    world.engine.settle()
    return world.count("gamma", "Objects")


def gated_row(faults: Faults) -> Any:
    world = World([GATED], faults=faults)
    company = world.create("alpha", "Companies", {"Name": "Acme", "OrgNr": "123", "Country": {"Code": "SE"}})
    world.engine.settle()
    return world.value("beta", "Firms", world.engine.linked(GATED.mappings[0], company), "organizationNumber")


LONG = "Å" + "x" * 299
def edit_in_a_429_burst(faults: Faults) -> tuple[Any, int]:
    """Scenario over the HTTP fakes: the contact's value after an edit whose update Beta answers 429 twice,
    and how many 429s Beta answered."""
    fakes, checks = in_process([PEOPLE])
    engine = Engine([PEOPLE], fakes.adapters(client="sesam-talk-engine"), faults=faults)
    person = checks["alpha"].create("People", {"first": "Ada"})
    engine.settle()
    contact = engine.linked(PEOPLE_MAP, person)
    assert contact is not None
    fakes["beta"].update_burst.order(2, retry_after=0.0, seconds=60, exempt="dataflow-qa")
    checks["alpha"].update("People", person, {"first": "Bea"})
    engine.settle()
    record = checks["beta"].get("Contacts", contact)
    assert record is not None
    return checks["beta"].read(record, "givenName"), fakes["beta"].update_burst.answered


SCENARIOS: dict[str, tuple[Callable[[Faults], Any], Any, Any]] = {
    # fault: (scenario, what the clean engine gives, what the faulty engine gives)
    "drop-property": (created_contact(first="Ada", last="L"), {"givenName": "Ada", "familyName": "L"}, {"familyName": "L"}),
    "swap-properties": (created_contact(first="Ada", last="L"), {"givenName": "Ada", "familyName": "L"}, {"givenName": "L", "familyName": "Ada"}),
    "one-way": (reverse_edit, "Edited in target", "Ada"),
    "create-only": (forward_edit, "Bea", "Ada"),
    "first-write-wins": (conflicting_edits, ("target, later",) * 2, ("source, earlier",) * 2),
    "source-always-wins": (conflicting_edits, ("target, later",) * 2, ("source, earlier",) * 2),
    "target-always-wins": (conflicting_edits_target_first, ("source, later",) * 2, ("target, earlier",) * 2),
    "empty-overwrites": (emptied_source, "Ada", ""),
    "empty-comes-back": (emptied_target, "Ada", ""),
    "first-page-only": (contacts_after_a_burst, 101, 100),
    "whole-record-wins": (edits_at_both_ends, ["Augusta", "King", "Augusta", "King"], ["Ada", "King", "Ada", "King"]),
    "trims-whitespace": (created_contact(first="  Ada "), {"givenName": "  Ada "}, {"givenName": "Ada"}),
    "trims-coming-back": (padded_reverse_edit, ("  Bea ", "  Bea "), ("Bea", "  Bea ")),
    "truncates-long-strings": (created_contact(first=LONG), {"givenName": LONG}, {"givenName": LONG[:TRUNCATE_AT]}),
    "ascii-folding": (created_contact(first="Zoë Ærøskøbing"), {"givenName": "Zoë Ærøskøbing"}, {"givenName": "Zoe rskbing"}),
    "case-folds": (created_contact(first="Zoë"), {"givenName": "Zoë"}, {"givenName": "zoë"}),
    "case-blind": (small_edit("ada lovelace"), "ada lovelace", "Ada Lovelace"),
    "whitespace-blind": (small_edit("Ada  Lovelace"), "Ada  Lovelace", "Ada Lovelace"),
    "unicode-normalised": (created_contact(first="Zoe\u0308"), {"givenName": "Zoe\u0308"}, {"givenName": "Zo\u00eb"}),
    "reads-numbers": (created_contact(first="007"), {"givenName": "007"}, {"givenName": 7}),
    "stringifies": (created_contact(age=36), {"years": 36}, {"years": "36"}),
    "duplicate-create": (contacts_after_an_edit, 1, 2),
    "merge-keys-ignored": (accounts_after_merge, 1, 2),
    "link-only-creates": (staff_without_match, 0, 1),
    "echo-loop": (settles_after_a_create, "settles", "never settles"),
    "deletes-propagated": (contact_after_source_deleted, True, False),
    "chain-stops": (far_end_of_chain, 1, 0),
    "stale-read": (forward_edit, "Bea", "Ada"),
    "whole-second-cursor": (forward_edit, "Bea", "Ada"),
    "gives-up-on-429": (edit_in_a_429_burst, ("Bea", 2), ("Ada", 1)),
    "conditions-ignored": (gated_row, MISSING, "123"),
}


def test_every_fault_has_a_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(FAULTS)


@pytest.mark.parametrize("name", list(FAULTS))
def test_the_fault_changes_behaviour_as_named(name: str) -> None:
    scenario, clean, faulty = SCENARIOS[name]
    assert scenario([]) == clean
    assert scenario([name]) == faulty


def test_every_fault_has_a_one_line_description() -> None:
    for name, fault in FAULTS.items():
        assert fault.name == name and fault.description and "\n" not in fault.description


def test_an_unknown_fault_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown fault 'swap'; known faults: drop-property, swap-properties"):
        Engine([PEOPLE], {}, faults=["swap"])


def test_faults_combine() -> None:
    assert created_contact(first=" Zoë ")(["trims-whitespace", "case-folds"]) == {"givenName": "zoë"}
    world = World([PEOPLE], faults=["one-way", "stringifies"])
    assert world.engine.faults == ("one-way", "stringifies")


def test_a_fault_can_be_defined_outside_the_registry() -> None:
    shouting = Fault("shouts", "strings in upper case", lambda b: replace(b, outgoing=lambda v: v.upper() if isinstance(v, str) else v))
    assert created_contact(first="Ada")([shouting]) == {"givenName": "ADA"}  # type: ignore[list-item]


def test_policy_faults_change_only_the_policy() -> None:
    assert behaviour(Policy(), ["deletes-propagated"]).policy == Policy(deletes_propagated=True)
    assert behaviour(Policy(), ["first-write-wins"]).policy == Policy(conflict="first-edit-wins")
    assert behaviour(Policy(), ["target-always-wins"]).policy == Policy(conflict="target-wins")


def test_faults_say_whether_documents_can_reveal_them() -> None:
    seeds = [m for document in seed_documents() for m in document.mappings]  # create only, string rows, no conditions
    hidden = sorted(name for name, shows in showing_on(seeds).items() if not shows)
    assert hidden == ["conditions-ignored", "link-only-creates", "merge-keys-ignored", "stringifies"]
    assert FAULTS["merge-keys-ignored"].shows_on(MERGE.mappings) and not FAULTS["link-only-creates"].shows_on(MERGE.mappings)
    assert FAULTS["conditions-ignored"].shows_on(GATED.mappings) and FAULTS["stringifies"].shows_on(PEOPLE.mappings)
    assert FAULTS["chain-stops"].shows_on([m for d in CHAIN for m in d.mappings]) and not FAULTS["chain-stops"].shows_on(CHAIN[0].mappings)


def test_fault_lists_are_parsed_and_checked() -> None:
    assert parse_faults("one-way, echo-loop  stale-read") == ("one-way", "echo-loop", "stale-read")
    assert parse_faults("all") == tuple(FAULTS)
    assert parse_faults("") == ()
    with pytest.raises(ValueError, match="unknown fault 'oneway'"):
        parse_faults("oneway")
