"""PowerOffice Go v2 as documented (tests/data/vendor_examples/powerofficego.json, each example
with its source; the facts are in docs/vendors/powerofficego.md): the fake answers the
documented requests in the documented shapes, and the adapter sends the documented requests
and reads the documented answers (an empty 204 list is no records, not an exception)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from vendor_replay import json_type

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.powerofficego import PowerOfficeFake
from dataflow_qa.generator.parse import find_documents, parse_paths
from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.powerofficego import PARENT, SERVER_FIELDS, PowerOfficeAdapter
from dataflow_qa.systems.adapters.rest import parse_time
from dataflow_qa.systems.config import SandboxConfig, SystemConfig, build_adapter

EXAMPLES = json.loads((Path(__file__).parent / "data/vendor_examples/powerofficego.json").read_text(encoding="utf-8"))
BY_NAME = {example["name"]: example for example in EXAMPLES}
BASE = "https://goapi.poweroffice.net/v2"
PARENT_ID = 12345
ENV = {"POGO_APP": "app-key", "POGO_CLIENT": "client-key", "POGO_SUB": "subscription-key"}

Sent = list[httpx.Request]


# -- comparing shapes --------------------------------------------------------------

def shape_problems(actual: Any, documented: Any, values: bool, at: str = "") -> list[str]:
    """Where ``actual`` lacks a documented key, has another JSON type, or (``values``) another
    value at a key the server does not assign."""
    if json_type(actual) != json_type(documented):
        return [f"{at or '/'}: {json_type(actual)}, documented {json_type(documented)}"]
    if isinstance(documented, dict):
        return [problem for key, value in documented.items()
                for problem in ([f"{at}/{key}: missing"] if key not in actual else
                                shape_problems(actual[key], value, values and key not in SERVER_FIELDS, f"{at}/{key}"))]
    if isinstance(documented, list):
        if len(actual) != len(documented):
            return [f"{at or '/'}: {len(actual)} items, documented {len(documented)}"]
        return [p for i, (a, d) in enumerate(zip(actual, documented)) for p in shape_problems(a, d, values, f"{at}/{i}")]
    return [f"{at}: {actual!r}, documented {documented!r}"] if values and actual != documented else []


# -- (a) the fake answers the documented requests ------------------------------------
@pytest.fixture(scope="module")
def documents() -> list[Any]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


@pytest.fixture
def fakes(documents: list[Any]) -> FakeSystems:
    return FakeSystems.from_documents(documents)


def put(fake: PowerOfficeFake, collection: str, data: dict) -> None:
    """Store a record under its own ``Id`` (the documented examples name their ids)."""
    body = {key: value for key, value in data.items() if key not in SERVER_FIELDS}
    fake.commit(None, collection, str(data["Id"]), {"Id": data["Id"], **body}, "seed", {})


def seed_for(fake: PowerOfficeFake, example: dict) -> None:
    """The parent customer, and every record a read, patch or delete of the example expects to exist
    (none for a documented 404)."""
    if example["response"]["status"] == 404:
        return
    put(fake, "Customers", {"Id": PARENT_ID, "IsPerson": False, "Name": "Eksempel AS"})
    request, body = example["request"], example["response"]["body"]
    if request["method"] == "POST":
        return
    records = body if isinstance(body, list) else [body] if isinstance(body, dict) and "Id" in body else []
    if request["method"] == "DELETE":
        records = [{"Id": int(request["path"].rsplit("/", 1)[1]), "FirstName": "Ola", "LastName": "Nordmann",
                    **({PARENT: PARENT_ID} if request["path"].startswith("/ContactPersons") else {})}]
    for record in records:
        put(fake, "ContactPersons" if PARENT in record else "Customers", record)


@pytest.fixture
def client(fakes: FakeSystems) -> Iterator[httpx.Client]:
    """A client with a token, talking to the fake PowerOffice Go in-process."""
    creds = fakes["powerofficego"].credentials
    with httpx.Client(transport=fakes.transport(), base_url="http://fakes.invalid/powerofficego") as http:
        key = {"Ocp-Apim-Subscription-Key": creds["subscription_key"]}
        token = http.post("/OAuth/Token", data={"grant_type": "client_credentials"}, headers=key,
                          auth=(creds["application_key"], creds["client_key"])).json()["access_token"]
        http.headers.update({**key, "Authorization": f"Bearer {token}"})
        yield http


def send(client: httpx.Client, request: dict) -> httpx.Response:
    """A documented request sent as written."""
    body = request["body"]
    content = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **request["headers"]} if content else request["headers"]
    return client.request(request["method"], "/v2" + request["path"], params=request["query"], content=content,
                          headers=headers)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_the_documented_request_in_the_documented_shape(fakes: FakeSystems, client: httpx.Client,
                                                                        example: dict) -> None:
    seed_for(fakes["powerofficego"], example)  # type: ignore[arg-type]
    answer = send(client, example["request"])
    documented = example["response"]
    assert answer.status_code == documented["status"], answer.text
    if documented["body"] is None:
        assert answer.content == b""
        return
    assert answer.headers["Content-Type"].startswith("application/json")
    assert shape_problems(answer.json(), documented["body"], values=answer.status_code < 400) == []


def test_the_fake_refuses_a_patch_of_the_read_only_change_stamp(fakes: FakeSystems, client: httpx.Client) -> None:
    seed_for(fakes["powerofficego"], BY_NAME["get_customer"])  # type: ignore[arg-type]
    test_op = [{"op": "test", "path": "/LastChangedDateTimeOffset", "value": "2023-10-19T11:05:00.1234567Z"},
               {"op": "replace", "path": "/PhoneNumber", "value": "22 33"}]
    answer = client.patch("/v2/Customers/12345", content=json.dumps(test_op).encode(),
                          headers={"Content-Type": "application/json-patch+json"})
    assert answer.status_code == 400 and "/LastChangedDateTimeOffset" in answer.json()["detail"]
    assert fakes.records("powerofficego", "Customers")[0]["PhoneNumber"] == "+47 22 33 44 55"


def test_the_fake_answers_a_patch_path_that_is_no_json_pointer_with_400(fakes: FakeSystems, client: httpx.Client) -> None:
    seed_for(fakes["powerofficego"], BY_NAME["get_customer"])  # type: ignore[arg-type]
    answer = client.patch("/v2/Customers/12345", content=b'[{"op": "replace", "path": "PhoneNumber", "value": "1"}]',
                          headers={"Content-Type": "application/json-patch+json"})
    assert answer.status_code == 400 and "JSON Pointer" in answer.json()["detail"]


def test_the_fake_orders_by_id_unless_told_and_ignores_undocumented_filters(fakes: FakeSystems,
                                                                           client: httpx.Client) -> None:
    fake = fakes["powerofficego"]
    for record_id, name in ((3, "Per"), (1, "Kari"), (2, "Ola")):
        put(fake, "Customers", {"Id": record_id, "IsPerson": True, "FirstName": name})  # type: ignore[arg-type]
    plain = client.get("/v2/Customers", params={"FirstName": "Kari"}).json()
    by_change = client.get("/v2/Customers", params={"orderby": "LastChangedDateTimeOffset desc"}).json()
    assert [c["Id"] for c in plain] == [1, 2, 3]
    assert [c["Id"] for c in by_change] == [2, 1, 3]


def test_the_fake_creates_contact_persons_only_under_an_existing_contact(client: httpx.Client) -> None:
    answer = client.post("/v2/ContactPersons/4242", json={"FirstName": "Ola", "LastName": "Nordmann"})
    assert answer.status_code == 404 and "4242" in answer.json()["detail"]


# -- (b) the adapter sends the documented requests and reads the documented answers ----
def adapter_on(answers: dict[tuple[str, str], httpx.Response | Callable[[httpx.Request], httpx.Response]],
               sent: Sent, page_size: int = 100, collections: dict[str, str] | None = None) -> PowerOfficeAdapter:
    """An adapter built as the hub builds one, on a transport answering ``(method, path below /v2)``."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/OAuth/Token"):
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer", "expires_in": 1200})
        sent.append(request)
        answer = answers.get((request.method, request.url.path.removeprefix("/v2")))
        if answer is None:
            return httpx.Response(404, json={"detail": "not in this test", "title": "Not Found"})
        return answer(request) if callable(answer) else answer

    system = SystemConfig(id="powerofficego", dialect="powerofficego", base_url=BASE, auth="poweroffice",
                          env={"application_key": "POGO_APP", "client_key": "POGO_CLIENT",
                               "subscription_key": "POGO_SUB"},
                          page_size=page_size, collections=collections or {})
    config = SandboxConfig({"powerofficego": system}, ("goapi.poweroffice.net",))
    adapter = build_adapter(system, config, env=ENV, transport=httpx.MockTransport(handle), sleep=lambda _: None)
    assert isinstance(adapter, PowerOfficeAdapter)
    return adapter


