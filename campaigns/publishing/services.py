"""Publishing use cases: request, run, sweep (schedule + healing), policy.

A publication is a workflow row (DESIGN.md, Background work):

    pending --(worker claims)--> running --> succeeded
                                   |  \\--> failed (permanent error, or attempts used up)
                                   \\--> waiting (transient error: retry at next_attempt_at)

- At most one active (pending/running/waiting) publication per campaign: a database
  constraint; asking again while one is active returns that one.
- The claim is one conditional UPDATE, so a duplicated message cannot run it twice.
- The build (aggregation to parquet, batch by batch) and the Hub commit happen outside
  any transaction; the heartbeat is refreshed after every batch.
- The sweeper (Celery beat) re-sends lost or due messages, revives runs whose worker died,
  and requests scheduled publications of open/paused campaigns that changed since their
  last publication (default every 24 h; never for closed campaigns).
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from campaigns.dashboards.models import CampaignStats, CampaignUserStats
from commonset.backoff import backoff_delay
from commonset.broker import task_send
from hub.backend import get_backend
from hub.errors import HubError, classify
from hub.publish import dataset_publish

from .card import DATA_PATH, card_render
from .dataset import write_parquet
from .models import Publication, PublicationPolicy

logger = logging.getLogger(__name__)
State = Publication.State


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("PUBLICATION_MAX_ATTEMPTS", 5))


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    return backoff_delay(
        attempt,
        base=float(_setting("PUBLICATION_BACKOFF_BASE_SECONDS", 30)),
        cap=float(_setting("PUBLICATION_BACKOFF_MAX_SECONDS", 1800)),
        retry_after=retry_after,
    )


def publication_repo_id(campaign) -> str:
    """The dataset repository provisioning created (or would have created)."""
    provisioning = getattr(campaign, "provisioning", None)
    if provisioning is not None and provisioning.dataset_id:
        return provisioning.dataset_id
    return campaign.repo_id


def policy_of(campaign) -> PublicationPolicy:
    """The campaign's policy; an unsaved default one when none was set."""
    try:
        return campaign.publication_policy
    except PublicationPolicy.DoesNotExist:
        return PublicationPolicy(campaign=campaign)


def publication_policy_set(
    *, campaign, every_hours: int, include_in_progress: bool
) -> PublicationPolicy:
    if every_hours < 0 or every_hours > 24 * 30:
        raise ValueError("every_hours must be between 0 (only on demand) and 720.")
    policy, _ = PublicationPolicy.objects.update_or_create(
        campaign=campaign,
        defaults={"every_hours": every_hours, "include_in_progress": include_in_progress},
    )
    return policy


# --- scheduling messages --------------------------------------------------------------
def _send(publication_id: int, countdown: float = 0.0) -> None:
    from . import tasks

    task_send(
        tasks.publication_run,
        (publication_id,),
        countdown=countdown,
        what=f"publication {publication_id}",
    )


def _send_on_commit(publication_id: int, countdown: float = 0.0) -> None:
    transaction.on_commit(lambda: _send(publication_id, countdown))


# --- request ------------------------------------------------------------------------------
def publication_request(
    *,
    campaign,
    user=None,
    trigger: str = Publication.Trigger.MANUAL,
    include_in_progress: bool | None = None,
) -> tuple[Publication, bool]:
    """Ask for a publication of the campaign. Returns (publication, created): the active
    one (created False) when a publication is already pending, running or waiting."""
    if include_in_progress is None:
        include_in_progress = policy_of(campaign).include_in_progress
    active = Publication.objects.filter(campaign=campaign, state__in=Publication.ACTIVE_STATES)
    existing = active.first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                campaign=campaign,
                trigger=trigger,
                requested_by=user if user is not None and user.is_authenticated else None,
                include_in_progress=include_in_progress,
                backend=settings.HUB_BACKEND,
                repo_id=publication_repo_id(campaign),
                next_attempt_at=now,
            )
            _send_on_commit(publication.pk)
    except IntegrityError:
        existing = active.first()
        if existing is None:
            raise
        return existing, False
    logger.info(
        "publication %s of campaign %s requested (%s)", publication.pk, campaign.pk, trigger
    )
    return publication, True


