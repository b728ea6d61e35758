"""Vendor profiles: their knobs are checked, the generic adapter and fake read them, and paging that
cannot end stops with an AdapterError instead of looping."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.adapters.generic import GenericAdapter
from dataflow_qa.systems.adapters.rest import Options
from dataflow_qa.systems.auth import BasicTokenAuth, StaticAuth
from dataflow_qa.systems.catalog import DIALECTS, dialect_for
from dataflow_qa.systems.config import ConfigError, SandboxConfig, SystemConfig, build_adapter, make_auth, parse_config
from dataflow_qa.systems.profiles import PROFILES, Profile
from dataflow_qa.systems.transport import HttpClient, RetryPolicy

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> HttpClient:
    return HttpClient("custom", "http://custom.invalid", transport=httpx.MockTransport(handler),
                      retry=RetryPolicy(attempts=1), allowed_hosts=("custom.invalid",), sleep=lambda s: None)


def test_every_profile_is_a_dialect_of_its_own_system_id() -> None:
    for name in PROFILES:
        assert name in DIALECTS and dialect_for(name) == name and dialect_for(name + "~2") == name


@pytest.mark.parametrize("knobs, problem", [
    ({"auth": "digest"}, "auth 'digest'"),
    ({"auth": "header-token"}, "needs auth_header"),
    ({"changes": "post-search"}, "needs stamp_property"),
    ({"paging": "cursor"}, "needs cursor_path"),
    ({"update_body": "form"}, "update_body"),
    ({"paging": "next-link"}, "needs next_path"),
    ({"auth": "basic-user-token", "basic_user": "me"}, "basic_user with {user}"),
    ({"item_path": "/items"}, "item_path needs {id}"),
    ({"changes": "filter-expression", "change_filter": "{field} gt"}, "change_filter with {field} and {since}"),
    ({"find_by": "filter-expression", "find_filter": "{field} eq 1"}, "find_filter with {field} and {value}"),
    ({"find_by": "search"}, "find_by 'search'"),
])
def test_a_profile_refuses_knobs_it_cannot_follow(knobs: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Profile(name="x", **knobs)


def test_a_server_that_ignores_the_offset_stops_the_search_with_an_error() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.params.get("offset")))
        return httpx.Response(200, json={"items": [{"id": n, "name": "x"} for n in (1, 2)]})

    adapter = GenericAdapter("custom", client(handler), Options(page_size=2))
    with pytest.raises(AdapterError, match="ignores 'offset'.*cannot end"):
        adapter.find("Contact", "name", "x")
    assert seen == ["0", "2"]


def test_a_cursor_that_comes_back_stops_paging_with_an_error() -> None:
    profile = Profile(name="cursorish", envelope="results", paging="cursor", cursor_path="paging.next.after",
                      changes="post-search", stamp_property="modified")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [{"id": "1", "updatedAt": "2024-01-01T00:00:00Z"}],
                                         "paging": {"next": {"after": "7"}}})

    adapter = type("Cursorish", (GenericAdapter,), {"base_layout": profile})("custom", client(handler), Options())
    with pytest.raises(AdapterError, match="cursor '7' twice"):
        adapter.changed_since("Contact", None)


def test_profile_auth_kinds_come_from_the_profile() -> None:
    basic = Profile(name="basicish", auth="basic-token", basic_user="0")
    header = Profile(name="headerish", auth="header-token", auth_header="X-Vendor-Token")
    env = {"T": "tok"}
    PROFILES.update({basic.name: basic, header.name: header})
    try:
        flow = make_auth(SystemConfig("b", "basicish", "https://b.invalid", "basic-token", {"token": "T"}), env)
        assert isinstance(flow, BasicTokenAuth)
        assert flow.headers == {"Authorization": "Basic " + base64.b64encode(b"0:tok").decode()}
        assert "tok" in flow.secrets()
        flow = make_auth(SystemConfig("h", "headerish", "https://h.invalid", "header-token", {"token": "T"}), env)
        assert isinstance(flow, StaticAuth) and flow.headers == {"X-Vendor-Token": "tok"}
    finally:
        del PROFILES["basicish"], PROFILES["headerish"]


def test_a_profile_auth_kind_on_a_system_without_that_profile_is_refused() -> None:
    data = {"sandbox": {"allowed_hosts": ["x.invalid"]},
            "systems": {"custom": {"dialect": "generic", "base_url": "https://x.invalid", "auth": "basic-token",
                                   "token_env": "T"}}}
    with pytest.raises(ConfigError, match="takes its user or header from a vendor profile"):
        parse_config(data, {"T": "t"})


def test_a_profiled_system_gets_its_profile_and_keeps_configured_layout_changes() -> None:
    system = SystemConfig("hubspot", "hubspot", "https://api.hubapi.com", "bearer", {"token": "T"},
                          extra={"path_template": "/crm/v3/objects/{lower}s"})
    adapter = build_adapter(system, SandboxConfig({"hubspot": system}, ("api.hubapi.com",)), env={"T": "t"})
    assert isinstance(adapter, GenericAdapter)
    assert adapter.profile.name == "hubspot" and adapter.profile.body_root == "properties"
    assert adapter.collection("Contact") == "/crm/v3/objects/contacts"


def test_a_sandbox_configuration_names_a_profile_as_its_dialect_and_gets_its_auth() -> None:
    data = {"sandbox": {"allowed_hosts": ["api.tripletex.io", "api.hubapi.com"]},
            "systems": {"tripletex": {"dialect": "tripletex", "base_url": "https://api.tripletex.io/v2",
                                      "token_env": "TX_SESSION", "collections": {"Orderline": "order/orderline"}},
                        "hubspot": {"dialect": "hubspot", "base_url": "https://api.hubapi.com",
                                    "token_env": "HS_TOKEN"}}}
    config = parse_config(data, {"TX_SESSION": "s3ss10n", "HS_TOKEN": "pat"})
    assert config.systems["tripletex"].auth == "basic-token" and config.systems["hubspot"].auth == "bearer"
    tripletex = make_auth(config.systems["tripletex"], {"TX_SESSION": "s3ss10n"})
    assert isinstance(tripletex, BasicTokenAuth)
    assert tripletex.headers["Authorization"] == "Basic " + base64.b64encode(b"0:s3ss10n").decode()
    adapter = build_adapter(config.systems["tripletex"], config, env={"TX_SESSION": "s3ss10n"})
    assert isinstance(adapter, GenericAdapter) and adapter.collection("Orderline") == "/order/orderline"


def test_a_listed_cursor_is_sent_back_as_cursor_param_until_none_comes() -> None:
    profile = Profile(name="cursorish", envelope="results", paging="cursor", cursor_path="paging.next.after",
                      changes="scan")
    sent: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(dict(request.url.params))
        after = request.url.params.get("after")
        more = {} if after else {"paging": {"next": {"after": "c1"}}}
        return httpx.Response(200, json={"results": [{"id": after or "first", "updatedAt": "2024-01-01T00:00:00Z"}], **more})

    adapter = type("Cursorish", (GenericAdapter,), {"base_layout": profile})("custom", client(handler), Options(page_size=1))
    assert [r.id for r in adapter.changed_since("Contact", None)] == ["c1", "first"]
    assert sent == [{"limit": "1"}, {"limit": "1", "after": "c1"}]
