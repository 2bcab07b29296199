"""Celery jobs of the ingest pipeline. Each is idempotent: running it twice changes nothing."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from uploads import ingest


@shared_task(
    bind=True,
    acks_late=True,
    # A killed or timed-out attempt is simply run again: the job is idempotent.
    autoretry_for=(OSError, SoftTimeLimitExceeded),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3600,
)
def ingest_uploaded_file(self, file_id: str) -> str:
    return ingest.ingest_uploaded_file(file_id)


@shared_task
def sweep_quarantine(stale_after_minutes: int = 30) -> dict[str, int]:
    """Re-queue jobs left unfinished for `stale_after_minutes` (a worker died under them)."""
    return ingest.sweep_quarantine(
        stale_after_minutes=stale_after_minutes,
        requeue=lambda file_id: ingest_uploaded_file.delay(file_id),
    )
