"""``ref:<mapping>`` value overrides: id properties checked through the links of another mapping.

``tests/data/refs/`` holds a tiny document (a project's manager is an
employee; the activity's owner is the contact linked to that employee) and
its ``values.toml``. The checks write an employee's id and expect the linked
contact's id; the reference engine translates through its links.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from engine_support import section
from dataflow_qa.checks import Outcome, Wait, run
from dataflow_qa.checks.pairs import REF_POOL
from dataflow_qa.systems.config import ConfigError
from dataflow_qa.pytest_plugin.dataflow import PROFILES, Session
from dataflow_qa.targets.fake import FakeTarget
from dataflow_qa.values.table import ValueSettings, beside, settings
from dataflow_qa.generator.model import Document, Mapping
from dataflow_qa.generator.parse import DocumentParser

ROOT = Path(__file__).resolve().parent.parent
REFS = ROOT / "tests" / "data" / "refs"
FIDELITY = ("forward", "reverse", "round-trip")


def parse(path: Path) -> Document:
    document = DocumentParser().parse_file(path).document
    assert document is not None
    return document


def flipped_documents(tmp_path: Path) -> list[Document]:
    """The same project mapping, but the employees' mapping runs from CRMOffice to PowerOffice."""
    title = "Crmoffice to Powerofficego Dataflow"
    text = f"{'=' * len(title)}\n{title}\n{'=' * len(title)}\n\n" + section(
        "Crmoffice", "Contacts", "Powerofficego", "Employees", rows=[("givenName", "FirstName", '"string"')])
    path = tmp_path / "crmoffice-powerofficego.rst"
    path.write_text(text, encoding="utf-8")
    projects = parse(REFS / "powerofficego-crmoffice.rst")
    return [parse(path), replace(projects, mappings=projects.mappings[1:])]


def session(documents: list[Document], values: ValueSettings, translating: bool = True) -> Session:
    references = values.references if translating else None
    target = (lambda scoped: FakeTarget(scoped, references=references)) if references else (lambda scoped: FakeTarget(scoped))
    return Session(target, documents, 7, "refs", PROFILES["fake"], overrides=values.overrides, references=values.references)


def projects(documents: list[Document]) -> Mapping:
    return next(m for d in documents for m in d.mappings if m.source_entity == "Projects")


@pytest.fixture
def documents() -> list[Document]:
    return [parse(REFS / "powerofficego-crmoffice.rst")]


@pytest.mark.parametrize("kind", [*FIDELITY, "conflict", "empty", "isolation", "type", "bounded-writes"])
def test_a_reference_row_passes_on_an_engine_that_translates_ids(documents: list[Document], kind: str) -> None:
    values = settings(documents, beside(REFS))
    mapping = projects(documents)
    row = next(r for r in mapping.properties if r.source == "ProjectManagerEmployeeId")
    result = session(documents, values).check(kind, mapping, row, f"refs::{kind}")
    assert result.outcome.status == "passed", result.outcome.message


@pytest.mark.parametrize("kind", FIDELITY)
def test_an_engine_that_copies_ids_verbatim_fails_with_the_linked_id_named(documents: list[Document], kind: str) -> None:
    values = settings(documents, beside(REFS))
    mapping = projects(documents)
    row = next(r for r in mapping.properties if r.source == "ProjectManagerEmployeeId")
    result = session(documents, values, translating=False).check(kind, mapping, row, f"refs::{kind}")
    assert result.outcome.status == "failed"
    assert "to reach ownerId as '" in result.outcome.message and "(the Contacts linked to Employees '" in result.outcome.message


