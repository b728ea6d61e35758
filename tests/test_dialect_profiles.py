"""Every dialect's adapter and fake read one profile object, so a fact changed there changes both sides' wire.

CRMOffice is a profile the generic adapter and fake speak; SuperOffice,
Salesforce, PowerOffice Go and WebCRM keep dialect modules for what a profile
cannot say and read their profile for the rest (docs/vendors/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest

from engine_support import document, section
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.hub import FAKES
from dataflow_qa.systems.adapters.base import Adapter, AdapterError
from dataflow_qa.systems.catalog import DIALECTS
from dataflow_qa.systems.config import ADAPTERS
from dataflow_qa.systems.profiles import DIALECT_PROFILES, PROFILES, Profile
from dataflow_qa.systems.profiles.crmoffice import CRMOFFICE
from dataflow_qa.systems.profiles.powerofficego import POWEROFFICEGO
from dataflow_qa.systems.profiles.salesforce import SALESFORCE
from dataflow_qa.systems.profiles.superoffice import SUPEROFFICE
from dataflow_qa.systems.profiles.webcrm import WEBCRM

DOCUMENTS = [
    document("Webcrm", "Crmoffice", section("Webcrm", "Persons", "Crmoffice", "Contacts",
                                            rows=[("PersonFirstName", "givenName", '"string"')])),
    document("Salesforce", "Superoffice", section("Salesforce", "Contact", "Superoffice", "Person",
                                                  rows=[("LastName", "Firstname", '"string"')])),
    document("Powerofficego", "Crmoffice", section("Powerofficego", "Customers", "Crmoffice", "Companies",
                                                   rows=[("Name", "name", '"string"')])),
]
MOVED = ("crmoffice", "superoffice", "salesforce", "powerofficego", "webcrm")


@dataclass
class Wire:
    """Fakes and adapters of :data:`DOCUMENTS`, with one system's exchanges recorded."""

    fakes: FakeSystems
    adapters: dict[str, Adapter]
    exchanges: list[tuple[httpx.Request, httpx.Response]]

    def requests(self, method: str) -> list[httpx.Request]:
        """The recorded requests of ``method``."""
        return [request for request, _ in self.exchanges if request.method == method]


@pytest.fixture
def wire_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """``wire_for(dialect, profile)``: the dialect's adapter and fake both laid out by ``profile``."""
    opened: list[dict[str, Adapter]] = []

    def build(dialect: str, profile: Profile) -> Wire:
        monkeypatch.setitem(ADAPTERS, dialect, type("ChangedAdapter", (ADAPTERS[dialect],), {"base_layout": profile}))
        monkeypatch.setitem(FAKES, dialect, type("ChangedFake", (FAKES[dialect],), {"layout": profile}))
        fakes = FakeSystems.from_documents(DOCUMENTS)
        exchanges: list[tuple[httpx.Request, httpx.Response]] = []
        fake = fakes[dialect]
        handle = fake.handle

        def recording(request: httpx.Request, path: str) -> httpx.Response:
            response = handle(request, path)
            exchanges.append((request, response))
            return response

        monkeypatch.setattr(fake, "handle", recording)
        adapters = fakes.adapters()
        opened.append(adapters)
        return Wire(fakes, adapters, exchanges)

    yield build
    for adapters in opened:
        for adapter in adapters.values():
            adapter.close()


def test_every_dialect_but_generic_has_one_profile_its_adapter_and_fake_share() -> None:
    every = {**PROFILES, **DIALECT_PROFILES}
    assert set(DIALECTS) - {"generic"} == set(every)
    for dialect, profile in every.items():
        assert ADAPTERS[dialect].base_layout is profile, dialect
        assert FAKES[dialect].layout is profile, dialect


def test_built_adapters_and_their_fakes_hold_the_very_same_profile() -> None:
    fakes = FakeSystems.from_documents(DOCUMENTS)
    adapters = fakes.adapters()
    for dialect in MOVED:
        profile = {**PROFILES, **DIALECT_PROFILES}[dialect]
        assert adapters[dialect].profile is fakes[dialect].profile is profile  # type: ignore[attr-defined]
        adapters[dialect].close()


def test_crmoffice_collections_follow_the_profiles_path_template(wire_for) -> None:
    wire = wire_for("crmoffice", replace(CRMOFFICE, path_template="/v2/{lower}"))
    contact = wire.adapters["crmoffice"].create("Contacts", {"givenName": "Kari"})
    assert [post.url.path for post in wire.requests("POST")] == ["/crmoffice/connect/token", "/crmoffice/v2/contacts"]
    assert wire.adapters["crmoffice"].find("Contacts", "givenName", "Kari") == [contact]


