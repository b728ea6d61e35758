"""Chains across documents, on the seeds: WebCRM -> CRMOffice -> SuperOffice and back."""

from __future__ import annotations

import pytest
from engine_support import World, seed_documents

from dataflow_qa.generator.model import Document

PERSONS = "webcrm:Persons->crmoffice:Contacts"
CONTACTS = "crmoffice:Contacts->superoffice:Person"


@pytest.fixture(scope="module")
def seeds() -> list[Document]:
    """The five seed documents, parsed."""
    documents = seed_documents()
    assert len(documents) == 5
    return documents


def chain(world: World, person: str) -> tuple[str, str]:
    """The CRMOffice contact and SuperOffice person linked to a WebCRM person."""
    contact = world.engine.linked(PERSONS, person)
    assert contact is not None
    so_person = world.engine.linked(CONTACTS, contact)
    assert so_person is not None
    return contact, so_person


def test_a_new_record_travels_the_whole_chain(seeds: list[Document]) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonFirstName": "Zoë", "PersonDirectPhone": "+47 22 00 00 00"})
    world.engine.settle()
    contact, so_person = chain(world, person)
    assert world.value("crmoffice", "Contacts", contact, "givenName") == "Zoë"
    assert world.value("superoffice", "Person", so_person, "Firstname") == "Zoë"
    assert world.value("superoffice", "Person", so_person, "OfficePhones.Value") == "+47 22 00 00 00"
    assert world.count("crmoffice", "Contacts") == 1 and world.count("superoffice", "Person") == 1


def test_an_edit_at_the_far_end_comes_back_to_the_start(seeds: list[Document]) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonFirstName": "Ada"})
    world.engine.settle()
    contact, so_person = chain(world, person)
    world.edit("superoffice", "Person", so_person, {"Firstname": "Ada from SO", "MobilePhones.Value": "+47 900"})
    world.engine.settle()
    assert world.value("webcrm", "Persons", person, "PersonFirstName") == "Ada from SO"
    assert world.value("webcrm", "Persons", person, "PersonMobilePhone") == "+47 900"
    assert world.value("crmoffice", "Contacts", contact, "mobilePhone") == "+47 900"


def test_an_edit_in_the_middle_reaches_both_ends(seeds: list[Document]) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonLastName": "L"})
    world.engine.settle()
    contact, so_person = chain(world, person)
    world.edit("crmoffice", "Contacts", contact, {"familyName": "Middle"})
    world.engine.settle()
    assert world.value("webcrm", "Persons", person, "PersonLastName") == "Middle"
    assert world.value("superoffice", "Person", so_person, "Lastname") == "Middle"


@pytest.mark.parametrize("later", ["webcrm", "superoffice"])
def test_latest_edit_wins_across_the_chain(seeds: list[Document], later: str) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonFirstName": "Ada"})
    world.engine.settle()
    _, so_person = chain(world, person)
    edits = {"webcrm": lambda: world.edit("webcrm", "Persons", person, {"PersonFirstName": "webcrm"}),
             "superoffice": lambda: world.edit("superoffice", "Person", so_person, {"Firstname": "superoffice"})}
    edits["superoffice" if later == "webcrm" else "webcrm"]()
    edits[later]()
    world.engine.settle()
    contact, _ = chain(world, person)
    assert world.value("webcrm", "Persons", person, "PersonFirstName") == later
    assert world.value("crmoffice", "Contacts", contact, "givenName") == later
    assert world.value("superoffice", "Person", so_person, "Firstname") == later


def test_one_edit_at_one_end_costs_one_write_per_hop(seeds: list[Document]) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonFirstName": "Ada"})
    world.engine.settle()
    assert world.engine.settle() == 0
    world.edit("webcrm", "Persons", person, {"PersonFirstName": "Bea"})
    assert world.engine.settle() == 2


def test_records_of_other_mappings_into_the_same_entity_stay_apart(seeds: list[Document]) -> None:
    world = World(seeds)
    person = world.create("webcrm", "Persons", {"PersonFirstName": "Person"})
    user = world.create("webcrm", "Users", {"UserMobilePhone": "+47 1"})
    world.engine.settle()
    assert world.count("crmoffice", "Contacts") == 2 and world.count("superoffice", "Person") == 2
    contact = world.engine.linked(PERSONS, person)
    world.edit("crmoffice", "Contacts", contact, {"mobilePhone": "+47 2"})
    world.engine.settle()
    assert world.value("webcrm", "Persons", person, "PersonMobilePhone") == "+47 2"
    assert world.value("webcrm", "Users", user, "UserMobilePhone") == "+47 1"