def test_the_engine_writes_the_linked_contacts_id_into_the_activity(documents: list[Document]) -> None:
    values = settings(documents, beside(REFS))
    target = FakeTarget(documents, references=values.references)
    employees, project_mapping = documents[0].mappings
    employee = target.adapters["powerofficego"].create("Employees", {"FirstName": "Kari"})
    target.settle()
    contact = target.engine.linked(employees, employee)
    project = target.adapters["powerofficego"].create("Projects", {"Name": "Bridge", "ProjectManagerEmployeeId": employee})
    target.settle()
    activity = target.engine.linked(project_mapping, project)
    assert contact is not None and activity is not None
    record = target.adapters["crmoffice"].get("Activities", activity)
    assert record is not None and target.adapters["crmoffice"].read(record, "ownerId") == contact
    target.close()


@pytest.mark.parametrize("kind", FIDELITY)
def test_a_reference_to_a_mapping_running_the_other_way(tmp_path: Path, kind: str) -> None:
    documents = flipped_documents(tmp_path)
    values = settings(documents, (tmp_path / "values.toml", {"ownerId": "ref:Contacts"}))
    mapping = projects(documents)
    row = next(r for r in mapping.properties if r.target == "ownerId")
    assert values.references.get(row) is not None and values.references.get(row).flipped
    result = session(documents, values).check(kind, mapping, row, f"flipped::{kind}")
    assert result.outcome.status == "passed", result.outcome.message


@pytest.mark.parametrize("name, problem", [
    ("ref:Employes", "no mapping 'Employes' between powerofficego and crmoffice"),
    ("ref:Contacts", "'Contacts' names several mappings"),
    ("phone-number", "unknown strategy; use one of phone, date, datetime, email or ref:<mapping>"),
])
def test_a_bad_override_is_a_config_error_naming_the_file_and_key(documents: list[Document], tmp_path: Path, name: str, problem: str) -> None:
    more = section("Powerofficego", "Customers person", "Crmoffice", "Contacts", rows=[("FirstName", "givenName", '"string"')])
    extra = tmp_path / "extra.rst"
    extra.write_text("===================================\nPowerofficego to Crmoffice Dataflow\n===================================\n\n" + more, encoding="utf-8")
    values_file = tmp_path / "values.toml"
    values_file.write_text(f'[values]\nProjectManagerEmployeeId = "{name}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        settings([*documents, parse(extra)], beside(tmp_path))
    message = str(raised.value)
    assert message.startswith(f"{values_file}: invalid [values] table")
    assert f"[values] ProjectManagerEmployeeId = {name!r}: {problem}" in message


def test_a_reference_must_name_a_documented_property(documents: list[Document], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[values\] ManagerId = 'ref:Employees': no documented property is named 'ManagerId'"):
        settings(documents, (tmp_path / "values.toml", {"ManagerId": "ref:Employees"}))


def test_the_full_key_and_the_entity_name_name_the_same_mapping(documents: list[Document], tmp_path: Path) -> None:
    full = settings(documents, (tmp_path / "v.toml", {"ownerId": "ref:powerofficego:Employees->crmoffice:Contacts"}))
    short = settings(documents, beside(REFS))
    assert full.references == short.references and len(short.references.rows()) == 1


def test_the_referenced_pairs_are_made_in_one_wait(documents: list[Document]) -> None:
    """On a sandbox every wait is a wave step: the pool costs one step, not one per pair."""
    values = settings(documents, beside(REFS))
    state = session(documents, values)
    mapping = projects(documents)
    row = next(r for r in mapping.properties if r.source == "ProjectManagerEmployeeId")
    state.focus(mapping)
    ctx = state.context(lambda r: "unused")
    waits: list[str] = []

    def waiter(wait: Wait, outcome: Outcome) -> object:
        waits.append(wait.what)
        return state.target.waiter(wait, outcome)

    outcome = run(state.build("forward", ctx, mapping, row), waiter)
    assert outcome.status == "passed", outcome.message
    assert waits[0].startswith(f"{REF_POOL} new Employees to get their linked Contacts: ") and len(waits) == 4, waits
    assert len(ctx.ref_pools["powerofficego:Employees->crmoffice:Contacts"].pairs) == REF_POOL
