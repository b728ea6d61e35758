"""HttpClient and the auth flows: retries, waits, timeouts, refusals, redaction, token renewal."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx
import pytest

from dataflow_qa.systems.adapters.base import AdapterError
from dataflow_qa.systems.auth import ClientCredentials, RefreshToken, WebCrmLogin, bearer, soticket
from dataflow_qa.systems.transport import AmbiguousFailure, HttpClient, RetryPolicy, host_allowed, retry_after

SECRET = "s3cr3t-value-never-shown"


class Script:
    """A transport that answers from a list of responses (or exceptions) in order."""

    def __init__(self, *steps: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step(request) if callable(step) else step


def client(script: Script, sleeps: list[float] | None = None, **options: object) -> HttpClient:
    sleeps = [] if sleeps is None else sleeps
    defaults: dict = {"transport": httpx.MockTransport(script), "sleep": sleeps.append,
                      "retry": RetryPolicy(attempts=4, backoff=0.1)}
    return HttpClient("acme", "https://api.example.test/v1", **{**defaults, **options})


def test_429_waits_for_retry_after_then_succeeds() -> None:
    sleeps: list[float] = []
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"ok": True}))
    assert client(script, sleeps).send("GET", "/things").json() == {"ok": True}
    assert sleeps == [7.0] and len(script.requests) == 2


def test_webcrm_retry_after_seconds_in_the_body_is_honoured() -> None:
    sleeps: list[float] = []
    body = {"RetryAfterSeconds": 14, "Message": "slow down", "Type": "TooManyRequestsException"}
    script = Script(httpx.Response(429, json=body), httpx.Response(200))
    client(script, sleeps).send("POST", "/Persons", json={}, retry="safe")
    assert sleeps == [14.0]


def test_retry_after_as_an_http_date() -> None:
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    waited = retry_after(httpx.Response(429, headers={"Retry-After": later}))
    assert waited is not None and 25 <= waited <= 31


def test_a_retry_after_beyond_the_limit_gives_up_with_a_rate_limit_error() -> None:
    sleeps: list[float] = []
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(AdapterError) as caught:
        client(script, sleeps).send("GET", "/things")
    assert caught.value.kind == "rate-limit" and caught.value.status == 429 and sleeps == []


def test_5xx_and_dropped_connections_are_retried_with_backoff_for_idempotent_calls() -> None:
    sleeps: list[float] = []
    script = Script(httpx.Response(503), httpx.RemoteProtocolError("gone"), httpx.ReadTimeout("slow"),
                    httpx.Response(200))
    assert client(script, sleeps).send("GET", "/things").status_code == 200
    assert sleeps == [0.1, 0.2, 0.4]


@pytest.mark.parametrize("failure", [httpx.Response(500), httpx.RemoteProtocolError("gone"), httpx.ReadTimeout("x")],
                         ids=["5xx", "dropped", "read-timeout"])
def test_a_create_that_may_have_applied_is_not_resent(failure: httpx.Response | Exception) -> None:
    script = Script(failure, httpx.Response(201))
    with pytest.raises(AmbiguousFailure):
        client(script).send("POST", "/things", json={}, retry="safe")
    assert len(script.requests) == 1


def test_a_create_that_never_reached_the_server_is_resent() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(429), httpx.Response(201, json={"id": 1}))
    assert client(script).send("POST", "/things", json={}, retry="safe").json() == {"id": 1}
    assert len(script.requests) == 3


def test_giving_up_names_the_failure() -> None:
    script = Script(httpx.ConnectTimeout("no answer"))
    with pytest.raises(AdapterError) as caught:
        client(script).send("GET", "/things")
    assert caught.value.kind == "timeout" and "after 4 attempts" in str(caught.value)


def test_every_call_carries_a_timeout() -> None:
    seen: list[dict] = []
    script = Script(lambda request: (seen.append(request.extensions["timeout"]), httpx.Response(200))[1])
    client(script, timeout=2.5).send("GET", "/things")
    assert seen == [{"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}]


def test_errors_name_system_method_url_status_and_body_without_secrets() -> None:
    body = f'{{"error": "bad", "echo": "Bearer {SECRET}", "token": "{SECRET}"}}'
    script = Script(httpx.Response(400, text=body))
    with pytest.raises(AdapterError) as caught:
        client(script, auth=bearer(SECRET)).send("GET", f"/things?authCode={SECRET}&page=2")
    message = str(caught.value)
    assert message.startswith("acme: GET https://api.example.test/v1/things?authCode=***&page=2 answered 400")
    assert '"error": "bad"' in message and SECRET not in message
    assert caught.value.kind == "client" and caught.value.status == 400


def test_hosts_outside_the_allow_list_are_refused_before_sending() -> None:
    script = Script(httpx.Response(200))
    http = client(script, allowed_hosts=["sandbox.example.test"])
    with pytest.raises(AdapterError) as caught:
        http.send("GET", "/things")
    assert caught.value.kind == "refused" and script.requests == []
    assert "allowed_hosts" in str(caught.value)


@pytest.mark.parametrize(("host", "allowed"), [("a.my.salesforce.com", True), ("my.salesforce.com", False),
                                               ("evil.com", False), ("SOD.superoffice.com", True)])
def test_allow_list_matching(host: str, allowed: bool) -> None:
    assert host_allowed(host, ["*.my.salesforce.com", "sod.superoffice.com"]) is allowed


def test_client_side_rate_limit_spaces_calls() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    http = client(Script(httpx.Response(200)), rate_limit=4, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        http.send("GET", "/things")
    assert sleeps == [0.25, 0.25]


def _token_endpoint(issued: list[str], key: str = "access_token", lifetime: str = "expires_in") -> Callable:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(("/token", "/ApiLogin")):
            issued.append(f"tok{len(issued)}")
            return httpx.Response(200, json={key: issued[-1], lifetime: 60})
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200 if token == issued[-1] else 401)
    return answer


def test_tokens_are_fetched_once_and_renewed_before_they_expire() -> None:
    now = [0.0]
    issued: list[str] = []
    flow = ClientCredentials("https://api.example.test/token", "id", SECRET, clock=lambda: now[0])
    http = client(Script(_token_endpoint(issued)), auth=flow)
    http.send("GET", "/a")
    http.send("GET", "/b")
    assert issued == ["tok0"]
    now[0] = 40.0  # within 30 s of expiry
    http.send("GET", "/c")
    assert issued == ["tok0", "tok1"]


def test_a_401_renews_the_token_once() -> None:
    issued: list[str] = []
    flow = RefreshToken("https://api.example.test/token", "id", SECRET, "refresh")
    http = client(Script(_token_endpoint(issued)), auth=flow)
    http.send("GET", "/a")
    issued.append("rotated-elsewhere")  # the server no longer accepts tok0
    assert http.send("GET", "/b").status_code == 200
    assert issued[-1] == "tok2"


def test_webcrm_login_sends_the_auth_code_and_uses_the_access_token() -> None:
    issued: list[str] = []
    script = Script(_token_endpoint(issued, key="AccessToken", lifetime="ExpiresIn"))
    client(script, auth=WebCrmLogin("https://api.example.test/Auth/ApiLogin", SECRET)).send("GET", "/Persons")
    login, call = script.requests
    assert login.method == "POST" and "authCode" not in login.url.params
    assert login.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(login.content.decode())) == {"authCode": SECRET}
    assert call.headers["Authorization"] == "Bearer tok0"


def test_a_refused_token_request_is_an_auth_error_without_secrets() -> None:
    script = Script(httpx.Response(400, json={"error": "invalid_client", "client_secret": SECRET}))
    flow = ClientCredentials("https://api.example.test/token", "id", SECRET, hint="Variables: SF_SECRET.")
    with pytest.raises(AdapterError) as caught:
        client(script, auth=flow).send("GET", "/a")
    assert caught.value.kind == "auth" and SECRET not in str(caught.value) and "SF_SECRET" in str(caught.value)


def test_poweroffice_sends_the_subscription_key_everywhere_and_basic_credentials_for_the_token() -> None:
    issued: list[str] = []
    script = Script(_token_endpoint(issued))
    flow = ClientCredentials("https://api.example.test/token", "app", "client", basic=True,
                             extra_headers={"Ocp-Apim-Subscription-Key": "sub"})
    client(script, auth=flow).send("GET", "/Customers")
    token_call, call = script.requests
    assert token_call.headers["Authorization"].startswith("Basic ")
    assert {r.headers["Ocp-Apim-Subscription-Key"] for r in script.requests} == {"sub"}
    assert call.headers["Authorization"] == "Bearer tok0"


def test_superoffice_sends_ticket_and_app_token() -> None:
    script = Script(httpx.Response(200))
    client(script, auth=soticket("T", "A")).send("GET", "/Person")
    assert script.requests[0].headers["Authorization"] == "SOTicket T"
    assert script.requests[0].headers["SO-AppToken"] == "A"
