"""An edit needs a value other than the one there; for a boolean row, drawing at random agrees one time in two."""

from __future__ import annotations

import pytest

from dataflow_qa.checks.context import CheckContext
from dataflow_qa.checks.kinds import _differing
from dataflow_qa.generator.model import Location, PropertyMap

LOC = Location("specs/tidsbanken-tripletex.rst", 143)


def context(draws: list[object]) -> CheckContext:
    """A context whose draws are ``draws`` in turn (no systems: an edit value needs none)."""
    pending = iter(draws)
    return CheckContext({}, lambda row: next(pending), ledger=None, run_id="r")  # type: ignore[arg-type]


def test_a_boolean_row_drawn_true_every_time_still_gets_the_other_value() -> None:
    row = PropertyMap(LOC, "Aktiv", "sesam_employment_status", "boolean")
    ctx = context([True] * 4)
    assert _differing(ctx, row, "edited at the target", {True}) is False
    assert ctx.used[-1] == ("edited at the target", False), "the value written is the one the report names last"


def test_when_no_value_can_differ_it_is_dataflow_qas_error_not_a_defect() -> None:
    row = PropertyMap(LOC, "Aktiv", "sesam_employment_status", "boolean")
    with pytest.raises(RuntimeError, match=r"tidsbanken-tripletex.rst:143: no test value for .* this is a dataflow-qa bug"):
        _differing(context([True] * 4), row, "x", {True, False})
