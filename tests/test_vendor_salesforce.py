"""Salesforce as its documentation shows it: the documented exchanges of
``tests/data/vendor_examples/salesforce.json`` replayed against the fake (seeded
with what each request needs) and against the adapter (the documented answer
served to it), plus the facts the examples cannot carry (the API budget, ``__c``
names, answers that are not JSON). Facts and sources: ``docs/vendors/salesforce.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.faults import SlidingWindow
from dataflow_qa.fakes.hub import IN_PROCESS_URL, no_wait
from dataflow_qa.fakes.salesforce import SalesforceFake
from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.rest import Options
from dataflow_qa.systems.adapters.salesforce import REQUIRED_ON_CREATE, ApiUsage, SalesforceAdapter, sobject
from dataflow_qa.systems.catalog import Catalog, EntityInfo, SystemInfo
from dataflow_qa.systems.transport import HttpClient, RetryPolicy

EXAMPLES = {e["name"]: e for e in json.loads((Path(__file__).parent / "data" / "vendor_examples" / "salesforce.json")
                                             .read_text(encoding="utf-8"))}
NOW = datetime(2013, 5, 10, 12, 0, tzinfo=timezone.utc)
"""The fake's wall clock: the documented /updated/ window (May 6th to 10th, 2013) is within its last 30 days."""
SERVER_ASSIGNED = frozenset({"id", "Id", "OwnerId", "CreatedById", "LastModifiedById", "CreatedDate",
                             "LastModifiedDate", "SystemModstamp", "totalSize", "nextRecordsUrl", "latestDateCovered",
                             "ids"})
"""Keys whose values the server chooses: compared by JSON type (and, for ids and times, form), not by value."""
NOT_MODELED = frozenset({"LastActivityDate", "LastViewedDate"})
"""Keys of the documented Merchandise__c record the fake does not keep (activity and recently-viewed tracking)."""
SALESFORCE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
API_USAGE = re.compile(r"^api-usage=\d+/\d+$")
BASE_URL = "https://acme.my.salesforce.com"


# -- comparing a body with the documented one -------------------------------------------
def assert_shape(documented: Any, actual: Any, where: str = "body") -> None:
    """``actual`` has the documented JSON types and keys, and its values where the server does not choose them."""
    assert _kind(actual) == _kind(documented), f"{where}: {actual!r} is not a {_kind(documented)}"
    if isinstance(documented, dict):
        assert set(actual) == set(documented) - NOT_MODELED, f"{where}: keys {sorted(actual)} != {sorted(documented)}"
        for key in actual:
            if key in SERVER_ASSIGNED:
                assert_assigned(key, documented[key], actual[key], f"{where}.{key}")
            else:
                assert_shape(documented[key], actual[key], f"{where}.{key}")
    elif isinstance(documented, list):
        assert len(actual) == len(documented), f"{where}: {len(actual)} entries, documented {len(documented)}"
        for i, (doc, act) in enumerate(zip(documented, actual, strict=True)):
            assert_shape(doc, act, f"{where}[{i}]")
    else:
        assert actual == documented, f"{where}: {actual!r} != documented {documented!r}"


def assert_assigned(key: str, documented: Any, actual: Any, where: str) -> None:
    """A server-chosen value: its type, and the form of ids (length) and times (milliseconds, +0000)."""
    assert _kind(actual) == _kind(documented), f"{where}: {actual!r} is not a {_kind(documented)}"
    if key in ("CreatedDate", "LastModifiedDate", "SystemModstamp", "latestDateCovered"):
        assert SALESFORCE_TIME.match(actual), f"{where}: {actual!r} is not written like {documented!r}"
    elif key.endswith(("id", "Id")) and isinstance(documented, str):
        assert len(actual) == len(documented), f"{where}: {actual!r} is not an id like {documented!r}"
    elif key == "nextRecordsUrl":
        assert actual.startswith("/services/data/v60.0/query/"), where


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def replaced(value: Any, replacements: dict[str, str]) -> Any:
    """``value`` with every documented id or locator in its texts replaced by the one the fake gave."""
    text = json.dumps(value)
    for documented, actual in replacements.items():
        text = text.replace(documented, actual)
    return json.loads(text)


