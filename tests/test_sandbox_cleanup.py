"""The end-of-run cleanup deletes only what the run can prove it made, on served fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.generator.parse import find_documents, parse_paths
from dataflow_qa.systems.adapters.base import Record
from dataflow_qa.systems.config import ADAPTERS, dump_config
from dataflow_qa.targets.sandbox import SandboxTarget

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [r.document for r in parse_paths(find_documents([str(ROOT / "specs")])) if r.document is not None]
RUN_ID = "c1ea9"
CrmOfficeAdapter = ADAPTERS["crmoffice"]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSystems, Path, str]]:
    """Fakes served on loopback, a sandbox configuration for them (no quiet period) and their credentials set."""
    fakes = FakeSystems.from_documents(DOCUMENTS)
    with fakes.serve() as server:
        config = tmp_path / "sandbox.toml"
        config.write_text(dump_config(fakes.config(server.url)) + "\n[run]\nquiet_period = 0\n", encoding="utf-8")
        for name, value in fakes.env().items():
            monkeypatch.setenv(name, value)
        yield fakes, config, server.url


def names(fakes: FakeSystems) -> list[str]:
    return sorted(company["name"] for company in fakes.records("crmoffice", "Companies"))


def test_a_record_from_before_the_run_survives_cleanup_even_when_the_start_listing_missed_it(
        served: tuple[FakeSystems, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CRMOffice Companies is filled only by a mapping without rows, so nothing of the run marks its records.

    The old cleanup deleted every Companies record missing from the listing
    taken at the start; a listing that skips a record (paging without an
    order can) made a customer's own company look new, and an edit by
    someone else during the run put it in the end listing too. Now only a
    creation stamp after the run began makes such a record the run's.
    """
    fakes, config, url = served
    [theirs] = fakes.seed("crmoffice", "Companies", [{"name": "Acme AS, a customer's own"}])
    listed = CrmOfficeAdapter.changed_since

    def skipping_theirs_at_the_start(self: CrmOfficeAdapter, entity: str, since: object) -> list:
        records = listed(self, entity, since)
        return [r for r in records if r.id != theirs] if since is None else records

    monkeypatch.setattr(CrmOfficeAdapter, "changed_since", skipping_theirs_at_the_start)
    target = SandboxTarget(DOCUMENTS, config, RUN_ID, tmp_path / "ledger")
    monkeypatch.setattr(CrmOfficeAdapter, "changed_since", listed)
    others = fakes.adapters(root_url=url, client="someone-else")
    others["crmoffice"].update("Companies", theirs, {"name": "Acme AS, renamed by its owner"})
    ours = target.adapters["crmoffice"].create("Companies", {"name": "made by this run's check"})
    target.ledger.add("crmoffice", "Companies", ours)
    copied = others["crmoffice"].create("Companies", {"name": f"dfqa-{RUN_ID}-7"})  # the sync's copy of a run value
    others["crmoffice"].create("Companies", {"name": "the sync's copy of a WebCRM Product the run made"})

    problems = target.cleanup()
    target.close()

    assert problems == []
    assert names(fakes) == ["Acme AS, renamed by its owner"]
    assert copied not in [c["id"] for c in fakes.records("crmoffice", "Companies")]
    [note] = target.notes
    assert note.startswith(f"left in place: crmoffice Companies {theirs}: changed during the run and not seen at its start, "
                           "but not created after it began")


def test_a_copy_further_down_a_flow_without_rows_goes_and_a_record_from_before_stays(
        served: tuple[FakeSystems, Path, str], tmp_path: Path) -> None:
    """Salesforce Customer -> CRMOffice Contacts has no rows, so the sync's copy is empty, and so is its copy in
    SuperOffice Person (Contacts -> Person has rows): only its creation time shows it is new."""
    fakes, config, url = served
    fakes.seed("superoffice", "Person", [{"Firstname": "Kari", "Lastname": "Nordmann"}])
    target = SandboxTarget(DOCUMENTS, config, RUN_ID, tmp_path / "ledger")
    fakes.adapters(root_url=url, client="sesam-talk-engine")["superoffice"].create("Person", {})
    assert target.cleanup() == []
    target.close()
    assert [person.get("Firstname") for person in fakes.records("superoffice", "Person")] == ["Kari"]