def documented_answer(name: str) -> httpx.Response:
    """An example's documented response."""
    response = BY_NAME[name]["response"]
    content = b"" if response["body"] is None else json.dumps(response["body"]).encode()
    return httpx.Response(response["status"], headers=response["headers"], content=content)


def route(*names: str) -> dict[tuple[str, str], httpx.Response]:
    """The documented answers of some examples, by their request's method and path."""
    return {(BY_NAME[n]["request"]["method"], BY_NAME[n]["request"]["path"]): documented_answer(n) for n in names}


def assert_sent_as_documented(request: httpx.Request, name: str) -> None:
    """Method, path, query (times compared as times) and body as the example documents them."""
    documented = BY_NAME[name]["request"]
    assert (request.method, request.url.path) == (documented["method"], "/v2" + documented["path"])
    query = dict(request.url.params)
    assert set(query) == set(documented["query"])
    for key, value in documented["query"].items():
        assert (parse_time(query[key]) == parse_time(value)) if key.endswith("GreaterThan") else query[key] == value
    for key, value in documented["headers"].items():
        assert request.headers[key] == value
    if documented["body"] is None:
        assert request.content == b""
        return
    body = json.loads(request.content)
    assert body == documented["body"] if isinstance(documented["body"], list) else \
        {k: body.get(k) for k in documented["body"]} == documented["body"]


