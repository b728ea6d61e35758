"""The adapter contract, per dialect, against its fake: in-process and over loopback HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from dataflow_qa.systems.adapters.base import Adapter, AdapterError
from dataflow_qa.systems.adapters.salesforce import make_id
from dataflow_qa.systems.config import build_adapters, parse_config
from dataflow_qa.fakes import FakeServer, FakeSystems
from dataflow_qa.fakes.hub import no_wait
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

PAGE = 3  # small pages, so listing and finding page through results


@dataclass(frozen=True)
class Case:
    """One dialect's representative entity and paths."""

    system: str
    entity: str
    text: str  # a flat text property
    other: str  # another flat text property
    nested: str  # a dotted path
    nested_values: tuple[Any, Any]
    missing_id: str
    deletable: tuple[str, str] | None = None  # (entity, text path) DELETE removes, when the case's entity has no DELETE

    def __str__(self) -> str:
        return self.system


CASES = [
    Case("superoffice", "Person", "Firstname", "Lastname", "OfficePhones.Value", ("+47 22 33 44 55", "+47 99 88"),
         "987654"),
    Case("salesforce", "Contact", "FirstName", "LastName", "MailingAddress.city", ("Oslo", "Tromsø"),
         make_id("Contact", 10**9)),
    Case("powerofficego", "Customers person", "FirstName", "LastName", "MailAddress.City", ("Oslo", "Bergen"),
         "987654"),
    Case("webcrm", "Persons", "PersonFirstName", "PersonLastName", "PersonAddress.City", ("Oslo", "Bodø"), "987654",
         deletable=("Products", "ProductName")),
    Case("crmoffice", "Contacts", "givenName", "familyName", "company.id", (41, 42),
         "00000000-0000-4000-8000-000000000000"),
    Case("customcrm", "Contact", "name", "email", "address.city", ("Oslo", "Ærøskøbing"), "987654"),
]
TOKEN_DIALECTS = {"salesforce", "powerofficego", "webcrm", "crmoffice"}


@dataclass
class World:
    """Fakes of the specs and adapters to them over one kind of transport."""

    fakes: FakeSystems
    adapters: dict[str, Adapter]
    root_url: str | None


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