def test_superoffice_archive_answers_use_the_profiles_envelope(wire_for) -> None:
    wire = wire_for("superoffice", replace(SUPEROFFICE, envelope="rows"))
    person = wire.adapters["superoffice"].create("Person", {"Firstname": "Kari"})
    assert wire.adapters["superoffice"].find("Person", "Firstname", "Kari") == [person]
    [answer] = [response for request, response in wire.exchanges if "$filter" in request.url.params]
    assert list(json.loads(answer.content))[-1] == "rows"


def test_salesforce_paths_carry_the_profiles_api_version(wire_for) -> None:
    wire = wire_for("salesforce", replace(SALESFORCE, api_version="v61.0"))
    contact = wire.adapters["salesforce"].create("Contact", {"LastName": "Nordmann"})
    assert wire.requests("POST")[-1].url.path == "/salesforce/services/data/v61.0/sobjects/Contact/"
    record = wire.adapters["salesforce"].get("Contact", contact)
    assert record is not None and record.data["LastName"] == "Nordmann"


def test_poweroffice_changes_are_asked_with_the_profiles_since_parameter(wire_for) -> None:
    wire = wire_for("powerofficego", replace(POWEROFFICEGO, since_param="changedAfter"))
    pogo = wire.adapters["powerofficego"]
    first = pogo.create("Customers", {"Name": "Bryggen AS"})
    second = pogo.create("Customers", {"Name": "Torget AS"})
    since = pogo.get("Customers", first).updated  # type: ignore[union-attr]
    assert [record.id for record in pogo.changed_since("Customers", since)] == [second]
    asked = [dict(request.url.params) for request in wire.requests("GET") if "OrderBy" in request.url.params]
    assert "changedAfter" in asked[-1] and "lastChangedDateTimeOffsetGreaterThan" not in asked[-1]


def test_webcrm_deletes_what_the_profile_says_it_can(wire_for) -> None:
    wire = wire_for("webcrm", replace(WEBCRM, deletes=WEBCRM.deletes | {"Persons"}))  # type: ignore[operator]
    person = wire.adapters["webcrm"].create("Persons", {"PersonFirstName": "Kari"})
    wire.adapters["webcrm"].delete("Persons", person)
    assert [request.url.path for request in wire.requests("DELETE")] == [f"/webcrm/Persons/{person}"]
    assert wire.fakes.records("webcrm", "Persons") == []


def test_webcrm_as_documented_refuses_a_person_delete_without_a_request(wire_for) -> None:
    wire = wire_for("webcrm", WEBCRM)
    person = wire.adapters["webcrm"].create("Persons", {"PersonFirstName": "Kari"})
    with pytest.raises(AdapterError, match="WebCRM has no DELETE for Persons") as refused:
        wire.adapters["webcrm"].delete("Persons", person)
    assert refused.value.kind == "unsupported" and wire.requests("DELETE") == []


def test_a_profile_with_json_patch_updates_and_page_numbers_round_trips(wire_for) -> None:
    profile = replace(CRMOFFICE, update_body="json-patch", paging="page-number", offset_param="page", find_by="scan")
    wire = wire_for("crmoffice", profile)
    crm = wire.adapters["crmoffice"]
    ids = [crm.create("Contacts", {"givenName": f"Kari {n}"}) for n in range(105)]
    crm.update("Contacts", ids[0], {"givenName": "Ola", "familyName": "Nordmann"})
    [patch] = wire.requests("PATCH")
    assert patch.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(patch.content) == [{"op": "replace", "path": "/givenName", "value": "Ola"},
                                         {"op": "add", "path": "/familyName", "value": "Nordmann"}]
    assert crm.get("Contacts", ids[0]).data["familyName"] == "Nordmann"  # type: ignore[union-attr]
    assert crm.find("Contacts", "givenName", "Kari 104") == [ids[104]]
    pages = [request.url.params["page"] for request in wire.requests("GET") if "page" in request.url.params]
    assert pages == ["1", "2"], "a scan reads page after page by number"


def test_a_profile_that_cannot_delete_an_entity_refuses_it_on_both_sides(wire_for) -> None:
    wire = wire_for("crmoffice", replace(CRMOFFICE, deletes=frozenset({"companies"})))
    contact = wire.adapters["crmoffice"].create("Contacts", {"givenName": "Kari"})
    with pytest.raises(AdapterError, match="crmoffice has no DELETE for contacts") as refused:
        wire.adapters["crmoffice"].delete("Contacts", contact)
    assert refused.value.kind == "unsupported" and wire.requests("DELETE") == []
    token = {"Authorization": wire.requests("POST")[-1].headers["Authorization"]}
    answer = wire.fakes.handler(httpx.Request("DELETE", f"http://fakes.invalid/crmoffice/contacts/{contact}",
                                              headers=token))
    assert answer.status_code == 405


def test_a_profiles_clock_step_follows_its_stamp_precision() -> None:
    assert FAKES["salesforce"].resolution == timedelta(milliseconds=1)
    assert FAKES["crmoffice"].resolution == timedelta(microseconds=1)
