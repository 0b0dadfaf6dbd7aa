"""Refreshing a campaign's static Space page after its texts change or a publication.

Coalesced per campaign: at most one commit every SPACE_PAGE_MIN_INTERVAL_SECONDS. A request
within the interval only makes sure one refresh is due at its end (`page_due_at`); further
requests meanwhile change nothing, and that one refresh shows everything as it is then.
The row is the source of truth: the message is sent on commit (delayed by the time left),
and the provisioning sweeper re-sends due refreshes whose message was lost (or, in eager
mode, never sent because it was delayed). The refresh commits only when the generated
files differ from the Space's.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from commonset.broker import task_send
from hub.backend import get_backend
from hub.errors import classify

from .models import Provisioning

logger = logging.getLogger(__name__)

TASK = "campaigns.provisioning.tasks.space_page_refresh"


def _interval() -> float:
    return float(getattr(settings, "SPACE_PAGE_MIN_INTERVAL_SECONDS", 300))


def _send(provisioning_id: int, countdown: float) -> None:
    task_send(
        import_string(TASK),
        (provisioning_id,),
        countdown=countdown,
        what=f"space page of provisioning {provisioning_id}",
    )


def _pages(campaign_id: int):
    # Only static Spaces whose page was written once: until then the Space step writes it.
    return Provisioning.objects.filter(
        campaign_id=campaign_id, space_kind="static", page_refreshed_at__isnull=False
    )


def space_page_request(*, campaign_id: int, reason: str, now: datetime | None = None) -> bool:
    """Ask for the campaign's page to be refreshed (inside the caller's transaction, if
    any). Returns True when this request scheduled a refresh, False when one was already
    due (coalesced) or the campaign has no static page."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _pages(campaign_id).select_for_update().first()
        if row is None or row.page_due_at is not None:
            return False
        due = max(now, row.page_refreshed_at + timedelta(seconds=_interval()))
        row.page_due_at = due
        Provisioning.objects.filter(pk=row.pk).update(page_due_at=due)
        countdown = max(0.0, (due - now).total_seconds())
        row_id = row.pk
        transaction.on_commit(lambda: _send(row_id, countdown))
    logger.info(
        "space page of campaign %s: refresh due in %.0fs (%s)", campaign_id, countdown, reason
    )
    return True


def space_page_texts_changed(*, campaign_id: int) -> bool:
    """Called after a campaign or one of its questions was saved: asks for a refresh only
    when the texts the page shows differ from those it was last written with."""
    from campaigns.models import Campaign

    from .space_page import campaign_texts_digest

    row = _pages(campaign_id).only("page_texts_digest").first()
    if row is None:
        return False
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign_texts_digest(campaign) == row.page_texts_digest:
        return False
    return space_page_request(campaign_id=campaign_id, reason="texts changed")


def space_page_refresh_run(*, provisioning_id: int, now: datetime | None = None) -> str:
    """Write the page if a refresh is due. Returns what happened, in a word."""
    from campaigns.models import Campaign

    from .space_page import space_page_files, space_page_push

    now = now or timezone.now()
    with transaction.atomic():
        row = Provisioning.objects.select_for_update().filter(pk=provisioning_id).first()
        if row is None or row.page_due_at is None:
            return "nothing due"
        if row.page_due_at > now + timedelta(seconds=1):
            countdown = (row.page_due_at - now).total_seconds()
            transaction.on_commit(lambda: _send(provisioning_id, countdown))
            return "not due"
        # From here, a new request waits a full interval after this refresh.
        Provisioning.objects.filter(pk=row.pk).update(page_due_at=None, page_refreshed_at=now)
    campaign = Campaign.objects.select_related("cohort", "community").get(pk=row.campaign_id)
    try:
        page = space_page_files(campaign)
        committed = space_page_push(
            get_backend(), row.space_id, page.files, message="Commonset: refresh the campaign page"
        )
    except Exception as exc:
        error = classify(exc, operation="commit the Space's page", subject=row.space_id)
        _record(provisioning_id, now, error=error)
        return "failed"
    _record(provisioning_id, now, page=page, committed=committed)
    return "committed" if committed else "unchanged"


def _record(provisioning_id: int, now: datetime, *, page=None, committed=False, error=None):
    with transaction.atomic():
        row = Provisioning.objects.select_for_update().get(pk=provisioning_id)
        entry = dict(row.steps.get("page") or {})
        entry["refreshed_at"] = now.isoformat()
        changes: dict = {}
        if error is None:
            entry["result"] = "committed" if committed else "unchanged, nothing committed"
            entry["commits"] = entry.get("commits", 0) + (1 if committed else 0)
            entry.pop("last_error", None)
            changes = {"page_digest": page.digest, "page_texts_digest": page.texts_digest}
        else:
            entry["result"] = "failed"
            entry["last_error"] = error.message[:300]
            logger.warning("space page of provisioning %s: %s", provisioning_id, error.message)
            if error.transient and row.page_due_at is None:
                # Try again after the interval; a permanent error waits for the next change.
                changes["page_due_at"] = now + timedelta(seconds=_interval())
        steps = dict(row.steps)
        steps["page"] = entry
        Provisioning.objects.filter(pk=row.pk).update(steps=steps, **changes)


def space_pages_sweep(*, now: datetime | None = None) -> int:
    """Send the refreshes that are due (their message lost, or delayed in eager mode)."""
    now = now or timezone.now()
    grace = float(getattr(settings, "PROVISIONING_SWEEP_GRACE_SECONDS", 60))
    due = list(
        Provisioning.objects.filter(page_due_at__lte=now - timedelta(seconds=grace)).values_list(
            "pk", flat=True
        )
    )
    for row_id in due:
        _send(row_id, 0.0)
    return len(due)
