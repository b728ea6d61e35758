"""Shopify (a vendor profile) against its documented examples (tests/data/vendor_examples/shopify.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (values as sent or seeded where the server does not
assign them), and (b) against the adapter, served the documented answer, which
must send the documented request shape and read the answer right. Facts and
sources: docs/vendors/shopify.md.
"""

from __future__ import annotations

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

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/shopify.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
SH = "shopify"
PROFILE = PROFILES[SH]
SERVER_ASSIGNED = {"id", "created_at", "updated_at"}
CUSTOMERS = "/admin/api/2024-04/customers.json"
CUSTOMER = r"/admin/api/2024-04/customers/\d+\.json"


def catalog() -> Catalog:
    paths = ("email", "first_name", "last_name", "default_address.city")
    return Catalog({SH: SystemInfo(SH, "Shopify", SH, {"Customer": EntityInfo("Customer", paths)})})


def documented_customer() -> dict:
    """The documented customer as a client creates it: without what the server assigns."""
    customer = BY_NAME["read a customer"]["response"]["body"]["customer"]
    return {k: v for k, v in customer.items() if k not in SERVER_ASSIGNED}


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture
def fakes() -> FakeSystems:
    return FakeSystems(catalog())


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the Shopify fake with its access token."""
    return httpx.Client(transport=fakes.transport(), base_url=fakes.config().systems[SH].base_url,
                        headers={"X-Shopify-Access-Token": fakes[SH].credentials["token"]})


def seed(fakes: FakeSystems, example: dict) -> str:
    """The records the example's request needs; the id for ``{id}``."""
    if example["response"]["status"] == 404:
        return "404404"
    return fakes.seed(SH, "Customer", [documented_customer()] * (2 if example["request"]["path"] == CUSTOMERS else 1))[0]


