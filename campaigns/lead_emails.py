"""E-mails to a campaign's leads (the applicant and co-leads): provisioning failed or done,
publication failed or done, campaign complete. Each says what happened, links the page to
act on, and says what to do; each kind can be turned off on the profile page
(`User.lead_emails_off`). Sent after the deciding transaction commits, with the helpers of
the application e-mails; a mail server that fails is logged and undoes nothing."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from campaigns.applications.emails import _message, _one_per_address, _send
from campaigns.models import Campaign
from commonset.broker import task_send

logger = logging.getLogger(__name__)

PROVISIONING_FAILED = "provisioning_failed"
PROVISIONING_DONE = "provisioning_done"
PUBLICATION_FAILED = "publication_failed"
PUBLICATION_DONE = "publication_done"
CAMPAIGN_COMPLETE = "campaign_complete"

LEAD_EMAIL_KINDS = [
    (PROVISIONING_FAILED, _("Setting up a campaign's Space or dataset failed")),
    (PROVISIONING_DONE, _("A campaign's Space and dataset are ready")),
    (PUBLICATION_FAILED, _("A publication failed")),
    (PUBLICATION_DONE, _("A publication succeeded")),
    (CAMPAIGN_COMPLETE, _("Every record of a campaign has all its responses")),
]
KIND_NAMES = [kind for kind, _label in LEAD_EMAIL_KINDS]


def lead_recipients(campaign: Campaign, kind: str) -> list[User]:
    """The campaign's active leads who did not turn `kind` off, one per e-mail address."""
    application = campaign.application
    leads = [application.applicant, *application.co_leads.all()]
    return _one_per_address(
        lead for lead in leads if lead.is_active and kind not in (lead.lead_emails_off or [])
    )


def _settings_url(campaign: Campaign) -> str:
    return settings.SITE_URL + reverse("campaigns:settings", args=[campaign.slug])


def lead_email_send(*, campaign: Campaign, kind: str, context: dict) -> int:
    """Render `campaigns/emails/lead_<kind>` for each lead who wants it, in their language;
    returns how many were sent."""
    context = {
        "campaign": campaign,
        "settings_url": _settings_url(campaign),
        "campaign_url": settings.SITE_URL + reverse("campaigns:detail", args=[campaign.slug]),
        **context,
    }
    messages = [
        _message(f"campaigns/emails/lead_{kind}", lambda: context, to)
        for to in lead_recipients(campaign, kind)
    ]
    return _send(messages, kind.replace("_", " "))


def _campaign(campaign_id: int) -> Campaign:
    return Campaign.objects.select_related("application__applicant", "cohort").get(pk=campaign_id)


def provisioning_email_on_commit(*, campaign_id: int, failed: bool, message: str = "") -> None:
    kind = PROVISIONING_FAILED if failed else PROVISIONING_DONE
    transaction.on_commit(
        lambda: lead_email_send(
            campaign=_campaign(campaign_id), kind=kind, context={"message": message}
        )
    )


def publication_email_on_commit(*, publication) -> None:
    kind = PUBLICATION_DONE if publication.state == "succeeded" else PUBLICATION_FAILED
    publication_id, campaign_id = publication.pk, publication.campaign_id

    def send():
        from campaigns.publishing.models import Publication

        row = Publication.objects.get(pk=publication_id)
        lead_email_send(campaign=_campaign(campaign_id), kind=kind, context={"publication": row})

    transaction.on_commit(send)


# --- campaign complete ------------------------------------------------------------------------
# With a worker (not eager), a process sends one completion check per campaign at most
# every this many seconds, delayed by as much: it runs after every record that completed in
# this process meanwhile, so those send nothing (on a busy campaign, a message on every
# other submit was a fifth of the annotation loop's CPU; issue 17).
COMPLETION_CHECK_DELAY_SECONDS = 10
# Until when (time.monotonic) the check this process sent last is still to run: a little
# before its due time, so a worker whose clock runs ahead still runs it after.
_COMPLETION_CHECK_PENDING_UNTIL: dict[int, float] = {}


def campaign_completion_check_on_commit(*, campaign_id: int) -> None:
    """A record just completed: a worker checks whether the whole campaign did (eagerly:
    at once; with a worker: soon, see COMPLETION_CHECK_DELAY_SECONDS). The answer that
    completed it is saved by then, so a failure here (with Celery eager, the check itself
    as the database goes away) is logged, never answered 500: a robust on_commit, as the
    quality refresh's (annotation/quality.py)."""
    from campaigns.tasks import campaign_completion_check as task

    what = f"completion check {campaign_id}"
    if task.app.conf.task_always_eager:
        transaction.on_commit(lambda: task_send(task, (campaign_id,), what=what), robust=True)
        return

    def send() -> None:
        now = time.monotonic()
        if _COMPLETION_CHECK_PENDING_UNTIL.get(campaign_id, 0.0) > now:
            return  # the check already sent runs after this commit
        delay = COMPLETION_CHECK_DELAY_SECONDS
        if task_send(task, (campaign_id,), countdown=delay, what=what):
            if len(_COMPLETION_CHECK_PENDING_UNTIL) >= 10_000:
                _COMPLETION_CHECK_PENDING_UNTIL.clear()
            _COMPLETION_CHECK_PENDING_UNTIL[campaign_id] = now + delay - 2

    transaction.on_commit(send, robust=True)


def campaign_completion_check(*, campaign_id: int) -> bool:
    """When every record has all its responses, tell the leads, once per campaign
    (`completion_notified_at`). Returns whether the e-mail was sent now."""
    from annotation.models import Record

    records = Record.objects.filter(campaign_id=campaign_id).data()
    if not records.exists() or records.filter(response_count__lt=F("overlap")).exists():
        return False
    claimed = Campaign.objects.filter(pk=campaign_id, completion_notified_at__isnull=True).update(
        completion_notified_at=timezone.now()
    )
    if not claimed:
        return False
    campaign = _campaign(campaign_id)
    lead_email_send(
        campaign=campaign,
        kind=CAMPAIGN_COMPLETE,
        context={
            "records": records.count(),
            "publish_url": settings.SITE_URL + reverse("publishing:publish", args=[campaign.slug]),
        },
    )
    logger.info("campaign %s is complete; its leads were told", campaign_id)
    return True
