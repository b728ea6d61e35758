"""SuperOffice with ``auth = "oauth2-refresh-token"`` (issue 17): SuperID access tokens that renew themselves.

Facts and sources: docs/vendors/superoffice.md (rows on OAuth). The adapters
talk to the fake over loopback HTTP, as a sandbox run does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dataflow_qa.engine import Engine
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.server import FakeServer
from dataflow_qa.fakes.superoffice import SuperOfficeFake
from dataflow_qa.generator.model import Document
from dataflow_qa.generator.parse import find_documents, parse_paths
from dataflow_qa.reports.secrets import encodings, forget_registered, registered_secrets
from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.auth import RefreshToken, SoTicketAuth
from dataflow_qa.systems.config import ConfigError, build_adapters, dump_config, load_config, make_auth
from dataflow_qa.targets.sandbox import SandboxTarget

SO = "superoffice"
OAUTH = "oauth2-refresh-token"
REFRESH_ENV = "DFQA_SUPEROFFICE_REFRESH_TOKEN"
TOKENS = f"/{SO}/login/common/oauth/tokens"
PERSON = f"/{SO}/Cust12345/api/v1/Person"


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """The fakes behind a loopback server, recording each request and the status it got."""

    def __init__(self, fakes: FakeSystems) -> None:
        self.fakes = fakes
        self.seen: list[tuple[httpx.Request, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = self.fakes(request)
        self.seen.append((request, response.status_code))
        return response

    def calls(self, after: int = 0) -> list[tuple[str, str, int]]:
        """(method, path, status) of each request since the ``after``-th."""
        return [(r.method, r.url.path.rstrip("0123456789"), status) for r, status in self.seen[after:]]


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fakes(documents: list[Document], clock: Clock) -> FakeSystems:
    """The seeds' fakes, SuperOffice taking OAuth credentials; its clock is :func:`clock`."""
    made = FakeSystems.from_documents(documents, monotonic=clock)
    made[SO].use_auth(OAUTH)  # type: ignore[attr-defined]
    return made


@pytest.fixture
def served(fakes: FakeSystems) -> Iterator[tuple[FakeServer, Recorder]]:
    recorder = Recorder(fakes)
    with FakeServer(recorder) as server:
        yield server, recorder


def secret_forms(values: list[str]) -> list[str]:
    """Every way the values could be written into a message or a log."""
    return [form.decode() for value in values for form in encodings(value).values()]


# -- configuration ------------------------------------------------------------------
CONFIG = """
[sandbox]
allowed_hosts = [{hosts}]

[systems.so]
dialect = "superoffice"
base_url = "{base_url}"
auth = "oauth2-refresh-token"
client_id_env = "SO_ID"
client_secret_env = "SO_SECRET"
refresh_token_env = "SO_REFRESH"
{extra}
"""
ENV = {"SO_ID": "app-id", "SO_SECRET": "app-secret-value", "SO_REFRESH": "refresh-token-value"}


def so_config(tmp_path: Path, base_url: str, hosts: str, extra: str = "") -> Path:
    path = tmp_path / "sandbox.toml"
    path.write_text(CONFIG.format(base_url=base_url, hosts=hosts, extra=extra), encoding="utf-8")
    return path


@pytest.mark.parametrize(("base_url", "token_url"), [
    ("https://sod.superoffice.com/Cust12345/api/v1", "https://sod.superoffice.com/login/common/oauth/tokens"),
    ("https://online3.superoffice.com/Cust9/api/v1/", "https://online.superoffice.com/login/common/oauth/tokens"),
    ("https://qaonline.superoffice.com/Cust9/api/v1", "https://qaonline.superoffice.com/login/common/oauth/tokens"),
])
def test_the_token_url_defaults_to_superid_on_the_environments_root_host(tmp_path: Path, base_url: str,
                                                                          token_url: str) -> None:
    config = load_config(so_config(tmp_path, base_url, '"*.superoffice.com"'), ENV)
    flow = make_auth(config.systems["so"], ENV)
    assert isinstance(flow, RefreshToken) and flow.token_url == token_url
    request = flow.token_request()
    assert dict(httpx.QueryParams(request.read().decode())) == {
        "grant_type": "refresh_token", "client_id": "app-id", "client_secret": "app-secret-value",
        "refresh_token": "refresh-token-value"}
    assert flow.extra_headers == {"SO-AppToken": "app-secret-value"}