@pytest.fixture(scope="module", params=["in-process", "loopback"])
def world(request: pytest.FixtureRequest, documents: list[Document]) -> Iterator[World]:
    fakes = FakeSystems.from_documents(documents)
    fakes["salesforce"].batch_size = PAGE  # type: ignore[attr-defined]
    if request.param == "in-process":
        yield World(fakes, fakes.adapters(page_size=PAGE), None)
        return
    with FakeServer(fakes) as server:
        adapters = fakes.adapters(root_url=server.url, page_size=PAGE)
        yield World(fakes, adapters, server.url)
        for adapter in adapters.values():
            adapter.close()


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_then_get_returns_every_value_exactly(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    text = "  Ærøskøbing Zoë  " + unique("x")
    long_text = "ø" * 3000
    record_id = adapter.create(case.entity, {case.text: text, case.other: long_text,
                                             case.nested: case.nested_values[0]})
    record = adapter.get(case.entity, record_id)
    assert record is not None and record.id == record_id
    assert adapter.read(record, case.text) == text
    assert adapter.read(record, case.other) == long_text
    assert adapter.read(record, case.nested) == case.nested_values[0]
    assert record.updated.tzinfo is not None and record.updated <= datetime.now(timezone.utc)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_update_by_nested_path_changes_that_value_only(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    record_id = adapter.create(case.entity, {case.text: unique("a"), case.nested: case.nested_values[0]})
    before = adapter.get(case.entity, record_id)
    assert before is not None
    adapter.update(case.entity, record_id, {case.nested: case.nested_values[1], case.other: "added later"})
    after = adapter.get(case.entity, record_id)
    assert after is not None
    assert adapter.read(after, case.nested) == case.nested_values[1]
    assert adapter.read(after, case.other) == "added later"
    assert adapter.read(after, case.text) == adapter.read(before, case.text)
    assert after.updated > before.updated


@pytest.mark.parametrize("case", CASES, ids=str)
def test_find_returns_exact_matches_only(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    value = unique("Zoë")
    wanted = [adapter.create(case.entity, {case.text: value}) for _ in range(PAGE + 1)]
    adapter.create(case.entity, {case.text: value.upper()})
    adapter.create(case.entity, {case.text: value + " "})
    assert sorted(adapter.find(case.entity, case.text, value)) == sorted(wanted)
    assert adapter.find(case.entity, case.text, unique("nobody")) == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_changed_since_lists_newer_records_oldest_first(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    first = adapter.create(case.entity, {case.text: unique("first")})
    start = adapter.get(case.entity, first)
    assert start is not None
    created = [adapter.create(case.entity, {case.text: unique("n")}) for _ in range(2 * PAGE + 1)]
    changed = adapter.changed_since(case.entity, start.updated)
    assert [r.id for r in changed] == created
    assert [r.updated for r in changed] == sorted(r.updated for r in changed)
    adapter.update(case.entity, first, {case.text: unique("edited")})
    latest = changed[-1].updated
    assert [r.id for r in adapter.changed_since(case.entity, latest)] == [first]
    everything = [r.id for r in adapter.changed_since(case.entity, None)]
    assert set(created + [first]) <= set(everything)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_delete_removes_and_is_idempotent(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    entity, text = case.deletable or (case.entity, case.text)
    record_id = adapter.create(entity, {text: unique("gone")})
    adapter.delete(entity, record_id)
    assert adapter.get(entity, record_id) is None
    adapter.delete(entity, record_id)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_unknown_records_read_as_none_and_refuse_updates(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    assert adapter.get(case.entity, case.missing_id) is None
    with pytest.raises(AdapterError) as caught:
        adapter.update(case.entity, case.missing_id, {case.text: "x"})
    assert caught.value.kind == "not-found" and case.system in str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_wrong_credentials_give_a_redacted_auth_error(world: World, case: Case) -> None:
    config = world.fakes.config(world.root_url or "http://fakes.invalid")
    env = {name: f"wrong-{name.lower()}-value" for name in world.fakes.env()}
    transport = world.fakes.transport() if world.root_url is None else None
    adapter = build_adapters(config, env=env, transport=transport, sleep=no_wait)[case.system]
    with pytest.raises(AdapterError) as caught:
        adapter.create(case.entity, {case.text: "x"})
    message = str(caught.value)
    assert caught.value.kind == "auth"
    assert case.system in message and ("401" in message or "400" in message)
    assert all(secret not in message for secret in env.values())
    adapter.close()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_expired_tokens_are_renewed_and_an_expired_ticket_is_reported(world: World, case: Case) -> None:
    adapter = world.adapters[case.system]
    record_id = adapter.create(case.entity, {case.text: unique("t")})
    world.fakes.expire_tokens(case.system)
    if world.fakes[case.system].dialect in TOKEN_DIALECTS:
        assert adapter.get(case.entity, record_id) is not None
    elif case.system == "superoffice":
        with pytest.raises(AdapterError) as caught:
            adapter.get(case.entity, record_id)
        assert caught.value.kind == "auth" and "DFQA_SUPEROFFICE_TICKET" in str(caught.value)
        world.fakes["superoffice"].renew_ticket()  # type: ignore[attr-defined]
        assert adapter.get(case.entity, record_id) is not None


def _losing_first_create_answer(fakes: FakeSystems, case: Case) -> httpx.MockTransport:
    """A transport that lets the first create through to the fake, then drops its answer."""
    lost = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = fakes.handler(request)
        creating = request.method == "POST" and response.status_code in (200, 201) and "/token" not in \
            request.url.path.lower() and "ApiLogin" not in request.url.path
        if creating and not lost:
            lost.append(request.url.path)
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_create_whose_answer_is_lost_is_not_duplicated(documents: list[Document], case: Case) -> None:
    fakes = FakeSystems.from_documents(documents)
    adapter = build_adapters(fakes.config(), env=fakes.env(), transport=_losing_first_create_answer(fakes, case),
                             sleep=no_wait)[case.system]
    value = unique("once")
    record_id = adapter.create(case.entity, {case.text: value})
    stored = [r for r in fakes.records(case.system, case.entity) if value in str(r)]
    assert len(stored) == 1
    assert adapter.find(case.entity, case.text, value) == [record_id]
    assert [w.action for w in fakes.writes(case.system)] == ["create"]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_without_a_marker_an_ambiguous_create_is_reported_not_retried(documents: list[Document],
                                                                      case: Case) -> None:
    fakes = FakeSystems.from_documents(documents)
    config = fakes.config()
    data = {"sandbox": {"allowed_hosts": list(config.allowed_hosts)}, "systems": {
        case.system: {"dialect": config.systems[case.system].dialect, "base_url": config.systems[case.system].base_url,
                      "auth": config.systems[case.system].auth, "marker_field": "",
                      **{f"{role}_env": name for role, name in config.systems[case.system].env.items()}}}}
    unmarked = parse_config(data, fakes.env())
    adapter = build_adapters(unmarked, env=fakes.env(), transport=_losing_first_create_answer(fakes, case),
                             sleep=no_wait)[case.system]
    with pytest.raises(AdapterError) as caught:
        adapter.create(case.entity, {case.text: unique("maybe")})
    assert "marker" in str(caught.value) and caught.value.kind == "timeout"
    assert len(fakes.records(case.system, case.entity)) == 1


@pytest.mark.parametrize(("system", "entity", "values", "expected"), [
    ("salesforce", "Contact", {"SystemModstamp": "2020-01-01"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ("superoffice", "Person", {"OfficePhones": "22 33 44 55"}, "OfficePhones must be a list of objects"),
], ids=["salesforce", "superoffice"])
def test_values_the_system_refuses_are_client_errors_quoting_its_answer(world: World, system: str, entity: str,
                                                                       values: dict, expected: str) -> None:
    with pytest.raises(AdapterError) as caught:
        world.adapters[system].create(entity, values)
    assert caught.value.kind == "client" and caught.value.status == 400 and expected in str(caught.value)
