"""What organisers do to a provisioning workflow (admin actions): run it again from the
first step, or re-apply the Space's configuration. Every step is safe to repeat, so a
retry finds what exists and makes what is missing; the cohort's Space kind is read again,
so switching a cohort to static after a 402 and retrying gives its campaigns a static page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Provisioning
from .services import _schedule, _update_campaign, provisioning_start

logger = logging.getLogger(__name__)

Step = Provisioning.Step
State = Provisioning.State


class ProvisioningBusy(Exception):
    """A step is running right now; try again in a moment."""


def _restart_from(row: Provisioning, step: str, *, note: str) -> Provisioning:
    if row.state == State.RUNNING:
        raise ProvisioningBusy("A step is running right now; try again in a moment.")
    now = timezone.now()
    if settings.HUB_BACKEND == "local":
        row.state = State.FAILED  # let provisioning_start redo the local (skipped) path
        row.save()
        from campaigns.models import Campaign

        campaign = Campaign.objects.select_related("community", "cohort").get(pk=row.campaign_id)
        return provisioning_start(campaign=campaign)
    from campaigns.models import Campaign

    # The cohort's Space kind as it is now: an organiser may have switched it (to static
    # after a 402, say) before retrying.
    kind = (
        Campaign.objects.filter(pk=row.campaign_id).values_list("cohort__space_kind", flat=True)
    ).first()
    row.space_kind = kind or row.space_kind
    if step not in row.flow():
        step = Step.DATASET
    order = [*Provisioning.STEP_ORDER, Step.DONE]
    for later in order[order.index(step) :]:
        if later in row.steps:
            history = row.steps[later]
            row.steps[later] = {
                "state": "pending",
                "attempts": 0,
                "delays": [],
                "runs_before": history.get("runs_before", 0) + 1,
            }
    row.step = step
    row.state = State.PENDING
    row.attempts = 0
    row.polls = 0
    row.restarted = False
    row.restart_on_error = True
    row.finished_at = None
    row.started_at = row.started_at or now
    row.message = note
    _schedule(row, now=now)
    row.save()
    _update_campaign(row.campaign_id, message="Setting up the campaign's Space and dataset again.")
    return row


@transaction.atomic
def provisioning_retry(*, provisioning: Provisioning, actor=None) -> Provisioning:
    """Run the whole workflow again from the first step: every step is safe to repeat, so
    what exists is found and what is missing is made."""
    row = Provisioning.objects.select_for_update().get(pk=provisioning.pk)
    who = f" by {actor}" if actor else ""
    logger.info("provisioning %s: retry requested%s", row.pk, who)
    return _restart_from(row, Step.DATASET, note=f"Retry requested{who}.")


@transaction.atomic
def provisioning_reapply(*, provisioning: Provisioning, actor=None) -> Provisioning:
    """Apply the Space's secrets, variables, hardware, volume and sign-in settings again
    (from the configure step), then wait for it to run."""
    row = Provisioning.objects.select_for_update().get(pk=provisioning.pk)
    who = f" by {actor}" if actor else ""
    logger.info("provisioning %s: re-apply configuration requested%s", row.pk, who)
    # A static page is written by the Space step itself (its configuration is its files).
    configure = Step.SPACE if row.kind == "static" else Step.CONFIGURE
    step = configure if row.space_url else Step.DATASET
    return _restart_from(row, step, note=f"Re-applying the Space configuration{who}.")