@pytest.fixture
def sent() -> Iterator[Sent]:
    yield []


def test_changes_send_the_documented_filter_and_order_and_read_the_records(sent: Sent) -> None:
    adapter = adapter_on(route("list_customers_changed_since"), sent)
    since = parse_time(BY_NAME["list_customers_changed_since"]["request"]["query"]["lastChangedDateTimeOffsetGreaterThan"])
    records = adapter.changed_since("Customers", since)
    assert_sent_as_documented(sent[0], "list_customers_changed_since")
    assert [(r.id, r.data["FirstName"]) for r in records] == [("12345", "Kari")]
    assert records[0].updated == datetime(2023, 10, 19, 11, 5, 0, 123456, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, call", [
    ("list_customers_nothing_matches", lambda a: a.find("Customers", "ExternalImportReference", "no-such-reference")),
    ("list_contact_persons_nothing_matches",
     lambda a: a.changed_since("Contactperson", datetime(2999, 1, 1, tzinfo=timezone.utc))),
])
def test_an_empty_204_list_is_no_records(sent: Sent, name: str, call: Callable[[PowerOfficeAdapter], list]) -> None:
    assert call(adapter_on(route(name), sent)) == []
    assert_sent_as_documented(sent[0], name)


def test_create_posts_the_documented_body_and_reads_the_new_id(sent: Sent) -> None:
    adapter = adapter_on(route("create_customer_person"), sent)
    new_id = adapter.create("Customers person", {"FirstName": "Kari", "LastName": "Nordmann",
                                                 "PhoneNumber": "+47 22 33 44 55", "EmailAddress": "kari@example.no"})
    assert new_id == "12345"
    assert_sent_as_documented(sent[0], "create_customer_person")
    assert json.loads(sent[0].content)["ExternalImportReference"].startswith("dfqa-")


def test_get_reads_the_record_and_a_404_as_absent(sent: Sent) -> None:
    record = adapter_on(route("get_customer"), sent).get("Customers", "12345")
    assert record is not None and record.data == BY_NAME["get_customer"]["response"]["body"]
    assert adapter_on(route("get_customer_not_found"), sent).get("Customers", "12345") is None
    for request in sent:
        assert_sent_as_documented(request, "get_customer")


def test_update_sends_replace_operations_only(sent: Sent) -> None:
    adapter = adapter_on(route("get_customer", "patch_customer_replace"), sent)
    adapter.update("Customers", "12345", {"PhoneNumber": "+47 22 33 44 55"})
    assert [r.method for r in sent] == ["GET", "PATCH"]
    assert_sent_as_documented(sent[1], "patch_customer_replace")


def test_delete_accepts_the_documented_200(sent: Sent) -> None:
    adapter_on(route("delete_customer", "delete_contact_person"), sent).delete("Customers", "12345")
    adapter_on(route("delete_contact_person"), sent).delete("Contactperson", "12345/789")
    assert_sent_as_documented(sent[0], "delete_customer")
    assert_sent_as_documented(sent[1], "delete_contact_person")


