"""Webhook use cases: register and remove endpoints, emit events, deliver, redeliver, sweep.

A delivery is a workflow row (commonset.workflows), created in the transaction that emits
the event and sent by a Celery task once it commits; the HTTP request happens only in the
task, outside any transaction, with short timeouts, so a slow or failing endpoint never
slows a request. Timeouts, connection errors, 408, 429 and 5xx are retried with bounded
exponential backoff and jitter (WEBHOOK_* settings); any other answer fails at once.

Emitting costs no query when nobody subscribed: a campaign row carries the event types of
its active endpoints (`Campaign.webhook_events`, kept by webhooks/signals.py), and the
site-wide endpoints' event types are kept in memory for WEBHOOKS_SITE_EVENTS_CACHE_SECONDS.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonset.workflows import (
    WorkflowPolicy,
    WorkflowState,
    workflow_claim,
    workflow_fail,
    workflow_retry_or_fail,
    workflow_schedule,
    workflow_succeed,
    workflow_sweep,
)

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .sending import attempt_send, secret_generate, signed_headers
from .targets import TargetRefused, target_check

logger = logging.getLogger(__name__)

POLICY = WorkflowPolicy(
    name="webhook delivery",
    setting_prefix="WEBHOOK",
    task="webhooks.tasks.webhook_delivery_run",
    max_attempts=8,
    backoff_base_seconds=10.0,
    backoff_max_seconds=3600.0,
    heartbeat_stale_seconds=120.0,
    sweep_grace_seconds=60.0,
)
LOG_KEEP = 10
EVENT_NAMES = frozenset(WebhookEvent.values)


class WebhookError(ValueError):
    """Refused input; `field` names what is wrong."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


# --- who subscribed (no query on the hot path) ---------------------------------------------
_site_memo: dict = {"until": 0.0, "events": frozenset()}


def site_events_forget() -> None:
    """Read the site-wide endpoints again at the next emit (after one changed)."""
    _site_memo["until"] = 0.0


def _site_events() -> frozenset:
    from django.conf import settings

    now = time.monotonic()
    if now >= _site_memo["until"]:
        events = set()
        for subscribed in (
            WebhookEndpoint.objects.site_wide()
            .filter(active=True)
            .order_by()
            .values_list("events", flat=True)
        ):
            events.update(subscribed or [])
        _site_memo["events"] = frozenset(events)
        _site_memo["until"] = now + float(settings.WEBHOOKS_SITE_EVENTS_CACHE_SECONDS)
    return _site_memo["events"]


def webhooks_wanted(event: str, campaign=None) -> bool:
    """Does any active endpoint receive `event` (of `campaign`)? No query, except once per
    WEBHOOKS_SITE_EVENTS_CACHE_SECONDS per process for the site-wide endpoints."""
    if campaign is not None and event in (campaign.webhook_events or ()):
        return True
    return event in _site_events()


def campaign_webhook_events_refresh(*, campaign_id: int) -> list[str]:
    """Copy the event types of the campaign's active endpoints onto the campaign row."""
    from campaigns.models import Campaign

    events = set()
    for subscribed in WebhookEndpoint.objects.filter(
        campaign_id=campaign_id, active=True
    ).values_list("events", flat=True):
        events.update(subscribed or [])
    value = sorted(events)
    Campaign.objects.filter(pk=campaign_id).update(webhook_events=value)
    return value


# --- emitting -------------------------------------------------------------------------------
def _campaign_data(campaign) -> dict:
    return {"slug": campaign.slug, "title": campaign.title, "state": campaign.state}


