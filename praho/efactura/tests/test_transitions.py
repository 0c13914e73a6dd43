"""The submission state machine's table (praho.efactura.submissions.transitions): every move it
lists works, every other move is refused with nothing written, and no code outside
transitions.move sets a submission's state."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from praho.efactura.models import Submission, SubmissionState
from praho.efactura.submissions import steps
from praho.efactura.submissions.transitions import TRANSITIONS, IllegalTransitionError, move
from praho.efactura.tests.ubl_builders import DOMAIN, HOSTING, issued_invoice, start_billing

State = SubmissionState
PACKAGE = Path(__file__).resolve().parent.parent
ALL_MOVES = [(a, b) for a in State.values for b in State.values if a != b]


@pytest.fixture
def submission(db) -> Submission:
    invoice = issued_invoice(start_billing(), "ro_company", (HOSTING, DOMAIN))
    return Submission.objects.create(document=invoice, deadline=dt.date(2026, 3, 17))


def placed_in(submission: Submission, state: str) -> Submission:
    Submission.objects.filter(pk=submission.pk).update(state=state, last_error="")
    return Submission.objects.get(pk=submission.pk)


def test_the_table_names_every_state_and_only_states():
    assert set(TRANSITIONS) == set(State.values)
    assert set().union(*TRANSITIONS.values()) <= set(State.values)


def test_every_move_the_table_lists_is_made_and_saved(submission):
    made = []
    for source, targets in TRANSITIONS.items():
        for target in sorted(targets):
            moving = placed_in(submission, source)
            move(moving, target, last_error=f"{source} to {target}")
            made.append((source, Submission.objects.values_list("state", "last_error").get(pk=submission.pk)))

    assert made == [
        (source, (target, f"{source} to {target}"))
        for source, targets in TRANSITIONS.items()
        for target in sorted(targets)
    ]
    assert len(made) == 28


def test_every_move_the_table_does_not_list_is_refused_and_writes_nothing(submission):
    refused = []
    for source, target in ALL_MOVES:
        if target in TRANSITIONS[source]:
            continue
        moving = placed_in(submission, source)
        with pytest.raises(IllegalTransitionError, match=f"may not move from {source} to {target}"):
            move(moving, target, last_error="moved")
        assert Submission.objects.values_list("state", "last_error").get(pk=submission.pk) == (source, "")
        refused.append((source, target))

    # 8 states, 56 moves between two of them: 28 allowed, 28 refused, e.g. these
    assert len(refused) == 28
    assert (State.ACCEPTED, State.VALIDATED) in refused  # never uploaded again once accepted
    assert (State.NOT_SUBMITTED, State.UNKNOWN) in refused  # no upload without a validation
    assert (State.INVALID, State.UNKNOWN) in refused


def test_staying_in_the_same_state_is_no_move_and_always_allowed(submission):
    for state in State.values:
        moving = placed_in(submission, state)
        move(moving, state, last_error="again")
        assert Submission.objects.values_list("state", "last_error").get(pk=submission.pk) == (state, "again")


def test_a_plain_save_of_changes_may_not_change_the_state(submission):
    with pytest.raises(IllegalTransitionError, match=re.escape("goes through transitions.move")):
        steps.apply(submission, state=State.ACCEPTED)

    assert Submission.objects.get(pk=submission.pk).state == State.NOT_SUBMITTED


# --- no other code sets a state ----------------------------------------------------------------


def _state_writes(tree: ast.AST) -> list[int]:
    """Lines that set a submission state: `x.state = ...`, `setattr(x, "state", ...)`, or a call
    with `state=State.X` / `state=SubmissionState.X` that is no filter (create, update, apply...)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines += [node.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr == "state"]
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "setattr" and len(node.args) > 1 and getattr(node.args[1], "value", None) == "state":
                lines.append(node.lineno)
            if name in ("filter", "exclude", "get", "Q", "count", "annotate"):
                continue
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "state"
                    and isinstance(value, ast.Attribute)
                    and getattr(value.value, "id", "") in ("State", "SubmissionState")
                ):
                    lines.append(node.lineno)
    return sorted(lines)


def test_no_code_but_transitions_move_sets_a_submissions_state():
    writes = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(("tests/", "migrations/")) or relative == "submissions/transitions.py":
            continue
        found = _state_writes(ast.parse(path.read_text(), filename=relative))
        if found:
            writes[relative] = found

    assert writes == {}


def test_the_check_finds_the_ways_a_state_could_be_set():
    code = """
submission.state = State.ACCEPTED
setattr(submission, "state", "accepted")
Submission.objects.filter(pk=1).update(state=SubmissionState.REJECTED)
Submission.objects.filter(state=State.UNKNOWN).count()
"""
    assert _state_writes(ast.parse(code)) == [2, 3, 4]


def test_every_row_lock_is_taken_in_locks_py():
    lockers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "select_for_update(" in path.read_text() and "tests" not in path.relative_to(PACKAGE).parts
    )

    assert lockers == ["locks.py"]
