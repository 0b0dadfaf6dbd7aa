"""Publishing use cases: request, run, sweep (schedule + healing), policy.

A publication is a workflow row (DESIGN.md, Background work):

    pending --(worker claims)--> running --> succeeded
                                   |  \\--> failed (permanent error, or attempts used up)
                                   \\--> waiting (transient error: retry at next_attempt_at)

- At most one active (pending/running/waiting) publication per campaign: a database
  constraint; asking again while one is active returns that one.
- Claim, retry with backoff, and the healing sweep are the shared workflow helpers
  (commonset.workflows); a duplicated message cannot run it twice.
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
from campaigns.lead_emails import publication_email_on_commit
from campaigns.provisioning.page_refresh import space_page_request
from commonset.workflows import (
    SweepHooks,
    WorkflowPolicy,
    workflow_claim,
    workflow_heartbeat,
    workflow_retry_or_fail,
    workflow_schedule,
    workflow_succeed,
    workflow_sweep,
)
from hub.backend import get_backend
from hub.errors import HubError, classify
from hub.publish import dataset_publish
from webhooks.services import webhook_event_emit

from .argilla_layout import PREFIXES as ARGILLA_PREFIXES
from .argilla_layout import argilla_files
from .card import DATA_PATH, card_metadata, card_render
from .dataset import write_parquet
from .models import Publication, PublicationPolicy

logger = logging.getLogger(__name__)
State = Publication.State


POLICY = WorkflowPolicy(
    name="publication",
    setting_prefix="PUBLICATION",
    task="campaigns.publishing.tasks.publication_run",
    max_attempts=5,
    backoff_base_seconds=30.0,
    backoff_max_seconds=1800.0,
    heartbeat_stale_seconds=300.0,
    sweep_grace_seconds=60.0,
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
    *, campaign, every_hours: int, include_in_progress: bool, only_reviewed: bool | None = None
) -> PublicationPolicy:
    if every_hours < 0 or every_hours > 24 * 30:
        raise ValueError("every_hours must be between 0 (only on demand) and 720.")
    defaults = {"every_hours": every_hours, "include_in_progress": include_in_progress}
    if only_reviewed is not None:
        defaults["only_reviewed"] = only_reviewed
    policy, _ = PublicationPolicy.objects.update_or_create(campaign=campaign, defaults=defaults)
    return policy


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
            )
            workflow_schedule(publication, POLICY, now=now)
            publication.save(update_fields=["seq", "next_attempt_at"])
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
def publication_run(*, publication_id: int, seq: int | None = None) -> Publication | None:
    """Build and publish, if this message (`seq`; None: any) may claim the publication;
    None otherwise."""
    claimed = workflow_claim(
        Publication.objects.select_related("campaign__community", "campaign__cohort"),
        publication_id,
        seq,
    )
    if claimed is None or isinstance(claimed, float):
        # Nothing to do, or not due yet: the retry's own message or the sweeper runs it.
        logger.debug("publication %s: nothing to do now", publication_id)
        return None
    publication = claimed
    campaign = publication.campaign
    started = time.monotonic()

    def heartbeat(rows: int) -> None:
        workflow_heartbeat(Publication.objects, publication_id, rows=rows)

    try:
        with tempfile.TemporaryDirectory(prefix="commonset-publish-") as folder:
            path = Path(folder) / "train.parquet"
            summary = write_parquet(
                campaign=campaign,
                path=path,
                include_in_progress=publication.include_in_progress,
                on_batch=heartbeat,
                only_reviewed=policy_of(campaign).only_reviewed,
            )
            card = card_render(
                campaign, summary, include_in_progress=publication.include_in_progress
            )
            files = {DATA_PATH: path, "README.md": card.encode()}
            if campaign.publish_argilla_layout:
                files |= argilla_files(
                    campaign=campaign,
                    folder=Path(folder),
                    include_in_progress=publication.include_in_progress,
                    only_reviewed=policy_of(campaign).only_reviewed,
                )
            backend = get_backend()
            # Provisioning may not have run (or failed): the repository is made here, private
            # for an organisation campaign; an existing one keeps its visibility.
            backend.dataset_create(publication.repo_id, private=campaign.hub_private)
            published = dataset_publish(
                backend,
                repo_id=publication.repo_id,
                files=files,
                message=f"Commonset: publish {summary.rows:,} records of {campaign.title}"[:200],
                # Argilla's layout goes when the lead turns it off.
                prune_prefix=("data/", *ARGILLA_PREFIXES),
            )
    except Exception as exc:
        error = classify(exc, operation="publish the dataset", subject=publication.repo_id)
        if not isinstance(exc, HubError) and not error.metadata_fields:
            logger.exception("publication %s raised", publication_id)
        if error.metadata_fields:
            card_data = card_metadata(campaign, summary).to_dict()
            said = "; ".join(f"{key}: {card_data.get(key)!r}" for key in error.metadata_fields)
            error.message = f"{error.message} The card says {said}."
        return _record_failure(publication_id, error)
    CampaignStats.objects.records_set(campaign_id=campaign.pk, records=summary.records_total)
    return _record_success(publication_id, summary, published, time.monotonic() - started)


def _record_success(publication_id: int, summary, published, duration: float) -> Publication:
    now = timezone.now()
    with transaction.atomic():
        row = Publication.objects.select_for_update().get(pk=publication_id)
        workflow_succeed(row, now=now)
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
            "review": summary.review,
        }
        row.save()
        _publication_announce(row)
        # The campaign's static page shows the figures and links the dataset: refresh it
        # (coalesced; nothing is committed if it did not change).
        space_page_request(campaign_id=row.campaign_id, reason="publication")
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
        delay = workflow_retry_or_fail(row, error, POLICY, now=now)
        if delay is not None:
            row.last_error = (
                f"Attempt {row.attempts}: {error.message} Retrying in {round(delay)} s."
            )
        row.save()
        if row.state == State.FAILED:
            _publication_announce(row)
    return row


def _publication_announce(row: Publication) -> None:
    """A publication finished: webhooks (publication.succeeded / .failed) and the leads'
    e-mail, sent once the caller's transaction commits."""
    from campaigns.models import Campaign

    succeeded = row.state == State.SUCCEEDED
    webhook_event_emit(
        event="publication.succeeded" if succeeded else "publication.failed",
        campaign=Campaign.objects.get(pk=row.campaign_id),
        payload={
            "publication": {
                "id": row.pk,
                "state": row.state,
                "trigger": row.trigger,
                "repo_id": row.repo_id,
                "commit_id": row.commit_id,
                "url": row.web_url,
                "rows": row.rows,
                "responses": row.responses,
                "error": row.last_error,
            }
        },
    )
    publication_email_on_commit(publication=row)


# --- sweeper ------------------------------------------------------------------------------
def _revived(row: Publication) -> None:
    row.last_error = "A worker stopped while publishing; it is being run again."


SWEEP_HOOKS = SweepHooks(revived=_revived)


def publication_sweep(*, now: datetime | None = None) -> dict:
    """Heal and schedule; runs on Celery beat every PUBLICATION_SWEEP_SECONDS: the shared
    workflow sweep (lost messages, dead workers, due retries), then the publications
    whose schedule is due."""
    now = now or timezone.now()
    counts = workflow_sweep(Publication.objects.all(), POLICY, now=now, hooks=SWEEP_HOOKS)
    counts["scheduled"] = len(publications_schedule_due(now=now))
    if counts["scheduled"]:
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
