"""The throttled-writes check: an edit whose update the target answers 429 still arrives; the check runs on
the fake target's http wire, fails an engine that drops such an update, fails when no 429 was answered at
all, and skips where nothing lets it order a burst."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
import pytest

from dataflow_qa.checks.bursts import update_bursts
from dataflow_qa.checks.context import Skip
from dataflow_qa.fakes.faults import UpdateBurst
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import DocumentParser
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Result, Session
from dataflow_qa.systems.adapters.memory import MemoryAdapter
from dataflow_qa.systems.config import SandboxConfig, SystemConfig, build_adapters
from dataflow_qa.targets.fake import FakeTarget

SPEC = Path(__file__).resolve().parent.parent / "specs" / "webcrm-crmoffice.rst"


@pytest.fixture(scope="module")
def document() -> Document:
    parsed = DocumentParser().parse_file(SPEC).document
    assert parsed is not None
    return parsed


def throttled(document: Document, faults: tuple[str, ...] = ()) -> tuple[Session, Result]:
    """The check on WebCRM Users -> CRMOffice Contacts, in a session on the memory wire (as a default run is)."""
    make = partial(FakeTarget, faults=faults)
    session = Session(lambda scoped, wire="memory": make(scoped, wire=wire), [document], 5, "throttled", PROFILES["fake"],
                      evidence=lambda scoped: make(scoped, wire="http"))
    return session, session.check("throttled-writes", document.mappings[1], None, "t::throttled_writes")


def test_the_clean_engine_passes_on_the_http_wire_and_the_target_answered_429(document: Document) -> None:
    session, result = throttled(document)
    assert result.outcome.status == "passed", result.outcome.message
    assert session.target.wire == "http"
    assert sum(fake.update_burst.answered for fake in session.target.fakes) >= 1


def test_an_engine_that_drops_an_update_answered_429_fails_it(document: Document) -> None:
    _, result = throttled(document, ("gives-up-on-429",))
    assert result.outcome.status == "failed"
    assert "answers the sync's next 3 updates 429" in result.outcome.message
    assert "an update answered 429 must be sent again" in result.outcome.message


def test_a_burst_that_never_met_the_sync_fails_the_check(document: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UpdateBurst, "hit", lambda self, method, client: False)
    _, result = throttled(document)
    assert result.outcome.status == "failed"
    assert "answered no update 429 meanwhile" in result.outcome.message


def test_without_a_fake_to_order_a_burst_from_the_check_skips_and_sends_nothing() -> None:
    with pytest.raises(Skip, match="its adapter sends no HTTP"):
        update_bursts(MemoryAdapter("crmoffice"), "CRMOffice")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing may be sent to a real sandbox: {request.url}")

    system = SystemConfig(id="crmoffice", dialect="crmoffice", base_url="https://api.crmoffice.example/v1", auth="bearer",
                          env={"token": "DFQA_T"})
    adapters = build_adapters(SandboxConfig({"crmoffice": system}, ("api.crmoffice.example",), "a sandbox"),
                              env={"DFQA_T": "t0ken"}, transport=httpx.MockTransport(refuse))
    with pytest.raises(Skip, match="crmoffice.example: it needs control of the system's rate limit"):
        update_bursts(adapters["crmoffice"], "CRMOffice")


def test_a_loopback_system_that_takes_no_orders_skips(document: Document) -> None:
    def not_ours(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "no such path"})

    system = SystemConfig(id="crmoffice", dialect="crmoffice", base_url="http://127.0.0.1:9/v1", auth="bearer", env={"token": "DFQA_T"})
    adapters = build_adapters(SandboxConfig({"crmoffice": system}, ("127.0.0.1",), "loopback"), env={"DFQA_T": "t0ken"},
                              transport=httpx.MockTransport(not_ours))
    with pytest.raises(Skip, match="takes no update-burst orders .*404"):
        update_bursts(adapters["crmoffice"], "CRMOffice")


def test_on_a_sandbox_each_throttled_writes_check_runs_in_waves_of_its_own(document: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst stalls every update to its system; checks in the same waves would take that for a quiet sync."""
    from dataflow_qa.pytest_plugin import dataflow

    batches: list[list[str]] = []
    monkeypatch.setattr(dataflow, "run_waves", lambda checks, waiter, report: batches.append(sorted(checks)) or {})
    session = Session(lambda scoped: FakeTarget(scoped), [document], 5, "waves", PROFILES["sandbox"])
    users, persons = document.mappings[1], document.mappings[2]
    session.run_planned([("users::throttled_writes", ("throttled-writes", users, None)), ("users::link", ("link", users, None)),
                         ("persons::throttled_writes", ("throttled-writes", persons, None)), ("persons::link", ("link", persons, None))])
    assert batches == [["persons::link", "users::link"], ["users::throttled_writes"], ["persons::throttled_writes"]]
