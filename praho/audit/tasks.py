from celery import shared_task

from praho.audit.checkpoints import write_checkpoint


@shared_task(name="audit.write_checkpoint", time_limit=60)
def write_checkpoint_task() -> int | None:
    """Anchor the chain's head outside the table (praho.audit.checkpoints); idempotent."""
    checkpoint = write_checkpoint()
    return checkpoint.seq if checkpoint is not None else None