def next_page_info(http: httpx.Client) -> str:
    """The ``page_info`` of the first page's ``rel="next"`` link (one customer a page)."""
    first = http.get(CUSTOMERS, params={"limit": 1})
    return httpx.URL(first.links["next"]["url"]).params["page_info"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id = seed(fakes, example)
    request = example["request"]
    with fake_client(fakes) as http:
        query = dict(request["query"])
        if query.get("page_info") == "{cursor}":
            query["page_info"] = next_page_info(http)
        if request["method"] == "PUT":
            request = {**request, "body": {"customer": {**request["body"]["customer"], "id": int(record_id)}}}
        answer = replay.send(http, request, record_id, params=query)
    body = replay.answered_as_documented(example, answer)
    assert ("next" in answer.links) == ("Link" in example["response"]["headers"])
    if "customer" in body and isinstance(request["body"], dict):
        assert request["body"]["customer"].items() <= body["customer"].items()


def test_the_fake_pages_by_link_header_and_ends_without_one(fakes: FakeSystems) -> None:
    fakes.seed(SH, "Customer", [{"email": f"c{n}@example.com"} for n in range(3)])
    with fake_client(fakes) as http:
        first = http.get(CUSTOMERS, params={"limit": 2})
        last = http.get(first.links["next"]["url"])
        too_big = http.get(CUSTOMERS, params={"limit": PROFILE.page_cap + 1})
    assert [len(first.json()["customers"]), len(last.json()["customers"])] == [2, 1]
    assert httpx.URL(first.links["next"]["url"]).params["limit"] == "2" and "Link" not in last.headers
    assert too_big.status_code == 400 and "limit" in too_big.json()["errors"]


def test_the_fake_wants_the_envelope_and_the_access_token_header(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a customer"])
    with fake_client(fakes) as http:
        bare = http.put(f"/admin/api/2024-04/customers/{record_id}.json", json={"first_name": "Bare"})
        bearer = http.get(f"/admin/api/2024-04/customers/{record_id}.json",
                          headers={"X-Shopify-Access-Token": "", "Authorization": f"Bearer {fakes[SH].credentials['token']}"})
    assert bare.status_code == 400 and "'customer'" in bare.json()["errors"]
    assert bearer.status_code == 401


# -- (b) the adapter --------------------------------------------------------------
def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response."""
    return replay.documented(BY_NAME[name], **changes)


def adapter(served: Served, fakes: FakeSystems, page_size: int = 100) -> GenericAdapter:
    """An adapter built as the hub builds them (configuration, auth, HttpClient), served by ``served``."""
    return replay.profiled_adapter(served, fakes, SH, PROFILE, page_size)


def test_the_adapter_creates_inside_the_envelope_with_the_access_token(fakes: FakeSystems) -> None:
    served = Served(SH, {("POST", CUSTOMERS): documented("create a customer")})
    record_id = adapter(served, fakes).create("Customer", {"first_name": "Steve", "email": "steve.lastnameson@example.com"})
    post = served.sent("POST")[0]
    assert record_id == "1073339460"
    customer = json.loads(post.content)["customer"]
    assert customer | {"first_name": "Steve", "email": "steve.lastnameson@example.com"} == customer
    assert post.headers["X-Shopify-Access-Token"] == fakes[SH].credentials["token"] and "Authorization" not in post.headers


def test_the_adapter_puts_the_id_and_the_touched_fields_inside_the_envelope(fakes: FakeSystems) -> None:
    served = Served(SH, {("GET", CUSTOMER): documented("read a customer"), ("PUT", CUSTOMER): documented("update a customer")})
    adapter(served, fakes).update("Customer", "207119551", {"first_name": "Robert"})
    put = served.sent("PUT")[0]
    assert put.url.path.endswith("/admin/api/2024-04/customers/207119551.json")
    assert json.loads(put.content) == BY_NAME["update a customer"]["request"]["body"]


def test_the_adapter_lists_changes_since_a_time_and_follows_the_link_alone(fakes: FakeSystems) -> None:
    base = fakes.config().systems[SH].base_url
    newer = {**documented_customer(), "id": 2, "updated_at": "2024-04-05T10:00:00-04:00"}
    first = documented("list customers updated since a time")

    def answer(request: httpx.Request) -> httpx.Response:
        if "page_info" not in request.url.params:
            response = first(request)
            response.headers["Link"] = f'<{base}{CUSTOMERS}?page_info=abc&limit=1>; rel="next"'
            return response
        return httpx.Response(200, json={"customers": [newer]})

    served = Served(SH, {("GET", CUSTOMERS): answer})
    records = adapter(served, fakes, page_size=1).changed_since("Customer", datetime(2024, 4, 1, 4, tzinfo=timezone.utc))
    assert [r.id for r in records] == ["207119551", "2"]
    sent = [dict(r.url.params) for r in served.sent("GET")]
    assert sent == [{"updated_at_min": "2024-04-01T04:00:00+00:00", "limit": "1"}, {"page_info": "abc", "limit": "1"}]


def test_a_link_that_comes_back_stops_the_list_with_an_error(fakes: FakeSystems) -> None:
    base = fakes.config().systems[SH].base_url

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page_info", "0")) + 1
        customer = {**documented_customer(), "id": number, "updated_at": "2024-04-05T10:00:00-04:00"}
        link = f'<{base}{CUSTOMERS}?page_info={min(number, 2)}&limit=1>; rel="next"'
        return httpx.Response(200, json={"customers": [customer]}, headers={"Link": link})

    served = Served(SH, {("GET", CUSTOMERS): answer})
    with pytest.raises(AdapterError, match="same next link twice"):
        adapter(served, fakes, page_size=1).find("Customer", "email", "nobody@example.com")


def test_a_missing_record_is_none_and_other_errors_name_the_call(fakes: FakeSystems) -> None:
    refused = httpx.Response(422, json={"errors": {"email": ["has already been taken"]}})
    served = Served(SH, {("GET", CUSTOMER): documented("read a customer that does not exist"),
                         ("DELETE", CUSTOMER): lambda request: refused})
    shopify = adapter(served, fakes)
    assert shopify.get("Customer", "404404") is None
    with pytest.raises(AdapterError) as caught:
        shopify.delete("Customer", "207119551")
    message = str(caught.value)
    assert "DELETE" in message and "/customers/207119551.json" in message and "422" in message
    assert "has already been taken" in message and fakes[SH].credentials["token"] not in message
