from django.urls import path

from . import campaign_views as views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/settings/", views.campaign_settings, name="settings"),
    path("<slug:slug>/settings/state/", views.campaign_state, name="state"),
    path("<slug:slug>/settings/questions/", views.campaign_questions, name="questions"),
    path("<slug:slug>/settings/import/", views.campaign_import, name="import"),
    path(
        "<slug:slug>/settings/import/<int:job_id>/",
        views.campaign_import_status,
        name="import-status",
    ),
]
