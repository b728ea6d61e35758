"""Tripletex (a vendor profile) against its documented examples (tests/data/vendor_examples/tripletex.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (values as sent or seeded where the server does not
assign them), and (b) against the adapter, served the documented answer, which
must send the documented request shape and read the answer right. Facts and
sources: docs/vendors/tripletex.md.
"""

from __future__ import annotations

import base64
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

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/tripletex.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
TX = "tripletex"
PROFILE = PROFILES[TX]
SERVER_ASSIGNED = {"id", "version", "changes"}
ITEM = r"/customer/\d+"


def catalog() -> Catalog:
    paths = ("name", "email", "postalAddress.addressLine1", "postalAddress.city")
    return Catalog({TX: SystemInfo(TX, "Tripletex", TX, {"Customer": EntityInfo("Customer", paths)})})


def writable(record: dict) -> dict:
    """A documented record as a client sends it: without what the server assigns."""
    return {k: v for k, v in record.items() if k not in SERVER_ASSIGNED}


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture
def fakes() -> FakeSystems:
    return FakeSystems(catalog())


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the Tripletex fake with Basic ``0:<session token>``."""
    pair = base64.b64encode(f"0:{fakes[TX].credentials['token']}".encode()).decode()
    return httpx.Client(transport=fakes.transport(), headers={"Authorization": f"Basic {pair}"},
                        base_url=fakes.config().systems[TX].base_url)


def seed(fakes: FakeSystems, example: dict) -> str:
    """The records the example's request needs; the id for ``{id}``."""
    if example["response"]["status"] == 404:
        return "404404"
    customer = writable(BY_NAME["create a customer"]["response"]["body"]["value"])
    ids = fakes.seed(TX, "Customer", [customer] * (3 if example["request"]["path"] == "/customer" else 1))
    return ids[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id = seed(fakes, example)
    request = example["request"]
    with fake_client(fakes) as http:
        if request["method"] == "PUT" and example["response"]["status"] == 200:
            http.put(f"/customer/{record_id}", json={"email": "post@example.no"})  # a change first: version 1
            request = {**request, "body": {**request["body"], "id": int(record_id), "version": 1}}
        answer = replay.send(http, request, record_id)
    body = replay.answered_as_documented(example, answer)
    if body is None:
        return
    if "value" in body and isinstance(request["body"], dict):
        assert writable(request["body"]).items() <= body["value"].items()


def test_the_fake_pages_by_from_and_count_and_ends_with_an_empty_page(fakes: FakeSystems) -> None:
    seed(fakes, BY_NAME["list customers page by page"])
    with fake_client(fakes) as http:
        pages = [http.get("/customer", params={"from": start, "count": 2}).json() for start in (0, 2, 4)]
    assert [len(page["values"]) for page in pages] == [2, 1, 0]
    assert [page["count"] for page in pages] == [2, 1, 0] and {page["fullResultSize"] for page in pages} == {3}


def test_the_fake_stamps_changes_and_counts_versions(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a customer with its changes"])
    with fake_client(fakes) as http:
        http.put(f"/customer/{record_id}", json={"name": "Renamed", "version": 0})
        record = http.get(f"/customer/{record_id}", params={"fields": "*,changes"}).json()["value"]
    assert record["version"] == 1 and [c["changeType"] for c in record["changes"]] == ["CREATE", "UPDATE"]
    stamps = [datetime.fromisoformat(c["timestamp"].replace("Z", "+00:00")) for c in record["changes"]]
    assert stamps == sorted(stamps) and stamps[0] < stamps[1]


def test_the_fake_refuses_other_credentials_and_patch(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a customer with its changes"])
    with fake_client(fakes) as http:
        assert http.patch(f"/customer/{record_id}", json={"name": "x"}).status_code == 405
        wrong = base64.b64encode(f"1:{fakes[TX].credentials['token']}".encode()).decode()
        assert http.get(f"/customer/{record_id}", headers={"Authorization": f"Basic {wrong}"}).status_code == 401


# -- (b) the adapter --------------------------------------------------------------
def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response."""
    return replay.documented(BY_NAME[name], **changes)


def adapter(served: Served, fakes: FakeSystems, page_size: int = 100) -> GenericAdapter:
    """An adapter built as the hub builds them (configuration, auth, HttpClient), served by ``served``."""
    return replay.profiled_adapter(served, fakes, TX, PROFILE, page_size)


def test_the_adapter_creates_with_basic_auth_and_reads_the_value_envelope(fakes: FakeSystems) -> None:
    served = Served(TX, {("POST", "/customer"): documented("create a customer")})
    record_id = adapter(served, fakes).create("Customer", {"name": "New customer name", "postalAddress.city": "Oslo"})
    post = served.sent("POST")[0]
    assert record_id == "12345"
    assert json.loads(post.content)["postalAddress"] == {"city": "Oslo"}
    assert post.headers["Authorization"] == "Basic " + base64.b64encode(
        f"0:{fakes[TX].credentials['token']}".encode()).decode()


def test_the_adapter_reads_the_stamp_from_the_changes(fakes: FakeSystems) -> None:
    served = Served(TX, {("GET", ITEM): documented("update a customer with optional fields")})
    record = adapter(served, fakes).get("Customer", "12345")
    assert record is not None and record.id == "12345"
    assert record.updated == datetime(2024, 3, 2, 8, 30, tzinfo=timezone.utc)
    assert served.sent("GET")[0].url.params["fields"] == "*,changes"


def test_the_adapter_puts_the_touched_fields_with_id_and_version(fakes: FakeSystems) -> None:
    served = Served(TX, {("GET", ITEM): documented("read a customer with its changes"),
                         ("PUT", ITEM): documented("update a customer with optional fields")})
    adapter(served, fakes).update("Customer", "12345", {"name": "Updated customer name"})
    assert json.loads(served.sent("PUT")[0].content) == BY_NAME["update a customer with optional fields"]["request"]["body"]


def test_a_stale_version_is_read_again_and_sent_again(fakes: FakeSystems) -> None:
    answers = iter([documented("update a customer with a stale version"),
                    documented("update a customer with optional fields")])
    served = Served(TX, {("GET", ITEM): documented("read a customer with its changes"),
                         ("PUT", ITEM): lambda request: next(answers)(request)})
    adapter(served, fakes).update("Customer", "12345", {"name": "Updated customer name"})
    assert len(served.sent("PUT")) == 2 and len(served.sent("GET")) == 2


def test_the_adapter_lists_every_page_and_keeps_the_newer_records(fakes: FakeSystems) -> None:
    old = {"id": 1, "version": 0, "changes": [{"changeType": "CREATE", "timestamp": "2024-03-01T10:00:00+01:00"}]}
    new = {"id": 2, "version": 3, "changes": [{"changeType": "UPDATE", "timestamp": "2024-03-05T10:00:00+01:00"}]}
    pages = {"0": [old], "1": [new], "2": []}

    def answer(request: httpx.Request) -> httpx.Response:
        start = request.url.params["from"]
        values = pages[start]
        return httpx.Response(200, json={"fullResultSize": 2, "from": int(start), "count": len(values), "values": values})

    served = Served(TX, {("GET", "/customer"): answer})
    records = adapter(served, fakes, page_size=1).changed_since("Customer", datetime(2024, 3, 2, tzinfo=timezone.utc))
    assert [r.id for r in records] == ["2"]
    assert [r.url.params["from"] for r in served.sent("GET")] == ["0", "1", "2"]
    assert {r.url.params["count"] for r in served.sent("GET")} == {"1"}


def test_a_missing_record_is_none_and_other_errors_name_the_call(fakes: FakeSystems) -> None:
    served = Served(TX, {("GET", ITEM): documented("read a customer that does not exist"),
                         ("DELETE", ITEM): lambda request: httpx.Response(
                             422, json={"status": 422, "message": "Customer has invoices", "requestId": "r-1"})})
    tripletex = adapter(served, fakes)
    assert tripletex.get("Customer", "404404") is None
    with pytest.raises(AdapterError) as caught:
        tripletex.delete("Customer", "12345")
    message = str(caught.value)
    assert "DELETE" in message and "/customer/12345" in message and "422" in message
    assert "Customer has invoices" in message and fakes[TX].credentials["token"] not in message
