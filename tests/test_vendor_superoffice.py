"""SuperOffice against its vendor's documented examples (tests/data/vendor_examples/superoffice.json).

Each example is replayed (a) against the fake, which must answer the documented
status and body shape (the documented keys with the same JSON types; values as
seeded or sent where the server does not assign them), and (b) against the
adapter, served the documented answer, which must send the documented request
shape and read the answer right. Facts and sources: docs/vendors/superoffice.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import vendor_replay as replay
from vendor_replay import Handler, json_type

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.auth import soticket
from dataflow_qa.systems.adapters.superoffice import SuperOfficeAdapter
from dataflow_qa.systems.config import build_adapters
from dataflow_qa.systems.transport import HttpClient
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.hub import no_wait
from dataflow_qa.fakes.superoffice import DEFAULT_TOP, SuperOfficeFake
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

EXAMPLES: list[dict] = json.loads((Path(__file__).parent / "data/vendor_examples/superoffice.json").read_text())
BY_NAME = {example["name"]: example for example in EXAMPLES}
SERVER_ASSIGNED = {"PersonId", "CountryId", "PrimaryKey", "personId", "CreatedDate", "UpdatedDate", "FullName",
                   "fullName", "odata.metadata", "odata.nextLink"}
SO = "superoffice"


def writable(entity: dict) -> dict:
    """A documented entity without what the server assigns: what a client can seed or send."""
    return {key: value for key, value in entity.items() if key not in SERVER_ASSIGNED}


def assert_values(expected: dict, actual: dict) -> None:
    """Scalar values the client wrote come back as written."""
    for key, value in expected.items():
        if not isinstance(value, (dict, list)) and key not in SERVER_ASSIGNED:
            assert actual[key] == value, key


# -- (a) the fake ---------------------------------------------------------------
@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


@pytest.fixture
def fakes(documents: list[Document]) -> FakeSystems:
    return FakeSystems.from_documents(documents)


def fake_client(fakes: FakeSystems) -> httpx.Client:
    """An httpx client to the SuperOffice fake, in-process, with its ticket and application token."""
    fake = fakes[SO]
    headers = {"Authorization": f"SOTicket {fake.credentials['ticket']}", "SO-AppToken": fake.credentials["app_token"]}
    return httpx.Client(transport=fakes.transport(), headers=headers,
                        base_url=fakes.config().systems[SO].base_url)


def seed(fakes: FakeSystems, example: dict) -> tuple[str, dict]:
    """Records the example's request needs: (the id for ``{id}``, the data written)."""
    path, body = example["request"]["path"], example["response"]["body"]
    if path == "/List/Country/Items":
        data = writable(body[0])
        return fakes.seed(SO, "Listcountryitems", [data])[0], data
    if path == "/Person" and example["request"]["method"] == "GET":
        count = DEFAULT_TOP + 1 if "odata.nextLink" in body else 2
        fakes.seed(SO, "Person", [{"Firstname": f"Person {n}", "Lastname": "Seeded"} for n in range(count)])
        return "", {}
    data = writable(BY_NAME["patch a person"]["response"]["body"] if example["request"]["method"] == "PATCH"
                    else BY_NAME["get a person"]["response"]["body"])
    return fakes.seed(SO, "Person", [data])[0], data


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_fake_answers_each_documented_request_as_documented(fakes: FakeSystems, example: dict) -> None:
    record_id, seeded = seed(fakes, example)
    request = example["request"]
    with fake_client(fakes) as http:
        answer = replay.send(http, request, record_id)
    body = replay.answered_as_documented(example, answer, empty=False)  # its error bodies are not documented
    if body is None:
        return
    if isinstance(body, dict) and isinstance(request["body"], dict):
        assert_values(request["body"], body)
    elif isinstance(body, dict) and "value" not in body:
        assert_values(seeded, body)
    elif isinstance(body, list):
        assert_values(seeded, body[-1])


def test_the_fake_refuses_a_filter_on_an_entity_path_that_is_no_archive_column(fakes: FakeSystems) -> None:
    with fake_client(fakes) as http:
        answer = http.get("/Person", params={"$filter": "OfficePhones/Value eq '22 33 44 55'"})
        assert answer.status_code == 400 and "OfficePhones/Value" in answer.json()["Error"]
        assert http.get("/Person", params={"$filter": "lastName eq 'x'"}).status_code == 200


