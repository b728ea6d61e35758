"""Sandbox configuration: validation on load, defaults, round trip, adapters built from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.powerofficego import PowerOfficeAdapter
from dataflow_qa.systems.adapters.salesforce import SalesforceAdapter
from dataflow_qa.systems.auth import ClientCredentials, RefreshToken, SoTicketAuth, StaticAuth, WebCrmLogin
from dataflow_qa.systems.config import ConfigError, build_adapter, dump_config, load_config, make_auth, parse_config
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.generator.parse import find_documents, parse_paths

GOOD = """
[sandbox]
allowed_hosts = ["*.my.salesforce.com", "goapi.poweroffice.net"]
timeout = 9

[systems.salesforce]
dialect = "salesforce"
base_url = "https://acme--qa.sandbox.my.salesforce.com"
client_id_env = "SF_ID"
client_secret_env = "SF_SECRET"
rate_limit = 5
marker_field = "QaMarker__c"

[systems.powerofficego]
dialect = "powerofficego"
base_url = "https://goapi.poweroffice.net/Demo/v2"
application_key_env = "PO_APP"
client_key_env = "PO_CLIENT"
subscription_key_env = "PO_SUB"

[systems.powerofficego.collections]
"Contactperson" = "Customers/ContactPersons"
"""
ENV = {"SF_ID": "id", "SF_SECRET": "very-secret", "PO_APP": "a", "PO_CLIENT": "c", "PO_SUB": "s"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sandbox.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), ENV)
    salesforce, poweroffice = config.systems["salesforce"], config.systems["powerofficego"]
    assert salesforce.auth == "oauth2-client-credentials" and salesforce.env == {"client_id": "SF_ID",
                                                                                 "client_secret": "SF_SECRET"}
    assert salesforce.timeout == 9.0 and salesforce.rate_limit == 5 and salesforce.marker_field == "QaMarker__c"
    assert poweroffice.auth == "poweroffice" and poweroffice.collections == {"Contactperson": "Customers/ContactPersons"}
    assert config.allowed_hosts == ("*.my.salesforce.com", "goapi.poweroffice.net")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
[sandbox]
allowed_hosts = ["sod.superoffice.com"]

[systems.a]
dialect = "superofice"
base_url = "https://sod.superoffice.com/Cust1/api/v1"

[systems.b]
dialect = "superoffice"
base_url = "sod.superoffice.com/Cust1"
ticket_env = "NOT_SET"
app_token_env = "SO_APP"
colour = "blue"
timeout = -1

[systems.c]
dialect = "generic"
base_url = "https://evil.example.com/api"
auth = "oauth2-client-credentials"
client_id_env = "X"
client_secret_env = "Y"
"""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), {"SO_APP": "x", "X": "1", "Y": "2"})
    message = str(caught.value)
    for expected in ("systems.a.dialect 'superofice' is not one of", "is not an http(s) URL with a host",
                     "environment variable NOT_SET (ticket_env) is not set", "unknown key 'colour'",
                     "systems.b.timeout must be a positive number", "host 'evil.example.com' is not in sandbox.allowed_hosts",
                     "needs token_url for dialect 'generic'"):
        assert expected in message
    assert str(tmp_path / "sandbox.toml") in message and len(caught.value.problems) == 7


@pytest.mark.parametrize(("text", "expected"), [
    ("[systems.x]\ndialect='generic'\nbase_url='https://h'\ntoken_env='T'", "allowed_hosts must be a non-empty list"),
    ("[sandbox]\nallowed_hosts=['h']", "no [systems.<id>] table"),
    ("[sandbox\n", "not valid TOML"),
    ("[sandbox]\nallowed_hosts=['h']\n[systems.x]\ndialect='generic'\nbase_url='https://h'", "needs token_env"),
    ("[sandbox]\nallowed_hosts=['h']\n[systems.x]\ndialect='generic'\nbase_url='https://h'\nauth='magic'",
     "auth 'magic' is not one of"),
])
def test_malformed_files_say_what_to_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match="invalid sandbox configuration") as caught:
        load_config(write(tmp_path, text), {"T": "x"})
    assert expected in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.toml", {})


def test_auth_flows_and_token_urls_follow_the_dialect(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), ENV)
    salesforce = make_auth(config.systems["salesforce"], ENV)
    poweroffice = make_auth(config.systems["powerofficego"], ENV)
    assert isinstance(salesforce, ClientCredentials) and not salesforce.basic
    assert salesforce.token_url == "https://acme--qa.sandbox.my.salesforce.com/services/oauth2/token"
    assert isinstance(poweroffice, ClientCredentials) and poweroffice.basic
    assert poweroffice.token_url == "https://goapi.poweroffice.net/Demo/OAuth/Token"
    assert poweroffice.extra_headers == {"Ocp-Apim-Subscription-Key": "s"}


def test_adapters_are_built_per_dialect_and_refuse_other_hosts(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), ENV)
    adapter = build_adapter(config.systems["salesforce"], config, env=ENV)
    assert isinstance(adapter, SalesforceAdapter)
    assert isinstance(build_adapter(config.systems["powerofficego"], config, env=ENV), PowerOfficeAdapter)
    with pytest.raises(AdapterError) as caught:
        adapter.http.send("GET", "https://elsewhere.example.org/steal")
    assert caught.value.kind == "refused"
    adapter.close()


def test_fake_configurations_round_trip_and_hold_no_secrets() -> None:
    documents = [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]
    fakes = FakeSystems.from_documents(documents, rate_limits=True)
    config = fakes.config("http://127.0.0.1:8765")
    text = dump_config(config)
    reloaded = parse_config(tomllib.loads(text), fakes.env())
    assert reloaded.systems == config.systems and reloaded.allowed_hosts == ("127.0.0.1",)
    assert not any(secret in text for secret in fakes.env().values())
    kinds = {system_id: type(make_auth(s, fakes.env())) for system_id, s in reloaded.systems.items()}
    assert kinds == {"crmoffice": RefreshToken, "customcrm": StaticAuth, "powerofficego": ClientCredentials,
                     "salesforce": ClientCredentials, "superoffice": SoTicketAuth, "webcrm": WebCrmLogin}
    assert reloaded.systems["powerofficego"].rate_limit == 8.0
