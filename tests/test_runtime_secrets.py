"""Secrets at run time: only from the environment, never in a message, a log or an artifact."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from dataflow_qa.systems.config import ConfigError, dump_config, load_config
from dataflow_qa.engine import Engine
from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.faults import Faults
from dataflow_qa.reports.secrets import encodings, forget_registered, registered_secrets
from dataflow_qa.targets.sandbox import SandboxTarget
from dataflow_qa.generator.parse import find_documents, parse_paths

SECRET = "s3cr3t-value-never-shown"
SYSTEM = """
[sandbox]
allowed_hosts = ["api.example.test"]

[systems.x]
dialect = "generic"
base_url = "{base_url}"
auth = "oauth2-client-credentials"
client_id_env = "X_ID"
client_secret_env = "X_SECRET"
token_url = "{token_url}"
{extra}
"""


def config(tmp_path: Path, base_url: str = "https://api.example.test/v1", token_url: str = "https://api.example.test/token",
           extra: str = "") -> Path:
    path = tmp_path / "sandbox.toml"
    path.write_text(SYSTEM.format(base_url=base_url, token_url=token_url, extra=extra), encoding="utf-8")
    return path


def documents() -> list:
    return [r.document for r in parse_paths(find_documents(["specs"])) if r.document is not None]


def problems(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"X_ID": "id", "X_SECRET": "x"})
    return str(caught.value)


@pytest.mark.parametrize("key", ["client_secret", "token", "password", "refresh_token"])
def test_a_secret_written_into_the_configuration_is_refused_without_echoing_it(tmp_path: Path, key: str) -> None:
    message = problems(config(tmp_path, extra=f'{key} = "{SECRET}"'))
    assert f"'{key}' would put a secret in the file" in message and f"{key}_env" in message
    assert SECRET not in message


@pytest.mark.parametrize("url", [f"https://me:{SECRET}@api.example.test/v1", f"https://api.example.test/v1?api_key={SECRET}"])
def test_credentials_inside_a_url_are_refused_without_echoing_them(tmp_path: Path, url: str) -> None:
    message = problems(config(tmp_path, base_url=url))
    assert "base_url carries credentials" in message and SECRET not in message


def test_a_token_url_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    message = problems(config(tmp_path, token_url="https://collector.example.org/token"))
    assert "token_url host 'collector.example.org' is not in sandbox.allowed_hosts" in message


def test_the_engine_log_of_a_failing_pass_names_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    fakes = FakeSystems.from_documents(documents(), faults=Faults(rate_5xx=1.0))
    engine = Engine(documents(), fakes.adapters(client="sesam-talk-engine"))

    class OnePass(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            self.set()
            return True

    with caplog.at_level(logging.WARNING):
        engine.run_forever(0.01, OnePass())
    assert "sync pass failed" in caplog.text and "answered 5" in caplog.text
    for name, value in fakes.env().items():
        assert not any(form.decode() in caplog.text for form in encodings(value).values()), name


def test_a_sandbox_run_registers_every_token_it_obtained_for_the_artifact_scan(tmp_path: Path) -> None:
    docs = documents()
    fakes = FakeSystems.from_documents(docs)
    with fakes.serve() as server:
        path = tmp_path / "sandbox.toml"
        path.write_text(dump_config(fakes.config(server.url)), encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            for name, value in fakes.env().items():
                patch.setenv(name, value)
            forget_registered()
            target = SandboxTarget(docs, path, "run1", tmp_path / "ledger")
            target.adapters["webcrm"].changed_since("Persons", None)  # obtains an access token
            tokens = target.adapters["webcrm"].http._auth.issued()  # type: ignore[attr-defined]
            target.close()
    registered = registered_secrets()
    forget_registered()
    assert tokens and all(token in registered for token in tokens)
    assert {v for n, v in fakes.env().items() if not n.endswith("_CLIENT_ID")} <= set(registered)  # ids are public