def test_the_fake_keeps_archive_stamps_in_whole_seconds_and_after_time_strict(documents: list[Document]) -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    fakes = FakeSystems.from_documents(documents, now=lambda: moment)
    fakes.seed(SO, "Person", [{"Lastname": "Same second"}])
    with fake_client(fakes) as http:
        same = http.get("/Person", params={"$filter": "personUpdatedDate afterTime '2024-05-01T12:00:00'"}).json()
        before = http.get("/Person", params={"$filter": "personUpdatedDate afterTime '2024-05-01T11:59:59'"}).json()
    assert same["value"] == []
    assert [row["personUpdatedDate"] for row in before["value"]] == ["2024-05-01T12:00:00"]


def test_list_items_take_put_not_patch(fakes: FakeSystems) -> None:
    item = fakes.seed(SO, "Listcountryitems", [{"Name": "Norge"}])[0]
    with fake_client(fakes) as http:
        patched = http.patch(f"/List/Country/Items/{item}", json=[{"op": "replace", "path": "/Name", "value": "x"}])
        put = http.put(f"/List/Country/Items/{item}", json={"Name": "Noreg"})
    assert patched.status_code == 405
    assert put.status_code == 200 and put.json() | {"Name": "Noreg", "CountryId": int(item)} == put.json()


# -- (b) the adapter --------------------------------------------------------------
def serve(routes: dict[tuple[str, str], Handler]) -> replay.Served:
    """Documented answers by (method, path pattern below ``/api/v1``), and every request the adapter sent."""
    return replay.Served("api/v1", routes)


def documented(name: str, **changes: Any) -> Handler:
    """A handler answering the named example's documented response (top-level body keys replaced by ``changes``)."""
    return replay.documented(BY_NAME[name], **changes)


def person_by_path(request: httpx.Request) -> httpx.Response:
    """The documented person, with the id the request's path asks for."""
    return documented("get a person", PersonId=int(request.url.path.rsplit("/", 1)[1]))(request)


@pytest.fixture
def adapter_for(fakes: FakeSystems) -> Iterator[Callable[[replay.Served], SuperOfficeAdapter]]:
    """Adapters built as the hub builds them (configuration, auth, HttpClient), served by :func:`serve`."""
    built: list[SuperOfficeAdapter] = []

    def build(served: replay.Served) -> SuperOfficeAdapter:
        adapter = build_adapters(fakes.config(), env=fakes.env(), transport=httpx.MockTransport(served),
                                 sleep=no_wait)[SO]
        assert isinstance(adapter, SuperOfficeAdapter)
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        adapter.close()


def test_create_sends_the_documented_body_and_reads_the_new_id(adapter_for: Callable) -> None:
    served = serve({("POST", "/Person"): documented("create a person")})
    adapter = adapter_for(served)
    new_id = adapter.create("Person", {"Firstname": "Ike", "Lastname": "Hoppe", "OfficePhones.Value": "eveniet"})
    assert new_id == "486"
    [post] = served.sent("POST")
    sent = json.loads(post.content)
    documented_body = BY_NAME["create a person"]["request"]["body"]
    assert set(sent) <= set(documented_body)
    for key, value in sent.items():
        assert json_type(value) == json_type(documented_body[key]), key
    assert sent["OfficePhones"] == [{"Value": "eveniet"}]


def test_get_reads_the_documented_entity_and_none_for_404(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person/933"): documented("get a person"),
                     ("GET", "/Person/987654"): documented("get a person that does not exist")})
    adapter = adapter_for(served)
    record = adapter.get("Person", "933")
    assert record is not None and record.id == "933" and record.data["Firstname"] == "Alda"
    assert record.updated == datetime(2010, 12, 22, 2, 24, 51, 661847, tzinfo=timezone.utc)
    assert adapter.get("Person", "987654") is None


def test_update_sends_a_json_patch_of_documented_operations(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person/64"): documented("patch a person"),
                     ("PATCH", "/Person/64"): documented("patch a person")})
    adapter_for(served).update("Person", "64", {"Firstname": "Bradley"})
    [patch] = served.sent("PATCH")
    assert patch.headers["Content-Type"] == "application/json-patch+json"
    operations = json.loads(patch.content)
    assert all(set(op) <= {"op", "path", "value"} and op["op"] in {"add", "replace", "remove", "test"}
               for op in operations)
    assert operations[0] == {"op": "test", "path": "/UpdatedDate", "value": "2007-04-12T14:28:26.9926919+02:00"}
    assert {"op": "replace", "path": "/Firstname", "value": "Bradley"} in operations


