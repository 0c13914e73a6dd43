"""Each issued invoice's and credit note's way to ANAF e-Factura: the only writer of Submission and Upload.

    not_submitted ─validate─▶ validated ─upload─▶ uploaded ─poll─▶ processing ─poll─▶ accepted
          │                      ▲   │                                          └──▶ rejected
          ▼                      │   └─(answer lost)─▶ unknown ─resolve_unknown─▶ accepted
       invalid                   └──(provably never reached ANAF)──┘    │
                                                       (staff give up)──┴─▶ not_submitted

At most once: a document is uploaded again only when its earlier upload was refused by ANAF
(rejected, after a staff member asks for it) or provably never reached ANAF. The Upload row is
written and committed, with the submission moved to `unknown`, before the request is sent: a
worker that dies mid-request leaves the evidence that ANAF may hold the document, and a second
caller finds the submission no longer `validated` and sends nothing. An unknown upload is never
sent again on PRAHO's own: a staff member's submit past the grace period asks for it, and the
task gives the upload up only if one more look in ANAF's message list succeeds and finds nothing.
An answer that arrives after a give-up is kept (see steps.at_anaf). A submission
uploaded in another ANAF environment (EFACTURA_ENVIRONMENT changed) starts again as not
submitted, unless ANAF accepted it in the current one before: a document is never uploaded again
to an environment that accepted it (praho.efactura.submissions.environment).

The package's modules, by section: intake (taking documents in, staff submits, the tasks' runs),
validating, uploading, unknown (an answer lost), poll (ANAF's verdict), environment (test /
prod), transitions (the states each state may move to), steps (how every change is written),
rules (what is due, how a document is uploaded, whether an answer is ours) and watch (deadlines).

Every change after a slow step (validation, a call to ANAF) goes through steps.step:
under the row lock, and only if the submission is still where the step found it, so a stale copy
or an answer that arrives late never undoes what another worker or a staff member did meanwhile.

Network errors and HTTP 429 set `next_attempt_at` with exponential backoff (or ANAF's
Retry-After); the Celery tasks (praho.efactura.tasks) pick up what is due. Every state change,
upload and download writes an audit event (actor None when a task acts).
"""

# The services other modules and the tasks call, from the modules that hold them.
from praho.efactura.submissions.intake import (
    BATCH,
    advance,
    poll_pending,
    submission_for,
    submit,
    submit_issued,
    submit_new_documents,
    submit_one,
)
from praho.efactura.submissions.rules import documents_without_submission
from praho.efactura.submissions.steps import PENDING, VALIDATABLE
from praho.efactura.submissions.uploading import upload
from praho.efactura.submissions.validating import validate

__all__ = [
    "BATCH",
    "PENDING",
    "VALIDATABLE",
    "advance",
    "documents_without_submission",
    "poll_pending",
    "submission_for",
    "submit",
    "submit_issued",
    "submit_new_documents",
    "submit_one",
    "upload",
    "validate",
]
