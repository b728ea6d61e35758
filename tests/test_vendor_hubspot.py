"""HubSpot (a vendor profile) against its documented examples (tests/data/vendor_examples/hubspot.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (the documented keys with the same JSON types; values as
sent or seeded where the server does not assign them), and (b) against the
adapter, served the documented answer, which must send the documented request
shape and read the answer right. Facts and sources: docs/vendors/hubspot.md.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.generic import GenericAdapter
from dataflow_qa.systems.catalog import Catalog, EntityInfo, SystemInfo
from dataflow_qa.systems.profiles import PROFILES
from dataflow_qa.fakes import FakeSystems
import vendor_replay as replay
from vendor_replay import Handler, Served

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/hubspot.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
HS = "hubspot"
PROFILE = PROFILES[HS]
SERVER_ASSIGNED = {"id", "createdAt", "updatedAt", "archived", "hs_object_id", "hs_lastmodifieddate", "total",
                   "paging", "correlationId", "message"}


def writable(record: dict) -> dict:
    """A documented record as a client creates it: its writable properties only."""
    return {"properties": {k: v for k, v in record["properties"].items() if k not in SERVER_ASSIGNED}}


def catalog() -> Catalog:
    paths = ("properties.email", "properties.firstname", "properties.lastname", "properties.phone")
    return Catalog({HS: SystemInfo(HS, "HubSpot", HS, {"Contact": EntityInfo("Contact", paths)})})


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture
def fakes() -> FakeSystems:
    return FakeSystems(catalog())


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the HubSpot fake, in-process, with its private-app token."""
    headers = {"Authorization": f"Bearer {fakes[HS].credentials['token']}"}
    return httpx.Client(transport=fakes.transport(), headers=headers, base_url=fakes.config().systems[HS].base_url)


