"""Open, pause and close a campaign (its lead or an organiser does this).

Provisioning never gates annotation (DESIGN.md): a campaign whose Space and dataset are
still being set up, or whose provisioning failed, opens as soon as its fields, questions
and records are there. Annotators work on this site, not in the Space."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webhooks.services import webhook_event_emit

from .models import Campaign

# The webhook event of each state a campaign is moved to (reopening moves it to paused).
LIFECYCLE_EVENTS = {
    Campaign.State.OPEN: "campaign.opened",
    Campaign.State.PAUSED: "campaign.paused",
    Campaign.State.CLOSED: "campaign.closed",
}


class LifecycleError(Exception):
    pass


_ALLOWED = {
    "open": (Campaign.State.PROVISIONING, Campaign.State.READY, Campaign.State.PAUSED),
    "pause": (Campaign.State.OPEN,),
    "close": (Campaign.State.READY, Campaign.State.OPEN, Campaign.State.PAUSED),
    "reopen": (Campaign.State.CLOSED,),
}


def reopen_grace() -> timedelta:
    """How long after closing its lead may reopen a campaign (organisers may at any time)."""
    return timedelta(days=float(getattr(settings, "CAMPAIGN_REOPEN_GRACE_DAYS", 14)))


def _transition(campaign: Campaign, action: str, target: str, *, by_organiser=False) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in _ALLOWED[action]:
            message = {
                "open": _("A campaign that is %(state)s cannot be opened."),
                "pause": _("A campaign that is %(state)s cannot be paused."),
                "close": _("A campaign that is %(state)s cannot be closed."),
                "reopen": _("A campaign that is %(state)s cannot be reopened."),
            }[action]
            raise LifecycleError(message % {"state": locked.get_state_display().lower()})
        if action == "open":
            from annotation.models import Record

            if not locked.fields.exists() or not locked.questions.asked().exists():
                raise LifecycleError(_("Add at least one field and one question before opening."))
            records = Record.objects.filter(campaign=locked)
            if not records.exists():
                raise LifecycleError(_("Import records before opening."))
            if not records.data().exists():  # gold records are served only between others
                raise LifecycleError(
                    _("Every record is a gold record: import records to annotate before opening.")
                )
        if action == "reopen" and not by_organiser:
            closed_at = locked.closed_at or locked.updated_at
            if timezone.now() - closed_at > reopen_grace():
                raise LifecycleError(
                    _(
                        "This campaign was closed more than %(days)s days ago: only an "
                        "organiser can reopen it now."
                    )
                    % {"days": reopen_grace().days}
                )
        previous = locked.state
        locked.state = target
        locked.closed_at = timezone.now() if action == "close" else locked.closed_at
        locked.save(update_fields=["state", "closed_at", "updated_at"])
        webhook_event_emit(
            event=LIFECYCLE_EVENTS[target],
            campaign=locked,
            payload={"previous_state": previous, "state": target},
        )
    campaign.state = target
    campaign.closed_at = locked.closed_at
    return campaign


def campaign_open(*, campaign: Campaign) -> Campaign:
    return _transition(campaign, "open", Campaign.State.OPEN)


def campaign_pause(*, campaign: Campaign) -> Campaign:
    return _transition(campaign, "pause", Campaign.State.PAUSED)


def campaign_close(*, campaign: Campaign, confirmed: bool = False) -> Campaign:
    """Closing ends annotation and the scheduled publications; asked for twice, since only
    a lead within the grace period (or an organiser) can undo it."""
    if not confirmed:
        raise LifecycleError(
            _(
                "Confirm that you want to close the campaign: annotators can no longer "
                "answer, and scheduled publications stop."
            )
        )
    return _transition(campaign, "close", Campaign.State.CLOSED)


def campaign_reopen(*, campaign: Campaign, by_organiser: bool = False) -> Campaign:
    """Back from closed to paused (the lead then opens it): within the grace period after
    closing for its lead, at any time for an organiser."""
    return _transition(campaign, "reopen", Campaign.State.PAUSED, by_organiser=by_organiser)
