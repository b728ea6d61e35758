"""Business Central (a vendor profile) against its documented examples
(tests/data/vendor_examples/businesscentral.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (values as sent or seeded where the server does not
assign them), and (b) against the adapter, served the documented answer, which
must send the documented request shape and read the answer right. Facts and
sources: docs/vendors/businesscentral.md.
"""

from __future__ import annotations

import json
import uuid
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

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/businesscentral.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
BC = "businesscentral"
PROFILE = PROFILES[BC]
SERVER_ASSIGNED = {"id", "lastModifiedDateTime", "@odata.etag"}
CUSTOMERS = "/customers"
CUSTOMER = r"/customers\([0-9a-f-]+\)"
GUID = "f2a5738a-44e3-ea11-bb43-000d3a2feca1"


def catalog() -> Catalog:
    paths = ("displayName", "email", "city", "phoneNumber")
    return Catalog({BC: SystemInfo(BC, "Business Central", BC, {"Customers": EntityInfo("Customers", paths)})})


def documented_customer() -> dict:
    """The documented customer as a client creates it: without what the server assigns."""
    return {k: v for k, v in BY_NAME["read a customer"]["response"]["body"].items() if k not in SERVER_ASSIGNED}


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture
def fakes() -> FakeSystems:
    return FakeSystems(catalog())


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the Business Central fake with its bearer token."""
    return httpx.Client(transport=fakes.transport(), base_url=fakes.config().systems[BC].base_url,
                        headers={"Authorization": f"Bearer {fakes[BC].credentials['token']}"})


def seed(fakes: FakeSystems, example: dict) -> str:
    """The records the example's request needs; the id for ``{id}``."""
    if example["response"]["status"] == 404:
        return str(uuid.UUID(int=404))
    return fakes.seed(BC, "Customers", [documented_customer()] * (2 if example["request"]["path"] == CUSTOMERS else 1))[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id = seed(fakes, example)
    request = example["request"]
    headers = dict(request["headers"])
    with fake_client(fakes) as http:
        if headers.get("If-Match") == "{etag}":
            headers["If-Match"] = http.get(f"/customers({record_id})").json()["@odata.etag"]
        answer = replay.send(http, request, record_id, headers=headers)
    body = replay.answered_as_documented(example, answer)
    if body is None:
        return
    if example["response"]["status"] < 300 and isinstance(request["body"], dict):
        assert request["body"].items() <= body.items()


def test_the_fake_pages_by_next_link_at_the_preferred_size(fakes: FakeSystems) -> None:
    fakes.seed(BC, "Customers", [{"displayName": f"C{n}"} for n in range(3)])
    with fake_client(fakes) as http:
        first = http.get(CUSTOMERS, headers={"Prefer": "odata.maxpagesize=2"}).json()
        last = http.get(first["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}).json()
        whole = http.get(CUSTOMERS).json()
    assert [len(first["value"]), len(last["value"]), len(whole["value"])] == [2, 1, 3]
    assert "$skiptoken" in httpx.URL(first["@odata.nextLink"]).params
    assert "@odata.nextLink" not in last and "@odata.nextLink" not in whole


def test_the_fake_wants_the_current_etag_to_write(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a customer"])
    path = f"/customers({record_id})"
    with fake_client(fakes) as http:
        etag = http.get(path).json()["@odata.etag"]
        without = http.patch(path, json={"displayName": "x"})
        changed = http.patch(path, json={"displayName": "y"}, headers={"If-Match": etag})
        stale = http.patch(path, json={"displayName": "z"}, headers={"If-Match": etag})
        delete_without = http.delete(path)
    assert without.status_code == 428 and changed.status_code == 200 and stale.status_code == 412
    assert changed.json()["@odata.etag"] != etag and stale.json()["error"]["code"] == "Request_EntityChanged"
    assert delete_without.status_code == 428


def test_the_fake_filters_by_an_odata_expression(fakes: FakeSystems) -> None:
    fakes.seed(BC, "Customers", [{"displayName": "Adatum", "email": "a@contoso.com"}, {"displayName": "O'Brien"}])
    stamp = fakes.records(BC, "Customers")[0]["lastModifiedDateTime"]
    with fake_client(fakes) as http:
        by_name = http.get(CUSTOMERS, params={"$filter": "displayName eq 'O''Brien'"}).json()["value"]
        since = http.get(CUSTOMERS, params={"$filter": f"lastModifiedDateTime gt {stamp}"}).json()["value"]
        refused = http.get(CUSTOMERS, params={"$filter": f"lastModifiedDateTime lt {stamp}"})
    assert [c["displayName"] for c in by_name] == ["O'Brien"] and [c["displayName"] for c in since] == ["O'Brien"]
    assert refused.status_code == 400


# -- (b) the adapter --------------------------------------------------------------
def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response."""
    return replay.documented(BY_NAME[name], **changes)


def adapter(served: Served, fakes: FakeSystems, page_size: int = 100) -> GenericAdapter:
    """An adapter built as the hub builds them (configuration, auth, HttpClient), served by ``served``."""
    return replay.profiled_adapter(served, fakes, BC, PROFILE, page_size)


def test_the_adapter_creates_with_a_bearer_token_and_reads_the_guid(fakes: FakeSystems) -> None:
    served = Served(BC, {("POST", CUSTOMERS): documented("create a customer")})
    record_id = adapter(served, fakes).create("Customers", {"displayName": "Adatum Corporation", "city": "Atlanta"})
    post = served.sent("POST")[0]
    assert record_id == GUID
    assert json.loads(post.content) | {"displayName": "Adatum Corporation", "city": "Atlanta"} == json.loads(post.content)
    assert post.headers["Authorization"] == f"Bearer {fakes[BC].credentials['token']}"


def test_the_adapter_patches_the_touched_fields_with_the_records_etag(fakes: FakeSystems) -> None:
    served = Served(BC, {("GET", CUSTOMER): documented("read a customer"),
                         ("PATCH", CUSTOMER): documented("update a customer with its etag")})
    adapter(served, fakes).update("Customers", GUID, {"displayName": "Coho Winery Inc.", "phoneNumber": "(555) 555-1234"})
    patch = served.sent("PATCH")[0]
    assert patch.url.path.endswith(f"/customers({GUID})")
    assert patch.headers["If-Match"] == BY_NAME["read a customer"]["response"]["body"]["@odata.etag"]
    assert json.loads(patch.content) == BY_NAME["update a customer with its etag"]["request"]["body"]


def test_a_stale_etag_is_read_again_and_sent_again(fakes: FakeSystems) -> None:
    answers = iter([documented("update a customer with a stale etag"), documented("update a customer with its etag")])
    served = Served(BC, {("GET", CUSTOMER): documented("read a customer"),
                         ("PATCH", CUSTOMER): lambda request: next(answers)(request)})
    adapter(served, fakes).update("Customers", GUID, {"displayName": "Coho Winery Inc."})
    assert len(served.sent("PATCH")) == 2 and len(served.sent("GET")) == 2


def test_the_adapter_filters_changes_and_follows_the_next_link(fakes: FakeSystems) -> None:
    base = fakes.config().systems[BC].base_url
    newer = {**BY_NAME["read a customer"]["response"]["body"], "id": str(uuid.UUID(int=2)),
             "lastModifiedDateTime": "2020-08-25T00:00:00Z"}
    first = documented("list customers changed since a time", **{"@odata.nextLink": f"{base}{CUSTOMERS}?$skiptoken=foobar"})
    served = Served(BC, {("GET", CUSTOMERS): lambda request: first(request) if "$skiptoken" not in request.url.params
                         else httpx.Response(200, json={"value": [newer]})})
    records = adapter(served, fakes, page_size=1).changed_since("Customers", datetime(2020, 8, 1, tzinfo=timezone.utc))
    assert [r.id for r in records] == [GUID, newer["id"]]
    sent = served.sent("GET")
    assert sent[0].url.params["$filter"] == "lastModifiedDateTime gt 2020-08-01T00:00:00+00:00"
    assert dict(sent[1].url.params) == {"$skiptoken": "foobar"}
    assert {r.headers["Prefer"] for r in sent} == {"odata.maxpagesize=1"}


def test_the_adapter_finds_by_an_eq_filter_with_a_quoted_literal(fakes: FakeSystems) -> None:
    served = Served(BC, {("GET", CUSTOMERS): documented("list customers changed since a time", **{"@odata.nextLink": None})})
    assert adapter(served, fakes).find("Customers", "email", "robert.townes@contoso.com") == [GUID]
    adapter(served, fakes).find("Customers", "displayName", "O'Brien")
    assert [r.url.params["$filter"] for r in served.sent("GET")] == ["email eq 'robert.townes@contoso.com'",
                                                                    "displayName eq 'O''Brien'"]


def test_a_missing_record_is_none_deletes_say_if_match_and_errors_name_the_call(fakes: FakeSystems) -> None:
    refused = httpx.Response(400, json={"error": {"code": "Internal_RecordNotFound", "message": "Customer is blocked"}})
    served = Served(BC, {("GET", CUSTOMER): documented("read a customer that does not exist"),
                         ("DELETE", CUSTOMER): lambda request: refused})
    businesscentral = adapter(served, fakes)
    assert businesscentral.get("Customers", str(uuid.UUID(int=404))) is None
    with pytest.raises(AdapterError) as caught:
        businesscentral.delete("Customers", GUID)
    message = str(caught.value)
    assert served.sent("DELETE")[0].headers["If-Match"] == "*"
    assert "DELETE" in message and f"/customers({GUID})" in message and "400" in message
    assert "Customer is blocked" in message and fakes[BC].credentials["token"] not in message
