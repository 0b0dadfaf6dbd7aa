from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("<slug:slug>/settings/webhooks/", views.campaign_webhooks, name="campaign"),
    path(
        "<slug:slug>/settings/webhooks/<int:endpoint_id>/delete/",
        views.campaign_webhook_delete,
        name="campaign-delete",
    ),
]