def test_a_record_from_before_the_run_that_the_sync_wrote_the_runs_values_into_stays(
        served: tuple[FakeSystems, Path, str], tmp_path: Path) -> None:
    """A merge into an existing record puts the run's values in it; its creation time says it is not the run's."""
    fakes, config, url = served
    [theirs] = fakes.seed("salesforce", "Contact", [{"FirstName": "Ola", "LastName": "Nordmann"}])
    target = SandboxTarget(DOCUMENTS, config, RUN_ID, tmp_path / "ledger")
    engine = fakes.adapters(root_url=url, client="sesam-talk-engine")["salesforce"]
    engine.update("Contact", theirs, {"FirstName": f"dfqa-{RUN_ID}-4"})
    copied = engine.create("Contact", {"FirstName": f"dfqa-{RUN_ID}-5", "LastName": "copy"})
    assert target.cleanup() == []
    target.close()
    assert [(c["Id"], c["FirstName"]) for c in fakes.records("salesforce", "Contact")] == [(theirs, f"dfqa-{RUN_ID}-4")]
    assert copied != theirs
    assert target.notes == [f"left in place: salesforce Contact {theirs}: they hold this run's values but were created before it "
                            "began (the sync merged into them); their other values are as the sync left them"]


def test_a_record_of_another_run_is_not_this_runs(served: tuple[FakeSystems, Path, str], tmp_path: Path) -> None:
    """Run ids share no prefix with the sweep's needle: ``dfqa-<id>-`` ends at the dash."""
    fakes, config, url = served
    target = SandboxTarget(DOCUMENTS, config, RUN_ID, tmp_path / "ledger")
    others = fakes.adapters(root_url=url, client="someone-else")
    others["salesforce"].create("Contact", {"FirstName": f"dfqa-{RUN_ID}0-3", "LastName": "other run"})
    others["salesforce"].create("Contact", {"FirstName": f"dfqa-{RUN_ID}-3", "LastName": "this run"})
    assert target.cleanup() == []
    target.close()
    assert [c["FirstName"] for c in fakes.records("salesforce", "Contact")] == [f"dfqa-{RUN_ID}0-3"]


@pytest.mark.parametrize(("field", "found"), [
    ("CreatedDate", True), ("PersonCreatedAt", True), ("CreatedDateTimeOffset", True), ("createdAt", True),
    ("CreatedById", False), ("UpdatedDate", False), ("LastCreatedInvoiceNo", False),
])
def test_the_creation_time_is_read_from_the_systems_own_field(field: str, found: bool) -> None:
    adapter = FakeSystems.from_documents(DOCUMENTS).adapters()["crmoffice"]
    record = Record("1", {"id": "1", field: "2026-01-02T03:04:05Z"}, datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert adapter.created("Companies", record) == (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc) if found else None)


def test_records_the_system_cannot_delete_are_named_once_per_entity_and_fail_nothing(
        served: tuple[FakeSystems, Path, str], tmp_path: Path) -> None:
    """WebCRM has no DELETE for Persons (docs/vendors/webcrm.md): nothing can remove them, so they are a note
    naming them and what marks them, not a problem that fails the run and keeps a ledger reap cannot empty."""
    fakes, config, _ = served
    target = SandboxTarget(DOCUMENTS, config, RUN_ID, tmp_path / "ledger")
    people = [target.adapters["webcrm"].create("Persons", {"PersonFirstName": f"dfqa-{RUN_ID}-{n}"}) for n in range(11)]
    product = target.adapters["webcrm"].create("Products", {"ProductName": f"dfqa-{RUN_ID}-p"})
    for record_id in (*people, product):
        target.ledger.add("webcrm", "Persons" if record_id in people else "Products", record_id)

    problems = target.cleanup()
    target.close()

    assert problems == []
    [note] = [n for n in target.notes if "webcrm Persons" in n]
    assert note.startswith(f"left in place: webcrm Persons {', '.join(sorted(people, key=int))}: WebCRM has no DELETE for Persons")
    assert "remove the record by hand" in note
    assert {p["PersonId"] for p in fakes.records("webcrm", "Persons")} >= {int(p) for p in people}
    assert product not in [str(p.get("ProductId")) for p in fakes.records("webcrm", "Products")]
    assert not (tmp_path / "ledger").exists() or not list((tmp_path / "ledger").glob("*.jsonl"))
