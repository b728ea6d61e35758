"""Injected faults and vendor rate limits: nothing lost, nothing duplicated, waits honoured."""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dataflow_qa.values import paths
from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.fakes import FakeServer, FakeSystems, Faults
from dataflow_qa.fakes.faults import UPDATE_BURST_PATH, FaultInjector, SlidingWindow
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

BATCH = 25
# (system, entity, text path, nested path)
CASES = [
    ("superoffice", "Person", "Firstname", "OfficePhones.Value"),
    ("salesforce", "Contact", "FirstName", "MailingAddress.city"),
    ("powerofficego", "Employees", "FirstName", "MailAddress.City"),
    ("webcrm", "Users", "UserTelephone", "UserAddress.City"),
    ("crmoffice", "Activities", "subject", "owner.id"),
    ("customcrm", "Product", "name", "price.amount"),
]


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


class Clock:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(params=["in-process", "loopback"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize(("system", "entity", "text", "nested"), CASES, ids=[c[0] for c in CASES])
def test_a_fifth_of_calls_failing_loses_and_duplicates_nothing(documents: list[Document], mode: str, system: str,
                                                               entity: str, text: str, nested: str) -> None:
    fakes = FakeSystems.from_documents(documents, faults={system: Faults.mixed(0.2, seed=11, retry_after=0.5)})
    clock = Clock()
    server = FakeServer(fakes).start() if mode == "loopback" else None
    try:
        adapter = fakes.adapters(root_url=server.url if server else None, sleep=clock.sleep, retries=10)[system]
        values = [f"v{i}-{uuid.uuid4().hex[:6]}" for i in range(BATCH)]
        ids = [adapter.create(entity, {text: value, nested: f"first {value}"}) for value in values]
        for record_id, value in zip(ids, values, strict=True):
            adapter.update(entity, record_id, {nested: f"second {value}"})
        adapter.close()
    finally:
        if server:
            server.stop()
    stored = fakes.records(system, entity)
    assert len(stored) == BATCH
    assert collections.Counter(paths.get(r, text) for r in stored) == collections.Counter(values)
    assert all(paths.get(r, nested) == f"second {paths.get(r, text)}" for r in stored)
    assert len(set(ids)) == BATCH
    injected = fakes[system].injector.injected
    assert injected["429"] and injected["5xx-before"] + injected["5xx-after"] and \
        injected["drop-before"] + injected["drop-after"], injected
    assert 0.5 in clock.sleeps or 1.0 in clock.sleeps  # the announced Retry-After was honoured


def test_the_same_seed_injects_the_same_faults() -> None:
    first, second = FaultInjector(Faults.mixed(0.3, seed=5)), FaultInjector(Faults.mixed(0.3, seed=5))
    draws = [first.draw() for _ in range(200)]
    assert draws == [second.draw() for _ in range(200)]
    assert {"429", "5xx-before", "5xx-after", "drop-before", "drop-after"} <= set(draws)


def test_bursts_of_429_cover_consecutive_requests() -> None:
    injector = FaultInjector(Faults(rate_429=0.05, burst_429=4, seed=3))
    draws = [injector.draw() for _ in range(400)]
    runs = [len(list(group)) for key, group in itertools.groupby(draws) if key == "429"]
    assert runs and all(run % 4 == 0 for run in runs)


def test_latency_is_added_to_every_answer(documents: list[Document]) -> None:
    slept: list[float] = []
    fakes = FakeSystems.from_documents(documents, faults=Faults(latency=0.25), sleep=slept.append)
    adapter = fakes.adapters()["customcrm"]
    adapter.create("Contact", {"name": "slow"})
    assert slept and set(slept) == {0.25}


def test_latency_spikes_hold_some_answers_and_repeat_with_the_seed(documents: list[Document]) -> None:
    injector = FaultInjector(Faults(rate_spike=0.1, spike=1.5, latency=0.1, seed=4))
    delays = [injector.delay() for _ in range(500)]
    assert set(delays) == {0.1, 1.6} and 25 <= delays.count(1.6) <= 75 and injector.injected["spike"] == delays.count(1.6)
    again = FaultInjector(Faults(rate_spike=0.1, spike=1.5, latency=0.1, seed=4))
    assert [again.delay() for _ in range(500)] == delays


def test_a_dropped_connection_reaches_a_plain_client_as_a_disconnect(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents, faults={"customcrm": Faults(rate_drop=1.0)})
    with FakeServer(fakes) as server, httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{server.url}/customcrm/contact")
    with httpx.Client(transport=fakes.transport()) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("http://fakes.invalid/customcrm/contact")


@pytest.fixture
def limited(documents: list[Document]) -> Iterator[tuple[FakeSystems, Clock, httpx.Client]]:
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, rate_limits=True, monotonic=clock)
    with httpx.Client(transport=fakes.transport(), base_url="http://fakes.invalid") as client:
        yield fakes, clock, client


def _poweroffice_token(fakes: FakeSystems, client: httpx.Client) -> dict[str, str]:
    creds = fakes["powerofficego"].credentials
    key = {"Ocp-Apim-Subscription-Key": creds["subscription_key"]}
    answer = client.post("/powerofficego/OAuth/Token", data={"grant_type": "client_credentials"}, headers=key,
                         auth=(creds["application_key"], creds["client_key"]))
    assert answer.status_code == 200 and answer.json()["expires_in"] == 1200
    return {**key, "Authorization": f"Bearer {answer.json()['access_token']}"}


def test_poweroffice_allows_ten_requests_a_second_per_key(limited: Any) -> None:
    fakes, clock, client = limited
    headers = _poweroffice_token(fakes, client)
    answers = [client.get("/powerofficego/v2/Employees", headers=headers) for _ in range(10)]
    assert [a.status_code for a in answers] == [204] * 9 + [429]  # the token call spent one; no employees: 204
    assert answers[-1].headers["Retry-After"] == "1" and "Rate limit is exceeded" in answers[-1].json()["message"]
    clock.now += 1.0
    assert client.get("/powerofficego/v2/Employees", headers=headers).status_code == 204


def test_webcrm_allows_250_requests_a_minute_and_says_when_to_retry(limited: Any) -> None:
    fakes, clock, client = limited
    login = client.post("/webcrm/Auth/ApiLogin", data={"authCode": fakes["webcrm"].credentials["auth_code"]})
    headers = {"Authorization": f"Bearer {login.json()['AccessToken']}"}
    statuses = collections.Counter(client.get("/webcrm/Persons", headers=headers).status_code for _ in range(250))
    assert statuses == {200: 249, 429: 1}
    refused = client.get("/webcrm/Persons", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["Type"] == "TooManyRequestsException" and refused.json()["RetryAfterSeconds"] == 60
    assert refused.headers["Retry-After"] == "60"
    clock.now += 60
    assert client.get("/webcrm/Persons", headers=headers).status_code == 200


def test_salesforce_answers_403_request_limit_exceeded_and_the_adapter_does_not_retry(documents: list[Document]) -> None:
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, rate_limits=True, monotonic=clock)
    fakes["salesforce"].limiter = SlidingWindow(2, 86_400.0, clock)
    adapter = fakes.adapters(sleep=clock.sleep)["salesforce"]
    adapter.create("Contact", {"LastName": "one"})  # token + create
    with pytest.raises(AdapterError) as caught:
        adapter.create("Contact", {"LastName": "two"})
    assert caught.value.kind == "rate-limit" and caught.value.status == 403
    assert "REQUEST_LIMIT_EXCEEDED" in str(caught.value) and clock.sleeps == []


def test_throttled_adapters_stay_under_the_vendor_limit(documents: list[Document]) -> None:
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, rate_limits=True, monotonic=clock)
    adapter = fakes.adapters(sleep=clock.sleep, clock=clock)["powerofficego"]
    ids = [adapter.create("Projects", {"Name": f"p{i}"}) for i in range(30)]
    assert len(set(ids)) == 30
    assert 1.0 not in clock.sleeps and clock.sleeps  # paced by the client, never told to wait
    assert clock.now - 1000.0 >= 30 / 8 - 1