def test_a_failed_patch_test_is_a_conflict(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person/64"): documented("patch a person"),
                     ("PATCH", "/Person/64"): documented("patch a person whose test fails")})
    with pytest.raises(AdapterError) as caught:
        adapter_for(served).update("Person", "64", {"Firstname": "Bradley"})
    assert caught.value.kind == "conflict" and len(served.sent("PATCH")) > 1


def test_delete_accepts_the_documented_204(adapter_for: Callable) -> None:
    served = serve({("DELETE", "/Person/64"): documented("delete a person")})
    adapter_for(served).delete("Person", "64")
    assert [r.url.path.rsplit("/", 2)[-2:] for r in served.requests] == [["Person", "64"]]


def test_changes_query_the_archive_as_sesam_does_and_read_rows_by_primary_key(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person"): documented("list persons (OData archive)"),
                     ("GET", r"/Person/(\d+)"): person_by_path})
    records = adapter_for(served).changed_since("Person", None)
    assert sorted(r.id for r in records) == ["2842", "7724"]
    query = served.requests[0].url.params
    sesam = BY_NAME["list changed persons as Sesam does"]["request"]["query"]
    assert set(sesam) <= set(query)
    assert re.fullmatch(r"\(?personUpdatedDate afterTime '1970-01-01T00:00:00'\)?", query["$filter"])
    assert query["$orderby"].lower() == sesam["$orderby"].lower() and query["$skip"] == "0"


