"""Use cases of applications and the campaigns they become.

Every door (pages, admin actions, API) calls these functions. They own the transactions and
row locks, check the state transitions declared on `Application.TRANSITIONS`, and refuse
with `ProgrammeError` (a message for people, and the field at fault when there is one).
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import user_by_handle, user_is_organiser
from campaigns.models import Application, Visibility
from cohorts.errors import ProgrammeConflict, ProgrammeError
from cohorts.models import Cohort, Community
from cohorts.selectors import communities_user_may_apply_for
from webhooks.services import webhook_event_emit

from . import emails
from .hosting import hosting_validate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplicationContent:
    """What the applicant writes; the same shape for creating and editing."""

    title: str
    summary: str
    task_kind: str
    languages: list[str]
    target_records: int
    responses_per_record: int
    contact: str
    source_dataset: str = ""
    visibility: str = Visibility.PUBLIC
    visibility_org: str = ""
    hub_namespace: str = ""  # "" = the cohort's namespace
    guidelines: str = ""

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def of(cls, application: Application) -> "ApplicationContent":
        return cls(**{name: getattr(application, name) for name in cls.field_names()})

    def apply_to(self, application: Application) -> None:
        for name in self.field_names():
            setattr(application, name, getattr(self, name))


# --- checks shared by the use cases ----------------------------------------------------------


def _is_lead(user, application: Application) -> bool:
    return application.applicant_id == user.pk or application.co_leads.filter(pk=user.pk).exists()


def _require_lead(actor, application: Application) -> None:
    if not _is_lead(actor, application):
        raise PermissionDenied("Only the applicant and co-leads may change this application.")


def application_require_applicant(actor, application: Application) -> None:
    """Raise PermissionDenied unless `actor` is the applicant. The services check it; views
    check it first too, so anyone else gets 403 whatever they sent."""
    if application.applicant_id != actor.pk:
        raise PermissionDenied("Only the applicant may do this.")


def _require_organiser(actor) -> None:
    if not user_is_organiser(actor):
        raise PermissionDenied("Only organisers decide on applications.")


def _check_content(application: Application) -> None:
    """The applicant's choices that depend on who they are, then the shape of every field
    (the forms and the API check shape first; this holds whichever door is used)."""
    if application.visibility == Visibility.ORGANISATION:
        org = application.visibility_org.strip()
        if not org:
            raise ProgrammeError(
                _("Name the organisation whose members may contribute."), field="visibility_org"
            )
        if not application.applicant.is_member_of(org):
            raise ProgrammeError(
                _(
                    "You are not a member of “%(org)s” on Hugging Face; choose one of your "
                    "organisations (sign in again if you joined it recently)."
                )
                % {"org": org},
                field="visibility_org",
            )
        # The handle as the Hub spells it (from the membership), whatever case was typed.
        application.visibility_org = (
            application.applicant.org_memberships.filter(org_handle__iexact=org)
            .values_list("org_handle", flat=True)
            .first()
        )
    else:
        application.visibility_org = ""
    hosting_validate(application)
    try:
        application.full_clean(
            exclude=["cohort", "community", "applicant", "co_leads"], validate_constraints=False
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ProgrammeError(messages[0], field=None if name == "__all__" else name) from exc


def _window_refusal(cohort: Cohort, *, for_draft: bool) -> str | None:
    """Why the cohort takes no submission now (or, for a draft, no new application: drafts
    may be saved whenever the cohort is open, so that nothing written is lost)."""
    phase = cohort.window_phase()
    if phase == "accepting" or (for_draft and phase in ("upcoming", "ended")):
        return None
    if phase == "upcoming":
        return _(
            "Applications to %(cohort)s open on %(date)s at %(time)s UTC. Your draft is saved; "
            "submit it then."
        ) % {"cohort": cohort.name, **_utc(cohort.applications_open_at)}
    if phase == "ended":
        return _(
            "The application window of %(cohort)s closed on %(date)s at %(time)s UTC, so it "
            "can no longer be submitted. Your draft is saved."
        ) % {"cohort": cohort.name, **_utc(cohort.applications_close_at)}
    return _("%(cohort)s is not accepting applications (%(state)s).") % {
        "cohort": cohort.name,
        "state": cohort.get_state_display().lower(),
    }


def _utc(moment) -> dict[str, str]:
    """`date` ("5 December 2026", month named in the active language) and `time` ("14:00")
    of a moment, in UTC."""
    moment = timezone.localtime(moment, UTC)
    return {"date": date_format(moment, "j F Y"), "time": date_format(moment, "H:i")}


def _community_for(actor, handle: str) -> Community:
    handle = (handle or "").strip()
    for choice in communities_user_may_apply_for(actor):
        if choice.handle.lower() == handle.lower():
            community, _created = Community.objects.get_or_create(
                handle=choice.handle,
                defaults={
                    "kind": choice.kind,
                    "display_name": choice.display_name,
                    "created_by": actor,
                },
            )
            return community
    raise ProgrammeError(
        _(
            "You can apply for your own namespace or an organisation you belong to; "
            "“%(handle)s” is neither."
        )
        % {"handle": handle},
        field="community",
    )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("cohort", "community", "applicant")
        .get(pk=application.pk)
    )


# --- the applicant's use cases ----------------------------------------------------------------


@transaction.atomic
def application_create(
    *, actor: User, cohort: Cohort, community_handle: str, content: ApplicationContent
) -> Application:
    """Save a new draft application of a community to a cohort."""
    refusal = _window_refusal(cohort, for_draft=True)
    if refusal:
        raise ProgrammeConflict(refusal)
    community = _community_for(actor, community_handle)
    application = Application(cohort=cohort, community=community, applicant=actor)
    content.apply_to(application)
    _check_content(application)
    undecided = Application.objects.filter(
        cohort=cohort, community=community, state__in=Application.UNDECIDED_STATES
    ).first()
    if undecided is not None:
        raise ProgrammeError(
            _(
                "%(community)s already has an application to %(cohort)s that is not "
                "decided yet (“%(title)s”); edit or withdraw it instead."
            )
            % {"community": community.handle, "cohort": cohort.name, "title": undecided.title},
            field="community",
        )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a concurrent twin got there first
        raise ProgrammeError(
            _("%(community)s already has an undecided application to %(cohort)s.")
            % {"community": community.handle, "cohort": cohort.name},
            field="community",
        ) from exc
    return application


@transaction.atomic
def application_update(
    *, actor: User, application: Application, content: ApplicationContent
) -> Application:
    """Edit an application until it is decided."""
    application = _lock(application)
    _require_lead(actor, application)
    application.transition_target("update")
    content.apply_to(application)
    _check_content(application)
    application.save()
    return application


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    """Send a draft to the organisers; only while the cohort's window is open."""
    application = _lock(application)
    _require_lead(actor, application)
    application.state = application.transition_target("submit")
    refusal = _window_refusal(application.cohort, for_draft=False)
    if refusal:
        raise ProgrammeConflict(refusal)
    _check_content(application)
    application.submitted_at = timezone.now()
    application.save(update_fields=["state", "submitted_at", "updated_at"])
    transaction.on_commit(lambda: emails.application_submitted(application_id=application.pk))
    webhook_event_emit(
        event="application.submitted",
        payload=lambda: {"application": _application_data(application)},
    )
    return application


