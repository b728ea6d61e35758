"""[defaults]: values every create of an entity gets under the check's own, validated with file:line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import httpx
import pytest

from dataflow_qa.systems.config import ConfigError, build_adapter, dump_config, load_config, parse_config
from dataflow_qa.systems.adapters.rest import with_defaults
from dataflow_qa.targets.sandbox import check_defaults
from dataflow_qa.values.paths import Field
from dataflow_qa.generator.parse import find_documents, parse_paths

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = """
[sandbox]
allowed_hosts = ["*.my.salesforce.com"]

[systems.salesforce]
dialect = "salesforce"
base_url = "https://acme--qa.sandbox.my.salesforce.com"
auth = "bearer"
token_env = "SF_TOKEN"
"""
ENV = {"SF_TOKEN": "t0ken-for-tests"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sandbox.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_per_system_and_entity_with_dotted_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SYSTEMS + """
[defaults.salesforce.Product2]
Name = "dataflow-qa"
Family.Code = 7

[defaults.salesforce.Contact]
"Account.Name" = "QA"
Tags = ["a", "b"]
"""), ENV)
    assert config.defaults == {"salesforce": {"Product2": {"Name": "dataflow-qa", "Family.Code": 7},
                                              "Contact": {"Account.Name": "QA", "Tags": ["a", "b"]}}}
    reread = parse_config(tomllib.loads(dump_config(config)), ENV)
    assert reread.defaults == config.defaults


@pytest.mark.parametrize(("text", "expected"), [
    ("\n[defaults.salesforc.Product2]\nName = \"x\"\n", r"sandbox.toml:11: \[defaults.salesforc\] names no configured system \(configured: salesforce\)"),
    ("\n[defaults.salesforce]\nName = \"x\"\n", r"sandbox.toml:11: \[defaults.salesforce\] must hold a table per entity"),
    ("\n[defaults.salesforce.Product2]\nLaunched = 2024-01-01\n",
     r"sandbox.toml:11: \[defaults.salesforce.Product2\] Launched: a value must be text, a number, true/false or a list of those"),
])
def test_bad_defaults_say_where_and_what(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, SYSTEMS + text), ENV)


def test_defaults_that_are_not_a_table_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sandbox.toml: \[defaults\] must hold tables \[defaults.<system>.<entity>\] of path = value"):
        load_config(write(tmp_path, "defaults = 3\n" + SYSTEMS), ENV)


def test_a_default_for_an_entity_no_document_names_is_refused() -> None:
    documents = [r.document for r in parse_paths(find_documents([str(ROOT / "specs")])) if r.document is not None]
    text = SYSTEMS + "\n[defaults.salesforce.Produkt2]\nName = \"x\"\n"
    config = parse_config(tomllib.loads(text), ENV, "sandbox.toml", text)
    with pytest.raises(ValueError, match=r"sandbox.toml:11: \[defaults.salesforce.Produkt2\]: no document names salesforce entity 'Produkt2' \(they name: .*Product2"):
        check_defaults(config, documents)


def test_the_checks_values_win_over_defaults_on_the_same_or_an_overlapping_path() -> None:
    defaults = {"Name": "dataflow-qa", "Account": {"Id": "1"}, "Account.Name": "QA", "Phone": "0"}
    merged = with_defaults({"Name": "dfqa-run-1", Field("Account.Id", None): "9"}, defaults)
    assert merged == {"Account.Name": "QA", "Phone": "0", "Name": "dfqa-run-1", Field("Account.Id", None): "9"}


def test_creates_of_the_sandbox_adapters_send_the_defaults(tmp_path: Path) -> None:
    sent: list[dict] = []

    def salesforce(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "01t000000000001AAA", "success": True, "errors": []})

    config = load_config(write(tmp_path, SYSTEMS + "\n[defaults.salesforce.Product2]\nName = \"dataflow-qa\"\nIsActive = true\n"), ENV)
    system = config.systems["salesforce"]
    transport = httpx.MockTransport(salesforce)
    with_them = build_adapter(system, config, env=ENV, transport=transport, with_defaults=True)
    without = build_adapter(system, config, env=ENV, transport=transport)
    with_them.create("Product2", {"ProductCode": "dfqa-1"})
    with_them.create("Product2", {"Name": "dfqa-2"})
    without.create("Product2", {"ProductCode": "dfqa-3"})
    assert [{k: v for k, v in body.items() if not k.endswith("Marker__c")} for body in sent][:3] == [
        {"Name": "dataflow-qa", "IsActive": True, "ProductCode": "dfqa-1"},
        {"Name": "dfqa-2", "IsActive": True},
        {"ProductCode": "dfqa-3"},
    ]


def test_a_quoted_entity_name_is_found_on_its_line() -> None:
    text = SYSTEMS + '\n[defaults.salesforce."Product 2"]\nName = "x"\n'
    config = parse_config(tomllib.loads(text), ENV, "sandbox.toml", text)
    assert config.defaults == {"salesforce": {"Product 2": {"Name": "x"}}}
    assert config.where("defaults", "salesforce", "Product 2") == "sandbox.toml:11"