# --- run ----------------------------------------------------------------------------------
def _claim(publication_id: int, now: datetime) -> bool:
    claimable = Q(state=State.PENDING) | Q(state=State.WAITING)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=1))
    with transaction.atomic():
        row = Publication.objects.select_for_update().filter(pk=publication_id).first()
        if (
            row is None
            or not Publication.objects.filter(claimable, due, pk=publication_id).exists()
        ):
            return False
        Publication.objects.filter(pk=publication_id).update(
            state=State.RUNNING,
            attempts=row.attempts + 1,
            heartbeat_at=now,
            started_at=row.started_at or now,
        )
    return True


def publication_run(*, publication_id: int) -> Publication | None:
    """Build and publish, if this call may claim the publication; None otherwise."""
    now = timezone.now()
    if not _claim(publication_id, now):
        logger.debug("publication %s: nothing to do", publication_id)
        return None
    publication = Publication.objects.select_related("campaign__community", "campaign__cohort").get(
        pk=publication_id
    )
    campaign = publication.campaign
    started = time.monotonic()

    def heartbeat(rows: int) -> None:
        Publication.objects.filter(pk=publication_id, state=State.RUNNING).update(
            heartbeat_at=timezone.now(), rows=rows
        )

    try:
        with tempfile.TemporaryDirectory(prefix="commonset-publish-") as folder:
            path = Path(folder) / "train.parquet"
            summary = write_parquet(
                campaign=campaign,
                path=path,
                include_in_progress=publication.include_in_progress,
                on_batch=heartbeat,
            )
            card = card_render(
                campaign, summary, include_in_progress=publication.include_in_progress
            )
            backend = get_backend()
            backend.dataset_create(publication.repo_id)
            published = dataset_publish(
                backend,
                repo_id=publication.repo_id,
                files={DATA_PATH: path, "README.md": card.encode()},
                message=f"Commonset: publish {summary.rows:,} records of {campaign.title}"[:200],
            )
    except Exception as exc:
        error = classify(exc, operation="publish the dataset", subject=publication.repo_id)
        if not isinstance(exc, HubError):
            logger.exception("publication %s raised", publication_id)
        return _record_failure(publication_id, error)
    CampaignStats.objects.records_set(campaign_id=campaign.pk, records=summary.records_total)
    return _record_success(publication_id, summary, published, time.monotonic() - started)


def _record_success(publication_id: int, summary, published, duration: float) -> Publication:
    now = timezone.now()
    with transaction.atomic():
        row = Publication.objects.select_for_update().get(pk=publication_id)
        row.state = State.SUCCEEDED
        row.commit_id = published.commit_id
        row.url = published.url
        row.rows = summary.rows
        row.rows_in_progress = summary.rows_in_progress
        row.responses = summary.responses
        row.contributors = summary.contributors
        row.size_bytes = summary.size_bytes
        row.duration_seconds = round(duration, 3)
        row.summary = {
            "questions": summary.questions,
            "responses_per_record": summary.responses_per_record,
            "records_total": summary.records_total,
            "commit_url": published.commit_url,
        }
        row.next_attempt_at = None
        row.finished_at = now
        row.save()
    logger.info(
        "publication %s: %s rows published (%s) in %.1fs",
        publication_id,
        summary.rows,
        published.commit_id,
        duration,
    )
    return row


