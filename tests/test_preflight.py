"""``dataflow-qa preflight`` against fakes served on loopback: every step passes, a refusing system fails by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from dataflow_qa.fakes import FakeSystems
from dataflow_qa.fakes.server import FakeServer
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.parse import find_documents, parse_paths
from dataflow_qa.systems.config import dump_config

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [r.document for r in parse_paths(find_documents([str(ROOT / "specs")])) if r.document is not None]
App = Callable[[httpx.Request], httpx.Response]


class Served:
    """Fakes behind a loopback server whose answers a test may bend, and a sandbox configuration for them."""

    def __init__(self, folder: Path, bend: Callable[[httpx.Request, App], httpx.Response] | None = None,
                 superoffice_auth: str = "soticket") -> None:
        self.fakes = FakeSystems.from_documents(DOCUMENTS)
        self.fakes["superoffice"].use_auth(superoffice_auth)  # type: ignore[attr-defined]
        self.folder = folder
        self.config = folder / "sandbox.toml"
        self.ledger = folder / "ledger"
        app: App = self.fakes if bend is None else (lambda request: bend(request, self.fakes))
        self.server = FakeServer(app).start()
        self.config.write_text(dump_config(self.fakes.config(self.server.url)), encoding="utf-8")

    def preflight(self, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
        code = main(["preflight", "--config", str(self.config), "--ledger-dir", str(self.ledger), *flags])
        return code, capsys.readouterr().out

    def left(self) -> dict[tuple[str, str], int]:
        """Records in the fakes, by system and entity, where there are any."""
        counts = {(s.id, e): len(self.fakes.records(s.id, e)) for s in self.fakes.catalog for e in s.entities}
        return {end: n for end, n in counts.items() if n}


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Served]]:
    """Start served fakes (optionally bent) with their credentials set; stopped after the test."""
    started: list[Served] = []
    monkeypatch.chdir(ROOT)

    def start(bend: Callable[[httpx.Request, App], httpx.Response] | None = None,
              superoffice_auth: str = "soticket") -> Served:
        served = Served(tmp_path, bend, superoffice_auth)
        for name, value in served.fakes.env().items():
            monkeypatch.setenv(name, value)
        started.append(served)
        return served

    yield start
    for served in started:
        served.server.stop()


def rows(out: str) -> dict[tuple[str, str, str], str]:
    """(system, entity, step) -> ok/FAIL from the printed table."""
    found = {}
    for line in out.splitlines()[1:-1]:
        cells = [cell for cell in line.split("  ") if cell.strip()]
        found[(cells[0].strip(), cells[1].strip(), cells[2].strip())] = cells[3].strip()
    return found


UNDELETABLE = {("webcrm", "Persons"): 1, ("webcrm", "Users"): 1}
"""What one preflight leaves: WebCRM documents no DELETE for Persons and Users."""
STEPS = ["create", "read", "update", "changes", "changes, none since cursor", "changes, same second as cursor", "find", "delete"]


def test_every_step_passes_on_every_entity_and_nothing_is_left(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve()
    code, out = served.preflight(capsys)
    assert code == 0, out
    table = rows(out)
    entities = {(s.id, e) for s in served.fakes.catalog for e in s.entities}
    assert {(system, entity, step) for system, entity in entities for step in STEPS} == set(table)
    assert set(table.values()) == {"ok"}
    assert out.splitlines()[-1].endswith("every step passed")
    assert served.left() == UNDELETABLE
    [person] = served.fakes.records("webcrm", "Persons")
    assert f"webcrm cannot delete Persons (its API documents no delete for Persons); Persons {person['PersonId']} left in place, " \
           f"marked by PersonDirectPhone = {person['PersonDirectPhone']!r}" in out
    assert list(served.ledger.glob("*.jsonl")) == []


def test_superoffice_on_oauth_refresh_tokens_passes_every_step(serve: Callable[..., Served],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(superoffice_auth="oauth2-refresh-token")
    assert 'auth = "oauth2-refresh-token"' in served.config.read_text() and "token_url" not in served.config.read_text()
    code, out = served.preflight(capsys)
    assert code == 0, out
    table = rows(out)
    superoffice = {key: verdict for key, verdict in table.items() if key[0] == "superoffice"}
    assert superoffice and set(superoffice.values()) == {"ok"}  # the fake now takes Bearer tokens only


def test_json_gives_the_same_steps(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve()
    code, out = served.preflight(capsys, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    person = [s for s in report["steps"] if (s["system"], s["entity"]) == ("superoffice", "Person")]
    assert [s["step"] for s in person] == STEPS and all(s["ok"] for s in person)
    assert set(person[0]) == {"system", "entity", "step", "ok", "detail"}
    assert f"dfqa-{report['run_id']}-preflight" in person[0]["detail"]


def test_an_entity_pointed_at_a_wrong_collection_fails_its_create(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve()
    served.config.write_text(served.config.read_text() + '\n[systems.webcrm.collections]\nPersons = "Persona"\n')
    code, out = served.preflight(capsys)
    table = rows(out)
    assert code == 1
    assert table[("webcrm", "Persons", "create")] == "FAIL"
    assert ("webcrm", "Persons", "read") not in table
    assert table[("webcrm", "Users", "delete")] == "ok"
    assert "webcrm: POST" in out and "/Persona" in out
    assert out.splitlines()[-1].endswith("1 steps failed")


def test_a_field_the_system_requires_and_the_documents_lack_comes_from_defaults(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve()
    served.fakes["salesforce"].required = {"Product2": ("Name",)}
    code, out = served.preflight(capsys)
    assert code == 1 and rows(out)[("salesforce", "Product2", "create")] == "FAIL"
    assert "[defaults.salesforce.Product2]" in out
    served.config.write_text(served.config.read_text() + '\n[defaults.salesforce.Product2]\nName = "dataflow-qa"\n')
    code, out = served.preflight(capsys)
    assert code == 0, out
    assert served.left() == {end: 2 for end in UNDELETABLE}


def refusing_updates(request: httpx.Request, fakes: App) -> httpx.Response:
    """SuperOffice refuses every write to an existing record (a role without edit rights)."""
    if request.url.path.startswith("/superoffice/") and request.method in ("PUT", "PATCH"):
        return httpx.Response(403, json={"Error": "Your role may not edit Person"})
    return fakes(request)


def test_a_system_that_refuses_updates_fails_that_step_and_still_deletes(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(refusing_updates)
    code, out = served.preflight(capsys)
    table = rows(out)
    assert code == 1
    assert table[("superoffice", "Person", "create")] == table[("superoffice", "Person", "read")] == "ok"
    assert table[("superoffice", "Person", "update")] == "FAIL"
    assert "Your role may not edit Person" in out
    assert table[("superoffice", "Person", "delete")] == "ok"
    assert served.left() == UNDELETABLE


def refusing_product_deletes(request: httpx.Request, fakes: App) -> httpx.Response:
    """A WebCRM that answers 405 to a DELETE its adapter believes it offers."""
    if request.method == "DELETE" and request.url.path.startswith("/webcrm/Products/"):
        return httpx.Response(405, json={"Message": "The requested resource does not support http method 'DELETE'."})
    return fakes(request)


def test_a_delete_the_system_answers_405_is_said_so_and_the_record_named(serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(refusing_product_deletes)
    code, out = served.preflight(capsys, "--json")
    report = json.loads(out)
    [delete] = [s for s in report["steps"] if (s["system"], s["entity"], s["step"]) == ("webcrm", "Products", "delete")]
    assert code == 0 and delete["ok"]
    [product] = served.fakes.records("webcrm", "Products")
    assert delete["detail"].startswith("webcrm cannot delete Products (webcrm: DELETE ")
    assert "answered 405" in delete["detail"] and "does not support http method 'DELETE'" in delete["detail"]
    assert delete["detail"].endswith(f"Products {product['ProductId']} left in place, marked by nothing documented (only the adapter's create marker)")


def suite(served: Served, *flags: str) -> subprocess.CompletedProcess[str]:
    """The generated suite on --target sandbox, selecting no check (the set-up runs, no check does)."""
    return subprocess.run([sys.executable, "-m", "pytest", "generated_tests", "-q", "-p", "no:cacheprovider", "--target", "sandbox",
                           "--sandbox-config", str(served.config), "--ledger-dir", str(served.ledger), "-k", "no_check_is_named_so", *flags],
                          cwd=ROOT, env={**os.environ, **served.fakes.env()}, capture_output=True, text=True, timeout=300)


def test_a_sandbox_run_stops_as_a_usage_error_naming_the_failing_steps_unless_told_not_to(serve: Callable[..., Served]) -> None:
    served = serve()
    served.config.write_text(served.config.read_text() + '\n[systems.webcrm.collections]\nPersons = "Persona"\n')
    stopped = suite(served)
    assert stopped.returncode == 4, stopped.stdout + stopped.stderr
    assert "preflight failed" in stopped.stderr and "webcrm Persons create: webcrm: POST" in stopped.stderr
    skipped = suite(served, "--no-preflight")
    assert skipped.returncode == 5, skipped.stdout + skipped.stderr
    assert served.left() == {("webcrm", "Users"): 1}  # Persons failed to be created
