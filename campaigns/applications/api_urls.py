"""API routes: /api/v1/applications/ and each application's actions.

Included from commonset/urls.py's api_v1 list: path("", include("campaigns.applications.api_urls"))
"""

from django.urls import path

from . import api, bulk_api

urlpatterns = [
    path("applications/", api.ApplicationListView.as_view(), name="api-applications"),
    path(
        "applications/approve/",
        bulk_api.ApplicationBulkApproveView.as_view(),
        name="api-applications-approve",
    ),
    path(
        "applications/reject/",
        bulk_api.ApplicationBulkRejectView.as_view(),
        name="api-applications-reject",
    ),
    path(
        "applications/<int:pk>/",
        api.ApplicationDetailView.as_view(),
        name="api-application",
    ),
    path(
        "applications/<int:pk>/submit/",
        api.ApplicationSubmitView.as_view(),
        name="api-application-submit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        api.ApplicationWithdrawView.as_view(),
        name="api-application-withdraw",
    ),
    path(
        "applications/<int:pk>/approve/",
        api.ApplicationApproveView.as_view(),
        name="api-application-approve",
    ),
    path(
        "applications/<int:pk>/reject/",
        api.ApplicationRejectView.as_view(),
        name="api-application-reject",
    ),
    path(
        "applications/<int:pk>/co-leads/",
        api.ApplicationCoLeadsView.as_view(),
        name="api-application-co-leads",
    ),
    path(
        "applications/<int:pk>/co-leads/<int:user_id>/",
        api.ApplicationCoLeadRemoveView.as_view(),
        name="api-application-co-lead",
    ),
]
