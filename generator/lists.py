"""docutils' list state machines, reused while documents are parsed in bulk (results are the same, checked doctree by doctree)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import docutils
from docutils.parsers.rst import states

_LIST_PARSE = states.RSTState.nested_list_parse
_LIST_PARSE_PARAMETERS = ["self", "block", "input_offset", "node", "initial_state", "blank_finish", "blank_finish_state",
                          "extra_settings", "match_titles", "state_machine_class", "state_machine_kwargs"]
_SPARE_MACHINES: list[states.NestedStateMachine] = []


def _reusing_list_parse(self: states.RSTState, block: Any, input_offset: int, node: Any, initial_state: str, blank_finish: bool,
                        blank_finish_state: str | None = None, extra_settings: dict[str, Any] | None = None, match_titles: bool = False,
                        state_machine_class: Any = None, state_machine_kwargs: Any = None) -> tuple[int, bool]:
    """docutils' ``nested_list_parse``, run on a spare state machine instead of a new one.

    docutils builds a state machine, with every state and its compiled
    transitions, for each list it reads: every list-table, every table row,
    every directive's options. That was half of all parsing time. Its own
    ``nested_parse`` already keeps machines for reuse; this does the same for
    lists, with the same default states, so the tree it builds is the same.
    """
    default = (not match_titles and state_machine_class is None and state_machine_kwargs is None
               and self.nested_sm is states.NestedStateMachine and self.nested_sm_kwargs.get("state_classes") is states.state_classes)
    if not default:
        return _LIST_PARSE(self, block, input_offset, node, initial_state, blank_finish, blank_finish_state,
                           extra_settings or {}, match_titles, state_machine_class, state_machine_kwargs)
    machine = _SPARE_MACHINES.pop() if _SPARE_MACHINES else states.NestedStateMachine(debug=self.debug, **self.nested_sm_kwargs)
    machine.initial_state, machine.parent_state_machine = initial_state, self.state_machine
    finish_state = blank_finish_state or initial_state
    machine.states[finish_state].blank_finish = blank_finish
    for key, value in (extra_settings or {}).items():
        setattr(machine.states[initial_state], key, value)
    machine.run(block, input_offset, memo=self.memo, node=node, match_titles=False)
    result = machine.abs_line_offset(), machine.states[finish_state].blank_finish
    machine.observers.clear()
    machine.parent_state_machine = None
    _SPARE_MACHINES.append(machine)  # not reached when docutils raised: that machine is dropped
    return result


def list_parse_reuse_supported() -> bool:
    """True for docutils versions whose ``nested_list_parse`` this was checked against."""
    return (0, 21) <= docutils.__version_info__[:2] <= (0, 23) and list(inspect.signature(_LIST_PARSE).parameters) == _LIST_PARSE_PARAMETERS


@contextmanager
def reused_list_parsers() -> Iterator[None]:
    """Parse lists on spare state machines for the duration (a no-op on other docutils versions)."""
    if not list_parse_reuse_supported():
        yield
        return
    states.RSTState.nested_list_parse = _reusing_list_parse
    try:
        yield
    finally:
        states.RSTState.nested_list_parse = _LIST_PARSE
