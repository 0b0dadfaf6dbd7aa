"""Reads, and the access door of webhooks: a campaign's endpoints through
campaigns.access.campaign_get_for_lead (its leads and organisers), site-wide endpoints for
organisers only; anyone else gets 404, as for what does not exist."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.selectors import user_is_organiser
from campaigns.access import campaign_get_for_lead

from .models import WebhookDelivery, WebhookEndpoint

SITE_WIDE = None  # the scope of site-wide endpoints


def webhook_scope_for_user(user, slug: str | None):
    """The campaign `slug` the user leads, or SITE_WIDE (slug None) for an organiser."""
    if slug is not None:
        return campaign_get_for_lead(user, slug)
    if not user_is_organiser(user):
        raise Http404
    return SITE_WIDE


def webhook_endpoints_of(scope):
    endpoints = WebhookEndpoint.objects.select_related("campaign")
    if scope is SITE_WIDE:
        return endpoints.site_wide()
    return endpoints.of_campaign(scope)


def webhook_endpoint_get(scope, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(webhook_endpoints_of(scope), pk=endpoint_id)


def webhook_deliveries_of(endpoint: WebhookEndpoint):
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def webhook_deliveries_recent(scope, limit: int = 20):
    """The latest deliveries of the scope's endpoints (the settings page)."""
    deliveries = WebhookDelivery.objects.select_related("endpoint").order_by("-created_at", "-id")
    if scope is SITE_WIDE:
        deliveries = deliveries.filter(endpoint__campaign__isnull=True)
    else:
        deliveries = deliveries.filter(endpoint__campaign=scope)
    return deliveries[:limit]


def webhook_delivery_get(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(webhook_deliveries_of(endpoint), pk=delivery_id)