# -- (a) the fake --------------------------------------------------------------------------
@dataclass
class FakeOrg:
    """A Salesforce fake at a fixed wall clock, and an authenticated client of it."""

    fakes: FakeSystems
    client: httpx.Client

    @property
    def fake(self) -> SalesforceFake:
        fake = self.fakes["salesforce"]
        assert isinstance(fake, SalesforceFake)
        return fake

    def seed(self, entity: str, *bodies: dict) -> list[str]:
        """Store records without HTTP, oldest first, before anything else; their ids."""
        return self.fakes.seed("salesforce", entity, bodies)

    def seed_at(self, entity: str, body: dict, at: datetime) -> str:
        """Store a record last modified at ``at``; its id."""
        return self.fake.seed(sobject(entity), body, at)

    def send(self, request: dict, replacements: dict[str, str] | None = None) -> httpx.Response:
        """The documented request, with documented ids replaced by the fake's."""
        request = replaced(request, replacements or {})
        return self.client.request(request["method"], request["path"], params=request["query"],
                                   headers=request["headers"],
                                   content=None if request["body"] is None else json.dumps(request["body"]))


def catalog(*entities: str) -> Catalog:
    """A catalog of one Salesforce system holding ``entities``."""
    return Catalog({"salesforce": SystemInfo("salesforce", "Salesforce", "salesforce",
                                             {name: EntityInfo(name) for name in entities})})


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    fakes = FakeSystems(catalog("Account", "Contact", "Product2", "Merchandise__c"), now=lambda: NOW)
    fake = fakes["salesforce"]
    base = f"{IN_PROCESS_URL}/salesforce"
    with httpx.Client(transport=fakes.transport(), base_url=base) as client:
        token = client.post("/services/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": fake.credentials["client_id"],
            "client_secret": fake.credentials["client_secret"]}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield FakeOrg(fakes, client)


def arrange_update(org: FakeOrg) -> dict[str, str]:
    [record_id] = org.seed("Account", {"Name": "Express Logistics and Transport"})
    return {"001D000000INjVe": record_id[:15]}


def arrange_custom_record(org: FakeOrg) -> dict[str, str]:
    [record_id] = org.seed("Merchandise__c", {"Name": "Phone Case - iPhone 4/4S"})
    return {"a00D0000008pQSNIA2": record_id}


def arrange_query(org: FakeOrg) -> dict[str, str]:
    first, second = org.seed("Account", {"Name": "Test 1"}, {"Name": "Test 2"})
    return {"001D000000IRFmaIAH": first, "001D000000IomazIAB": second}


def arrange_query_more(org: FakeOrg) -> dict[str, str]:
    ids = org.seed("Contact", *[{"FirstName": "John", "LastName": "Smith", "Name": "John Smith"}] * 3)
    org.fake.batch_size = 1
    first = org.client.get("/services/data/v60.0/query", params={"q": "SELECT Id, Name FROM Contact"}).json()
    return {"01gD0000002HU6KIAW-2000": first["nextRecordsUrl"].rsplit("/", 1)[1], "003RO0000035WQgYAM": ids[1]}


def arrange_updated(org: FakeOrg) -> dict[str, str]:
    org.seed_at("Merchandise__c", {"Name": "before the window"}, datetime(2013, 5, 5, 23, 59, tzinfo=timezone.utc))
    ids = [org.seed_at("Merchandise__c", {"Name": f"in the window {day}"},
                       datetime(2013, 5, day, 9, tzinfo=timezone.utc)) for day in (6, 7, 8)]
    org.seed_at("Merchandise__c", {"Name": "after the window"}, datetime(2013, 5, 10, 0, 0, 30, tzinfo=timezone.utc))
    return dict(zip(EXAMPLES["get-updated"]["response"]["body"]["ids"], ids, strict=True))


def arrange_required(org: FakeOrg) -> dict[str, str]:
    org.fake.required = REQUIRED_ON_CREATE
    return {}


def arrange_limit(org: FakeOrg) -> dict[str, str]:
    [record_id] = org.seed("Account", {"Name": "Express Logistics and Transport"})
    org.fake.limiter = SlidingWindow(1, 86_400.0, lambda: 0.0)
    assert org.client.get(f"/services/data/v60.0/sobjects/Account/{record_id}").status_code == 200
    return {"001D000000IqhSLIAZ": record_id}


