from django.urls import path

from . import campaign_views as views
from . import review_views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/settings/", views.campaign_settings, name="settings"),
    path("<slug:slug>/settings/state/", views.campaign_state, name="state"),
    path("<slug:slug>/settings/questions/", views.campaign_questions, name="questions"),
    path("<slug:slug>/settings/import/", views.campaign_import, name="import"),
    path("<slug:slug>/settings/records/", review_views.records_browser, name="records"),
    path(
        "<slug:slug>/settings/records/<int:record_id>/",
        review_views.record_page,
        name="record",
    ),
    path(
        "<slug:slug>/settings/records/<int:record_id>/gold/",
        review_views.record_gold,
        name="record-gold",
    ),
    path("<slug:slug>/settings/review/", review_views.review_queue, name="review-queue"),
    path(
        "<slug:slug>/settings/review/<int:response_id>/",
        review_views.response_review,
        name="response-review",
    ),
    path("<slug:slug>/settings/quality/", review_views.annotator_quality, name="quality"),
    path(
        "<slug:slug>/settings/quality/refresh/",
        review_views.annotator_quality_refresh,
        name="quality-refresh",
    ),
    path("<slug:slug>/settings/reviewers/", review_views.reviewers, name="reviewers"),
    path(
        "<slug:slug>/settings/reviewers/<str:username>/remove/",
        review_views.reviewer_remove,
        name="reviewer-remove",
    ),
    path("<slug:slug>/settings/blocked/", review_views.blocks, name="blocks"),
    path(
        "<slug:slug>/settings/blocked/<str:username>/remove/",
        review_views.block_remove,
        name="block-remove",
    ),
    path(
        "<slug:slug>/settings/import/<int:job_id>/",
        views.campaign_import_status,
        name="import-status",
    ),
]
