"""Dotted and list paths, and conditional rows (gating and list-element selection)."""

from __future__ import annotations

from engine_support import World, document, section

from dataflow_qa.values.paths import Field
from dataflow_qa.generator.model import Condition

NESTED = document("Alpha", "Beta", section("Alpha", "Customers", "Beta", "Accounts", rows=[
    ("Address.Street.Zipcode", "postAddress.postCode", '"string"'),
    ("Phone", "OfficePhones.Value", '"string"')]))
PHONES = document("Alpha", "Beta", section("Alpha", "Employees", "Beta", "Staff", rows=[
    ("phone_numbers.number (Dependant on having wd:Q214995 in phone_numbers.name)", "phoneNumberWork", '"string"'),
    ("phone_numbers.number (Dependant on having wd:Q17517 in phone_numbers.name)", "phoneNumberMobile", "N/A")]))
GATED = document("Alpha", "Beta", section("Alpha", "Companies", "Beta", "Firms", rows=[
    ("Name", "name", '"string"'),
    ("OrgNr (Dependant on having NO in Country.Code)", "organizationNumber", '"string"'),
    ("department.id (Dependant on having wd:Q29415492 in  )", "departmentId", '"string"')]))
WORK = Condition("wd:Q214995", "phone_numbers.name")
MOBILE = Condition("wd:Q17517", "phone_numbers.name")


def test_dotted_paths_are_created_and_synced_both_ways() -> None:
    world = World([NESTED])
    customer = world.create("alpha", "Customers", {"Address.Street.Zipcode": "0150"})
    world.engine.settle()
    account = world.engine.linked(NESTED.mappings[0], customer)
    assert world.record("beta", "Accounts", account).data == {"postAddress": {"postCode": "0150"}}
    world.edit("beta", "Accounts", account, {"postAddress.postCode": "5003"})
    world.engine.settle()
    assert world.record("alpha", "Customers", customer).data == {"Address": {"Street": {"Zipcode": "5003"}}}


def test_a_list_segment_means_its_first_element_and_edits_stay_in_it() -> None:
    world = World([NESTED])
    customer = world.create("alpha", "Customers", {"Phone": "+47 1"})
    world.engine.settle()
    account = world.engine.linked(NESTED.mappings[0], customer)
    world.adapters["beta"].update("Accounts", account, {"OfficePhones": [{"Value": "+47 2", "Description": "main"}, {"Value": "+47 3"}]})
    world.engine.settle()
    assert world.value("alpha", "Customers", customer, "Phone") == "+47 2"
    world.edit("alpha", "Customers", customer, {"Phone": "+47 4"})
    world.engine.settle()
    assert world.record("beta", "Accounts", account).data["OfficePhones"] == [{"Value": "+47 4", "Description": "main"}, {"Value": "+47 3"}]


def test_a_condition_on_a_list_selects_the_element_to_read() -> None:
    world = World([PHONES])
    employee = world.create("alpha", "Employees", {"phone_numbers": [
        {"name": "wd:Q17517", "number": "+47 mobile"}, {"name": "wd:Q214995", "number": "+47 work"}]})
    world.engine.settle()
    staff = world.engine.linked(PHONES.mappings[0], employee)
    assert world.record("beta", "Staff", staff).data == {"phoneNumberWork": "+47 work", "phoneNumberMobile": "+47 mobile"}


def test_a_condition_on_a_list_selects_or_creates_the_element_to_write() -> None:
    world = World([PHONES])
    employee = world.create("alpha", "Employees", {Field("phone_numbers.number", WORK): "+47 work"})
    world.engine.settle()
    staff = world.engine.linked(PHONES.mappings[0], employee)
    world.edit("beta", "Staff", staff, {"phoneNumberMobile": "+47 mobile", "phoneNumberWork": "+47 work 2"})
    world.engine.settle()
    assert sorted(world.record("alpha", "Employees", employee).data["phone_numbers"], key=lambda e: e["name"]) == [
        {"name": "wd:Q17517", "number": "+47 mobile"}, {"name": "wd:Q214995", "number": "+47 work 2"}]


def test_a_row_whose_condition_does_not_hold_is_not_synced_either_way() -> None:
    world = World([GATED])
    company = world.create("alpha", "Companies", {"Name": "Acme", "OrgNr": "123", "Country": {"Code": "SE"}})
    world.engine.settle()
    firm = world.engine.linked(GATED.mappings[0], company)
    assert world.record("beta", "Firms", firm).data == {"name": "Acme"}
    world.edit("beta", "Firms", firm, {"organizationNumber": "456"})
    world.engine.settle()
    assert world.value("alpha", "Companies", company, "OrgNr") == "123"


def test_a_row_starts_syncing_when_its_condition_comes_to_hold() -> None:
    world = World([GATED])
    company = world.create("alpha", "Companies", {"Name": "Acme", "OrgNr": "123", "Country": {"Code": "SE"}})
    world.engine.settle()
    firm = world.engine.linked(GATED.mappings[0], company)
    world.edit("alpha", "Companies", company, {"Country.Code": "NO"})
    world.engine.settle()
    assert world.value("beta", "Firms", firm, "organizationNumber") == "123"
    world.edit("beta", "Firms", firm, {"organizationNumber": "456"})
    world.engine.settle()
    assert world.value("alpha", "Companies", company, "OrgNr") == "456"


def test_a_malformed_condition_never_holds_and_does_not_crash() -> None:
    world = World([GATED])
    company = world.create("alpha", "Companies", {"Name": "Acme", "department": {"id": "D1"}})
    world.engine.settle()
    firm = world.engine.linked(GATED.mappings[0], company)
    assert "departmentId" not in world.record("beta", "Firms", firm).data