def _application_data(application: Application) -> dict:
    return {
        "id": application.pk,
        "title": application.title,
        "state": application.state,
        "cohort": application.cohort.slug,
        "community": application.community.handle,
        "decision_note": application.decision_note,
    }


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    """The applicant withdraws their application before a decision."""
    application = _lock(application)
    application_require_applicant(actor, application)
    application.state = application.transition_target("withdraw")
    application.save(update_fields=["state", "updated_at"])
    return application


@transaction.atomic
def application_co_lead_add(*, actor: User, application: Application, username: str) -> User:
    """The applicant adds a co-lead, by site or Hugging Face username."""
    application = _lock(application)
    application_require_applicant(actor, application)
    if application.state in (Application.State.WITHDRAWN, Application.State.REJECTED):
        raise ProgrammeConflict(
            _("“%(title)s” was %(state)s; it takes no new co-leads.")
            % {"title": application.title, "state": application.get_state_display().lower()}
        )
    username = (username or "").strip().lstrip("@")
    user = user_by_handle(username)
    if user is None:
        raise ProgrammeError(
            _(
                "No one called “%(username)s” has signed in to Commonset yet; ask them to "
                "sign in once, then add them."
            )
            % {"username": username},
            field="username",
        )
    if user.pk == application.applicant_id:
        raise ProgrammeError(_("You lead this application already."), field="username")
    application.co_leads.add(user)
    return user


@transaction.atomic
def application_co_lead_remove(*, actor: User, application: Application, user_id: int) -> None:
    application = _lock(application)
    application_require_applicant(actor, application)
    application.co_leads.remove(user_id)


# --- the organisers' use cases ----------------------------------------------------------------
