"""WebCRM's documented examples (tests/data/vendor_examples/webcrm.json) replayed against the fake and the adapter.

Against the fake, each documented request is sent as written (with the fake's
credentials and the ids of records seeded for it) and must get the documented
status and a body of the same shape: the same keys and JSON types, and the same
values wherever the server does not assign them. Through the adapter, the
documented answers are served by ``httpx.MockTransport`` to a client built from
a sandbox configuration, and the adapter must send the documented request and
read the answer right. Facts and sources: docs/vendors/webcrm.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.systems.adapters.base import Adapter, AdapterError
from dataflow_qa.systems.config import build_adapters, parse_config
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES: list[dict[str, Any]] = json.loads((ROOT / "tests/data/vendor_examples/webcrm.json").read_text(encoding="utf-8"))
BY_NAME = {example["name"]: example for example in EXAMPLES}
PERSON: dict[str, Any] = BY_NAME["get person"]["response"]["body"]
AUTH_CODE = "12345678-90ab-cdef-1234-4567890abcdef"
ASSIGNED = {"AccessToken", "RefreshToken", "SystemId", "RetryAfterSeconds", "PersonId", "PersonCreatedAt", "PersonUpdatedAt"}
"""Keys whose values the server assigns: only their JSON type is compared."""
BASE = "https://api.webcrm.com"


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents([str(ROOT / "specs")])) if r.document is not None]


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- comparing answers ------------------------------------------------------------
def json_type(value: Any) -> str:
    """The JSON type of a decoded value (a bool is not a number)."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def assert_shape(documented: Any, answered: Any, where: str = "body", assigned: bool = False) -> None:
    """``answered`` has ``documented``'s keys and JSON types, and its values where the server does not assign them."""
    assert json_type(answered) == json_type(documented), f"{where}: {answered!r} is not a {json_type(documented)}"
    if isinstance(documented, dict):
        assert sorted(answered) == sorted(documented), f"{where}: keys differ: {sorted(set(answered) ^ set(documented))}"
        for key, value in documented.items():
            assert_shape(value, answered[key], f"{where}.{key}", assigned or key in ASSIGNED)
    elif isinstance(documented, list):
        assert len(answered) == len(documented), f"{where}: {len(answered)} items, documented {len(documented)}"
        for index, (value, got) in enumerate(zip(documented, answered)):
            assert_shape(value, got, f"{where}[{index}]", assigned)
    elif not assigned:
        assert answered == documented, f"{where}: {answered!r}, documented {documented!r}"


def answer_values_assigned(body: Any) -> bool:
    """A bare value or a list of bare values answers with what the server assigned (new ids, upsert results)."""
    return not isinstance(body, dict) and not (isinstance(body, list) and body and isinstance(body[0], dict))


def assert_documented_answer(example: dict[str, Any], response: httpx.Response) -> None:
    """The documented status, headers (present; the media type equal) and body shape."""
    documented = example["response"]
    assert response.status_code == documented["status"], response.text
    for name, value in documented["headers"].items():
        assert name in response.headers, f"{name} missing from {dict(response.headers)}"
        if name == "Content-Type":
            assert response.headers[name].split(";")[0] == value
    if documented["body"] is None:
        assert response.content == b""
        return
    assert_shape(documented["body"], response.json(), assigned=answer_values_assigned(documented["body"]))


# -- (a) the examples against the fake --------------------------------------------
def send(fakes: FakeSystems, example: dict[str, Any], ids: dict[str, str]) -> httpx.Response:
    """The documented request, sent to the fake with its token, auth code and the seeded records' ids."""
    request, fake = example["request"], fakes["webcrm"]
    path = request["path"]
    for documented, seeded in ids.items():
        path = path.replace(documented, seeded)
    headers = dict(request["headers"])
    if "Authorization" in headers:
        headers["Authorization"] = f"Bearer {fake.issue_token()}"
    body = request["body"]
    if isinstance(body, str):
        content = body.replace(AUTH_CODE, fake.credentials["auth_code"]).encode()
    else:
        content = b"" if body is None else json.dumps(with_seeded_ids(body, ids)).encode()
    url = f"http://fakes.invalid/webcrm{path}"
    return fakes.handler(httpx.Request(request["method"], url, params=request["query"], headers=headers, content=content))


