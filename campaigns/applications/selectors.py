"""Reads of applications, and the one door through which a request reaches them.

Every view, API view and service that acts for a user fetches applications through these
functions (campaigns through campaigns.access). What a user may not see answers 404,
exactly like what does not exist.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.selectors import user_is_organiser
from campaigns.models import Application, Campaign


def applications_visible_to(user) -> QuerySet[Application]:
    """Applications are seen by their applicant, co-leads and organisers only."""
    applications = Application.objects.select_related("cohort", "community", "applicant")
    if user_is_organiser(user):
        return applications
    if not user.is_authenticated:
        return applications.none()
    return applications.filter(Q(applicant=user) | Q(co_leads=user)).distinct()


def application_get_for_user(user, pk: int) -> Application:
    return get_object_or_404(applications_visible_to(user), pk=pk)


def applications_led_by(user) -> QuerySet[Application]:
    """The applications the user applied with or co-leads ("My applications")."""
    if not user.is_authenticated:
        return Application.objects.none()
    return (
        Application.objects.select_related("cohort", "community", "applicant", "campaign")
        .filter(Q(applicant=user) | Q(co_leads=user))
        .distinct()
        .order_by("-updated_at")
    )


def application_user_is_lead(user, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    return application.applicant_id == user.pk or application.co_leads.filter(pk=user.pk).exists()


def application_next_step(application: Application) -> str:
    """What happens next, in words, for the applicant."""
    state = application.state
    cohort = application.cohort
    if state == Application.State.DRAFT:
        phase = cohort.window_phase()
        if phase == "accepting":
            return _("Draft: submit it before the window closes so the organisers can review it.")
        if phase == "upcoming":
            return _("Draft: you can submit it once the application window opens.")
        return _("Draft: the application window has closed, so it can no longer be submitted.")
    if state == Application.State.SUBMITTED:
        return _(
            "Submitted: the organisers will review it and e-mail you their decision. You "
            "can still edit it until then."
        )
    if state == Application.State.APPROVED:
        campaign = getattr(application, "campaign", None)
        if campaign is not None and campaign.state == Campaign.State.PROVISIONING:
            if campaign.state_message:
                return _(
                    "Approved: your campaign's Space and dataset are being set up (%(state)s)."
                ) % {"state": campaign.state_message}
            return _("Approved: your campaign's Space and dataset are being set up.")
        return _("Approved: your campaign is set up; import records and open it to annotators.")
    if state == Application.State.REJECTED:
        return _("Not accepted this time: read the organisers' note; you may apply again.")
    return _("Withdrawn: nothing more happens. You may apply again while the cohort is open.")