def webhook_event_emit(
    *, event: str, campaign=None, payload: dict | Callable[[], dict]
) -> list[WebhookDelivery]:
    """Deliver `event` to every active endpoint subscribed to it: the campaign's own and
    the site-wide ones. Call it inside the transaction that made the change: the delivery
    rows are written with it and sent once it commits. Costs nothing when nobody
    subscribed (`webhooks_wanted`); `payload` may be a function, called only then."""
    if event not in EVENT_NAMES:
        raise ValueError(f"Unknown webhook event {event!r}")
    if not webhooks_wanted(event, campaign):
        return []
    endpoints = WebhookEndpoint.objects.subscribed_to(
        event, campaign.pk if campaign is not None else None
    )
    if not endpoints:
        return []
    data = dict(payload() if callable(payload) else payload)
    if campaign is not None:
        data.setdefault("campaign", _campaign_data(campaign))
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    deliveries = []
    now = timezone.now()
    with transaction.atomic():
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                event=event,
                message_id="msg_" + secrets.token_urlsafe(18),
                payload={"type": event, "timestamp": now.isoformat(), "data": data},
            )
            workflow_schedule(delivery, POLICY, now=now)
            delivery.save(update_fields=["seq", "next_attempt_at"])
            deliveries.append(delivery)
    return deliveries


# --- delivering -----------------------------------------------------------------------------
def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_delivery_run(*, delivery_id: int, seq: int | None = None) -> WebhookDelivery | None:
    """One attempt, if this message may act: POST the signed event, record the answer."""
    claimed = workflow_claim(WebhookDelivery.objects.select_related("endpoint"), delivery_id, seq)
    if claimed is None or isinstance(claimed, float):
        return None
    delivery = claimed
    endpoint = delivery.endpoint
    if not endpoint.active:
        result = None
    else:
        body = delivery_body(delivery)
        headers = signed_headers(endpoint.secret, delivery.message_id, body)
        result = attempt_send(endpoint.url, headers, body)
    now = timezone.now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if row is None:
            return None  # its endpoint was removed meanwhile
        if row.state != WorkflowState.RUNNING or row.seq != delivery.seq:
            return row  # taken over meanwhile (redelivered)
        if result is None:
            workflow_fail(row, _("The endpoint is switched off."), now=now)
        else:
            row.status_code = result.status
            row.response_ms = result.ms
            row.last_attempt_at = now
            row.log = [
                *row.log,
                {
                    "at": now.isoformat(),
                    "status": result.status,
                    "ms": result.ms,
                    "error": result.error[:300],
                },
            ][-LOG_KEEP:]
            if result.ok:
                workflow_succeed(row, now=now)
                row.last_error = ""
            else:
                workflow_retry_or_fail(row, result, POLICY, now=now)
        row.save()
    logger.info(
        "webhook delivery %s (%s) to endpoint %s: %s",
        delivery_id,
        row.event,
        row.endpoint_id,
        row.state,
    )
    return row


def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same webhook-id), with a fresh set of attempts. A delivery
    still being tried is returned as it is."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if row.state in WebhookDelivery.ACTIVE_STATES:
            return row
        row.state = WorkflowState.PENDING
        row.attempts = 0
        row.finished_at = None
        workflow_schedule(row, POLICY)
        row.save()
    return row


def webhook_sweep(*, now: datetime | None = None) -> dict:
    return workflow_sweep(WebhookDelivery.objects.all(), POLICY, now=now)


# --- endpoints ------------------------------------------------------------------------------
def _events_clean(events) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise WebhookError(_("Choose at least one event."), field="events")
    unknown = [e for e in events if e not in EVENT_NAMES]
    if unknown:
        raise WebhookError(
            _("Unknown events: %(events)s.") % {"events": ", ".join(map(str, unknown))},
            field="events",
        )
    return sorted(set(events))


def webhook_endpoint_create(
    *, campaign, url: str, events, created_by=None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (campaign None: site-wide). Returns it and its secret, which
    is shown this once. Refused (WebhookError) when the URL may not receive webhooks."""
    url = (url or "").strip()
    if len(url) > 500:
        raise WebhookError(_("The URL is too long."), field="url")
    try:
        target_check(url)
    except TargetRefused as exc:
        raise WebhookError(exc.message, field="url") from exc
    events = _events_clean(events)
    scope = (
        WebhookEndpoint.objects.filter(campaign=campaign)
        if campaign
        else (WebhookEndpoint.objects.site_wide())
    )
    if scope.filter(url=url).exists():
        raise WebhookError(_("This URL is registered already."), field="url")
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        campaign=campaign,
        url=url,
        events=events,
        secret=secret,
        created_by=created_by if created_by is not None and created_by.pk else None,
        description=(description or "").strip()[:200],
    )
    return endpoint, secret


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    return endpoint
