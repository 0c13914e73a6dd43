"""The chain's head, anchored outside the audit table.

Deleting the newest events leaves a shorter chain whose links are all intact: nothing inside
the table can tell. So the head (its place, hash and time) is written periodically outside it,
to an append-only file (AUDIT_CHECKPOINT_FILE: in production on a disk the database's owner
cannot rewrite, e.g. another host's mount or a file with `chattr +a`) and to the JSON log, which
is shipped elsewhere. `audit_verify` compares the table with every checkpoint: an event a
checkpoint saw must still be there with the same hash, so a removed tail, or a tail removed and
forged again with fresh links, is reported with how many events are missing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from praho.audit.models import AuditEvent

logger = logging.getLogger(__name__)

CHUNK = 1000


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime

    def as_json(self) -> str:
        return json.dumps({"seq": self.seq, "hash": self.hash, "at": self.at.isoformat()}, sort_keys=True)


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint: Checkpoint
    reason: str


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def chain_head() -> Checkpoint | None:
    head = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .only("seq", "hash", "created_at")
        .first()
    )
    if head is None or head.seq is None or head.hash is None:
        return None
    return Checkpoint(head.seq, head.hash, head.created_at)


def write_checkpoint() -> Checkpoint | None:
    """Append the chain's head to the checkpoint file and the log, unless it is there already.

    Returns the checkpoint written, or None when the chain is empty or has not moved.
    """
    head = chain_head()
    if head is None:
        return None
    last = last_checkpoint()
    if last is not None and (last.seq, last.hash) == (head.seq, head.hash):
        return None
    checkpoint = Checkpoint(head.seq, head.hash, timezone.now())
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(checkpoint.as_json() + "\n")
        out.flush()
        os.fsync(out.fileno())  # a checkpoint is worth something only once it is on disk
    logger.info(
        "audit checkpoint: event %s, hash %s",
        checkpoint.seq,
        checkpoint.hash,
        extra={"audit_checkpoint": json.loads(checkpoint.as_json())},
    )
    return checkpoint


def read_checkpoints() -> Iterator[Checkpoint]:
    """Every checkpoint in the file, oldest first. A last line cut short by a crash is skipped."""
    path = checkpoint_file()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                values = json.loads(line)
                yield Checkpoint(
                    int(values["seq"]), str(values["hash"]), datetime.fromisoformat(values["at"])
                )
            except (ValueError, KeyError, TypeError):
                logger.warning("audit checkpoint file %s: unreadable line skipped: %r", path, line[:200])


def last_checkpoint() -> Checkpoint | None:
    last = None
    for last in read_checkpoints():  # noqa: B007 (the loop keeps the last one)
        pass
    return last


def verify_checkpoints() -> list[CheckpointProblem]:
    """Each checkpoint's event must still be in the table with the hash the checkpoint saw."""
    problems: list[CheckpointProblem] = []
    head = chain_head()
    checkpoints = read_checkpoints()
    while chunk := list(islice(checkpoints, CHUNK)):
        stored = dict(AuditEvent.objects.filter(seq__in=[c.seq for c in chunk]).values_list("seq", "hash"))
        for checkpoint in chunk:
            if checkpoint.seq not in stored:
                problems.append(CheckpointProblem(checkpoint, _missing(checkpoint, head)))
            elif stored[checkpoint.seq] != checkpoint.hash:
                problems.append(
                    CheckpointProblem(
                        checkpoint,
                        f"event #{checkpoint.seq} has another hash than the checkpoint of "
                        f"{checkpoint.at:%Y-%m-%d %H:%M:%S%z} saw: the chain was rewritten from there on",
                    )
                )
    return problems


def _missing(checkpoint: Checkpoint, head: Checkpoint | None) -> str:
    last = head.seq if head is not None else 0
    if last < checkpoint.seq:
        return (
            f"the chain ends at event #{last}, but the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M:%S%z} "
            f"saw event #{checkpoint.seq}: at least {checkpoint.seq - last} newest events were deleted"
        )
    return (
        f"event #{checkpoint.seq}, seen by the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M:%S%z}, is missing"
    )
