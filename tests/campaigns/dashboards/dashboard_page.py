"""A stand-in campaign page for the dashboard suites: the site's URLs plus one page that
includes the dashboard and publications exactly as the campaign page is to include them
(campaigns/campaign_views.py belongs to the annotation feature)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from campaigns.access import campaign_get_for_user
from campaigns.dashboards.views import campaign_page_context
from commonset.urls import urlpatterns as site_urlpatterns

PAGE = """{% extends "base.html" %}
{% block title %}{{ campaign.title }}{% endblock %}
{% block meta %}{% include "campaigns/_share_meta.html" %}{% endblock %}
{% block content %}<h1>{{ campaign.title }}</h1>
{% include "campaigns/_dashboard.html" %}
{% include "campaigns/_publications.html" %}{% endblock %}"""


def campaign_page(request, slug):
    campaign = campaign_get_for_user(request.user, slug)
    template = engines["django"].from_string(PAGE)
    context = {"campaign": campaign, **campaign_page_context(request, campaign)}
    return HttpResponse(template.render(context, request))


urlpatterns = [
    path("test-campaign/<slug:slug>/", campaign_page),
    *site_urlpatterns,
]