def with_seeded_ids(body: Any, ids: dict[str, str]) -> Any:
    """``body`` with documented ``PersonId`` values replaced by the seeded record's."""
    if isinstance(body, list):
        return [with_seeded_ids(item, ids) for item in body]
    if isinstance(body, dict) and str(body.get("PersonId")) in ids:
        return {**body, "PersonId": int(ids[str(body["PersonId"])])}
    return body


def seed(fakes: FakeSystems) -> dict[str, str]:
    """The documented person and a product, stored; documented id -> seeded id (as path text)."""
    person = {k: v for k, v in PERSON.items() if k not in ASSIGNED}
    person_id, = fakes.seed("webcrm", "Persons", [person])
    product_id, = fakes.seed("webcrm", "Products", [{"ProductName": "Widget"}])
    return {"2": person_id, "/Products/7": f"/Products/{product_id}"}


REPLAYED = [name for name in BY_NAME if name != "rate limited"]


@pytest.mark.parametrize("name", REPLAYED)
def test_the_fake_answers_each_documented_request_as_documented(documents: list[Document], name: str) -> None:
    fakes = FakeSystems.from_documents(documents)
    ids = seed(fakes)
    assert_documented_answer(BY_NAME[name], send(fakes, BY_NAME[name], ids))


def test_the_fake_keeps_what_a_documented_put_sends(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    ids = seed(fakes)
    send(fakes, BY_NAME["update person"], ids)
    stored, = fakes.records("webcrm", "Persons")
    assert stored["PersonFirstName"] == "webCRM edited" and stored["PersonId"] == int(ids["2"])
    assert [w.action for w in fakes.writes("webcrm")] == ["replace"]


def test_the_fake_deletes_a_product_and_then_answers_404(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    ids = seed(fakes)
    send(fakes, BY_NAME["delete product"], ids)
    again = send(fakes, BY_NAME["delete product"], ids)
    assert again.status_code == 404 and again.json()["Type"] == "NotFoundException"


def test_the_fake_throttles_the_251st_request_of_a_minute_as_documented(documents: list[Document]) -> None:
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, rate_limits=True, monotonic=clock)
    example = BY_NAME["rate limited"]
    assert {send(fakes, example, {}).status_code for _ in range(250)} == {200}
    refused = send(fakes, example, {})
    assert_documented_answer(example, refused)
    assert refused.headers["Retry-After"] == str(refused.json()["RetryAfterSeconds"])
    clock.now += 60
    assert send(fakes, example, {}).status_code == 200


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/Persons/{id}", "GET, PUT"), ("PATCH", "/Persons/{id}", "GET, PUT"), ("DELETE", "/Users/{id}", "GET, PUT"),
    ("DELETE", "/Persons", "GET, PATCH, POST"),
])
def test_the_fake_refuses_methods_webcrm_does_not_have_with_405(documents: list[Document], method: str, path: str,
                                                                allowed: str) -> None:
    """Unknown: assumed ASP.NET Core's answer to a method a route lacks (405, ``Allow``, no body)."""
    fakes = FakeSystems.from_documents(documents)
    ids = seed(fakes)
    user_id, = fakes.seed("webcrm", "Users", [{"UserName": "u"}])
    example = {"request": {"method": method, "path": path.replace("{id}", user_id if "Users" in path else ids["2"]),
                           "query": {}, "headers": {"Authorization": ""}, "body": {"PersonId": 1}}}
    refused = send(fakes, example, {})
    assert (refused.status_code, refused.headers["Allow"], refused.content) == (405, allowed, b"")
    assert len(fakes.records("webcrm", "Persons")) == 1 and fakes.writes("webcrm") == []


