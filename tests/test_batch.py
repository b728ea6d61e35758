"""Parallel generate and hash-only check give exactly what one process gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dataflow_qa.generator import cache as cache_module
from dataflow_qa.generator.batch import build, up_to_date
from dataflow_qa.generator.cli import main
from dataflow_qa.generator.output import MANIFEST, body_sha256

ROOT = Path(__file__).resolve().parent.parent
CORPUS_SAMPLE = sorted((ROOT / "tests" / "data" / "corpus").glob("*.rst"))[:7]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Specs plus a few corpus documents (enough to use the process pool), as the working folder."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    for path in CORPUS_SAMPLE:
        shutil.copy(path, tmp_path / "specs" / path.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_module.ENV_FOLDER, raising=False)
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_pool_and_single_process_agree(project: Path) -> None:
    pooled = build(["specs"], None, jobs=2)
    single = build(["specs"], None, jobs=1)
    assert len(pooled.results) == 12
    assert pooled.results == single.results
    assert pooled.rendered == single.rendered


def test_parallel_cached_generate_writes_what_a_plain_one_writes(project: Path) -> None:
    assert main(["generate", "--jobs", "2", "--out", "parallel"]) == 0
    assert main(["generate", "--jobs", "1", "--no-cache", "--out", "plain"]) == 0
    assert tree(project / "parallel") == tree(project / "plain")
    shutil.rmtree(project / "parallel")
    assert main(["generate", "--out", "parallel"]) == 0  # everything from the cache this time
    assert tree(project / "parallel") == tree(project / "plain")


def test_colliding_module_names_are_rendered_under_their_final_name(project: Path) -> None:
    shutil.copy(project / "specs" / "webcrm-crmoffice.rst", project / "specs" / "webcrm-crmoffice-again.rst")
    assert main(["generate", "--out", "cached"]) == 0
    assert main(["generate", "--no-cache", "--jobs", "1", "--out", "plain"]) == 0
    assert tree(project / "cached") == tree(project / "plain")
    assert {"test_webcrm_to_crmoffice.py", "test_webcrm_to_crmoffice_2.py"} <= set(tree(project / "cached"))


def test_manifest_is_json_with_one_line_per_document_mapping_and_chain(project: Path) -> None:
    assert main(["generate"]) == 0
    text = (project / "generated_tests" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    lines = text.splitlines()
    documents, mappings = manifest["documents"], [m for d in manifest["documents"] for m in d["mappings"]]
    assert sum(line.startswith('{"path": ') for line in lines) == len(documents) == 12
    assert sum(line.startswith('{"key": ') for line in lines) == len(mappings)
    assert sum(line.startswith('"') and "->" in line for line in lines) == len(manifest["chains"]) > 0
    assert manifest["content_sha256"] == body_sha256(text)
    assert manifest["fingerprint"] == cache_module.generator_fingerprint()
    for entry in documents:
        module = project / "generated_tests" / entry["module"]
        assert cache_module.sha256_file(module) == entry["module_sha256"]
        assert cache_module.sha256_file(project / entry["path"]) == entry["sha256"]


def test_hash_only_check_vouches_only_for_an_untouched_tree(project: Path) -> None:
    out = project / "generated_tests"
    assert not up_to_date(["specs"], out).up_to_date
    assert main(["generate"]) == 0
    assert up_to_date(["specs"], out).up_to_date
    module = out / "test_webcrm_to_crmoffice.py"
    original = module.read_bytes()
    module.write_bytes(original + b"# tweak\n")
    assert "differs" in up_to_date(["specs"], out).reason
    module.write_bytes(original)
    spec = project / "specs" / "salesforce-crmoffice.rst"
    spec.write_bytes(spec.read_bytes() + b"\n")
    assert "changed" in up_to_date(["specs"], out).reason
    assert main(["generate"]) == 0 and up_to_date(["specs"], out).up_to_date
    (project / "specs" / "extra.rst").write_text("Not a dataflow document\n", encoding="utf-8")
    assert "added" in up_to_date(["specs"], out).reason


def test_hash_only_check_notices_an_edited_manifest_and_orphan_modules(project: Path) -> None:
    out = project / "generated_tests"
    assert main(["generate"]) == 0
    manifest = out / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('"variant": "create"', '"variant": "link-only"', 1), encoding="utf-8")
    assert "edited" in up_to_date(["specs"], out).reason
    manifest.write_text(text, encoding="utf-8")
    shutil.copy(out / "test_webcrm_to_crmoffice.py", out / "test_orphan.py")
    assert "no document" in up_to_date(["specs"], out).reason


def test_check_falls_back_to_regenerating_and_names_the_row(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0
    capsys.readouterr()
    assert main(["check"]) == 0
    assert "by their hashes" in capsys.readouterr().out
    spec = project / "specs" / "webcrm-crmoffice.rst"
    spec.write_text(spec.read_text(encoding="utf-8").replace("     - givenName", "     - firstName"), encoding="utf-8")
    assert main(["check"]) == 1
    assert "property added to 'WebCRM Persons to CRMOffice Contacts': PersonFirstName->firstName" in capsys.readouterr().err


def test_another_generator_build_with_the_same_output_still_passes_check(project: Path, capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["generate"]) == 0
    monkeypatch.setattr("dataflow_qa.generator.cli.generator_fingerprint", lambda: "0" * 64)
    monkeypatch.setattr("dataflow_qa.generator.batch.generator_fingerprint", lambda: "0" * 64)
    capsys.readouterr()
    assert main(["check"]) == 0
    assert "another generator build" in capsys.readouterr().out
    assert main(["generate"]) == 0
    assert json.loads((project / "generated_tests" / MANIFEST).read_text(encoding="utf-8"))["fingerprint"] == "0" * 64
    assert main(["check"]) == 0
