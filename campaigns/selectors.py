"""Reads of applications and campaigns, and the one door through which a request reaches them.

Every view, API view and service that acts for a user fetches campaigns and applications
through these functions. What a user may not see answers 404, exactly like what does not
exist, so a restricted campaign's existence is not revealed.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.selectors import user_is_organiser

from .models import Application, Campaign, Visibility


def user_org_handles(user) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(user.org_memberships.values_list("org_handle", flat=True))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Public campaigns for everyone; organisation campaigns for that organisation's
    members, the campaign's leads and organisers."""
    campaigns = Campaign.objects.select_related("community", "cohort")
    if user_is_organiser(user):
        return campaigns
    visible = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        visible |= Q(visibility_org__in=user_org_handles(user))
        visible |= Q(application__applicant=user) | Q(application__co_leads=user)
    return campaigns.filter(visible).distinct()


def campaign_visible_to_user(user, campaign: Campaign) -> bool:
    """campaigns_visible_to's rule for one campaign already loaded: public ones need no
    query, which keeps the annotation loop's hot path short."""
    if campaign.visibility == Visibility.PUBLIC:
        return True
    return campaigns_visible_to(user).filter(pk=campaign.pk).exists()


def campaign_get_for_user(user, slug: str) -> Campaign:
    return get_object_or_404(campaigns_visible_to(user), slug=slug)


def campaign_user_is_lead(user, campaign: Campaign) -> bool:
    """Leads are the applicant and the co-leads they added; organisers act as leads too."""
    if not user.is_authenticated:
        return False
    if user_is_organiser(user):
        return True
    application = campaign.application
    return application.applicant_id == user.pk or application.co_leads.filter(pk=user.pk).exists()


def campaign_get_for_lead(user, slug: str) -> Campaign:
    """A campaign the user leads; 404 otherwise (also when they may only see it)."""
    campaign = campaign_get_for_user(user, slug)
    if not campaign_user_is_lead(user, campaign):
        from django.http import Http404

        raise Http404
    return campaign


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
            return "Draft: submit it before the window closes so the organisers can review it."
        if phase == "upcoming":
            return "Draft: you can submit it once the application window opens."
        return "Draft: the application window has closed, so it can no longer be submitted."
    if state == Application.State.SUBMITTED:
        return (
            "Submitted: the organisers will review it and e-mail you their decision. You can "
            "still edit it until then."
        )
    if state == Application.State.APPROVED:
        campaign = getattr(application, "campaign", None)
        if campaign is not None and campaign.state == Campaign.State.PROVISIONING:
            return (
                "Approved: your campaign's Space and dataset are being set up"
                + (f" ({campaign.state_message})" if campaign.state_message else "")
                + "."
            )
        return "Approved: your campaign is set up; import records and open it to annotators."
    if state == Application.State.REJECTED:
        return "Not accepted this time: read the organisers' note; you may apply again."
    return "Withdrawn: nothing more happens. You may apply again while the cohort is open."
