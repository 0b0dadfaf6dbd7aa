from django.urls import path

from . import views

app_name = "annotation"

urlpatterns = [
    path("<slug:slug>/", views.annotate, name="annotate"),
    path("<slug:slug>/records/<int:record_id>/", views.record_action, name="record"),
    path("<slug:slug>/mine/", views.my_contributions, name="mine"),
    path("<slug:slug>/mine/<int:record_id>/", views.my_response_edit, name="mine-edit"),
    path("<slug:slug>/drafts/<int:record_id>/", views.draft_resume, name="draft-resume"),
    path("<slug:slug>/skipped/restore/", views.skips_restore, name="skips-restore"),
    path(
        "<slug:slug>/records/<int:record_id>/comments/",
        views.record_comment,
        name="record-comment",
    ),
]
