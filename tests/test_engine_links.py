"""Links: create, merge-or-create, link-only; one link per record, permanent."""

from __future__ import annotations

import pytest
from engine_support import PEOPLE, PEOPLE_MAP, World, document, section

from dataflow_qa.systems.adapters.memory import MemoryAdapter
from dataflow_qa.engine import Engine

ROWS = [("name", "Name", '"string"'), ("email", "Email", '"string"')]
MERGE = document("Alpha", "Beta", section("Alpha", "Customers", "Beta", "Accounts", "merge-or-create", ROWS,
                                          keys=[("email", "Email"), ("orgnr", "OrgNo")]))
LINK_ONLY = document("Alpha", "Beta", section("Alpha", "Employees", "Beta", "Staff", "link-only", ROWS, keys=[("email", "Email")]))
EMPTY = document("Alpha", "Beta", section("Alpha", "Products", "Beta", "Items"))


def test_create_makes_one_target_holding_every_row() -> None:
    world = World([PEOPLE])
    person = world.create("alpha", "People", {"first": "Ada", "last": "Lovelace", "age": 36})
    world.engine.settle()
    contact = world.engine.linked(PEOPLE_MAP, person)
    assert world.record("beta", "Contacts", contact).data == {"givenName": "Ada", "familyName": "Lovelace", "years": 36}
    assert world.count("beta", "Contacts") == 1
    assert world.engine.linked_source(PEOPLE_MAP, contact) == person


def test_resync_and_edits_never_create_a_second_target() -> None:
    world = World([PEOPLE])
    person = world.create("alpha", "People", {"first": "Ada"})
    world.engine.settle()
    world.edit("alpha", "People", person, {"first": "Ada B."})
    world.engine.settle()
    world.engine.settle()
    assert world.count("beta", "Contacts") == 1
    assert world.engine.links(PEOPLE_MAP) == {person: world.engine.linked(PEOPLE_MAP, person)}


def test_records_of_the_target_entity_get_no_source_in_a_create_mapping() -> None:
    world = World([PEOPLE])
    world.create("beta", "Contacts", {"givenName": "Only here"})
    world.engine.settle()
    assert world.count("alpha", "People") == 0


def test_mapping_without_rows_still_links() -> None:
    world = World([EMPTY])
    product = world.create("alpha", "Products", {"sku": "A-1"})
    world.engine.settle()
    item = world.engine.linked(EMPTY.mappings[0], product)
    assert world.record("beta", "Items", item).data == {}


def test_merge_or_create_links_an_existing_match_instead_of_creating() -> None:
    world = World([MERGE])
    account = world.create("beta", "Accounts", {"Email": "a@x.no", "Name": "Old name"})
    customer = world.create("alpha", "Customers", {"email": "a@x.no", "name": "New name"})
    world.engine.settle()
    assert world.engine.linked(MERGE.mappings[0], customer) == account
    assert world.count("beta", "Accounts") == 1
    assert world.value("beta", "Accounts", account, "Name") == "New name"  # the later edit wins


def test_merge_matches_on_any_one_merge_key_row() -> None:
    world = World([MERGE])
    account = world.create("beta", "Accounts", {"Email": "other@x.no", "OrgNo": "999"})
    customer = world.create("alpha", "Customers", {"email": "a@x.no", "orgnr": "999"})
    world.engine.settle()
    assert world.engine.linked(MERGE.mappings[0], customer) == account


def test_merge_or_create_creates_when_nothing_matches() -> None:
    world = World([MERGE])
    world.create("beta", "Accounts", {"Email": "b@x.no"})
    customer = world.create("alpha", "Customers", {"email": "a@x.no", "name": "A"})
    world.engine.settle()
    created = world.engine.linked(MERGE.mappings[0], customer)
    assert world.value("beta", "Accounts", created, "Email") == "a@x.no"
    assert world.count("beta", "Accounts") == 2


def test_merge_never_links_a_target_twice() -> None:
    world = World([MERGE])
    account = world.create("beta", "Accounts", {"Email": "a@x.no"})
    first = world.create("alpha", "Customers", {"email": "a@x.no"})
    second = world.create("alpha", "Customers", {"email": "a@x.no"})
    world.engine.settle()
    links = world.engine.links(MERGE.mappings[0])
    assert links[first] == account and links[second] != account
    assert world.count("beta", "Accounts") == 2


def test_link_only_never_creates() -> None:
    world = World([LINK_ONLY])
    world.create("alpha", "Employees", {"email": "a@x.no", "name": "A"})
    world.engine.settle()
    assert world.count("beta", "Staff") == 0
    assert world.engine.links(LINK_ONLY.mappings[0]) == {}


