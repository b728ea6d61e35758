"""The fakes' store, query languages and patches: cheap change listing, seeding, write logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dataflow_qa.systems.adapters import jsonpatch
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.query import Predicate, QueryError, parse_filter, parse_select
from dataflow_qa.fakes.store import Clock, Collection, Store, Stored
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths

SEEDED = 20_000


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


class CountingRows(dict):
    """A dict that counts lookups, to show how many records a query touched."""

    lookups = 0

    def get(self, key: Any, default: Any = None) -> Any:
        type(self).lookups += 1
        return super().get(key, default)


class CountingLog(list):
    """The update-time log, counting the entries read and refusing to be walked whole."""

    reads = 0

    def __getitem__(self, index: Any) -> Any:
        type(self).reads += 1
        return super().__getitem__(index)

    def __iter__(self) -> Any:
        raise AssertionError("the whole update-time log was walked")


def test_listing_changes_touches_the_changes_not_every_record(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    ids = fakes.seed("customcrm", "Contact", ({"name": f"n{i}"} for i in range(SEEDED)))
    adapter = fakes.adapters()["customcrm"]
    mark = adapter.changed_since("Contact", None)[-1].updated
    adapter.update("Contact", ids[123], {"name": "edited"})
    collection = fakes["customcrm"].store.collection("contact")
    collection.rows = CountingRows(collection.rows)
    collection._log = CountingLog(collection._log)
    changed = adapter.changed_since("Contact", mark)
    assert [r.id for r in changed] == [ids[123]]
    assert CountingRows.lookups <= 5 and CountingLog.reads <= 40  # bisect (~15) plus the changes


def test_seeded_records_are_older_than_anything_written_and_not_logged(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    adapter = fakes.adapters()["salesforce"]
    first = adapter.create("Contact", {"LastName": "live"})
    seeded = fakes.seed("salesforce", "Contact", [{"LastName": f"s{i}"} for i in range(5)])
    listed = [r.id for r in adapter.changed_since("Contact", None)]
    assert listed == seeded + [first]
    assert [w.action for w in fakes.writes("salesforce")] == ["create"]
    assert all(len(i) == 18 and i.startswith("003") for i in seeded)


def test_the_write_log_says_who_wrote_which_paths_when(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    engine = fakes.adapters(client="engine")["superoffice"]
    checks = fakes.adapters(client="checks")["superoffice"]
    record_id = checks.create("Person", {"Firstname": "Ola", "OfficePhones.Value": "1"})
    engine.update("Person", record_id, {"OfficePhones.Value": "2"})
    engine.update("Person", record_id, {"OfficePhones.Value": "2"})  # a no-op write is still a write
    writes = fakes.writes("superoffice", entity="Person")
    assert [(w.client, w.action) for w in writes] == [("checks", "create"), ("engine", "update"), ("engine", "update")]
    assert writes[1].fields == ("OfficePhones.Value",) and writes[0].at < writes[1].at < writes[2].at
    assert "Firstname" in writes[0].fields and fakes.writes(client="engine", after=writes[1].seq) == [writes[2]]


def test_views_of_one_collection_keep_their_own_records(documents: list[Document]) -> None:
    fakes = FakeSystems.from_documents(documents)
    adapter = fakes.adapters()["powerofficego"]
    person = adapter.create("Customers person", {"FirstName": "Ola"})
    fakes.seed("powerofficego", "Customers person", [{"FirstName": "Kari"}])
    assert [r["FirstName"] for r in fakes.records("powerofficego", "Customers person")] == ["Kari", "Ola"]
    assert adapter.get("Customers person", person).data["IsPerson"] is True  # type: ignore[union-attr]


def test_the_clock_never_repeats_a_time() -> None:
    frozen = datetime(2024, 1, 1, tzinfo=timezone.utc)
    clock = Clock(timedelta(milliseconds=1), now=lambda: frozen)
    times = [clock.tick() for _ in range(3)]
    assert times == [frozen, frozen + timedelta(milliseconds=1), frozen + timedelta(milliseconds=2)]


def test_collections_list_in_update_order_and_forget_deleted_records() -> None:
    store = Store("s")
    for name in ("a", "b", "c"):
        store.save("things", name, {"name": name}, action="create", fields=(), client="t")
    store.save("things", "a", {"name": "A"}, action="update", fields=(), client="t")
    store.delete("things", "b", "t")
    things = store.collection("things")
    assert [r.id for r in things.since(None)] == ["c", "a"]
    assert [r.id for r in things.lookup("name", "a")] == ["a"]  # text is indexed without case
    assert [r.id for r in things.select(predicates=[Predicate("name", "=", "A")])] == ["a"]


def test_compaction_keeps_listing_correct() -> None:
    things = Collection("things")
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for seq in range(500):
        things.put(Stored("only", {"n": seq}, base, base + timedelta(seconds=seq), seq))
    assert [r.data["n"] for r in things.since(None)] == [499] and len(things._log) < 200


def test_soql_and_webcrm_scripts_parse() -> None:
    select = parse_select("SELECT FIELDS(STANDARD), Custom__c FROM Contact WHERE Name = 'O\\'Brien' "
                          "AND SystemModstamp > 2024-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id DESC LIMIT 5")
    assert select.fields == ("FIELDS(STANDARD)", "Custom__c") and select.table == "Contact"
    assert select.where[0] == Predicate("Name", "=", "O'Brien")
    assert select.where[1].value == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert select.order == (("SystemModstamp", False), ("Id", True)) and select.limit == 5
    assert parse_select("SELECT * FROM Person WHERE PersonName = 'it''s'").where[0].value == "it's"


def test_odata_filters_parse() -> None:
    predicates = parse_filter("personUpdatedDate afterTime '2024-01-01T00:00:00' and OfficePhones/Value eq 'x'")
    assert predicates == (Predicate("personUpdatedDate", ">", "2024-01-01T00:00:00"),
                          Predicate("OfficePhones.Value", "=", "x"))


@pytest.mark.parametrize("query", ["DELETE FROM Contact", "SELECT Id FROM", "SELECT Id FROM C WHERE a LIKE 'x'",
                                   "SELECT Id FROM C WHERE a = 'unterminated"])
def test_unreadable_queries_are_errors_with_a_place(query: str) -> None:
    with pytest.raises(QueryError):
        parse_select(query)


def test_json_patch_round_trip_and_conflicts() -> None:
    old = {"a": 1, "phones": [{"Value": "1"}], "gone": True}
    new = {"a": 2, "phones": [{"Value": "9"}], "added": {"x": "y"}}
    ops = jsonpatch.diff(old, new)
    assert {"op": "replace", "path": "/phones/0/Value", "value": "9"} in ops
    assert jsonpatch.apply(old, ops) == new and old["a"] == 1
    with pytest.raises(jsonpatch.PatchConflict):
        jsonpatch.apply(old, [{"op": "test", "path": "/a", "value": 5}])
    with pytest.raises(jsonpatch.PatchError):
        jsonpatch.apply(old, [{"op": "replace", "path": "/missing/x", "value": 5}])
    assert jsonpatch.merge(old, jsonpatch.merge_diff(old, new)) == new
