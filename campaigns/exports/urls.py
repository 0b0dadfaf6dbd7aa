"""API route of exports; included from commonset/urls.py's api_v1 list."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "campaigns/<slug:slug>/export", api.CampaignExportView.as_view(), name="api-campaign-export"
    ),
]