def test_the_fake_requires_the_id_field_and_the_auth_code_in_the_form(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    create = json.loads(json.dumps(BY_NAME["create person"]))
    del create["request"]["body"]["PersonId"]
    refused = send(fakes, create, {})
    assert refused.status_code == 400 and "PersonId" in refused.json()["Message"]
    code = fakes["webcrm"].credentials["auth_code"]
    in_query = fakes.handler(httpx.Request("POST", "http://fakes.invalid/webcrm/Auth/ApiLogin", params={"authCode": code}))
    assert in_query.status_code == 401
    multipart = fakes.handler(httpx.Request("POST", "http://fakes.invalid/webcrm/Auth/ApiLogin",
                                            files={"authCode": (None, code)}))
    assert multipart.status_code == 200 and multipart.json()["TokenType"] == "Bearer"


# -- (b) the adapter against the documented answers ---------------------------------
def answer(example: dict[str, Any]) -> httpx.Response:
    """The documented response of an example."""
    documented = example["response"]
    body = documented["body"]
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(documented["status"], headers=documented["headers"], content=content)


class Served:
    """A WebCRM adapter whose calls get the given answers in turn (the login its documented one)."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response], page_size: int = 100,
                 **system: Any) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self._answers: Iterator[httpx.Response | Callable[[httpx.Request], httpx.Response]] = iter(answers)
        data = {"sandbox": {"allowed_hosts": ["api.webcrm.com"]},
                "systems": {"webcrm": {"dialect": "webcrm", "base_url": BASE, "auth": "webcrm-apilogin",
                                       "auth_code_env": "WEBCRM_AUTH_CODE", "page_size": page_size, **system}}}
        env = {"WEBCRM_AUTH_CODE": AUTH_CODE}
        self.adapter: Adapter = build_adapters(parse_config(data, env), env=env, transport=httpx.MockTransport(self._handle),
                                               sleep=self.sleeps.append)["webcrm"]

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/Auth/ApiLogin":
            return answer(BY_NAME["login"])
        reply = next(self._answers)
        return reply(request) if callable(reply) else reply

    @property
    def calls(self) -> list[httpx.Request]:
        """The requests after the login."""
        return [r for r in self.requests if r.url.path != "/Auth/ApiLogin"]


def test_the_adapter_logs_in_with_the_auth_code_as_form_data_and_reads_a_documented_person() -> None:
    served = Served(answer(BY_NAME["get person"]))
    record = served.adapter.get("Persons", "2")
    login, call = served.requests
    documented = BY_NAME["login"]["request"]
    assert (login.method, login.url.path, login.url.params.get("authCode")) == ("POST", documented["path"], None)
    assert login.headers["Content-Type"] == documented["headers"]["Content-Type"] and login.content.decode() == documented["body"]
    assert call.headers["Authorization"] == "Bearer " + BY_NAME["login"]["response"]["body"]["AccessToken"]
    assert record is not None and record.id == "2" and record.data == PERSON
    assert record.updated == datetime(2022, 8, 11, 7, 45, 34, tzinfo=timezone.utc)


def test_a_create_sends_the_documented_body_and_reads_the_new_id() -> None:
    served = Served(answer(BY_NAME["create person"]))
    documented = BY_NAME["create person"]["request"]
    values = {k: v for k, v in documented["body"].items() if k != "PersonId"}
    assert served.adapter.create("Persons", values) == "3"
    call, = served.calls
    sent = json.loads(call.content)
    assert (call.method, call.url.path) == (documented["method"], documented["path"])
    assert sent.pop("PersonCustom15").startswith("dfqa-") and sent == documented["body"]


def test_a_create_answered_without_a_body_finds_the_record_by_its_marker() -> None:
    """Unknown: Users and Organisations document POST answers without a body; the marker names the new record."""
    def found(request: httpx.Request) -> httpx.Response:
        marker = json.loads(served.calls[0].content)["UserCustom15"]
        assert request.url.params["script"] == f"SELECT * FROM User WHERE UserCustom15 = '{marker}'"
        return httpx.Response(200, json=[{"UserId": 12, "UserCustom15": marker, "UserUpdatedAt": "2024-01-02T03:04:05+01:00"}])

    served = Served(httpx.Response(200), found)
    assert served.adapter.create("Users", {"UserMobilePhone": "+47 1"}) == "12"


def test_a_create_answered_without_a_body_or_a_marker_is_an_error_not_a_guess() -> None:
    served = Served(httpx.Response(200), marker_field="")
    with pytest.raises(AdapterError) as caught:
        served.adapter.create("Users", {"UserMobilePhone": "+47 1"})
    assert f"POST {BASE}/Users answered 200" in str(caught.value) and "no marker" in str(caught.value)


def test_an_update_puts_the_whole_documented_record() -> None:
    served = Served(answer(BY_NAME["get person"]), answer(BY_NAME["update person"]))
    served.adapter.update("Persons", "2", {"PersonFirstName": "webCRM edited"})
    read, put = served.calls
    documented = BY_NAME["update person"]["request"]
    assert (read.method, read.url.path) == ("GET", "/Persons/2")
    assert (put.method, put.url.path, json.loads(put.content)) == (documented["method"], documented["path"], documented["body"])


def test_changes_are_asked_for_with_the_vendors_literal_from_the_cursors_second() -> None:
    served = Served(answer(BY_NAME["query persons changed since"]), page_size=1000)
    since = datetime(2019, 6, 15, 15, 45, 30, 500000, tzinfo=timezone(timedelta(hours=2)))
    changed = served.adapter.changed_since("Persons", since)
    call, = served.calls
    documented = BY_NAME["query persons changed since"]["request"]["query"]
    assert call.url.params["script"] == documented["script"] + " ORDER BY PersonUpdatedAt, PersonId"
    assert (call.url.params["Page"], call.url.params["Size"]) == (documented["Page"], documented["Size"])
    assert [r.id for r in changed] == ["2"]


def test_a_find_sends_the_documented_script_and_an_empty_204_page_ends_it() -> None:
    served = Served(answer(BY_NAME["query person by field"]), httpx.Response(204), page_size=1)
    assert served.adapter.find("Persons", "PersonEmail", "support@efficy.com") == ["2"]
    first, second = served.calls
    documented = BY_NAME["query person by field"]["request"]["query"]
    assert dict(first.url.params) == documented and second.url.params["Page"] == "2"


EMPTY = {"204": (204, b""), "no-body": (200, b""), "null": (200, b"null")}


@pytest.mark.parametrize("empty", [*EMPTY, "[]"])
def test_an_empty_list_is_no_records_not_an_error(empty: str) -> None:
    status, content = EMPTY.get(empty, (200, b"[]"))
    served = Served(httpx.Response(status, content=content))
    assert served.adapter.changed_since("Persons", None) == []


@pytest.mark.parametrize("empty", EMPTY)
def test_an_empty_answer_to_a_read_is_no_record_not_an_error(empty: str) -> None:
    status, content = EMPTY[empty]
    served = Served(httpx.Response(status, content=content))
    assert served.adapter.get("Persons", "2") is None


@pytest.mark.parametrize(("reply", "detail"), [
    (httpx.Response(200, content=b"<html>Service Unavailable</html>"), "not JSON"),
    (httpx.Response(200, json={"Message": "odd"}), "JSON array"),
    (httpx.Response(400, json={"Message": "Invalid column name 'Nope'.", "Type": "BadRequestException"}), "Invalid column name"),
], ids=["not-json", "object", "400"])
def test_an_unexpected_answer_is_an_adapter_error_naming_method_url_status_and_body(reply: httpx.Response, detail: str) -> None:
    served = Served(reply)
    with pytest.raises(AdapterError) as caught:
        served.adapter.find("Persons", "Nope", "x")
    message = str(caught.value)
    assert message.startswith(f"webcrm: GET {BASE}/Queries") and f"answered {reply.status_code}" in message
    assert detail in message and caught.value.status == reply.status_code and AUTH_CODE not in message


def test_deleting_a_product_sends_the_documented_delete() -> None:
    served = Served(answer(BY_NAME["delete product"]))
    served.adapter.delete("Products", "7")
    call, = served.calls
    assert (call.method, call.url.path) == (BY_NAME["delete product"]["request"]["method"], "/Products/7")


@pytest.mark.parametrize("entity", ["Persons", "Users", "Organisations"])
def test_deleting_what_webcrm_cannot_delete_says_so_without_a_request(entity: str) -> None:
    served = Served()
    with pytest.raises(AdapterError) as caught:
        served.adapter.delete(entity, "2")
    assert caught.value.kind == "unsupported" and served.requests == []
    assert f"DELETE {BASE}/{entity}/2 not sent" in str(caught.value) and "Custom15" in str(caught.value)


def test_a_documented_429_is_waited_out_as_it_says() -> None:
    served = Served(answer(BY_NAME["rate limited"]), answer(BY_NAME["get person"]))
    assert served.adapter.get("Persons", "2") is not None
    assert served.sleeps == [14.0]


def test_records_sharing_one_second_are_all_listed_across_pages(documents: list[Document]) -> None:
    """WebCRM stamps whole seconds: more records than a page in one second must all be listed, from any cursor."""
    fakes = FakeSystems.from_documents(documents)
    second = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    fake = fakes["webcrm"]
    ids = [fake.seed("Persons", {"PersonFirstName": f"p{i}"}, second) for i in range(5)]
    adapter = fakes.adapters(page_size=2)["webcrm"]
    assert [r.id for r in adapter.changed_since("Persons", None)] == ids
    assert [r.id for r in adapter.changed_since("Persons", second - timedelta(microseconds=1))] == ids
