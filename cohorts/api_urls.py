"""API routes of the programme: cohorts and applications."""

from django.urls import path

from campaigns import application_api

from . import api

urlpatterns = [
    path("cohorts/", api.CohortListView.as_view(), name="api-cohorts"),
    path("cohorts/<slug:slug>/", api.CohortDetailView.as_view(), name="api-cohort"),
    path("applications/", application_api.ApplicationListView.as_view(), name="api-applications"),
    path(
        "applications/<int:pk>/",
        application_api.ApplicationDetailView.as_view(),
        name="api-application",
    ),
    path(
        "applications/<int:pk>/submit/",
        application_api.ApplicationSubmitView.as_view(),
        name="api-application-submit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        application_api.ApplicationWithdrawView.as_view(),
        name="api-application-withdraw",
    ),
    path(
        "applications/<int:pk>/approve/",
        application_api.ApplicationApproveView.as_view(),
        name="api-application-approve",
    ),
    path(
        "applications/<int:pk>/reject/",
        application_api.ApplicationRejectView.as_view(),
        name="api-application-reject",
    ),
    path(
        "applications/<int:pk>/co-leads/",
        application_api.ApplicationCoLeadsView.as_view(),
        name="api-application-co-leads",
    ),
    path(
        "applications/<int:pk>/co-leads/<int:user_id>/",
        application_api.ApplicationCoLeadRemoveView.as_view(),
        name="api-application-co-lead",
    ),
]
