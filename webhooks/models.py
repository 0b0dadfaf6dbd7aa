"""Webhook endpoints (a campaign's, or site-wide) and their deliveries (workflow rows)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commonset.workflows import Workflow


class WebhookEvent(models.TextChoices):
    """The events an endpoint can subscribe to (README, "Webhooks", lists their payloads)."""

    APPLICATION_SUBMITTED = "application.submitted", _("An application was submitted")
    APPLICATION_DECIDED = "application.decided", _("An application was approved or rejected")
    CAMPAIGN_OPENED = "campaign.opened", _("The campaign opened")
    CAMPAIGN_PAUSED = "campaign.paused", _("The campaign was paused (or reopened)")
    CAMPAIGN_CLOSED = "campaign.closed", _("The campaign closed")
    RECORD_COMPLETED = "record.completed", _("A record received all its responses")
    RESPONSE_SUBMITTED = "response.submitted", _("A response was submitted")
    RESPONSE_REVIEWED = "response.reviewed", _("A lead reviewed a response")
    PUBLICATION_SUCCEEDED = "publication.succeeded", _("A publication succeeded")
    PUBLICATION_FAILED = "publication.failed", _("A publication failed")
    PROVISIONING_FAILED = "provisioning.failed", _("Provisioning failed")


# Events without a campaign go to site-wide endpoints only.
SITE_ONLY_EVENTS = (WebhookEvent.APPLICATION_SUBMITTED,)


class WebhookEndpointQuerySet(models.QuerySet):
    def site_wide(self):
        return self.filter(campaign__isnull=True)

    def of_campaign(self, campaign):
        return self.filter(campaign=campaign)

    def subscribed_to(self, event: str, campaign_id: int | None):
        """Active endpoints that receive `event` of the campaign (site-wide ones included)."""
        scope = Q(campaign__isnull=True)
        if campaign_id is not None:
            scope |= Q(campaign_id=campaign_id)
        endpoints = self.filter(scope, active=True)
        # JSON containment is not portable (SQLite); endpoints are few, filter in Python.
        return [endpoint for endpoint in endpoints if event in endpoint.events]


class WebhookEndpoint(models.Model):
    """Where events are sent: owned by a campaign (its leads manage it) or site-wide
    (campaign empty: organisers manage it, it receives every campaign's events)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("Empty: a site-wide endpoint (organisers), for every campaign's events."),
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text=_("The event types it receives."))
    # `whsec_<base64>`: shown once, when the endpoint is created; kept to sign deliveries.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "url"], name="webhook_endpoint_url_once_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["url"],
                condition=Q(campaign__isnull=True),
                name="webhook_endpoint_url_once_site_wide",
            ),
        ]

    def __str__(self):
        return f"{self.url} ({self.campaign or 'site-wide'})"


class WebhookDelivery(Workflow):
    """One event sent to one endpoint: a workflow row (commonset.workflows) with one step,
    retried with backoff on timeouts, connection errors, 429 and 5xx."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # The `webhook-id` header: the same on every attempt and redelivery (receivers dedupe).
    message_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField(default=dict)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The last attempts (newest last): at, status, ms, error.
    log = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(state__in=["pending", "running", "waiting"]),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self):
        return f"{self.event} to {self.endpoint_id} ({self.state})"


# What a delivery shows, in this order, to organisers in admin and to the API.
DELIVERY_FIELDS = (
    "event",
    "message_id",
    "state",
    "attempts",
    "status_code",
    "response_ms",
    "last_error",
    "created_at",
    "last_attempt_at",
    "next_attempt_at",
    "finished_at",
    "payload",
    "log",
)
