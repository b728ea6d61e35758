"""The catalog of systems, and fakes for every system and entity of the whole corpus."""

from __future__ import annotations

from pathlib import Path

from dataflow_qa.systems.adapters.salesforce import READ_ONLY
from dataflow_qa.systems.catalog import build_catalog, dialect_for
from dataflow_qa.systems.profiles import PROFILES
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.generator.model import Condition, Document, Location, Mapping, MergeKey, PropertyMap, System
from dataflow_qa.generator.parse import find_documents, parse_paths

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
HERE = Location("x.rst", 1)


def _document() -> Document:
    webcrm, crmoffice = System("webcrm", "WebCRM"), System("customcrm", "Custom CRM")
    rows = (
        PropertyMap(HERE, "PersonFirstName", "info.name.first", "string"),
        PropertyMap(HERE, "PersonMobilePhone", "phone_numbers.number", "string",
                    target_condition=Condition("wd:Q17517", "phone_numbers.name")),
        PropertyMap(HERE, "PersonPhone", "department.id", None, target_condition=Condition("wd:Q1", "")),
    )
    mappings = (
        Mapping(HERE, "t", webcrm, "Persons", crmoffice, "Customers (human data)", "merge-or-create",
                merge_keys=(MergeKey(HERE, "PersonEmail", "primaryInfo.email"),), properties=rows),
        Mapping(HERE, "t", webcrm, "Users", crmoffice, "Customers (human data)", "create"),
    )
    return Document(HERE, "WebCRM to Custom CRM Dataflow", webcrm, crmoffice, "0" * 64, mappings=mappings)


def test_dialects_by_system_id() -> None:
    assert [dialect_for(s) for s in ("superoffice", "salesforce", "powerofficego", "webcrm", "crmoffice")] == \
        ["superoffice", "salesforce", "powerofficego", "webcrm", "crmoffice"]
    assert dialect_for("customcrm") == dialect_for("zohocrm") == "generic"
    assert dialect_for("hubspot") == dialect_for("hubspot~2") == "hubspot"  # a vendor profile


def test_catalog_collects_both_sides_merge_keys_and_condition_paths() -> None:
    catalog = build_catalog([_document()])
    assert list(catalog.systems) == ["customcrm", "webcrm"]
    assert catalog["webcrm"].paths("Persons") == ("PersonEmail", "PersonFirstName", "PersonMobilePhone", "PersonPhone")
    assert catalog["webcrm"].paths("Users") == ()
    assert catalog["customcrm"].dialect == "generic" and catalog["customcrm"].name == "Custom CRM"
    assert catalog["customcrm"].paths("Customers (human data)") == (
        "department.id", "info.name.first", "phone_numbers.name", "phone_numbers.number", "primaryInfo.email")


def test_catalog_is_the_same_whatever_the_document_order() -> None:
    documents = [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]
    assert build_catalog(documents) == build_catalog(list(reversed(documents)))


def test_every_system_and_entity_of_the_corpus_has_a_working_fake() -> None:
    documents = [r.document for r in parse_paths(find_documents([str(CORPUS), "specs"])) if r.document is not None]
    fakes = FakeSystems.from_documents(documents)
    adapters = fakes.adapters()
    checked = 0
    for info in fakes.catalog:
        adapter = adapters[info.id]
        for entity, entity_info in info.entities.items():
            leaves = [p for p in entity_info.paths if not any(q.startswith(p + ".") for q in entity_info.paths)]
            writable = [p for p in leaves if (info.dialect != "salesforce"
                        or (p.split(".")[0] not in READ_ONLY and p.lower() != "id"))
                        and not (info.dialect == "powerofficego" and p in ("id", "partyId"))
                        and not (info.id in PROFILES and adapter.assigned(entity, p))]
            # PowerOffice Go contact persons: id is assigned, partyId is the parent's id in the URL (no text)
            values = {path: f"value {i} of {path}" for i, path in enumerate(writable)}
            record_id = adapter.create(entity, values)
            record = adapter.get(entity, record_id)
            assert record is not None, (info.id, entity)
            wrong = [p for p in writable if adapter.read(record, p) != values[p] and str(adapter.read(record, p)) != record_id]
            assert wrong == [], (info.id, entity)
            assert record_id in [r.id for r in adapter.changed_since(entity, None)]
            checked += 1
    assert len(fakes.catalog) >= 30 and checked >= 200
