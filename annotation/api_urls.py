from django.urls import path

from . import api, api_drafts

urlpatterns = [
    path("campaigns/", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/<slug:slug>/", api.CampaignDetailView.as_view(), name="api-campaign"),
    path("campaigns/<slug:slug>/next/", api.NextRecordView.as_view(), name="api-campaign-next"),
    path(
        "campaigns/<slug:slug>/progress/", api.ProgressView.as_view(), name="api-campaign-progress"
    ),
    path(
        "campaigns/<slug:slug>/records/",
        api.CampaignRecordsView.as_view(),
        name="api-campaign-records",
    ),
    path(
        "campaigns/<slug:slug>/my-responses/",
        api.MyResponsesView.as_view(),
        name="api-campaign-my-responses",
    ),
    path(
        "campaigns/<slug:slug>/skipped/",
        api_drafts.SkippedRecordsView.as_view(),
        name="api-campaign-skipped",
    ),
    path("campaigns/<slug:slug>/imports/", api.ImportListView.as_view(), name="api-imports"),
    path(
        "campaigns/<slug:slug>/imports/<int:job_id>/",
        api.ImportDetailView.as_view(),
        name="api-import",
    ),
    path(
        "records/<int:record_id>/response/",
        api.RecordResponseView.as_view(),
        name="api-record-response",
    ),
    path("records/<int:record_id>/skip/", api.RecordSkipView.as_view(), name="api-record-skip"),
    path(
        "records/<int:record_id>/draft/",
        api_drafts.RecordDraftView.as_view(),
        name="api-record-draft",
    ),
    path(
        "records/<int:record_id>/discard/",
        api.RecordDiscardView.as_view(),
        name="api-record-discard",
    ),
]