def test_a_configured_token_url_wins_and_soticket_stays_the_default(tmp_path: Path) -> None:
    path = so_config(tmp_path, "https://sod.superoffice.com/Cust1/api/v1", '"sod.superoffice.com"',
                     'token_url = "https://sod.superoffice.com/login/other/tokens"')
    flow = make_auth(load_config(path, ENV).systems["so"], ENV)
    assert isinstance(flow, RefreshToken) and flow.token_url == "https://sod.superoffice.com/login/other/tokens"
    path.write_text('[sandbox]\nallowed_hosts = ["sod.superoffice.com"]\n[systems.so]\ndialect = "superoffice"\n'
                    'base_url = "https://sod.superoffice.com/Cust1/api/v1"\nticket_env = "T"\napp_token_env = "A"\n',
                    encoding="utf-8")
    system = load_config(path, {"T": "ticket", "A": "app"}).systems["so"]
    assert system.auth == "soticket" and isinstance(make_auth(system, {"T": "ticket", "A": "app"}), SoTicketAuth)


def test_a_default_token_host_outside_the_allow_list_is_refused_on_load(tmp_path: Path) -> None:
    path = so_config(tmp_path, "https://online3.superoffice.com/Cust9/api/v1", '"online3.superoffice.com"')
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    assert caught.value.problems == [
        "systems.so.token_url (by default https://online.superoffice.com/login/common/oauth/tokens) host "
        "'online.superoffice.com' is not in sandbox.allowed_hosts"]


# -- renewal over loopback ------------------------------------------------------------
def test_an_access_token_that_expires_mid_run_is_renewed_and_the_call_sent_once_more(
        fakes: FakeSystems, served: tuple[FakeServer, Recorder], clock: Clock) -> None:
    server, recorder = served
    adapter = fakes.adapters(root_url=server.url)[SO]
    record_id = adapter.create("Person", {"Firstname": "Ada", "Lastname": "Lovelace"})
    before = len(recorder.seen)
    clock.now += 3601  # SuperID's hour is over; the client's own clock has not noticed
    record = adapter.get("Person", record_id)
    assert record is not None and record.data["Lastname"] == "Lovelace"
    assert recorder.calls() == [("POST", TOKENS, 200), ("POST", PERSON, 200), ("GET", f"{PERSON}/", 401),
                                ("POST", TOKENS, 200), ("GET", f"{PERSON}/", 200)]
    credentials = fakes[SO].credentials
    resent, _ = recorder.seen[-1]
    first, second = adapter.http._auth.issued()  # type: ignore[attr-defined]
    assert resent.headers["Authorization"] in (f"Bearer {first}", f"Bearer {second}")
    assert resent.headers["Authorization"] != recorder.seen[before][0].headers["Authorization"]
    assert resent.headers["SO-AppToken"] == credentials["client_secret"]
    token_call, _ = recorder.seen[before + 1]
    assert dict(httpx.QueryParams(token_call.content.decode())) == {
        "grant_type": "refresh_token", "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"], "refresh_token": credentials["refresh_token"]}
    adapter.close()


def test_revoked_access_tokens_are_renewed_for_every_call_of_a_long_run(
        fakes: FakeSystems, served: tuple[FakeServer, Recorder]) -> None:
    server, recorder = served
    adapter = fakes.adapters(root_url=server.url)[SO]
    ids = [adapter.create("Person", {"Lastname": f"Run {n}"}) for n in range(3)]
    for record_id in ids:
        fakes.expire_tokens(SO)
        assert adapter.get("Person", record_id) is not None
    assert [status for method, path, status in recorder.calls() if path == TOKENS] == [200] * 4
    assert sum(1 for _, _, status in recorder.calls() if status == 401) == 3
    adapter.close()


