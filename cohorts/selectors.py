"""Reads of cohorts and communities, scoped to who is asking."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.selectors import user_is_organiser

from .models import Cohort, Community


def cohorts_visible_to(user) -> QuerySet[Cohort]:
    """Everyone sees open and closed cohorts, open ones first; organisers see drafts too."""
    cohorts = Cohort.objects.all()
    if not user_is_organiser(user):
        cohorts = cohorts.published()
    return cohorts.open_first()


def cohort_get_for_user(user, slug: str) -> Cohort:
    return get_object_or_404(cohorts_visible_to(user), slug=slug)


def cohort_channel_visible_to(user, cohort: Cohort) -> bool:
    """The community channel is for leads of campaigns the cohort accepted, and organisers."""
    if not user.is_authenticated:
        return False
    if user_is_organiser(user):
        return True
    from campaigns.models import Application

    return (
        Application.objects.filter(cohort=cohort, state=Application.State.APPROVED)
        .filter(Q(applicant=user) | Q(co_leads=user))
        .exists()
    )


def cohort_accepted_campaigns(user, cohort: Cohort):
    """The campaigns the cohort accepted that this user may see."""
    from campaigns.access import campaigns_visible_to

    return campaigns_visible_to(user).filter(cohort=cohort).order_by("title")


@dataclass(frozen=True)
class CommunityChoice:
    handle: str
    label: str
    kind: str
    display_name: str = ""


def communities_user_may_apply_for(user) -> list[CommunityChoice]:
    """The user's own namespace, then each Hugging Face organisation they belong to."""
    if not user.is_authenticated:
        return []
    own = user.display_handle
    choices = [
        CommunityChoice(
            handle=own,
            label=_("%(handle)s (your own namespace)") % {"handle": own},
            kind=Community.Kind.USER,
        )
    ]
    for membership in user.org_memberships.all():
        if membership.org_handle.lower() == own.lower():
            continue
        label = membership.org_handle
        if membership.org_display_name and membership.org_display_name != membership.org_handle:
            label = f"{membership.org_display_name} ({membership.org_handle})"
        choices.append(
            CommunityChoice(
                handle=membership.org_handle,
                label=label,
                kind=Community.Kind.ORGANISATION,
                display_name=membership.org_display_name,
            )
        )
    return choices
