from django.urls import path

from commonset.lean_dispatch import lean_or_drf

from . import api, api_drafts, gold_api, import_api, lead_api, quality_api, review_api

# The annotation loop's two operations, which commonset/urls.py puts before every other
# route (resolving walks the list in order). A request with an API token takes the lean
# dispatch; the DRF views answer everything else and describe both in the OpenAPI schema.
loop_urlpatterns = [
    path(
        "campaigns/<slug:slug>/next/",
        lean_or_drf(api.NextRecordView, "POST", api.next_record_answer, reads_body=False),
        name="api-campaign-next",
    ),
    path(
        "records/<int:record_id>/response/",
        lean_or_drf(api.RecordResponseView, "PUT", api.record_response_answer, reads_body=True),
        name="api-record-response",
    ),
]

urlpatterns = [
    path("campaigns/", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/<slug:slug>/", api.CampaignDetailView.as_view(), name="api-campaign"),
    path(
        "campaigns/<slug:slug>/progress/", api.ProgressView.as_view(), name="api-campaign-progress"
    ),
    path(
        "campaigns/<slug:slug>/records/",
        review_api.RecordBrowseView.as_view(),
        name="api-campaign-records",
    ),
    path(
        "campaigns/<slug:slug>/records/<int:record_id>/",
        review_api.RecordDetailView.as_view(),
        name="api-campaign-record",
    ),
    path(
        "campaigns/<slug:slug>/records/<int:record_id>/gold/",
        gold_api.RecordGoldView.as_view(),
        name="api-campaign-record-gold",
    ),
    path(
        "campaigns/<slug:slug>/review-queue/",
        review_api.ReviewQueueView.as_view(),
        name="api-review-queue",
    ),
    path(
        "campaigns/<slug:slug>/quality/",
        quality_api.AnnotatorQualityView.as_view(),
        name="api-annotator-quality",
    ),
    path(
        "campaigns/<slug:slug>/quality/refresh/",
        quality_api.AnnotatorQualityRefreshView.as_view(),
        name="api-annotator-quality-refresh",
    ),
    path(
        "campaigns/<slug:slug>/reviewers/",
        review_api.ReviewerListView.as_view(),
        name="api-reviewers",
    ),
    path(
        "campaigns/<slug:slug>/reviewers/<str:username>/",
        review_api.ReviewerDetailView.as_view(),
        name="api-reviewer",
    ),
    path("campaigns/<slug:slug>/blocks/", review_api.BlockListView.as_view(), name="api-blocks"),
    path(
        "campaigns/<slug:slug>/blocks/<str:username>/",
        review_api.BlockDetailView.as_view(),
        name="api-block",
    ),
    path(
        "responses/<int:response_id>/review/",
        review_api.ResponseReviewView.as_view(),
        name="api-response-review",
    ),
    path(
        "records/<int:record_id>/comments/",
        review_api.RecordCommentsView.as_view(),
        name="api-record-comments",
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
    path("campaigns/<slug:slug>/imports/", import_api.ImportListView.as_view(), name="api-imports"),
    path(
        "campaigns/<slug:slug>/imports/<int:job_id>/",
        import_api.ImportDetailView.as_view(),
        name="api-import",
    ),
    path("campaigns/<slug:slug>/fields/", lead_api.FieldListView.as_view(), name="api-fields"),
    path(
        "campaigns/<slug:slug>/fields/<slug:field_name>/",
        lead_api.FieldDetailView.as_view(),
        name="api-field",
    ),
    path(
        "campaigns/<slug:slug>/questions/",
        lead_api.QuestionListView.as_view(),
        name="api-questions",
    ),
    path(
        "campaigns/<slug:slug>/questions/<slug:question_name>/",
        lead_api.QuestionDetailView.as_view(),
        name="api-question",
    ),
    path(
        "campaigns/<slug:slug>/responses/",
        lead_api.CampaignResponsesView.as_view(),
        name="api-campaign-responses",
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
