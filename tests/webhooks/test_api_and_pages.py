"""The API and the lead's page: register (the secret shown once), refuse with the reason,
list deliveries, redeliver, remove; outsiders get 404."""

import pytest
from rest_framework.test import APIClient

from campaigns.lifecycle import campaign_pause
from tests.annotation.factories import make_campaign
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from tests.webhooks.conftest import api_for
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    return api_for(user)


def test_a_lead_registers_an_endpoint_and_redelivers(receiver, django_capture_on_commit_callbacks):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, records=1)
    api = _api(lead)
    base = f"/api/v1/campaigns/{campaign.slug}/webhooks/"
    created = api.post(
        base,
        {"url": receiver.url, "events": ["campaign.paused"], "description": "CI"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["campaign"] == campaign.slug
    receiver.secret = body["secret"]
    listed = api.get(base).json()
    assert [e["url"] for e in listed] == [receiver.url]
    assert "secret" not in listed[0]  # shown once, at creation

    campaign.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    deliveries = api.get(f"{base}{body['id']}/deliveries/").json()
    assert [(d["event"], d["state"], d["status_code"]) for d in deliveries] == [
        ("campaign.paused", "succeeded", 200)
    ]
    assert deliveries[0]["response_ms"] is not None

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"{base}{body['id']}/deliveries/{deliveries[0]['id']}/redeliver/")
    assert again.status_code == 202
    assert len(receiver.received) == 2 and all(r["valid"] for r in receiver.received)

    assert api.delete(f"{base}{body['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    campaign.refresh_from_db()
    assert campaign.webhook_events == []


def test_a_forbidden_url_is_refused_with_the_reason(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    lead = UserFactory()
    campaign = make_campaign(lead=lead)
    refused = _api(lead).post(
        f"/api/v1/campaigns/{campaign.slug}/webhooks/",
        {"url": "https://10.0.0.1/hook", "events": ["campaign.opened"]},
        format="json",
    )
    assert refused.status_code == 400
    assert "10.0.0.1 is a private or reserved address" in refused.json()["errors"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_outsiders_get_404(receiver):
    lead = UserFactory()
    campaign = make_campaign(lead=lead)
    endpoint = WebhookEndpoint.objects.create(
        campaign=campaign, url=receiver.url, events=["campaign.opened"], secret="whsec_eA=="
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="campaign.opened", message_id="msg_x"
    )
    someone = _api(UserFactory())
    base = f"/api/v1/campaigns/{campaign.slug}/webhooks/"
    assert someone.get(base).status_code == 404
    assert (
        someone.post(base, {"url": receiver.url, "events": ["campaign.opened"]}).status_code == 404
    )
    assert someone.delete(f"{base}{endpoint.pk}/").status_code == 404
    assert (
        someone.post(f"{base}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    )
    assert someone.get("/api/v1/webhooks/").status_code == 404
    # Another campaign's lead cannot reach this endpoint through their own campaign.
    other_lead = UserFactory()
    other = make_campaign(lead=other_lead)
    assert (
        _api(other_lead).get(f"/api/v1/campaigns/{other.slug}/webhooks/{endpoint.pk}/").status_code
        == 404
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_organisers_manage_site_wide_endpoints(receiver):
    organiser = make_organiser()
    api = _api(organiser)
    created = api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["application.submitted"]},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["campaign"] is None
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.campaign is None
    switched = api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"active": False}, format="json")
    assert switched.json()["active"] is False


def test_the_settings_page_adds_shows_the_secret_once_and_removes(client, receiver):
    lead = UserFactory()
    campaign = make_campaign(lead=lead)
    client.force_login(lead)
    page = f"/campaigns/{campaign.slug}/settings/webhooks/"
    added = client.post(page, {"url": receiver.url, "events": ["record.completed"]}, follow=True)
    assert added.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in added.content.decode()
    assert endpoint.url in added.content.decode()
    again = client.get(page).content.decode()
    assert endpoint.secret not in again and endpoint.url in again

    removed = client.post(f"{page}{endpoint.pk}/delete/", follow=True)
    assert removed.status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_the_settings_page_shows_why_a_url_is_refused(client, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    lead = UserFactory()
    campaign = make_campaign(lead=lead)
    client.force_login(lead)
    refused = client.post(
        f"/campaigns/{campaign.slug}/settings/webhooks/",
        {"url": "https://169.254.169.254/", "events": ["record.completed"]},
    )
    assert refused.status_code == 400
    assert "cloud metadata address" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_redelivers(client, receiver, django_capture_on_commit_callbacks):
    organiser = make_organiser()
    campaign = make_campaign()
    endpoint = WebhookEndpoint.objects.create(
        campaign=campaign, url=receiver.url, events=["campaign.opened"], secret="whsec_eA=="
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="campaign.opened", message_id="msg_admin", state="failed"
    )
    receiver.secret = endpoint.secret
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "succeeded"
    assert [(r["id"], r["valid"]) for r in receiver.received] == [("msg_admin", True)]


def test_organisers_add_a_site_wide_endpoint_in_admin_and_see_the_secret_once(client, receiver):
    client.force_login(make_organiser())
    added = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": receiver.url, "events": ["application.submitted"], "active": "on"},
        follow=True,
    )
    assert added.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.campaign is None and endpoint.events == ["application.submitted"]
    assert endpoint.secret in added.content.decode()
    assert (
        endpoint.secret
        not in client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    )


def test_admin_refuses_a_forbidden_url(client, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(make_organiser())
    refused = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://[::1]/hook", "events": ["application.submitted"], "active": "on"},
    )
    assert refused.status_code == 200  # the form again, with the reason
    assert "::1 is a loopback address" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()
