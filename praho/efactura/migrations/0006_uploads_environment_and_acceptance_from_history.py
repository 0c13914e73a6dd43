"""Each Upload's ANAF environment and ANAF's acceptance, from what the database already knows.

- An upload made before an environment switch belongs to the environment the switch left (the
  first efactura.environment_changed event of its submission after it was sent); a later one to
  the submission's environment.
- The upload of an accepted submission is accepted; so is the one whose acceptance a switch
  cleared from its submission (the event kept its index, download id and signed answer).

So a document accepted in an environment before this migration is not uploaded there again
either (praho.efactura.submissions.environment).
"""

import base64
from datetime import datetime

from django.db import migrations

CHANGED = "efactura.environment_changed"


def fill(apps, schema_editor):
    Submission = apps.get_model("efactura", "Submission")
    Upload = apps.get_model("efactura", "Upload")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    switches = {}
    for event in AuditEvent.objects.filter(object_type="efactura.submission", action=CHANGED).order_by(
        "created_at", "pk"
    ):
        switches.setdefault(int(event.object_id), []).append(event)
    for submission in Submission.objects.filter(uploads__isnull=False).distinct().iterator():
        events = switches.get(submission.pk, [])
        for upload in Upload.objects.filter(submission=submission):
            left = next((e for e in events if e.created_at >= upload.sent_at), None)
            upload.environment = left.data.get("environment", "") if left else submission.environment
            upload.save(update_fields=["environment"])
        for event in events:
            if event.data.get("from") == "accepted" and event.data.get("upload_index"):
                _accepted(Upload, submission, event.data)
        if submission.state == "accepted" and submission.upload_index:
            Upload.objects.filter(submission=submission, index=submission.upload_index).update(
                accepted_at=submission.answered_at or submission.updated_at
            )


def _accepted(upload_model, submission, data):
    answered_at = data.get("answered_at")
    answer = data.get("answer")
    upload_model.objects.filter(submission=submission, index=data["upload_index"]).update(
        environment=data.get("environment", ""),
        accepted_at=datetime.fromisoformat(answered_at) if answered_at else submission.updated_at,
        download_id=data.get("download_id") or "",
        answer=base64.b64decode(answer) if answer else None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
        ("efactura", "0005_upload_environment_acceptance"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
