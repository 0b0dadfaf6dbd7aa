"""Open, pause and close a campaign (its lead or an organiser does this).

Provisioning never gates annotation (DESIGN.md): a campaign whose Space and dataset are
still being set up, or whose provisioning failed, opens as soon as its fields, questions
and records are there. Annotators work on this site, not in the Space."""

from django.db import transaction

from .models import Campaign


class LifecycleError(Exception):
    pass


_ALLOWED = {
    "open": (Campaign.State.PROVISIONING, Campaign.State.READY, Campaign.State.PAUSED),
    "pause": (Campaign.State.OPEN,),
    "close": (Campaign.State.READY, Campaign.State.OPEN, Campaign.State.PAUSED),
}


def _transition(campaign: Campaign, action: str, target: str) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in _ALLOWED[action]:
            verb = {"open": "opened", "pause": "paused", "close": "closed"}[action]
            raise LifecycleError(
                f"A campaign that is {locked.get_state_display().lower()} cannot be {verb}."
            )
        if action == "open":
            from annotation.models import Record

            if not locked.fields.exists() or not locked.questions.exists():
                raise LifecycleError("Add at least one field and one question before opening.")
            if not Record.objects.filter(campaign=locked).exists():
                raise LifecycleError("Import records before opening.")
        locked.state = target
        locked.save(update_fields=["state", "updated_at"])
    campaign.state = target
    return campaign


def campaign_open(*, campaign: Campaign) -> Campaign:
    return _transition(campaign, "open", Campaign.State.OPEN)


def campaign_pause(*, campaign: Campaign) -> Campaign:
    return _transition(campaign, "pause", Campaign.State.PAUSED)


def campaign_close(*, campaign: Campaign) -> Campaign:
    return _transition(campaign, "close", Campaign.State.CLOSED)
