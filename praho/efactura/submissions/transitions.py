"""The states a submission may move to from each state, and the one function that moves it.

    not_submitted ─validate─▶ validated ─upload─▶ unknown ─(registered)─▶ uploaded ─poll─▶ processing
                                                                                    └──▶ accepted / rejected

TRANSITIONS is the whole state machine: every state change goes through `move`, which refuses
a move the table does not list (IllegalTransitionError, a programming error, never the user's) and
writes nothing then. Staying in the same state is no transition (a verdict recorded again) and
is always allowed. A test walks the table and another checks that no other code sets a state.
Why each move exists:

- not_submitted / invalid → validated or invalid: the validation's verdict;
- validated → unknown: the Upload is claimed and committed before the request is sent;
  validated → not_submitted: the stored XML is not intact, so it is validated again;
- unknown → uploaded (ANAF registered it), rejected (refused), validated (provably never
  reached ANAF, tried again later), accepted (found in ANAF's message list), not_submitted
  (a staff member gave the upload up after a look that found nothing);
- uploaded / processing → processing, accepted, rejected: ANAF's verdict when polled;
  → unknown: ANAF keeps refusing the polls, so the message list is looked in instead;
- rejected → not_submitted: a staff member submits it again;
- an answer that arrives after a give-up (not_submitted, invalid, validated) → uploaded or
  accepted: ANAF holds that upload, so it is taken before anything is sent again;
- EFACTURA_ENVIRONMENT changed: a submission uploaded in the other environment (unknown,
  uploaded, processing, accepted, rejected) → not_submitted, or → accepted when the current
  environment accepted it before (also from not_submitted, invalid, validated).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from praho.efactura.models import Submission, SubmissionState

State = SubmissionState

TRANSITIONS: Mapping[str, frozenset[str]] = {
    State.NOT_SUBMITTED: frozenset({State.VALIDATED, State.INVALID, State.UPLOADED, State.ACCEPTED}),
    State.INVALID: frozenset({State.VALIDATED, State.UPLOADED, State.ACCEPTED}),
    State.VALIDATED: frozenset({State.UNKNOWN, State.NOT_SUBMITTED, State.UPLOADED, State.ACCEPTED}),
    State.UNKNOWN: frozenset(
        {State.UPLOADED, State.REJECTED, State.VALIDATED, State.ACCEPTED, State.NOT_SUBMITTED}
    ),
    State.UPLOADED: frozenset(
        {State.PROCESSING, State.ACCEPTED, State.REJECTED, State.UNKNOWN, State.NOT_SUBMITTED}
    ),
    State.PROCESSING: frozenset({State.ACCEPTED, State.REJECTED, State.UNKNOWN, State.NOT_SUBMITTED}),
    State.ACCEPTED: frozenset({State.NOT_SUBMITTED}),
    State.REJECTED: frozenset({State.NOT_SUBMITTED, State.ACCEPTED}),
}


class IllegalTransitionError(RuntimeError):
    """A move the table does not allow: a bug in the caller, nothing a user did."""


def allowed(from_state: str, to_state: str) -> bool:
    return from_state == to_state or to_state in TRANSITIONS[from_state]


def move(submission: Submission, to: str, **changes: Any) -> None:
    """Move the (locked) submission to state `to` with `changes`, saved with update_fields; refused
    with IllegalTransitionError, nothing written, when the table does not allow it."""
    if not allowed(submission.state, to):
        onward = ", ".join(sorted(TRANSITIONS[submission.state]))
        raise IllegalTransitionError(
            f"e-Factura submission {submission.pk} may not move from {submission.state} to {to}; "
            f"from {submission.state} only to {onward}."
        )
    changes = {"state": to, **changes}
    for field, value in changes.items():
        setattr(submission, field, value)
    submission.save(update_fields=[*changes, "updated_at"])
