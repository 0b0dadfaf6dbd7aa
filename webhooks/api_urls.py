"""API routes of webhooks, per campaign (leads) and site-wide (organisers).

Included from commonset/urls.py's api_v1 list: path("", include("webhooks.api_urls"))
"""

from django.urls import path

from . import api

ROUTES = [
    ("webhooks/", api.WebhookEndpointListView, "webhooks"),
    ("webhooks/<int:endpoint_id>/", api.WebhookEndpointDetailView, "webhook"),
    ("webhooks/<int:endpoint_id>/deliveries/", api.WebhookDeliveryListView, "webhook-deliveries"),
    (
        "webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        api.WebhookRedeliverView,
        "webhook-redeliver",
    ),
]

urlpatterns = [
    *(path(route, view.as_view(), name=f"api-site-{name}") for route, view, name in ROUTES),
    *(
        path(f"campaigns/<slug:slug>/{route}", view.as_view(), name=f"api-campaign-{name}")
        for route, view, name in ROUTES
    ),
]
