"""The fake target's two wires agree on what the dialects decide: views, list shapes, assigned fields.

The ``memory`` wire borrows the dialect client's hooks and skips the HTTP;
the ``http`` wire goes through the vendor-shaped fakes. A check's verdict must
not depend on which one ran it.
"""

from __future__ import annotations

import pytest

from engine_support import document, section
from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.targets.fake import FakeTarget

VIEWS = document("Powerofficego", "Crmoffice",
                 section("Powerofficego", "Customers (human data)", "Crmoffice", "Contacts", rows=[("FirstName", "givenName", '"string"')]),
                 section("Powerofficego", "Customers (organisation data)", "Crmoffice", "Companies", rows=[("Name", "name", '"string"')]))
LISTS = document("Superoffice", "Crmoffice", section("Superoffice", "Person", "Crmoffice", "Contacts", rows=[
    ("Emails.Value", "email", '"string"'), ("Firstname", "givenName", '"string"')]))


@pytest.mark.parametrize("wire", ["memory", "http"])
def test_views_of_one_collection_share_it_and_each_lists_its_own(wire: str) -> None:
    target = FakeTarget([VIEWS], wire=wire)  # type: ignore[arg-type]
    pogo = target.adapters["powerofficego"]
    person = pogo.create("Customers (human data)", {"FirstName": "Kari"})
    company = pogo.create("Customers (organisation data)", {"Name": "Bryggen AS"})
    assert [r.id for r in pogo.changed_since("Customers (human data)", None)] == [person]
    assert [r.id for r in pogo.changed_since("Customers (organisation data)", None)] == [company]
    assert sorted(r.id for r in pogo.changed_since("Customers", None)) == sorted([person, company])
    assert getattr(pogo.get("Customers (organisation data)", person), "id", None) == person, "by id, whichever view"
    assert pogo.find("Customers (human data)", "FirstName", "Kari") == [person]
    assert pogo.assigned("Customers", "Id") and not pogo.assigned("Customers", "FirstName")
    target.close()


@pytest.mark.parametrize("wire", ["memory", "http"])
def test_a_list_field_is_written_as_a_list_of_objects(wire: str) -> None:
    target = FakeTarget([LISTS], wire=wire)  # type: ignore[arg-type]
    superoffice = target.adapters["superoffice"]
    person = superoffice.create("Person", {"Emails.Value": "kari@example.com", "Firstname": "Kari"})
    record = superoffice.get("Person", person)
    assert record is not None and isinstance(record.data["Emails"], list) and record.data["Emails"][0]["Value"] == "kari@example.com"
    assert superoffice.read(record, "Emails.Value") == "kari@example.com"
    target.close()


@pytest.mark.parametrize("wire", ["memory", "http"])
def test_the_engine_syncs_a_view_on_either_wire(wire: str) -> None:
    target = FakeTarget([VIEWS], wire=wire)  # type: ignore[arg-type]
    person = target.adapters["powerofficego"].create("Customers (human data)", {"FirstName": "Kari"})
    target.settle()
    contact = target.engine.linked(VIEWS.mappings[0], person)
    assert contact is not None and target.engine.linked(VIEWS.mappings[1], person) is None
    record = target.adapters["crmoffice"].get("Contacts", contact)
    assert record is not None and target.adapters["crmoffice"].read(record, "givenName") == "Kari"
    assert target.writes("crmoffice") == 1
    target.close()


def test_records_of_different_systems_never_share_an_id_on_the_memory_wire() -> None:
    """A sync that copies an id verbatim into another system must not pass by coincidence."""
    target = FakeTarget([VIEWS])
    ids = [target.adapters[s].create(e, {"x": "1"}) for s, e in (("powerofficego", "Customers"), ("crmoffice", "Contacts"))]
    assert len(set(ids)) == 2
    target.close()


def test_an_unknown_wire_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown wire 'tcp'; use one of memory, http"):
        FakeTarget([VIEWS], wire="tcp")  # type: ignore[arg-type]


@pytest.mark.parametrize("wire", ["memory", "http"])
def test_an_entity_the_api_cannot_delete_is_refused_on_either_wire(wire: str) -> None:
    persons = document("Webcrm", "Crmoffice", section("Webcrm", "Persons", "Crmoffice", "Contacts", rows=[("PersonFirstName", "givenName", '"string"')]))
    target = FakeTarget([persons], wire=wire)  # type: ignore[arg-type]
    person = target.adapters["webcrm"].create("Persons", {"PersonFirstName": "Kari"})
    with pytest.raises(AdapterError) as refused:
        target.adapters["webcrm"].delete("Persons", person)
    assert refused.value.kind == "unsupported" and target.adapters["webcrm"].get("Persons", person) is not None
    target.close()