def _record_failure(publication_id: int, error: HubError) -> Publication:
    now = timezone.now()
    with transaction.atomic():
        row = Publication.objects.select_for_update().get(pk=publication_id)
        if error.transient and row.attempts < max_attempts():
            delay = backoff_seconds(row.attempts, error.retry_after)
            row.state = State.WAITING
            row.next_attempt_at = now + timedelta(seconds=delay)
            row.last_error = (
                f"Attempt {row.attempts}: {error.message} Retrying in {round(delay)} s."
            )
            _send_on_commit(row.pk, delay)
            logger.info("publication %s: transient error, retry in %.0fs", row.pk, delay)
        else:
            message = error.message
            if error.transient:
                message = f"Gave up after {row.attempts} attempts. Last error: {message}"
            row.state = State.FAILED
            row.last_error = message
            row.next_attempt_at = None
            row.finished_at = now
            logger.warning("publication %s failed: %s", row.pk, message)
        row.save()
    return row


# --- sweeper ------------------------------------------------------------------------------
def publication_sweep(*, now: datetime | None = None) -> dict:
    """Heal and schedule; runs on Celery beat every PUBLICATION_SWEEP_SECONDS."""
    now = now or timezone.now()
    counts = {"resent": 0, "revived": 0, "failed": 0, "scheduled": 0}
    stale = now - timedelta(seconds=float(_setting("PUBLICATION_HEARTBEAT_STALE_SECONDS", 300)))
    grace = now - timedelta(seconds=float(_setting("PUBLICATION_SWEEP_GRACE_SECONDS", 60)))
    # A worker died while running: run again (or give up after the maximum attempts).
    revived: set[int] = set()
    for pk in Publication.objects.filter(state=State.RUNNING, heartbeat_at__lt=stale).values_list(
        "pk", flat=True
    )[:200]:
        with transaction.atomic():
            row = (
                Publication.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=State.RUNNING, heartbeat_at__lt=stale)
                .first()
            )
            if row is None:
                continue
            if row.attempts >= max_attempts():
                row.state = State.FAILED
                row.finished_at = now
                row.next_attempt_at = None
                row.last_error = (
                    f"Gave up after {row.attempts} attempts: the worker stopped responding."
                )
                counts["failed"] += 1
            else:
                row.state = State.WAITING
                row.next_attempt_at = now
                row.last_error = "A worker stopped while publishing; it is being run again."
                _send_on_commit(row.pk)
                revived.add(row.pk)
                counts["revived"] += 1
            row.save()
    # A message was lost, or a retry (eager mode) is due.
    overdue = Q(state=State.PENDING, next_attempt_at__lte=grace) | Q(
        state=State.WAITING, next_attempt_at__lte=now
    )
    for pk in Publication.objects.filter(overdue).values_list("pk", flat=True)[:200]:
        if pk in revived:
            continue
        _send(pk)
        counts["resent"] += 1
    counts["scheduled"] = len(publications_schedule_due(now=now))
    if any(counts.values()):
        logger.info("publication sweep: %s", counts)
    return counts


def publications_schedule_due(*, now: datetime | None = None) -> list[Publication]:
    """Request a publication of every open or paused campaign whose schedule is due and
    whose responses changed since its last successful publication."""
    from campaigns.models import Campaign

    now = now or timezone.now()
    campaigns = (
        Campaign.objects.filter(state__in=[Campaign.State.OPEN, Campaign.State.PAUSED])
        .exclude(publications__state__in=Publication.ACTIVE_STATES)
        .select_related("publication_policy", "community", "cohort")
        .annotate(
            last_requested=Max("publications__created_at"),
            last_published=Max(
                "publications__started_at", filter=Q(publications__state=State.SUCCEEDED)
            ),
        )
    )
    requested = []
    for campaign in campaigns:
        policy = policy_of(campaign)
        if not policy.every_hours:
            continue
        due_at = (campaign.last_requested or now) + timedelta(hours=policy.every_hours)
        if campaign.last_requested is not None and due_at > now:
            continue
        if not CampaignUserStats.objects.changed_since(
            campaign_id=campaign.pk, moment=campaign.last_published
        ):
            continue
        publication, created = publication_request(
            campaign=campaign, trigger=Publication.Trigger.SCHEDULE
        )
        if created:
            requested.append(publication)
    return requested