def test_changes_since_a_time_start_one_whole_second_early(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person"): lambda request: httpx.Response(200, json={"value": []})})
    since = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    assert adapter_for(served).changed_since("Person", since) == []
    assert served.requests[0].url.params["$filter"] == "personUpdatedDate afterTime '2024-05-01T11:59:59'"


def test_country_items_are_keyed_by_country_id(adapter_for: Callable) -> None:
    served = serve({("GET", "/List/Country/Items"): documented("list country items")})
    adapter = adapter_for(served)
    assert [r.id for r in adapter.changed_since("Listcountryitems", None)] == ["720"]
    assert adapter.find("Listcountryitems", "Name", "Klocko-Jones") == ["720"]


@pytest.mark.parametrize("empty", [httpx.Response(204), httpx.Response(200, content=b""),
                                   httpx.Response(200, content=b"  \n")], ids=["204", "empty", "blank"])
def test_an_empty_answer_is_no_records(adapter_for: Callable, empty: httpx.Response) -> None:
    served = serve({("GET", "/Person"): lambda request: empty, ("GET", "/List/Country/Items"): lambda request: empty})
    adapter = adapter_for(served)
    assert adapter.changed_since("Person", None) == []
    assert adapter.changed_since("Listcountryitems", None) == []
    assert adapter.find("Person", "Lastname", "Nobody") == []


@pytest.mark.parametrize(("answer", "said"), [
    (httpx.Response(200, content=b"<html>Service maintenance</html>"), "not JSON"),
    (httpx.Response(200, json=[{"PrimaryKey": 1}]), "OData answer"),
    (httpx.Response(200, json={"value": "none"}), "OData answer"),
], ids=["html", "bare-array", "value-not-a-list"])
def test_an_unreadable_answer_is_an_adapter_error_naming_the_call(adapter_for: Callable, answer: httpx.Response,
                                                                 said: str) -> None:
    served = serve({("GET", "/Person"): lambda request: answer})
    with pytest.raises(AdapterError) as caught:
        adapter_for(served).changed_since("Person", None)
    message = str(caught.value)
    assert "GET" in message and "/api/v1/Person" in message and "200" in message and said in message
    assert "SOTicket fake" not in message


def test_an_entity_answer_without_its_id_is_an_adapter_error(adapter_for: Callable) -> None:
    served = serve({("POST", "/Person"): lambda request: httpx.Response(200, json={"Firstname": "Ike"})})
    with pytest.raises(AdapterError) as caught:
        adapter_for(served).create("Person", {"Firstname": "Ike"})
    assert "POST" in str(caught.value) and "PersonId" in str(caught.value)


# -- adapter and fake together ------------------------------------------------------
def test_a_person_refused_for_lacking_a_contact_says_so(fakes: FakeSystems) -> None:
    fake = fakes[SO]
    assert isinstance(fake, SuperOfficeFake)
    fake.contact_required = True
    adapter = fakes.adapters()[SO]
    with pytest.raises(AdapterError) as caught:
        adapter.create("Person", {"Firstname": "Ike"})
    assert caught.value.kind == "client" and caught.value.status == 400
    assert "MandatoryContactOnPerson" in str(caught.value) and "Contact.ContactId" in str(caught.value)
    assert adapter.create("Person", {"Firstname": "Ike", "Contact.ContactId": 7})


def test_records_sharing_a_second_across_pages_are_all_listed(documents: list[Document]) -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    fakes = FakeSystems.from_documents(documents, now=lambda: moment)
    adapter = fakes.adapters(page_size=2)[SO]
    first = adapter.create("Person", {"Lastname": "first"})
    start = adapter.get("Person", first)
    assert start is not None
    later = [adapter.create("Person", {"Lastname": f"later {n}"}) for n in range(5)]
    assert [r.id for r in adapter.changed_since("Person", start.updated)] == later


def test_find_on_a_path_without_an_archive_column_compares_client_side(fakes: FakeSystems) -> None:
    adapter = fakes.adapters(page_size=2)[SO]
    wanted = adapter.create("Person", {"Lastname": "a", "Description": "the one"})
    for n in range(3):
        adapter.create("Person", {"Lastname": f"other {n}", "Description": f"the other {n}"})
    assert adapter.find("Person", "Description", "the one") == [wanted]


def test_find_by_phone_and_marker_use_the_fakes_archive_columns(fakes: FakeSystems) -> None:
    adapter = fakes.adapters(page_size=2)[SO]
    wanted = adapter.create("Person", {"Lastname": "a", "OfficePhones.Value": "+47 22 33 44 55"})
    adapter.create("Person", {"Lastname": "b", "OfficePhones.Value": "+47 99 88 77 66"})
    marker = fakes.records(SO, "Person")[0]["ExtraFields"]["x_dataflow_qa_marker"]
    assert adapter.find("Person", "OfficePhones.Value", "+47 22 33 44 55") == [wanted]
    assert adapter.find("Person", "ExtraFields.x_dataflow_qa_marker", marker) == [wanted]


def test_find_by_office_phone_filters_on_the_archive_phone_column(adapter_for: Callable) -> None:
    served = serve({("GET", "/Person"): documented("list changed persons as Sesam does"),
                     ("GET", r"/Person/(\d+)"): person_by_path})
    assert adapter_for(served).find("Person", "OfficePhones.Value", "cum") == ["2842", "7724"]
    assert served.requests[0].url.params["$filter"] == "personDirectPhone/formattedNumber eq 'cum'"


def test_list_items_are_updated_with_put(fakes: FakeSystems) -> None:
    adapter = fakes.adapters()[SO]
    item = adapter.create("Listcountryitems", {"Name": "Norge"})
    adapter.update("Listcountryitems", item, {"Name": "Noreg"})
    assert [w.action for w in fakes.writes(SO)] == ["create", "replace"]
    record = adapter.get("Listcountryitems", item)
    assert record is not None and record.data["Name"] == "Noreg" and record.data["CountryId"] == int(item)


# -- the ticket ---------------------------------------------------------------------
def test_an_expired_ticket_is_renewed_once_and_the_call_resent(fakes: FakeSystems) -> None:
    fake = fakes[SO]
    assert isinstance(fake, SuperOfficeFake)
    renewals: list[str] = []

    def renew() -> str:
        fake.renew_ticket()
        renewals.append(fake.credentials["ticket"])
        return fake.credentials["ticket"]

    http = HttpClient(SO, fakes.config().systems[SO].base_url, transport=fakes.transport(), sleep=no_wait,
                      auth=soticket(fake.credentials["ticket"], fake.credentials["app_token"], renew=renew))
    record_id = fakes.seed(SO, "Person", [{"Lastname": "Still here"}])[0]
    fake.expire_tokens()
    assert http.send("GET", f"/Person/{record_id}").json()["Lastname"] == "Still here"
    assert len(renewals) == 1
    http.close()


def test_a_ticket_that_stays_refused_after_renewal_is_an_auth_error(fakes: FakeSystems) -> None:
    fake = fakes[SO]
    renewals: list[str] = []
    http = HttpClient(SO, fakes.config().systems[SO].base_url, transport=fakes.transport(), sleep=no_wait,
                      auth=soticket("stale-ticket-value", fake.credentials["app_token"],
                                    renew=lambda: renewals.append("x") or "still-wrong-ticket"))
    with pytest.raises(AdapterError) as caught:
        http.send("GET", "/Person/1")
    assert caught.value.kind == "auth" and caught.value.status == 401 and renewals == ["x"]
    assert "stale-ticket-value" not in str(caught.value) and "still-wrong-ticket" not in str(caught.value)
    http.close()
