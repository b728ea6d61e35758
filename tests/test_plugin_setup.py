"""The pytest plugin as another repository meets it: loaded by its entry point, inert where no
generated suite is collected, and a wrong set-up stopped once, before any check, with exit 4."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataflow_qa.generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
USAGE_ERROR = 4


def pytest_run(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in ``folder`` as a user runs it: no conftest.py of ours, no -p flags."""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def docs_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One document under docs/, configured, generated, with the user's own fixtures/ and generator/ packages beside it."""
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "specs" / "webcrm-crmoffice.rst", tmp_path / "docs")
    (tmp_path / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = "docs"\n')
    for package in ("fixtures", "generator"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(f"OWNER = 'the user, not dataflow-qa ({package})'\n")
    (tmp_path / "test_own.py").write_text("import fixtures, generator\n\n\ndef test_own_packages():\n"
                                          "    assert fixtures.OWNER.startswith('the user') and generator.OWNER.startswith('the user')\n")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    return tmp_path


def test_a_plain_run_needs_no_flags_and_leaves_the_users_packages_alone(docs_repo: Path) -> None:
    done = pytest_run(docs_repo, "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    checks = re.search(r"docs/webcrm-crmoffice.rst: (\d+) passed, 0 failed", done.stdout)
    assert checks is not None, done.stdout[-3000:]
    assert f"{int(checks.group(1)) + 1} passed" in done.stdout  # the generated checks and the user's own test
    assert (docs_repo / "reports" / "report.html").is_file() and (docs_repo / "reports" / "junit.xml").is_file()


def test_the_plugin_is_inert_where_no_generated_suite_is_collected(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain(dataflow=None):\n    assert True\n")
    done = pytest_run(tmp_path, "-q", "-p", "no:randomly")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "dataflow-qa" not in done.stdout
    assert not (tmp_path / "reports").exists()
    broken = tmp_path / "pyproject.toml"
    broken.write_text('[tool.dataflow-qa]\nspecs = 3\n')  # another project's broken table is not this run's business
    assert pytest_run(tmp_path, "-q").returncode == 0


FREEZE_PROBE = ("import gc\n\n\ndef test_frozen_after_collection():\n"
                "    print(f'frozen objects: {gc.get_freeze_count()}')\n")


def test_what_collection_built_is_out_of_the_garbage_collectors_sight_only_in_a_generated_run(docs_repo: Path, tmp_path: Path) -> None:
    """A family's suite is tens of thousands of items that live to the end; gc passes over them cost
    more than a third of collecting. Another project's run keeps the garbage collector as it was."""
    (docs_repo / "test_own.py").write_text(FREEZE_PROBE)
    frozen = re.search(r"frozen objects: (\d+)", pytest_run(docs_repo, "-q", "-s", "-p", "no:randomly").stdout)
    assert frozen is not None and int(frozen.group(1)) > 10_000
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "test_own.py").write_text(FREEZE_PROBE)
    assert "frozen objects: 0" in pytest_run(plain, "-q", "-s").stdout


EXIT_PROBE = ("import atexit\nimport gc\n\natexit.register(lambda: print(f'frozen at exit: {gc.get_freeze_count()}'))\n\n\n"
              "def test_frozen_during_the_run():\n    print(f'frozen objects: {gc.get_freeze_count()}')\n")


def test_what_the_run_left_is_out_of_the_garbage_collectors_sight_at_exit_only_in_a_generated_run(docs_repo: Path, tmp_path: Path) -> None:
    """The interpreter's last collection pass would walk every object the run made (~30 ms for the seeds' suite)."""
    (docs_repo / "test_own.py").write_text(EXIT_PROBE)
    output = pytest_run(docs_repo, "-q", "-s", "-p", "no:randomly").stdout
    during, at_exit = (re.search(rf"{label}: (\d+)", output) for label in ("frozen objects", "frozen at exit"))
    assert during is not None and at_exit is not None, output[-3000:]
    assert int(at_exit.group(1)) > int(during.group(1))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "test_own.py").write_text(EXIT_PROBE)
    assert "frozen at exit: 0" in pytest_run(plain, "-q", "-s").stdout


IMPORT_PROBE = ("import atexit\nimport sys\n\n"
                "atexit.register(lambda: print('email.policy at exit:', 'email.policy' in sys.modules))\n\n\n"
                "def test_probe():\n    pass\n")


def test_a_generated_run_on_the_fakes_never_imports_the_email_header_machinery(docs_repo: Path) -> None:
    """Only a multipart form body (the WebCRM fake's ApiLogin) needs email.policy, ~20 ms to import; a run's start must not pay it."""
    (docs_repo / "test_own.py").write_text(IMPORT_PROBE)
    output = pytest_run(docs_repo, "-q", "-s", "-p", "no:randomly").stdout
    assert "email.policy at exit: False" in output, output[-3000:]


def stopped_once(done: subprocess.CompletedProcess[str], message: str) -> None:
    """The run stopped as a usage error before any test, saying ``message`` exactly once."""
    output = done.stdout + done.stderr
    assert done.returncode == USAGE_ERROR, output[-3000:]
    assert output.count(message) == 1, output[-3000:]
    assert "passed" not in output and "Traceback" not in output and "internal" not in output


def test_sandbox_without_a_configuration(docs_repo: Path) -> None:
    stopped_once(pytest_run(docs_repo, "--target", "sandbox"), "--target sandbox needs --sandbox-config FILE")


def test_sandbox_configuration_with_a_typo(docs_repo: Path) -> None:
    (docs_repo / "sandbox.toml").write_text("[sandbox]\nallowed_hosts = [127.0.0.1]\n")
    stopped_once(pytest_run(docs_repo, "--target", "sandbox", "--sandbox-config", "sandbox.toml"), "sandbox.toml")


def test_sandbox_configuration_with_a_missing_secret(docs_repo: Path) -> None:
    (docs_repo / "sandbox.toml").write_text(
        '[sandbox]\nallowed_hosts = ["127.0.0.1"]\n\n'
        '[systems.webcrm]\ndialect = "webcrm"\nbase_url = "http://127.0.0.1:9/webcrm"\nauth_code_env = "DFQA_TEST_UNSET_CODE"\n\n'
        '[systems.crmoffice]\ndialect = "crmoffice"\nbase_url = "http://127.0.0.1:9/crmoffice"\nauth = "none"\n')
    environment = {k: v for k, v in os.environ.items() if k != "DFQA_TEST_UNSET_CODE"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--target", "sandbox", "--sandbox-config", "sandbox.toml"],
                          cwd=docs_repo, capture_output=True, text=True, env=environment)
    stopped_once(done, "DFQA_TEST_UNSET_CODE")


def test_a_missing_documents_folder(docs_repo: Path) -> None:
    stopped_once(pytest_run(docs_repo, "--specs", "specs"), "the documents folder")


def test_a_suite_generated_from_other_documents(docs_repo: Path) -> None:
    (docs_repo / "elsewhere").mkdir()
    shutil.copy(ROOT / "specs" / "crmoffice-superoffice.rst", docs_repo / "elsewhere")
    stopped_once(pytest_run(docs_repo, "--specs", "elsewhere"), "not found in the documents folder")


def test_a_stale_suite(docs_repo: Path) -> None:
    page = docs_repo / "docs" / "webcrm-crmoffice.rst"
    page.write_text(page.read_text().replace("     - givenName", "     - firstName"))
    stopped_once(pytest_run(docs_repo), "is stale: docs/webcrm-crmoffice.rst changed since it was generated; run: dataflow-qa generate")


def test_a_broken_values_file(docs_repo: Path) -> None:
    (docs_repo / "docs" / "values.toml").write_text('[values]\nPersonFirstName = "telephone"\n')
    stopped_once(pytest_run(docs_repo), "PersonFirstName = 'telephone': unknown strategy")


def test_a_broken_table(docs_repo: Path) -> None:
    (docs_repo / "pyproject.toml").write_text('[tool.dataflow-qa]\nspecs = "docs"\nreport = "out"\n')
    stopped_once(pytest_run(docs_repo), "unknown key 'report'")
