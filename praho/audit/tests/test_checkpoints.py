"""The chain's head anchored outside the table: a deleted tail is noticed (issue 11, item 22)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from praho.audit.checkpoints import Checkpoint, read_checkpoints, verify_checkpoints, write_checkpoint
from praho.audit.models import AuditEvent
from praho.audit.services import record_event
from praho.audit.tasks import write_checkpoint_task

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "anchors" / "audit-checkpoints.jsonl")
    return tmp_path / "anchors" / "audit-checkpoints.jsonl"


def _events(count: int) -> list[AuditEvent]:
    return [record_event("test.event", data={"n": n}) for n in range(count)]


def _delete_newest(count: int) -> None:
    """What a database owner can do: the trigger guards PostgreSQL, so it is lifted first."""
    newest = list(AuditEvent.objects.order_by("-seq").values_list("pk", flat=True)[:count])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(
            "DELETE FROM audit_auditevent WHERE id = ANY(%s)"
            if connection.vendor == "postgresql"
            else f"DELETE FROM audit_auditevent WHERE id IN ({', '.join(['%s'] * len(newest))})",  # noqa: S608
            [newest] if connection.vendor == "postgresql" else newest,
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


@time_machine.travel(NOW, tick=False)
def test_a_checkpoint_appends_the_chains_head_to_the_file_and_the_log(db, checkpoint_file, caplog):
    events = _events(3)

    with caplog.at_level("INFO", logger="praho.audit.checkpoints"):
        checkpoint = write_checkpoint()

    assert checkpoint == Checkpoint(events[-1].seq, events[-1].hash, NOW)
    assert checkpoint_file.read_text().splitlines() == [
        json.dumps({"at": "2026-03-10T10:00:00+00:00", "hash": events[-1].hash, "seq": events[-1].seq})
    ]
    (logged,) = [record for record in caplog.records if hasattr(record, "audit_checkpoint")]
    assert logged.audit_checkpoint == {"seq": events[-1].seq, "hash": events[-1].hash, "at": NOW.isoformat()}


def test_a_checkpoint_is_written_only_when_the_chain_has_moved(db, checkpoint_file):
    assert write_checkpoint() is None  # an empty chain
    _events(2)
    first = write_checkpoint()
    assert write_checkpoint_task() is None  # the beat task, with nothing new
    _events(1)
    second = write_checkpoint()

    assert [c.seq for c in read_checkpoints()] == [first.seq, second.seq] == [first.seq, first.seq + 1]


def test_a_deleted_tail_is_reported_with_how_many_events_are_missing(db, checkpoint_file):
    events = _events(5)
    write_checkpoint()
    _delete_newest(2)

    (problem,) = verify_checkpoints()
    assert problem.reason.startswith(f"the chain ends at event #{events[2].seq}, but the checkpoint of ")
    assert problem.reason.endswith(f"saw event #{events[4].seq}: at least 2 newest events were deleted")
    with pytest.raises(CommandError, match="at least 2 newest events were deleted"):
        call_command("audit_verify")


def test_a_tail_deleted_and_written_again_is_reported_as_rewritten(db, checkpoint_file):
    events = _events(3)
    write_checkpoint()
    _delete_newest(1)
    record_event("test.forged")  # links validly after the shortened chain, at the same place

    (problem,) = verify_checkpoints()
    assert problem.reason.startswith(f"event #{events[2].seq} has another hash than the checkpoint of ")
    with pytest.raises(CommandError, match="the chain was rewritten from there on"):
        call_command("audit_verify")


def test_an_intact_chain_matches_every_checkpoint(db, checkpoint_file, capsys):
    for _ in range(3):
        _events(2)
        write_checkpoint()

    assert verify_checkpoints() == []
    call_command("audit_verify")
    assert capsys.readouterr().out == "Audit trail intact: 6 events verified.\n"


def test_a_line_cut_short_by_a_crash_is_skipped(db, checkpoint_file):
    _events(1)
    written = write_checkpoint()
    with checkpoint_file.open("a") as out:
        out.write('{"seq": 9')

    assert list(read_checkpoints()) == [written]
    assert verify_checkpoints() == []


def test_the_command_writes_a_checkpoint(db, checkpoint_file, capsys):
    (event,) = _events(1)

    call_command("audit_checkpoint")
    call_command("audit_checkpoint")

    assert capsys.readouterr().out.splitlines() == [
        f"Checkpoint written to {checkpoint_file}: event #{event.seq} {event.hash}.",
        f"No new audit events since the last checkpoint in {checkpoint_file}.",
    ]
