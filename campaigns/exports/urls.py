"""API route of exports; included from commonset/urls.py's api_v1 list."""

from django.urls import path

from . import api, job_api

urlpatterns = [
    path(
        "campaigns/<slug:slug>/export", api.CampaignExportView.as_view(), name="api-campaign-export"
    ),
    path(
        "campaigns/<slug:slug>/exports/",
        job_api.ExportJobListView.as_view(),
        name="api-campaign-exports",
    ),
    path(
        "campaigns/<slug:slug>/exports/<int:job_id>/",
        job_api.ExportJobDetailView.as_view(),
        name="api-campaign-export-job",
    ),
    path(
        "campaigns/<slug:slug>/exports/<int:job_id>/download",
        job_api.ExportJobDownloadView.as_view(),
        name="api-campaign-export-download",
    ),
]
