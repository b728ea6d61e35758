"""Secrets never reach an artifact: redacted when captured, and a scan that fails the run if one does."""

from __future__ import annotations

import base64
import html
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from reports_support import ROOT, report_tests

from dataflow_qa.reports.exchanges import Recorder, recording
from dataflow_qa.reports.secrets import (
    encodings, fake_secrets, forget_registered, register_secrets, registered_secrets, sandbox_secrets, scan,
)
from dataflow_qa.systems.transport import HttpClient
from dataflow_qa.generator.parse import DocumentParser

SECRET = "s3cr3t-Ærø/+=&\"<value>-0123456789"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    forget_registered()
    yield
    forget_registered()


@pytest.mark.parametrize("encode", [
    lambda s: s,
    html.escape,
    lambda s: json.dumps(s)[1:-1],
    lambda s: html.escape(json.dumps({"v": s})),
    lambda s: quote(s, safe=""),
    lambda s: base64.b64encode(s.encode()).decode(),
    lambda s: base64.b64encode(b"x" + s.encode()).decode(),
    lambda s: base64.b64encode(b"xy" + s.encode()).decode(),
], ids=["raw", "html", "json", "json-in-html", "url", "base64-0", "base64-1", "base64-2"])
def test_the_scan_finds_a_secret_however_a_report_encoded_it(tmp_path: Path, encode: object) -> None:
    artifact = tmp_path / "report.html"
    artifact.write_text(f"<p>before {encode(SECRET)} after</p>", encoding="utf-8")  # type: ignore[operator]
    leaks = scan([artifact], {SECRET: "SF_CLIENT_SECRET"})
    assert [(leak.path, leak.label) for leak in leaks] == [(artifact, "SF_CLIENT_SECRET")]
    assert SECRET not in str(leaks[0]) and "SF_CLIENT_SECRET" in str(leaks[0]) and "report.html" in str(leaks[0])


def test_the_scan_passes_clean_files_and_ignores_values_too_short_to_be_secret(tmp_path: Path) -> None:
    artifact = tmp_path / "junit.xml"
    artifact.write_bytes(b"<testsuite>abc redacted: *** </testsuite>\x00\xff")
    assert scan([artifact], {SECRET: "X", "abc": "too short"}) == []
    assert set(encodings("0123456789abcdef")) >= {"as written", "HTML-escaped", "JSON-escaped", "URL-encoded", "base64/0"}


def test_secrets_come_from_the_sandbox_configuration_even_when_it_does_not_load(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.toml"
    config.write_text('[sandbox]\nallowed_hosts = ["x.example"]\n[systems.sf]\ndialect = "nonsense"\n'
                      'client_id_env = "SF_ID"\nclient_secret_env = "SF_SECRET"\ntoken_env = "UNSET"\n', encoding="utf-8")
    env = {"SF_ID": "client-id-value", "SF_SECRET": SECRET, "OTHER": "not-named-by-the-config"}
    assert sandbox_secrets(config, env) == {"client-id-value": "SF_ID", SECRET: "SF_SECRET"}
    assert sandbox_secrets(tmp_path / "missing.toml", env) == {}


def test_targets_register_secrets_and_the_fakes_credentials_are_known() -> None:
    register_secrets({"WEBCRM_TOKEN": "token-value-1"})
    register_secrets(["token-value-2", "ab"])
    assert registered_secrets() == {"token-value-1": "WEBCRM_TOKEN", "token-value-2": "a registered secret"}
    document = DocumentParser().parse_file(ROOT / "specs" / "webcrm-crmoffice.rst", "specs/webcrm-crmoffice.rst").document
    known = fake_secrets([document])
    assert known and all(label.startswith("DFQA_") for label in known.values())


def test_an_exchange_is_redacted_when_it_is_captured() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": SECRET, "auth": f"Bearer {SECRET}", "seen": request.content.decode()})

    client = HttpClient("crm", "http://crm.invalid", transport=httpx.MockTransport(echo), secrets=[SECRET])
    recorder = Recorder()
    with recording(recorder):
        client.send("POST", f"/records?api_key={SECRET}", json={"password": SECRET})
    client.send("GET", "/outside-the-recording")
    [exchange] = recorder.exchanges
    assert (exchange.method, exchange.status, exchange.system) == ("POST", 200, "crm")
    assert exchange.url == "http://crm.invalid/records?api_key=***"
    text = " ".join((exchange.url, exchange.request_body, exchange.response_body))
    assert "***" in exchange.request_body and "***" in exchange.response_body
    assert all(form.decode() not in text for form in encodings(SECRET).values())


LEAKY_SUITE = '''
import httpx
import pytest

from dataflow_qa.reports import register_secrets
from dataflow_qa.systems.transport import HttpClient

SECRET = "planted-" + "secret-4f1c9a7e2b"
register_secrets({"PLANTED_TOKEN": SECRET})
MARK = dict(document="specs/x.rst", line=3, mapping="a:A->b:B", property="", check="link")


@pytest.mark.dataflow(**MARK)
def test_a_failing_check_shows_its_exchange_redacted():
    echo = httpx.MockTransport(lambda request: httpx.Response(200, json={"token": SECRET}))
    HttpClient("b", "http://b.invalid", transport=echo, secrets=[SECRET]).send("GET", "/B?api_key=" + SECRET)
    pytest.fail("the linked B did not appear", pytrace=False)


@pytest.mark.dataflow(**{**MARK, "check": "delete"})
def test_a_passing_check_prints_the_secret():
    print("debug output:", SECRET)
'''
PLANTED = "planted-secret-4f1c9a7e2b"


def run_leaky(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_leaky.py").write_text(LEAKY_SUITE, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "test_leaky.py", "-p", "no:cacheprovider",
                           "--reports-dir", "out", *args], cwd=tmp_path, capture_output=True, text=True)


def test_a_planted_secret_is_redacted_and_an_unredacted_one_fails_the_run(tmp_path: Path) -> None:
    done = run_leaky(tmp_path, "-n", "2")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert PLANTED not in output
    assert f"{tmp_path / 'out' / 'report.html'} holds the value of PLANTED_TOKEN" in output
    assert "junit.xml holds" not in output and "checklist" not in output.split("secret scan:")[1].split("\n")[0]
    tests = report_tests(tmp_path / "out" / "report.html")
    [failing] = tests["test_leaky.py::test_a_failing_check_shows_its_exchange_redacted"]
    block = failing["extras"][0]["content"]
    assert "http://b.invalid/B?api_key=***" in block and "GET" in block and "***" in block
    assert PLANTED not in block


def test_a_leak_alone_fails_a_run_whose_checks_all_pass(tmp_path: Path) -> None:
    done = run_leaky(tmp_path, "-k", "prints")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "1 passed" in done.stdout and "LEAKS" in done.stdout and PLANTED not in done.stdout


def test_the_scan_runs_even_when_the_checklist_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow_qa.reports.session import ReportSession

    register_secrets({"SANDBOX_TOKEN": SECRET})
    (tmp_path / "debug.log").write_text(f"token={SECRET}", encoding="utf-8")
    session = ReportSession(ROOT, tmp_path, ROOT / "specs", "sandbox")

    def broken() -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(session, "build", broken)
    outcome = session.finish()
    assert [str(leak.path.name) for leak in outcome.leaks] == ["debug.log"]
    assert any("could not be written" in problem and "No space left" in problem for problem in outcome.gate)
    assert all(SECRET not in problem for problem in outcome.gate)