def test_contact_persons_are_addressed_under_their_contact_by_the_documents_names(sent: Sent) -> None:
    adapter = adapter_on(route("create_contact_person", "get_contact_person", "patch_contact_person_replace",
                               "list_contact_persons_of_contact"), sent)
    new_id = adapter.create("Contactperson", {"firstName": "Ola", "lastName": "Nordmann", "partyId": PARENT_ID,
                                              "emailAddress": "ola@example.no", "phoneNumber": "+47 99 88 77 66"})
    assert new_id == "12345/789"
    assert adapter.find("Contactperson", "partyId", PARENT_ID) == [new_id]
    adapter.update("Contactperson", new_id, {"phoneNumber": "+47 99 88 77 66"})
    record = adapter.get("Contactperson", new_id)
    assert record is not None and adapter.read(record, "firstName") == "Ola" and adapter.read(record, "partyId") == 12345
    assert adapter.assigned("Contactperson", "id") and not adapter.assigned("Contactperson", "partyId")
    assert_sent_as_documented(sent[0], "create_contact_person")
    assert "ContactId" not in json.loads(sent[0].content)
    assert_sent_as_documented(sent[1], "list_contact_persons_of_contact")
    assert_sent_as_documented(sent[3], "patch_contact_person_replace")


def test_a_contact_person_without_a_parent_is_refused_before_any_request(sent: Sent) -> None:
    with pytest.raises(AdapterError, match=r"POST /ContactPersons/\{contactId\}.*partyId.*ContactPersons/<contactId>"):
        adapter_on({}, sent).create("Contactperson", {"firstName": "Ola", "lastName": "Nordmann"})
    assert sent == []
    configured = adapter_on(route("create_contact_person"), sent, collections={"Contactperson": "ContactPersons/12345"})
    assert configured.create("Contactperson", {"firstName": "Ola", "lastName": "Nordmann"}) == "12345/789"
    assert sent[0].url.path == "/v2/ContactPersons/12345"


def test_a_contact_person_cannot_move_to_another_contact(sent: Sent) -> None:
    adapter = adapter_on(route("get_contact_person"), sent)
    with pytest.raises(AdapterError, match="ContactId is read-only"):
        adapter.update("Contactperson", "12345/789", {"partyId": 4242})
    assert [r.method for r in sent] == ["GET"]


@pytest.mark.parametrize("answer, why", [
    (httpx.Response(200, content=b"<html>gateway</html>"), "the body is not JSON"),
    (httpx.Response(200, json={"Id": 1}), "expected a JSON array"),
    (httpx.Response(200, json=[{"Name": "no id"}]), "expected a JSON array"),
])
def test_an_unreadable_list_answer_is_an_adapter_error_naming_the_call(sent: Sent, answer: httpx.Response,
                                                                       why: str) -> None:
    with pytest.raises(AdapterError) as caught:
        adapter_on({("GET", "/Customers"): answer}, sent).changed_since("Customers", None)
    message = str(caught.value)
    assert f"GET {BASE}/Customers?" in message and "answered 200" in message and why in message
    assert answer.text[:20] in message and caught.value.status == 200


def test_a_create_answered_without_a_record_is_an_adapter_error(sent: Sent) -> None:
    adapter = adapter_on({("POST", "/Customers"): httpx.Response(201)}, sent)
    with pytest.raises(AdapterError, match=r"POST .*/Customers answered 201 Created; body: \(empty\)"):
        adapter.create("Customers", {"Name": "Eksempel AS"})


def server(records: list[dict]) -> Callable[[httpx.Request], httpx.Response]:
    """A list endpoint as documented: strict ``GreaterThan``, ``OrderBy`` stamp then Id, 1-based pages, 204 when empty."""
    def answer(request: httpx.Request) -> httpx.Response:
        query = request.url.params
        assert query["OrderBy"] == "LastChangedDateTimeOffset asc, Id asc"
        since = parse_time(query.get("lastChangedDateTimeOffsetGreaterThan", "0001-01-01T00:00:00Z"))
        assert since is not None
        rows = sorted((r for r in records if parse_time(r["LastChangedDateTimeOffset"]) > since),  # type: ignore[operator]
                      key=lambda r: (parse_time(r["LastChangedDateTimeOffset"]), r["Id"]))
        size, number = int(query["PageSize"]), int(query["PageNumber"])
        page = rows[(number - 1) * size:number * size]
        return httpx.Response(200, json=page) if page else httpx.Response(204)
    return answer


def test_changes_skip_no_record_when_stamps_tie_across_a_page_boundary(sent: Sent) -> None:
    start = datetime(2023, 10, 19, 11, 5, tzinfo=timezone.utc)
    stamps = [start, start + timedelta(seconds=1), start + timedelta(seconds=1), start + timedelta(seconds=1),
              start + timedelta(seconds=2)]
    records = [{"Id": i + 1, "Name": f"N{i}", "LastChangedDateTimeOffset": s.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")}
               for i, s in enumerate(stamps)]
    adapter = adapter_on({("GET", "/Customers"): server(records)}, sent, page_size=2)
    assert [r.id for r in adapter.changed_since("Customers", None)] == ["1", "2", "3", "4", "5"]
    assert [r.id for r in adapter.changed_since("Customers", start)] == ["2", "3", "4", "5"]
