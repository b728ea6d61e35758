"""Zendesk (a vendor profile) against its documented examples (tests/data/vendor_examples/zendesk.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (values as sent or seeded where the server does not
assign them), and (b) against the adapter, served the documented answer, which
must send the documented request shape and read the answer right. Facts and
sources: docs/vendors/zendesk.md.
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

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/zendesk.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
ZD = "zendesk"
PROFILE = PROFILES[ZD]
SERVER_ASSIGNED = {"id", "created_at", "updated_at"}
USER = r"/api/v2/users/\d+"
USERS = "/api/v2/users"


def catalog() -> Catalog:
    entities = {"Users": EntityInfo("Users", ("email", "name", "phone", "role")),
                "Tickets": EntityInfo("Tickets", ("subject", "requester_id"))}
    return Catalog({ZD: SystemInfo(ZD, "Zendesk", ZD, entities)})


def documented_user() -> dict:
    """The documented user as a client creates it: without what the server assigns."""
    user = BY_NAME["read a user"]["response"]["body"]["user"]
    return {k: v for k, v in user.items() if k not in SERVER_ASSIGNED}


def basic(user: str, token: str) -> str:
    """``Authorization: Basic`` of ``<email>/token:<api token>``."""
    return "Basic " + base64.b64encode(f"{user}/token:{token}".encode()).decode()


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture
def fakes() -> FakeSystems:
    return FakeSystems(catalog())


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the Zendesk fake with its email and API token."""
    credentials = fakes[ZD].credentials
    return httpx.Client(transport=fakes.transport(), headers={"Authorization": basic(credentials["user"], credentials["token"])},
                        base_url=fakes.config().systems[ZD].base_url)


