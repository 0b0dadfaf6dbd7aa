"""API routes of cohorts (applications are routed from campaigns/applications/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("cohorts/", api.CohortListView.as_view(), name="api-cohorts"),
    path("cohorts/<slug:slug>/", api.CohortDetailView.as_view(), name="api-cohort"),
]