def test_link_only_links_matches_and_syncs_across_them_only() -> None:
    world = World([LINK_ONLY])
    matched = world.create("alpha", "Employees", {"email": "a@x.no", "name": "A"})
    unmatched = world.create("alpha", "Employees", {"email": "b@x.no", "name": "B"})
    staff = world.create("beta", "Staff", {"Email": "a@x.no"})
    loner = world.create("beta", "Staff", {"Email": "c@x.no", "Name": "C"})
    world.engine.settle()
    assert world.engine.links(LINK_ONLY.mappings[0]) == {matched: staff}
    assert world.value("beta", "Staff", staff, "Name") == "A"
    world.edit("alpha", "Employees", unmatched, {"name": "B2"})
    world.engine.settle()
    assert world.value("beta", "Staff", loner, "Name") == "C"


def test_link_only_links_when_the_target_appears_after_the_source() -> None:
    world = World([LINK_ONLY])
    employee = world.create("alpha", "Employees", {"email": "a@x.no", "name": "A"})
    world.engine.settle()
    staff = world.create("beta", "Staff", {"Email": "a@x.no", "Name": "Later"})
    world.engine.settle()
    assert world.engine.linked(LINK_ONLY.mappings[0], employee) == staff
    assert world.value("alpha", "Employees", employee, "name") == "Later"


def test_a_link_survives_its_merge_key_changing() -> None:
    world = World([LINK_ONLY])
    employee = world.create("alpha", "Employees", {"email": "a@x.no"})
    staff = world.create("beta", "Staff", {"Email": "a@x.no"})
    world.engine.settle()
    world.edit("beta", "Staff", staff, {"Email": "new@x.no", "Name": "Renamed"})
    world.engine.settle()
    assert world.engine.linked(LINK_ONLY.mappings[0], employee) == staff
    assert world.value("alpha", "Employees", employee, "name") == "Renamed"
    assert world.value("alpha", "Employees", employee, "email") == "new@x.no"


def test_a_mapping_within_one_entity_does_not_feed_on_itself() -> None:
    same = document("Alpha", "Alpha", section("Alpha", "Customers", "Alpha", "Customers", rows=[("name", "label", '"string"')]))
    world = World([same])
    world.create("alpha", "Customers", {"name": "A"})
    world.engine.settle()
    assert world.count("alpha", "Customers") == 2
    world.engine.settle()
    assert world.count("alpha", "Customers") == 2


def test_missing_adapter_is_named_with_the_mapping_that_needs_it() -> None:
    with pytest.raises(ValueError, match=r"no adapter for system\(s\): beta \(first needed by Alpha People to Beta Contacts at x.rst:\d+\)"):
        Engine([PEOPLE], {"alpha": MemoryAdapter("alpha")})


def test_unknown_mapping_is_a_clear_error() -> None:
    world = World([PEOPLE])
    with pytest.raises(KeyError, match="no mapping 'a:B->c:D' in this engine; known mappings include: alpha:People->beta:Contacts"):
        world.engine.links("a:B->c:D")


def test_the_same_section_in_two_documents_syncs_the_union_of_rows() -> None:
    extra = document("Alpha", "Beta", section("Alpha", "People", "Beta", "Contacts", rows=[("nick", "nickname", '"string"')]), path="y.rst")
    world = World([PEOPLE, extra])
    assert [row.label for row in world.engine.mappings[0].properties] == ["first->givenName", "last->familyName", "age->years", "nick->nickname"]
    person = world.create("alpha", "People", {"first": "Ada", "nick": "A"})
    world.engine.settle()
    assert world.value("beta", "Contacts", world.engine.linked(PEOPLE_MAP, person), "nickname") == "A"


FORTH = document("Alpha", "Beta", section("Alpha", "Things", "Beta", "Items", rows=[("name", "title", '"string"')]), path="ab.rst")
BACK = document("Beta", "Alpha", section("Beta", "Items", "Alpha", "Things", rows=[("title", "name", '"string"')]), path="ba.rst")


@pytest.mark.parametrize("start", ["alpha", "beta"])
def test_documents_mapping_both_ways_make_one_partner_not_an_endless_chain(start: str) -> None:
    world = World([FORTH, BACK])
    entity, path = ("Things", "name") if start == "alpha" else ("Items", "title")
    world.create(start, entity, {path: "x"})
    world.engine.settle()
    assert world.count("alpha", "Things") == 1 and world.count("beta", "Items") == 1
    [(thing, item)] = world.engine.links(FORTH.mappings[0]).items()
    assert world.engine.links(BACK.mappings[0]) == {item: thing}


def test_contradictory_documents_settle_instead_of_rotating_values() -> None:
    crossed = document("Beta", "Alpha", section("Beta", "Items", "Alpha", "Things", rows=[("a", "q", '"string"'), ("b", "p", '"string"')]), path="ba.rst")
    straight = document("Alpha", "Beta", section("Alpha", "Things", "Beta", "Items", rows=[("p", "a", '"string"'), ("q", "b", '"string"')]), path="ab.rst")
    world = World([straight, crossed])
    thing = world.create("alpha", "Things", {"p": "1", "q": "2"})
    world.engine.settle()
    world.edit("alpha", "Things", thing, {"p": "3"})
    world.engine.settle()
    item = world.engine.linked(straight.mappings[0], thing)
    assert world.value("beta", "Items", item, "a") == "3"