def seed(fakes: FakeSystems, example: dict) -> str:
    """The records the example's request needs; the id for ``{id}``."""
    if example["response"]["status"] == 404:
        return "404404"
    if "/tickets/" in example["request"]["path"]:
        return fakes.seed(ZD, "Tickets", [{"subject": "Help"}])[0]
    return fakes.seed(ZD, "Users", [documented_user()] * (2 if example["request"]["path"] == USERS else 1))[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id = seed(fakes, example)
    request = example["request"]
    with fake_client(fakes) as http:
        answer = replay.send(http, request, record_id)
    body = replay.answered_as_documented(example, answer)
    if body is None:
        return
    if "user" in body and isinstance(request["body"], dict):
        assert request["body"]["user"].items() <= body["user"].items()


def test_the_fake_pages_by_cursor_and_says_when_there_is_no_more(fakes: FakeSystems) -> None:
    fakes.seed(ZD, "Users", [{"name": f"U{n}", "email": f"u{n}@example.org"} for n in range(3)])
    with fake_client(fakes) as http:
        first = http.get(USERS, params={"page[size]": 2}).json()
        last = http.get(first["links"]["next"]).json()
        too_big = http.get(USERS, params={"page[size]": PROFILE.page_cap + 1})
    assert [len(first["users"]), len(last["users"])] == [2, 1]
    assert first["meta"]["has_more"] is True and last["meta"]["has_more"] is False
    following = httpx.URL(first["links"]["next"]).params
    assert following["page[after]"] == first["meta"]["after_cursor"] and following["page[size]"] == "2"
    assert last["meta"]["after_cursor"] is None
    assert too_big.status_code == 400 and "page[size]" in too_big.json()["description"]


def test_the_fake_wants_the_record_envelope_and_the_email_token_pair(fakes: FakeSystems) -> None:
    record_id = seed(fakes, BY_NAME["read a user"])
    with fake_client(fakes) as http:
        bare = http.put(f"{USERS}/{record_id}", json={"name": "Bare"})
        patch = http.patch(f"{USERS}/{record_id}", json={"user": {"name": "Patched"}})
        wrong = http.get(f"{USERS}/{record_id}", headers={"Authorization": basic("other@example.org",
                                                                                  fakes[ZD].credentials["token"])})
    assert bare.status_code == 400 and "'user'" in bare.json()["description"]
    assert patch.status_code == 405 and wrong.status_code == 401


# -- (b) the adapter --------------------------------------------------------------
def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response."""
    return replay.documented(BY_NAME[name], **changes)


def adapter(served: Served, fakes: FakeSystems, page_size: int = 100) -> GenericAdapter:
    """An adapter built as the hub builds them (configuration, auth, HttpClient), served by ``served``."""
    return replay.profiled_adapter(served, fakes, ZD, PROFILE, page_size)


def test_the_adapter_creates_inside_the_envelope_with_the_email_token_pair(fakes: FakeSystems) -> None:
    served = Served(ZD, {("POST", USERS): documented("create a user")})
    record_id = adapter(served, fakes).create("Users", {"name": "Roger Wilco", "email": "roge@example.org"})
    post = served.sent("POST")[0]
    assert record_id == "9873843"
    assert set(json.loads(post.content)) == {"user"}
    assert json.loads(post.content)["user"] | {"name": "Roger Wilco", "email": "roge@example.org"} == json.loads(post.content)["user"]
    credentials = fakes[ZD].credentials
    assert post.headers["Authorization"] == basic(credentials["user"], credentials["token"])


def test_the_adapter_puts_the_touched_fields_inside_the_envelope(fakes: FakeSystems) -> None:
    served = Served(ZD, {("GET", USER): documented("read a user"), ("PUT", USER): documented("update a user")})
    zendesk = adapter(served, fakes)
    zendesk.update("Users", "9873843", {"name": "Roger Wilco II"})
    assert json.loads(served.sent("PUT")[0].content) == BY_NAME["update a user"]["request"]["body"]
    record = zendesk.get("Users", "9873843")
    assert record is not None and record.updated == datetime(2011, 5, 5, 10, 38, 52, tzinfo=timezone.utc)


def test_the_adapter_follows_links_next_until_has_more_is_false(fakes: FakeSystems) -> None:
    base = fakes.config().systems[ZD].base_url
    example = BY_NAME["list users page by page"]["response"]["body"]
    newer = {**example["users"][0], "id": 2, "email": "new@example.org", "updated_at": "2024-03-05T10:00:00Z"}
    first = documented("list users page by page", links={"next": f"{base}{USERS}?page[size]=1&page[after]=xxx"})
    last = documented("list users page by page", users=[newer], meta={"has_more": False, "after_cursor": None},
                      links={"next": f"{base}{USERS}?page[size]=1&page[after]=yyy"})
    served = Served(ZD, {("GET", USERS): lambda request: (last if "page[after]" in request.url.params else first)(request)})
    zendesk = adapter(served, fakes, page_size=1)
    records = zendesk.changed_since("Users", datetime(2024, 3, 2, tzinfo=timezone.utc))
    assert [r.id for r in records] == ["2"]
    assert [dict(r.url.params) for r in served.sent("GET")] == [{"page[size]": "1"}, {"page[size]": "1", "page[after]": "xxx"}]
    assert zendesk.find("Users", "email", "new@example.org") == ["2"]


def test_a_server_that_ignores_the_cursor_stops_the_list_with_an_error(fakes: FakeSystems) -> None:
    base = fakes.config().systems[ZD].base_url
    same = documented("list users page by page", links={"next": f"{base}{USERS}?page[size]=1&page[after]=xxx"})
    served = Served(ZD, {("GET", USERS): same})
    with pytest.raises(AdapterError, match="only records of earlier pages.*cannot end"):
        adapter(served, fakes, page_size=1).changed_since("Users", None)
    assert len(served.sent("GET")) == 2


def test_a_missing_record_is_none_and_other_errors_name_the_call(fakes: FakeSystems) -> None:
    served = Served(ZD, {("GET", USER): documented("read a user that does not exist"),
                         ("DELETE", r"/api/v2/tickets/\d+"): lambda request: httpx.Response(
                             422, json={"error": "RecordInvalid", "description": "Record validation errors"})})
    zendesk = adapter(served, fakes)
    assert zendesk.get("Users", "404404") is None
    with pytest.raises(AdapterError) as caught:
        zendesk.delete("Tickets", "35436")
    message = str(caught.value)
    assert "DELETE" in message and "/api/v2/tickets/35436" in message and "422" in message
    assert "Record validation errors" in message and fakes[ZD].credentials["token"] not in message