ARRANGE: dict[str, Callable[[FakeOrg], dict[str, str]]] = {
    "update-account": arrange_update, "get-custom-object-record": arrange_custom_record, "query": arrange_query,
    "query-more-results": arrange_query_more, "get-updated": arrange_updated,
    "create-without-required-field": arrange_required, "request-limit-exceeded": arrange_limit,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_fake_answers_each_documented_request_as_documented(org: FakeOrg, name: str) -> None:
    example = EXAMPLES[name]
    replacements = ARRANGE.get(name, lambda _: {})(org)
    answer = org.send(example["request"], replacements)
    documented = example["response"]
    assert answer.status_code == documented["status"], answer.text
    if documented["body"] is None:
        assert answer.content == b""
    else:
        assert_shape(replaced(documented["body"], replacements), answer.json())
    for header in documented["headers"]:
        assert API_USAGE.match(answer.headers.get(header, "")), answer.headers


def test_the_fake_keeps_the_documented_update(org: FakeOrg) -> None:
    replacements = arrange_update(org)
    assert org.send(EXAMPLES["update-account"]["request"], replacements).status_code == 204
    [account] = org.fakes.records("salesforce", "Account")
    assert account["BillingCity"] == "San Francisco" and account["Name"] == "Express Logistics and Transport"


def test_every_batch_of_a_fake_query_counts_the_whole_result(org: FakeOrg) -> None:
    org.seed("Contact", *[{"LastName": f"n{i}"} for i in range(5)])
    org.fake.batch_size = 2
    batch = org.client.get("/services/data/v60.0/query", params={"q": "SELECT Id, lastname FROM Contact"}).json()
    batches = [batch]
    while not batch["done"]:
        batch = org.client.get(batch["nextRecordsUrl"].removeprefix("/")).json()
        batches.append(batch)
    assert [(b["totalSize"], len(b["records"])) for b in batches] == [(5, 2), (5, 2), (5, 1)]
    assert [row["LastName"] for b in batches for row in b["records"]] == [f"n{i}" for i in range(5)]


def test_the_fake_ignores_the_seconds_of_an_updated_window(org: FakeOrg) -> None:
    late = org.seed_at("Merchandise__c", {"Name": "at 10:00:30"}, datetime(2013, 5, 9, 10, 0, 30, tzinfo=timezone.utc))
    answer = org.client.get("/services/data/v60.0/sobjects/Merchandise__c/updated/",
                            params={"start": "2013-05-09T10:00:45+00:00", "end": "2013-05-09T10:01:59+00:00"})
    assert answer.json() == {"ids": [late], "latestDateCovered": "2013-05-09T10:01:00.000+0000"}
    same_minute = org.client.get("/services/data/v60.0/sobjects/Merchandise__c/updated/",
                                 params={"start": "2013-05-09T10:00:10+00:00", "end": "2013-05-09T10:00:50+00:00"})
    assert same_minute.status_code == 400 and same_minute.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_every_fake_data_answer_reports_the_api_usage_it_counts(org: FakeOrg) -> None:
    org.fake.daily_limit = 5000
    usages = [org.client.get("/services/data/v60.0/query", params={"q": "SELECT Id FROM Account"})
              .headers["Sforce-Limit-Info"] for _ in range(3)]
    assert usages == ["api-usage=1/5000", "api-usage=2/5000", "api-usage=3/5000"]


# -- (b) the adapter -----------------------------------------------------------------------
@dataclass
class Served:
    """An adapter whose every call is answered by ``answer`` and recorded."""

    answer: Callable[[httpx.Request], httpx.Response]
    options: Options = field(default_factory=lambda: Options(marker_field=""))
    sent: list[httpx.Request] = field(default_factory=list)

    def adapter(self) -> SalesforceAdapter:
        def handler(request: httpx.Request) -> httpx.Response:
            self.sent.append(request)
            return self.answer(request)

        http = HttpClient("salesforce", BASE_URL, transport=httpx.MockTransport(handler), sleep=no_wait,
                          retry=RetryPolicy(attempts=3))
        return SalesforceAdapter("salesforce", http, self.options)


def documented_answer(name: str) -> httpx.Response:
    """The documented response of an example, as Salesforce would send it."""
    documented = EXAMPLES[name]["response"]
    headers = {"Content-Type": "application/json;charset=UTF-8", **documented["headers"]}
    if documented["body"] is None:
        return httpx.Response(documented["status"], headers=documented["headers"])
    return httpx.Response(documented["status"], headers=headers, content=json.dumps(documented["body"]).encode())


def answering(name: str) -> Served:
    return Served(lambda request: documented_answer(name))


def assert_sent_as_documented(request: httpx.Request, name: str, replacements: dict[str, str] | None = None) -> None:
    """Method, path, query and JSON body as the example's request has them (documented ids replaced).

    Paths are compared without a trailing slash: the Query reference writes
    ``/services/data/vXX.X/query?q=``, its example ``/query/?q=``.
    """
    documented = replaced(EXAMPLES[name]["request"], replacements or {})
    assert request.method == documented["method"]
    assert request.url.path.rstrip("/") == documented["path"].rstrip("/")
    assert dict(request.url.params) == documented["query"]
    assert (json.loads(request.content) if request.content else None) == documented["body"]


def test_create_sends_the_documented_body_and_reads_the_new_id() -> None:
    served = answering("create-account")
    assert served.adapter().create("Account", {"Name": "Express Logistics and Transport"}) == "001D000000IqhSLIAZ"
    assert_sent_as_documented(served.sent[0], "create-account")
    assert served.sent[0].url.path.endswith("/sobjects/Account/")


def test_a_refused_create_names_method_url_status_and_the_vendor_text() -> None:
    served = answering("create-with-id-is-refused")
    with pytest.raises(AdapterError) as caught:
        served.adapter().create("Account", {"id": "001D000000IqhSLIAZ", "Name": "Express Donuts and Pies"})
    assert_sent_as_documented(served.sent[0], "create-with-id-is-refused")
    message = str(caught.value)
    assert f"POST {BASE_URL}/services/data/v60.0/sobjects/Account/ answered 400" in message
    assert "INVALID_FIELD" in message and "The Id field should not be specified" in message
    assert caught.value.status == 400 and caught.value.kind == "client"


def test_a_create_without_a_required_field_says_which_and_where_to_supply_it() -> None:
    served = answering("create-without-required-field")
    with pytest.raises(AdapterError) as caught:
        served.adapter().create("Product2", {"ProductCode": "W-1"})
    assert_sent_as_documented(served.sent[0], "create-without-required-field")
    message = str(caught.value)
    assert "POST https://acme.my.salesforce.com/services/data/v60.0/sobjects/Product2/ answered 400" in message
    assert "Product2 requires Name on create" in message
    assert '[defaults.salesforce.Product2] Name = "dataflow-qa"' in message
    assert caught.value.kind == "client" and len(served.sent) == 1


def test_update_patches_the_touched_fields_and_takes_the_empty_204() -> None:
    record = {"attributes": {"type": "Account", "url": "/services/data/v60.0/sobjects/Account/001D000000INjVeIAH"},
              "Id": "001D000000INjVeIAH", "Name": "Express Logistics and Transport",
              "SystemModstamp": "2013-05-20T20:49:32.000+0000"}
    served = Served(lambda request: httpx.Response(200, json=record) if request.method == "GET"
                    else documented_answer("update-account"))
    served.adapter().update("Account", "001D000000INjVe", {"BillingCity": "San Francisco"})
    assert [r.method for r in served.sent] == ["GET", "PATCH"]
    assert served.sent[0].url.path.endswith("/sobjects/Account/001D000000INjVe")
    assert_sent_as_documented(served.sent[1], "update-account", {"001D000000INjVe": "001D000000INjVeIAH"})


def test_get_keeps_the_custom_object_name_and_reads_the_record_and_the_api_usage() -> None:
    served = answering("get-custom-object-record")
    adapter = served.adapter()
    record = adapter.get("Merchandise__c", "a00D0000008pQSNIA2")
    assert_sent_as_documented(served.sent[0], "get-custom-object-record")
    assert record is not None and record.id == "a00D0000008pQSNIA2"
    assert record.updated == datetime(2013, 5, 20, 20, 49, 32, tzinfo=timezone.utc)
    assert adapter.read(record, "Name") == "Phone Case - iPhone 4/4S"
    assert adapter.usage == ApiUsage(18, 5000)


def test_query_reads_the_documented_batch() -> None:
    served = answering("query")
    rows = list(served.adapter().query("SELECT name from Account"))
    assert_sent_as_documented(served.sent[0], "query")
    assert [row["Name"] for row in rows] == ["Test 1", "Test 2"]


def test_query_follows_next_records_url_without_parameters_until_done() -> None:
    more = EXAMPLES["query-more-results"]
    last = {"totalSize": 3222, "done": True, "records": [{"attributes": {"type": "Contact"}, "Id": "003RO0000035WQhYAM",
                                                           "Name": "Kari Nordmann"}]}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == more["request"]["path"]:
            return documented_answer("query-more-results")
        if request.url.path.endswith("/query"):
            return httpx.Response(200, json={"totalSize": 3222, "done": False, "records": [],
                                             "nextRecordsUrl": more["request"]["path"]})
        return httpx.Response(200, json=last)

    served = Served(answer)
    rows = list(served.adapter().query("SELECT Id, Name FROM Contact"))
    assert [row["Name"] for row in rows] == ["John Smith", "Kari Nordmann"]
    assert_sent_as_documented(served.sent[1], "query-more-results")
    assert served.sent[2].url.path == more["response"]["body"]["nextRecordsUrl"] and not served.sent[2].url.params


def test_a_missing_record_is_none_and_deleting_it_is_done() -> None:
    served = answering("record-not-found")
    adapter = served.adapter()
    assert adapter.get("Account", "001D000000IqhSLIAZ") is None
    adapter.delete("Account", "001D000000IqhSLIAZ")
    assert_sent_as_documented(served.sent[0], "record-not-found")
    assert [r.method for r in served.sent] == ["GET", "DELETE"]


def test_an_exhausted_request_limit_is_a_rate_limit_error_without_retries() -> None:
    served = answering("request-limit-exceeded")
    with pytest.raises(AdapterError) as caught:
        served.adapter().get("Account", "001D000000IqhSLIAZ")
    assert caught.value.kind == "rate-limit" and caught.value.status == 403 and len(served.sent) == 1
    assert "REQUEST_LIMIT_EXCEEDED" in str(caught.value) and "GET https://acme.my.salesforce.com" in str(caught.value)


ADAPTER_REPLAYS = {"create-account", "create-with-id-is-refused", "create-without-required-field", "update-account",
                   "get-custom-object-record", "query", "query-more-results", "record-not-found",
                   "request-limit-exceeded"}
NOT_USED_BY_THE_ADAPTER = {"get-updated": "changes are listed with SOQL on SystemModstamp: /updated/ gives ids only, "
                                          "drops seconds and looks back 30 days at most"}


def test_every_example_is_replayed_against_the_adapter_or_says_why_not() -> None:
    assert ADAPTER_REPLAYS | set(NOT_USED_BY_THE_ADAPTER) == set(EXAMPLES)
    assert not ADAPTER_REPLAYS & set(NOT_USED_BY_THE_ADAPTER)


# -- the API budget ---------------------------------------------------------------------------
def usage_answer(used: int, limit: int = 5000) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(404, headers={"Sforce-Limit-Info": f"api-usage={used}/{limit}"},
                                          json=[{"message": "The requested resource does not exist",
                                                 "errorCode": "NOT_FOUND"}])


def test_the_adapter_stops_before_the_last_tenth_of_the_daily_limit() -> None:
    served = Served(usage_answer(4500))
    adapter = served.adapter()
    assert adapter.get("Account", "001D000000IqhSLIAZ") is None
    with pytest.raises(AdapterError) as caught:
        adapter.get("Account", "001D000000IqhSLIAZ")
    assert len(served.sent) == 1 and caught.value.kind == "rate-limit"
    message = str(caught.value)
    assert "GET https://acme.my.salesforce.com/services/data/v60.0/sobjects/Account/001D000000IqhSLIAZ not sent" in message
    assert "4500 of its 5000 daily API calls" in message and "api_usage_spare" in message


def test_the_spare_share_is_configurable() -> None:
    served = Served(usage_answer(4500), Options(marker_field="", extra={"api_usage_spare": 0.05}))
    adapter = served.adapter()
    for _ in range(3):
        assert adapter.get("Account", "001D000000IqhSLIAZ") is None
    assert len(served.sent) == 3
    with pytest.raises(ValueError, match="api_usage_spare"):
        Served(usage_answer(1), Options(extra={"api_usage_spare": 1.5})).adapter()


def test_the_budget_holds_against_the_fake_through_the_hub() -> None:
    fakes = FakeSystems(catalog("Contact"))
    fake = fakes["salesforce"]
    assert isinstance(fake, SalesforceFake)
    fake.daily_limit = 10
    adapter = fakes.adapters()["salesforce"]
    created = []
    with pytest.raises(AdapterError) as caught:
        for i in range(20):
            created.append(adapter.create("Contact", {"LastName": f"n{i}"}))
    assert caught.value.kind == "rate-limit" and fake.api_calls == 9 and len(created) == 9


# -- answers the documentation does not describe ------------------------------------------------
@pytest.mark.parametrize(("call", "answer", "detail"), [
    (lambda a: a.get("Account", "001D000000IqhSLIAZ"), httpx.Response(200, content=b"<html>maintenance</html>"),
     "the body is not JSON"),
    (lambda a: a.get("Account", "001D000000IqhSLIAZ"), httpx.Response(204), "expected the record as a JSON object"),
    (lambda a: list(a.query("SELECT Id FROM Account")), httpx.Response(200, json={"done": False, "records": []}),
     '"done" is false but there is no "nextRecordsUrl"'),
    (lambda a: list(a.query("SELECT Id FROM Account")), httpx.Response(200, json=[]), '"records": [...]'),
    (lambda a: a.create("Account", {"Name": "x"}), httpx.Response(201, json={"success": False, "errors": ["x"]}),
     '"success": true'),
    (lambda a: a.create("Account", {"Name": "x"}), httpx.Response(400, content=b"not json"), "not json"),
], ids=["html", "empty-record", "done-without-next", "list-not-object", "create-unsuccessful", "error-not-json"])
def test_unexpected_answers_are_adapter_errors_naming_the_call(call: Callable[[SalesforceAdapter], Any],
                                                               answer: httpx.Response, detail: str) -> None:
    served = Served(lambda request: answer)
    with pytest.raises(AdapterError) as caught:
        call(served.adapter())
    message = str(caught.value)
    request = served.sent[0]
    assert f"{request.method} {BASE_URL}/services/data/v60.0/" in message
    assert f"answered {answer.status_code}" in message and detail in message


# -- custom objects and fields keep __c ----------------------------------------------------------
def test_custom_object_and_field_names_keep_their_suffix_through_adapter_and_fake() -> None:
    fakes = FakeSystems(catalog("Invoice__c"))
    adapter = fakes.adapters()["salesforce"]
    invoice = adapter.create("Invoice__c", {"Name": "INV-1", "Amount__c": 12.5})
    assert adapter.find("Invoice__c", "Amount__c", 12.5) == [invoice]
    assert [r.id for r in adapter.changed_since("Invoice__c", None)] == [invoice]
    assert fakes.records("salesforce", "Invoice__c")[0]["Amount__c"] == 12.5
    paths = {w.collection for w in fakes.writes("salesforce")}
    assert paths == {"Invoice__c"}


def test_custom_names_are_sent_exactly_in_urls_and_soql() -> None:
    served = Served(lambda request: httpx.Response(200, json={"totalSize": 0, "done": True, "records": []}))
    adapter = served.adapter()
    assert adapter.find("ns__Shipment__c", "Tracking_Code__c", "A-1") == []
    request = served.sent[0]
    assert request.url.params["q"] == ("SELECT Id, SystemModstamp, Tracking_Code__c FROM ns__Shipment__c "
                                       "WHERE Tracking_Code__c = 'A-1'")
    assert adapter.collection("ns__Shipment__c").endswith("/sobjects/ns__Shipment__c")
