"""Why a check did not pass: defect, environment trouble of a kind, or an error; never a hollow pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.checks.context import Check, Wait
from dataflow_qa.checks.liveness import LivenessProbe, probe_flows
from dataflow_qa.checks.runner import Outcome, PollWaiter, run, run_waves
from dataflow_qa.checks.verdict import Health, SyncStalled, cause_of
from dataflow_qa.systems.transport import HttpClient, RetryPolicy
from dataflow_qa.generator.parse import find_documents, parse_paths


class Clock:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Systems:
    """A health source whose calls and trouble the test sets."""

    def __init__(self) -> None:
        self.calls, self.trouble = 0, Counter[str]()

    def __call__(self) -> Health:
        return Health(self.calls, Counter(self.trouble))


def waiter(clock: Clock, systems: Systems, probe: Callable[[], bool] | None) -> PollWaiter:
    return PollWaiter(deadline=10, quiet_period=1, first_delay=1, max_delay=1, sleep=clock.sleep, clock=clock,
                      probe=probe, health=systems)


def never(systems: Systems, trouble: str = "", share: float = 0.0) -> Check:
    """A check whose change never arrives; each read is one call, some of them in trouble."""
    def read() -> int:
        systems.calls += 10
        systems.trouble[trouble] += round(10 * share) if trouble else 0
        return 0

    yield Wait("the value to arrive", read, lambda seen: seen == 1)


def arrives_after(reads: int) -> Check:
    """A check whose change arrives at the ``reads``-th look."""
    seen = iter(range(reads + 1))
    yield Wait("the value to arrive", lambda: next(seen), lambda value: value >= reads - 1)


@pytest.mark.parametrize("kind", ["rate-limit", "server", "connection", "timeout"])
def test_a_deadline_missed_while_the_systems_were_unhealthy_is_environment_trouble(kind: str) -> None:
    clock, systems = Clock(), Systems()
    probes: list[int] = []
    outcome = run(never(systems, kind, 0.2), waiter(clock, systems, lambda: probes.append(1) or True))
    assert (outcome.status, outcome.cause) == ("error", f"environment: {kind}")
    assert "systems were unhealthy" in outcome.message and probes == []


def test_a_little_trouble_does_not_hide_a_defect() -> None:
    clock, systems = Clock(), Systems()
    outcome = run(never(systems, "rate-limit", 0.02), waiter(clock, systems, lambda: True))
    assert (outcome.status, outcome.cause) == ("failed", "defect")
    assert "liveness probe propagated" in outcome.message


def test_a_deadline_missed_while_nothing_propagates_is_a_stalled_sync() -> None:
    clock, systems = Clock(), Systems()
    outcome = run(never(systems), waiter(clock, systems, lambda: False))
    assert (outcome.status, outcome.cause) == ("error", "environment: sync-stalled")


def test_without_a_probe_a_missed_deadline_on_healthy_systems_is_a_defect() -> None:
    clock, systems = Clock(), Systems()
    assert run(never(systems), waiter(clock, systems, None)).cause == "defect"


def test_in_a_wave_another_arrival_proves_the_sync_ran_and_the_probe_is_not_needed() -> None:
    clock, systems = Clock(), Systems()
    probes: list[int] = []
    outcomes = run_waves({"late": never(systems), "fine": arrives_after(3)},
                         waiter(clock, systems, lambda: probes.append(1) or False))
    assert outcomes["fine"].status == "passed"
    assert (outcomes["late"].status, outcomes["late"].cause) == ("failed", "defect")
    assert probes == []


def test_in_a_wave_where_nothing_arrives_one_probe_decides_for_all() -> None:
    clock, systems = Clock(), Systems()
    probes: list[int] = []
    outcomes = run_waves({"a": never(systems), "b": never(systems)},
                         waiter(clock, systems, lambda: probes.append(1) or False))
    assert {(o.status, o.cause) for o in outcomes.values()} == {("error", "environment: sync-stalled")}
    assert probes == [1]


def test_a_check_only_passes_when_it_ran_to_its_end() -> None:
    assert Outcome().status == "pending"

    def two_steps() -> Check:
        yield Wait("one", lambda: 1)
        yield Wait("two", lambda: 1)

    clock, systems = Clock(), Systems()
    assert run(two_steps(), waiter(clock, systems, None)).status == "passed"
    outcomes = run_waves({"x": two_steps()}, waiter(clock, systems, None))
    assert outcomes["x"].status == "passed"


@pytest.mark.parametrize(("error", "cause"), [
    (AssertionError("value differs"), "defect"),
    (AdapterError("429", kind="rate-limit"), "environment: rate-limit"),
    (AdapterError("503", kind="server"), "environment: server"),
    (AdapterError("401", kind="auth"), "environment: auth"),
    (AdapterError("read timeout", kind="timeout"), "environment: timeout"),
    (AdapterError("dropped", kind="connection"), "environment: connection"),
    (AdapterError("not allowed", kind="refused"), "environment: refused"),
    (SyncStalled("nothing moves"), "environment: sync-stalled"),
    (AdapterError("400", kind="client"), "error: client"),
    (KeyError("x"), "error: internal (KeyError)"),
])
def test_every_cause_has_its_label(error: BaseException, cause: str) -> None:
    assert cause_of(error) == cause


def test_the_transport_counts_the_trouble_it_met_even_when_retries_absorbed_it() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(503),
                    httpx.Response(200, json={})])
    client = HttpClient("s", "http://s.test", transport=httpx.MockTransport(lambda request: next(answers)),
                        retry=RetryPolicy(attempts=4), allowed_hosts=["s.test"], sleep=lambda seconds: None)
    assert client.send("GET", "/x").status_code == 200
    assert client.stats["requests"] == 3 and client.trouble == Counter({"rate-limit": 1, "server": 1})


def test_the_liveness_probe_uses_documented_flows_and_remembers_its_answer() -> None:
    documents = [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]
    flows = probe_flows(documents)
    assert 1 <= len(flows) <= 3 and len({m.source.id for m in flows}) == len(flows)
    clock = Clock()
    made: list[Any] = []
    probe = LivenessProbe(documents, lambda: made.append(1), PollWaiter(deadline=5, sleep=clock.sleep, clock=clock))
    probe._probe = lambda: False  # type: ignore[method-assign]  # the answer, without systems
    assert probe() is False
    probe._probe = lambda: True  # type: ignore[method-assign]
    assert probe() is False, "remembered for one deadline"
    clock.sleep(6)
    assert probe() is True


@pytest.mark.parametrize(("status", "kind"), [(503, "server"), (429, "rate-limit"), (401, "auth")])
def test_a_token_endpoint_that_keeps_failing_is_server_trouble_and_only_a_refusal_is_auth(status: int, kind: str) -> None:
    from dataflow_qa.systems.auth import WebCrmLogin

    transport = httpx.MockTransport(lambda request: httpx.Response(status, headers={"Retry-After": "0"}))
    client = HttpClient("s", "http://s.test", auth=WebCrmLogin("http://s.test/Auth/ApiLogin", "code-1234"),
                        transport=transport, retry=RetryPolicy(attempts=3), allowed_hosts=["s.test"],
                        sleep=lambda seconds: None)
    with pytest.raises(AdapterError) as caught:
        client.send("GET", "/x")
    assert caught.value.kind == kind and cause_of(caught.value) == f"environment: {kind}"