def test_unthrottled_adapters_wait_as_the_vendor_says(documents: list[Document]) -> None:
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, rate_limits=True, monotonic=clock)
    adapter = fakes.adapters(sleep=clock.sleep, clock=clock, throttle=False)["powerofficego"]
    ids = [adapter.create("Projects", {"Name": f"p{i}"}) for i in range(12)]
    assert len(set(ids)) == 12 and len(fakes.records("powerofficego", "Projects")) == 12
    assert clock.sleeps == [1.0]


def test_an_ordered_update_burst_answers_other_clients_updates_429_and_counts_them(documents: list[Document]) -> None:
    """Only the served fakes take the order (at /__dataflow-qa__/update-burst below a system's API root):
    the next updates of every client but the one that ordered are answered 429, reads never are."""
    clock = Clock()
    fakes = FakeSystems.from_documents(documents, monotonic=clock)
    checks = fakes.adapters(client="dataflow-qa")
    engine = fakes.adapters(client="sesam-talk-engine", retries=1)
    record_id = checks["crmoffice"].create("Activities", {"subject": "before"})
    control = checks["crmoffice"].http  # type: ignore[attr-defined]
    ordered = control.send("POST", UPDATE_BURST_PATH, json={"count": 2, "retry_after": 0.5, "seconds": 30})
    assert ordered.json() == {"pending": 2, "answered": 0}
    checks["crmoffice"].update("Activities", record_id, {"subject": "by the checks"})  # the one who ordered is spared
    assert engine["crmoffice"].get("Activities", record_id) is not None  # reads are spared
    with pytest.raises(AdapterError) as refused:
        engine["crmoffice"].update("Activities", record_id, {"subject": "by the engine"})
    assert refused.value.status == 429 and "Try again in 0.5 seconds" in str(refused.value)
    assert control.send("GET", UPDATE_BURST_PATH).json() == {"pending": 1, "answered": 1}
    clock.now += 31  # the burst is over once its time is up, whatever it has left
    engine["crmoffice"].update("Activities", record_id, {"subject": "by the engine"})
    assert control.send("GET", UPDATE_BURST_PATH).json() == {"pending": 0, "answered": 1}


@pytest.mark.parametrize("order", [{"count": 0, "retry_after": 1, "seconds": 5}, {"count": 2}, "nonsense"])
def test_an_update_burst_order_that_makes_no_sense_is_refused(documents: list[Document], order: Any) -> None:
    fakes = FakeSystems.from_documents(documents)
    response = fakes.handler(httpx.Request("POST", f"http://fakes.invalid/webcrm{UPDATE_BURST_PATH}", json=order))
    assert response.status_code == 400 and "count" in response.text
    assert fakes["webcrm"].update_burst.state() == {"pending": 0, "answered": 0}
