"""The campaign access rule: who may see a campaign and who leads it, and the one door
through which a request reaches a campaign.

Every view, API view and service that acts for a user, in campaigns/ and annotation/ alike,
fetches campaigns through these functions. What a user may not see answers 404, exactly
like what does not exist, so a restricted campaign's existence is not revealed.
"""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from accounts.selectors import user_is_organiser

from .models import Campaign, CampaignBlock, CampaignReviewer, Visibility


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
    if user.is_authenticated:
        # A blocked annotator meets the not-found page, as for a campaign they may not see.
        campaigns = campaigns.exclude(
            pk__in=CampaignBlock.objects.filter(user=user).values("campaign_id")
        )
    visible = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        # Hub handles are case-insensitive: a campaign saved with another case than the
        # membership still belongs to that organisation's members.
        campaigns = campaigns.alias(visibility_org_lower=Lower("visibility_org"))
        handles = [handle.lower() for handle in user_org_handles(user)]
        visible |= Q(visibility_org_lower__in=handles)
        visible |= Q(application__applicant=user) | Q(application__co_leads=user)
        visible |= Q(pk__in=CampaignReviewer.objects.filter(user=user).values("campaign_id"))
    return campaigns.filter(visible).distinct()


def campaign_visible_to_user(user, campaign: Campaign, *, blocked: bool | None = None) -> bool:
    """campaigns_visible_to's rule for one campaign already loaded: public ones need no
    query, which keeps the annotation loop's hot path short. `blocked`: whether a lead
    blocked the user, when the query that loaded the campaign already read it
    (annotation/selectors.py); otherwise it is looked up."""
    if campaign.visibility == Visibility.PUBLIC:
        return not (user_is_blocked(user, campaign) if blocked is None else blocked)
    return campaigns_visible_to(user).filter(pk=campaign.pk).exists()


def user_is_blocked(user, campaign: Campaign) -> bool:
    """Whether a lead blocked the user from the campaign (one indexed lookup)."""
    if not user.is_authenticated:
        return False
    return CampaignBlock.objects.filter(user=user, campaign=campaign).exists()


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


def campaign_user_is_reviewer(user, campaign: Campaign) -> bool:
    """Reviewers the leads named, and the leads themselves (organisers included)."""
    if campaign_user_is_lead(user, campaign):
        return True
    return CampaignReviewer.objects.filter(campaign=campaign, user=user).exists()


def campaign_get_for_reviewer(user, slug: str) -> Campaign:
    """A campaign the user leads or reviews; 404 otherwise."""
    campaign = campaign_get_for_user(user, slug)
    if not campaign_user_is_reviewer(user, campaign):
        from django.http import Http404

        raise Http404
    return campaign
