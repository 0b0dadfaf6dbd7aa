"""API routes: /api/v1/stats/, a cohort's race/, and per campaign dashboard/.

Included from commonset/urls.py's api_v1 list: path("", include("campaigns.dashboards.api_urls"))
"""

from django.urls import path

from . import api

urlpatterns = [
    path("stats/", api.StatsView.as_view(), name="api-stats"),
    path("cohorts/<slug:slug>/race/", api.CohortRaceView.as_view(), name="api-cohort-race"),
    path(
        "campaigns/<slug:slug>/dashboard/",
        api.CampaignDashboardView.as_view(),
        name="api-campaign-dashboard",
    ),
    path(
        "campaigns/<slug:slug>/dashboard/rebuild/",
        api.CampaignDashboardRebuildView.as_view(),
        name="api-campaign-dashboard-rebuild",
    ),
]
