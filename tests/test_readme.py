"""The README says what the code does: every check kind with the summary the suite's markers carry."""

from __future__ import annotations

from pathlib import Path

from dataflow_qa.generator.kinds import CHAIN_KIND, CHECK_KINDS

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_lists_every_check_kind_with_its_summary() -> None:
    readme = (ROOT / "README.md").read_text()
    for kind in (*CHECK_KINDS, CHAIN_KIND):
        assert f"- `{kind.name}` (per {kind.scope}): {kind.summary}" in readme, kind.name
