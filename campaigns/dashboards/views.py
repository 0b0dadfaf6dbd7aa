"""Dashboard pages: the programme dashboard on the home page, and what the dashboard and
publications includes need on a campaign's page (campaigns/campaign_views.py renders it)."""

from django.shortcuts import render

from campaigns.access import campaign_user_is_lead
from campaigns.models import Campaign
from campaigns.publishing.selectors import publications_of
from campaigns.publishing.services import policy_of

from .selectors import campaign_dashboard, programme_dashboard


def home(request):
    """The programme dashboard: figures across public campaigns (never organisation ones,
    so every visitor sees the same numbers)."""
    return render(request, "home.html", {"programme": programme_dashboard()})


def campaign_page_context(request, campaign: Campaign) -> dict:
    """Everything the dashboard and publications includes need on the campaign page."""
    dashboard = campaign_dashboard(campaign)
    return {
        "dashboard": dashboard,
        "publications": list(publications_of(campaign)[:10]),
        "can_publish": campaign_user_is_lead(request.user, campaign),
        "publication_policy": policy_of(campaign),
        "share_url": request.build_absolute_uri(f"/campaigns/{campaign.slug}/"),
    }