def seed(fakes: FakeSystems, example: dict) -> str:
    """The records the example's request needs; the id for ``{id}``."""
    if example["request"]["path"].endswith("/search"):
        fakes.seed(HS, "Contact", [writable(BY_NAME["read a contact"]["response"]["body"])] * 2)
        return ""
    if example["response"]["status"] == 404:
        return "404404"
    return fakes.seed(HS, "Contact", [writable(BY_NAME["read a contact"]["response"]["body"])])[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id = seed(fakes, example)
    request = example["request"]
    with fake_client(fakes) as http:
        answer = replay.send(http, request, record_id)
    body = replay.answered_as_documented(example, answer)
    if body is None:
        return
    sent = (request["body"] or {}).get("properties", {})
    assert {k: body["properties"][k] for k in sent} == sent if "properties" in body else True


def test_the_fake_refuses_read_only_properties(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a contact"])
    with fake_client(fakes) as http:
        answer = http.patch(f"/crm/v3/objects/contact/{record_id}", json={"properties": {"hs_object_id": "1"}})
    assert answer.status_code == 400
    assert answer.json()["status"] == "error" and "hs_object_id" in answer.json()["message"]


def test_the_fake_keeps_search_within_its_result_window(fakes: FakeSystems) -> None:
    fakes.seed(HS, "Contact", [{"properties": {"email": f"{n}@x.test"}} for n in range(3)])
    with fake_client(fakes) as http:
        beyond = http.post("/crm/v3/objects/contact/search", json={"limit": 100, "after": str(PROFILE.window_cap)})
        too_big = http.post("/crm/v3/objects/contact/search", json={"limit": PROFILE.page_cap + 1})
        page = http.post("/crm/v3/objects/contact/search", json={"limit": 2}).json()
    assert beyond.status_code == too_big.status_code == 400
    assert page["total"] == 3 and len(page["results"]) == 2 and page["paging"]["next"]["after"] == "2"


def test_the_fake_compares_the_stamp_to_milliseconds_since_the_epoch(fakes: FakeSystems) -> None:
    fakes.seed(HS, "Contact", [{"properties": {"email": "old@x.test"}}])
    stamp = fakes.records(HS, "Contact")[0]["updatedAt"]
    millis = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
    query = {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT"}]}]}
    with fake_client(fakes) as http:
        query["filterGroups"][0]["filters"][0]["value"] = str(millis - 1)
        before = http.post("/crm/v3/objects/contact/search", json=query).json()
        query["filterGroups"][0]["filters"][0]["value"] = str(millis)
        at = http.post("/crm/v3/objects/contact/search", json=query).json()
    assert before["total"] == 1 and at["total"] == 0


# -- (b) the adapter --------------------------------------------------------------
def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response."""
    return replay.documented(BY_NAME[name], **changes)


def adapter(served: Served, fakes: FakeSystems, page_size: int = 100) -> GenericAdapter:
    """An adapter built as the hub builds them (configuration, auth, HttpClient), served by ``served``."""
    return replay.profiled_adapter(served, fakes, HS, PROFILE, page_size)


ITEM = r"/crm/v3/objects/contact/\d+"


def test_the_adapter_creates_with_properties_and_reads_the_documented_answer(fakes: FakeSystems) -> None:
    served = Served(HS, {("POST", "/crm/v3/objects/contact"): documented("create a contact")})
    record_id = adapter(served, fakes).create("Contact", {"properties.email": "bcooper@biglytics.net",
                                                          "properties.firstname": "Bryan"})
    sent = json.loads(served.sent("POST")[0].content)
    assert record_id == "512"
    assert sent["properties"] | {"email": "bcooper@biglytics.net", "firstname": "Bryan"} == sent["properties"]
    assert set(sent) == {"properties"}
    assert served.sent("POST")[0].headers["Authorization"] == f"Bearer {fakes[HS].credentials['token']}"


def test_the_adapter_patches_only_the_touched_properties(fakes: FakeSystems) -> None:
    served = Served(HS, {("GET", ITEM): documented("read a contact"), ("PATCH", ITEM): documented("update a contact")})
    adapter(served, fakes).update("Contact", "512", {"properties.firstname": "Brian"})
    patch = served.sent("PATCH")[0]
    assert patch.url.path.endswith("/crm/v3/objects/contact/512")
    assert json.loads(patch.content) == BY_NAME["update a contact"]["request"]["body"]


def test_the_adapter_lists_changes_by_search_in_milliseconds_and_follows_the_cursor(fakes: FakeSystems) -> None:
    first = documented("search contacts changed since a time")
    last = documented("search contacts changed since a time", paging=None,
                      results=[{**BY_NAME["read a contact"]["response"]["body"], "id": "513",
                                "updatedAt": "2019-12-08T00:00:00.000Z"}])
    served = Served(HS, {("POST", "/crm/v3/objects/contact/search"):
                     lambda request: (last if json.loads(request.content).get("after") else first)(request)})
    since = datetime(2019, 12, 7, tzinfo=timezone.utc)
    records = adapter(served, fakes, page_size=1).changed_since("Contact", since)
    bodies = [json.loads(r.content) for r in served.sent("POST")]
    assert [r.id for r in records] == ["512", "513"]
    assert bodies[0] == BY_NAME["search contacts changed since a time"]["request"]["body"]
    assert bodies[1]["after"] == "1" and "after" not in bodies[0]


def test_the_adapter_finds_by_a_property_with_an_eq_filter(fakes: FakeSystems) -> None:
    served = Served(HS, {("POST", "/crm/v3/objects/contact/search"):
                     documented("search contacts changed since a time", paging=None)})
    assert adapter(served, fakes).find("Contact", "properties.email", "bcooper@biglytics.net") == ["512"]
    filters = json.loads(served.sent("POST")[0].content)["filterGroups"][0]["filters"]
    assert filters == [{"propertyName": "email", "operator": "EQ", "value": "bcooper@biglytics.net"}]


def test_the_adapter_reads_a_missing_record_as_none_and_deletes_as_documented(fakes: FakeSystems) -> None:
    served = Served(HS, {("GET", ITEM): documented("read a contact that does not exist"),
                     ("DELETE", ITEM): documented("delete a contact")})
    hubspot = adapter(served, fakes)
    assert hubspot.get("Contact", "404404") is None
    hubspot.delete("Contact", "512")
    assert served.sent("DELETE")[0].url.path.endswith("/crm/v3/objects/contact/512")


def test_an_error_names_the_call_and_the_vendor_text(fakes: FakeSystems) -> None:
    refused = httpx.Response(400, json={"status": "error", "message": "Property values were not valid",
                                        "correlationId": "c0ffee", "category": "VALIDATION_ERROR"})
    served = Served(HS, {("GET", ITEM): documented("read a contact"), ("PATCH", ITEM): lambda request: refused})
    with pytest.raises(AdapterError) as caught:
        adapter(served, fakes).update("Contact", "512", {"properties.firstname": "x"})
    message = str(caught.value)
    assert "PATCH" in message and "/crm/v3/objects/contact/512" in message and "400" in message
    assert "Property values were not valid" in message and fakes[HS].credentials["token"] not in message


def test_the_adapter_starts_a_new_search_past_the_result_window(fakes: FakeSystems) -> None:
    small = dataclasses.replace(PROFILE, window_cap=2)
    stamps = ["2019-12-07T00:00:01.000Z", "2019-12-07T00:00:02.000Z", "2019-12-07T00:00:03.000Z"]
    rows = [{"id": str(n), "properties": {}, "createdAt": s, "updatedAt": s, "archived": False}
            for n, s in enumerate(stamps)]

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        filters = body["filterGroups"][0]["filters"] if body["filterGroups"] else []
        since = int(filters[0]["value"]) if filters else 0
        fresh = [r for r in rows if datetime.fromisoformat(r["updatedAt"].replace("Z", "+00:00")).timestamp() * 1000 > since]
        start = int(body.get("after", 0))
        page = fresh[start:start + body["limit"]]
        more = {"paging": {"next": {"after": str(start + len(page))}}} if start + len(page) < len(fresh) else {}
        return httpx.Response(200, json={"total": len(fresh), "results": page, **more})

    served = Served(HS, {("POST", "/crm/v3/objects/contact/search"): answer})
    hubspot = adapter(served, fakes, page_size=1)
    hubspot.layout = small
    assert [r.id for r in hubspot.changed_since("Contact", None)] == ["0", "1", "2"]
    bodies = [json.loads(r.content) for r in served.sent("POST")]
    assert [b.get("after") for b in bodies] == [None, "1", None]
    assert bodies[2]["filterGroups"][0]["filters"][0]["value"] == str(int(datetime(2019, 12, 7, 0, 0, 2, tzinfo=timezone.utc).timestamp() * 1000))
