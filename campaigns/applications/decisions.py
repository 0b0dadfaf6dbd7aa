"""Organisers' decisions on applications: approval (which creates the campaign, seeds its
questions and starts provisioning) and rejection, each with a note for the applicant.

Every door (admin actions, the API, bulk decisions) calls these. They lock the application,
check the transition declared on `Application.TRANSITIONS`, and refuse with `ProgrammeError`.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Application, Campaign
from campaigns.provisioning import provisioning_start
from campaigns.seeding import campaign_seed_questions
from cohorts.errors import ProgrammeConflict, ProgrammeError
from cohorts.models import Cohort
from webhooks.services import webhook_event_emit

from . import emails
from .hosting import hosting_check
from .services import _application_data, _lock, _require_organiser

logger = logging.getLogger(__name__)


def _campaign_slug(title: str) -> str:
    base = slugify(title)[:90].strip("-") or "campaign"
    taken = set(Campaign.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def campaign_create_from_application(*, application: Application) -> Campaign:
    """The campaign an approved application becomes, with its starting fields and
    questions. Runs inside the approval's transaction."""
    copied = {
        name: getattr(application, name)
        for name in (
            "title",
            "summary",
            "guidelines",
            "task_kind",
            "languages",
            "source_dataset",
            "target_records",
            "visibility",
            "visibility_org",
            "responses_per_record",
        )
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    application=application,
                    cohort=application.cohort,
                    community=application.community,
                    slug=_campaign_slug(application.title),
                    # Fixed now: repositories are named in it and are never moved.
                    hub_namespace=application.hosting_namespace,
                    **copied,
                )
            break
        except IntegrityError:  # another campaign took the slug between read and insert
            continue
    else:
        raise ProgrammeConflict(_("Could not find a free address for the campaign; try again."))
    campaign_seed_questions(campaign=campaign)
    return campaign


def application_approve(*, actor: User, application: Application, note: str = "") -> Campaign:
    """Accept a submitted application into its cohort: takes a place, creates the campaign
    and starts its provisioning once committed.

    Refused, with the reason, when the site cannot write in the namespace the campaign is
    to be hosted in: nothing is created that provisioning could only half finish. That
    check asks the Hub, so it runs before any row is locked."""
    _require_organiser(actor)
    application = Application.objects.select_related("cohort").get(pk=application.pk)
    check = hosting_check(application, fresh=True)
    if not check.writable:
        raise ProgrammeConflict(
            _("“%(title)s” cannot be hosted in %(namespace)s: %(reason)s")
            % {"title": application.title, "namespace": check.namespace, "reason": check.reason}
        )
    return _application_approve_locked(
        actor=actor, application=application, note=note, namespace=check.namespace
    )


@transaction.atomic
def _application_approve_locked(
    *, actor: User, application: Application, note: str, namespace: str
) -> Campaign:
    """The cohort row is locked first, so two organisers approving the last place at the
    same moment are serialised: the second finds the cohort full. The database's check on
    `places_taken <= capacity` is the backstop."""
    cohort = Cohort.objects.select_for_update().get(pk=application.cohort_id)
    application = _lock(application)
    application.state = application.transition_target("approve")
    if application.hosting_namespace != namespace:
        raise ProgrammeConflict(
            _(
                "“%(title)s” changed where it is hosted while it was being approved; "
                "look at it again."
            )
            % {"title": application.title}
        )
    if cohort.state != Cohort.State.OPEN:
        raise ProgrammeConflict(
            _("%(cohort)s is %(state)s: reopen it before approving more campaigns.")
            % {"cohort": cohort.name, "state": cohort.get_state_display().lower()}
        )
    if cohort.is_full:
        raise ProgrammeConflict(
            _(
                "%(cohort)s is full: %(taken)s of %(capacity)s places are taken. Raise its "
                "capacity to accept more."
            )
            % {"cohort": cohort.name, "taken": cohort.places_taken, "capacity": cohort.capacity}
        )
    # Incremented in SQL, so that even a path without the lock could not write a stale count
    # past the database's check.
    Cohort.objects.filter(pk=cohort.pk).update(places_taken=F("places_taken") + 1)
    cohort.places_taken += 1
    application.cohort = cohort
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note.strip()
    application.save(
        update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    campaign = campaign_create_from_application(application=application)
    provisioning_start(campaign=campaign)
    logger.info("application %s approved by %s: campaign %s", application.pk, actor, campaign.slug)
    transaction.on_commit(lambda: emails.application_decided(application_id=application.pk))
    webhook_event_emit(
        event="application.decided",
        campaign=campaign,
        payload=lambda: {"application": _application_data(application)},
    )
    return campaign


@transaction.atomic
def application_reject(*, actor: User, application: Application, note: str) -> Application:
    """Decline a submitted application, telling the applicant why."""
    _require_organiser(actor)
    note = (note or "").strip()
    if not note:
        raise ProgrammeError(_("Tell the applicant why: the note is required."), field="note")
    application = _lock(application)
    application.state = application.transition_target("reject")
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note
    application.save(
        update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    transaction.on_commit(lambda: emails.application_decided(application_id=application.pk))
    webhook_event_emit(
        event="application.decided",
        payload=lambda: {"application": _application_data(application)},
    )
    return application