@pytest.mark.parametrize("when", ["at the start", "mid-run"])
def test_a_refused_refresh_token_names_the_system_and_the_variable_to_renew(
        fakes: FakeSystems, served: tuple[FakeServer, Recorder], when: str) -> None:
    server, _ = served
    env = fakes.env()
    if when == "at the start":
        env[REFRESH_ENV] = "revoked-refresh-token-value"
    adapter = build_adapters(fakes.config(server.url), env=env)[SO]
    if when == "mid-run":
        adapter.create("Person", {"Lastname": "Before the revocation"})
        fakes[SO].credentials["refresh_token"] = "a-new-consent-refresh-token"  # the tenant revoked the old one
        fakes.expire_tokens(SO)
    with pytest.raises(AdapterError) as caught:
        adapter.get("Person", "1")
    message = str(caught.value)
    assert caught.value.kind == "auth" and caught.value.system == SO and caught.value.status == 400
    assert message.startswith(f"{SO}: GET ") and "answered 400" in message and "invalid_grant" in message
    assert f"put the new refresh token in {REFRESH_ENV}" in message
    secrets = [v for n, v in env.items() if not n.endswith("_CLIENT_ID")] + adapter.http._auth.issued()  # type: ignore[attr-defined]
    assert not [form for form in secret_forms(secrets) if form in message]
    adapter.close()


# -- secrets in logs and artifacts, preflight ------------------------------------------------
def test_the_engine_log_of_a_refused_refresh_names_the_variable_and_no_secret(
        documents: list[Document], fakes: FakeSystems, caplog: pytest.LogCaptureFixture) -> None:
    adapters = fakes.adapters(client="sesam-talk-engine")
    fakes[SO].credentials["refresh_token"] = "a-new-consent-refresh-token"
    engine = Engine(documents, adapters)

    class OnePass(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            self.set()
            return True

    with caplog.at_level(logging.WARNING):
        engine.run_forever(0.01, OnePass())
    assert "invalid_grant" in caplog.text and REFRESH_ENV in caplog.text
    secrets = [v for n, v in fakes.env().items() if not n.endswith("_CLIENT_ID")] + ["a-new-consent-refresh-token"]
    assert not [form for form in secret_forms(secrets) if form in caplog.text]


def test_a_sandbox_run_registers_the_access_tokens_and_the_refresh_token(
        documents: list[Document], fakes: FakeSystems, tmp_path: Path) -> None:
    with fakes.serve() as server:
        path = tmp_path / "sandbox.toml"
        path.write_text(dump_config(fakes.config(server.url)), encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            for name, value in fakes.env().items():
                patch.setenv(name, value)
            forget_registered()
            target = SandboxTarget(documents, path, "run1", tmp_path / "ledger")
            target.adapters[SO].changed_since("Person", None)
            fakes.expire_tokens(SO)
            target.adapters[SO].changed_since("Person", None)
            tokens = target.adapters[SO].http._auth.issued()  # type: ignore[attr-defined]
            target.close()
    registered = registered_secrets()
    forget_registered()
    assert len(tokens) == 2 and all(token in registered for token in tokens)
    credentials = fakes[SO].credentials
    assert {credentials["client_secret"], credentials["refresh_token"]} <= set(registered)


def test_the_fake_refuses_a_bearer_token_it_did_not_issue_and_other_grants(fakes: FakeSystems) -> None:
    fake = fakes[SO]
    assert isinstance(fake, SuperOfficeFake)
    client = httpx.Client(transport=fakes.transport(), base_url="http://fakes.invalid")
    refused = client.get(f"{PERSON}/1", headers={"Authorization": "Bearer not-issued"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    grant = client.post(TOKENS, data={"grant_type": "client_credentials", "client_id": fake.credentials["client_id"]})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    fake.use_auth("soticket")
    wrong_kind = client.post(TOKENS, data={"grant_type": "refresh_token"})
    assert wrong_kind.status_code == 400 and wrong_kind.json()["error"] == "invalid_client"
    client.close()


def test_the_fakes_token_answer_has_the_documented_keys_and_lifetime(fakes: FakeSystems) -> None:
    credentials = fakes[SO].credentials
    with httpx.Client(transport=fakes.transport(), base_url="http://fakes.invalid") as client:
        answer = client.post(TOKENS, data={"grant_type": "refresh_token", **credentials})
    body = answer.json()
    assert answer.status_code == 200 and set(body) == {"token_type", "access_token", "expires_in", "id_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600  # no new refresh token: it is re-used
