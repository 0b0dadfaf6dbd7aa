"""Thin Celery tasks: ids in, one service call."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def import_run_task(job_id: int, seq: int | None = None) -> None:
    # seq is None in messages sent before imports carried one.
    from .imports import import_run

    import_run(job_id=job_id, seq=seq)


@shared_task(acks_late=True)
def imports_sweep_task() -> int:
    """Resume imports whose heartbeat went stale (a killed worker, a lost message)."""
    from .imports import imports_sweep

    return imports_sweep()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def annotator_quality_refresh_task(campaign_id: int) -> int:
    """Recompute a campaign's per-annotator quality table (annotation/quality.py)."""
    from campaigns.models import Campaign

    from .quality import annotator_quality_refresh

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return annotator_quality_refresh(campaign=campaign)
