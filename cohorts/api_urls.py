"""API routes of cohorts (applications are routed from campaigns/applications/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("cohorts/", api.CohortListView.as_view(), name="api-cohorts"),
    path("cohorts/<slug:slug>/", api.CohortDetailView.as_view(), name="api-cohort"),
    path("cohorts/<slug:slug>/open/", api.CohortOpenView.as_view(), name="api-cohort-open"),
    path("cohorts/<slug:slug>/close/", api.CohortCloseView.as_view(), name="api-cohort-close"),
]
