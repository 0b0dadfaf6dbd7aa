"""Deliveries: signed as the Standard Webhooks specification says (checked by a receiver on
loopback with the spec's algorithm), retried on 5xx with backoff, redelivered on demand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.lifecycle import campaign_close, campaign_pause
from tests.annotation.factories import make_campaign
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery
from webhooks.sending import signature
from webhooks.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_sweep,
)

pytestmark = pytest.mark.django_db


def test_signature_is_the_specifications_test_vector():
    """The example of the Standard Webhooks specification, signed by our code."""
    assert (
        signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def _endpoint(receiver, campaign, events):
    endpoint, secret = webhook_endpoint_create(campaign=campaign, url=receiver.url, events=events)
    receiver.secret = secret
    campaign.refresh_from_db()
    return endpoint


def test_lifecycle_event_is_delivered_signed_and_logged(
    receiver, django_capture_on_commit_callbacks
):
    campaign = make_campaign(records=1)
    endpoint = _endpoint(receiver, campaign, ["campaign.paused", "campaign.closed"])
    assert campaign.webhook_events == ["campaign.closed", "campaign.paused"]

    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got["valid"], "the signature must verify with the endpoint's secret"
    assert got["body"]["type"] == "campaign.paused"
    assert got["body"]["data"]["previous_state"] == "open"
    assert got["body"]["data"]["campaign"]["slug"] == campaign.slug
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "succeeded"
    assert delivery.status_code == 200
    assert delivery.response_ms is not None
    assert delivery.message_id == got["id"]
    assert delivery.log[-1]["status"] == 200


def test_events_not_subscribed_are_not_sent(receiver, django_capture_on_commit_callbacks):
    campaign = make_campaign(records=1)
    _endpoint(receiver, campaign, ["campaign.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_500_is_retried_with_backoff_then_succeeds(django_capture_on_commit_callbacks):
    campaign = make_campaign(records=1)
    with Receiver(statuses=[500, 503]) as receiver:
        _endpoint(receiver, campaign, ["campaign.paused"])
        with django_capture_on_commit_callbacks(execute=True):
            campaign_pause(campaign=campaign)
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "waiting"
        assert delivery.status_code == 500
        first_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert 10 <= first_wait <= 12.6  # base 10 s, jitter up to 25 %

        with django_capture_on_commit_callbacks(execute=True):
            webhook_sweep(now=timezone.now() + timedelta(hours=2))
        delivery.refresh_from_db()
        assert (delivery.state, delivery.status_code, delivery.attempts) == ("waiting", 503, 2)
        second_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert second_wait > first_wait  # exponential

        with django_capture_on_commit_callbacks(execute=True):
            webhook_sweep(now=timezone.now() + timedelta(hours=2))
        delivery.refresh_from_db()
    assert (delivery.state, delivery.status_code) == ("succeeded", 200)
    assert [r["status"] for r in receiver.received] == [500, 503, 200]
    assert all(r["valid"] for r in receiver.received)
    assert len({r["id"] for r in receiver.received}) == 1  # one webhook-id for every attempt
    assert [entry["status"] for entry in delivery.log] == [500, 503, 200]


def test_a_4xx_fails_at_once(django_capture_on_commit_callbacks):
    campaign = make_campaign(records=1)
    with Receiver(statuses=[410]) as receiver:
        _endpoint(receiver, campaign, ["campaign.paused"])
        with django_capture_on_commit_callbacks(execute=True):
            campaign_pause(campaign=campaign)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert "410" in delivery.last_error
    assert len(receiver.received) == 1


def test_gives_up_after_the_maximum_attempts(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    campaign = make_campaign(records=1)
    with Receiver(statuses=[500, 500, 500]) as receiver:
        _endpoint(receiver, campaign, ["campaign.paused"])
        with django_capture_on_commit_callbacks(execute=True):
            campaign_pause(campaign=campaign)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_sweep(now=timezone.now() + timedelta(hours=2))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert "Gave up after 2 attempts" in delivery.last_error
    assert len(receiver.received) == 2


def test_redelivery_sends_the_same_message_again(receiver, django_capture_on_commit_callbacks):
    campaign = make_campaign(records=1)
    _endpoint(receiver, campaign, ["campaign.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_close(campaign=campaign, confirmed=True)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "succeeded"

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_redeliver(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.state == "succeeded"
    assert len(receiver.received) == 2
    assert receiver.received[0]["id"] == receiver.received[1]["id"]
    assert all(r["valid"] for r in receiver.received)


def test_a_slow_endpoint_times_out_quickly(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_READ_TIMEOUT_SECONDS = 0.3
    campaign = make_campaign(records=1)
    with Receiver(delay=2.0) as receiver:
        _endpoint(receiver, campaign, ["campaign.paused"])
        with django_capture_on_commit_callbacks(execute=True):
            campaign_pause(campaign=campaign)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "waiting"  # a timeout is retried
    assert delivery.status_code is None
    assert delivery.response_ms < 1500
    assert "Timeout" in delivery.last_error


def test_a_switched_off_endpoint_receives_nothing(receiver, django_capture_on_commit_callbacks):
    campaign = make_campaign(records=1)
    endpoint = _endpoint(receiver, campaign, ["campaign.paused"])
    endpoint.active = False
    endpoint.save()
    campaign.refresh_from_db()
    assert campaign.webhook_events == []
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    assert receiver.received == []
