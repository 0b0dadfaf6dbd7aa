"""E-mails to leads: provisioning failed, publication done or failed, campaign complete;
each with a link and what to do; each kind can be turned off on the profile page or with
PATCH /api/v1/me."""

import pytest
from django.core import mail

from campaigns.lead_emails import campaign_completion_check
from campaigns.publishing import services as publishing
from hub.errors import HubPermanentError
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory
from tests.webhooks.conftest import api_for

pytestmark = pytest.mark.django_db


def _publish(campaign, django_capture_on_commit_callbacks):
    # Eager Celery: the run is sent, and runs, once the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        publication, _ = publishing.publication_request(campaign=campaign)
    publication.refresh_from_db()
    return publication


def test_leads_are_told_a_publication_succeeded(settings, django_capture_on_commit_callbacks):
    settings.HUB_BACKEND = "local"
    lead, co_lead = UserFactory(), UserFactory()
    campaign = make_campaign(lead=lead, records=2)
    campaign.application.co_leads.add(co_lead)
    publication = _publish(campaign, django_capture_on_commit_callbacks)
    assert publication.state == "succeeded"
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {lead.email, co_lead.email}
    message = sent[lead.email]
    assert campaign.title in message.subject and "published" in message.subject
    assert f"/campaigns/{campaign.slug}/settings/" in message.body
    assert "What to do" in message.body
    assert f"/campaigns/{campaign.slug}/settings/" in message.alternatives[0][0]


def test_a_lead_who_turned_it_off_is_not_told(settings, django_capture_on_commit_callbacks):
    settings.HUB_BACKEND = "local"
    lead, co_lead = UserFactory(), UserFactory(lead_emails_off=["publication_done"])
    campaign = make_campaign(lead=lead, records=2)
    campaign.application.co_leads.add(co_lead)
    _publish(campaign, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_leads_are_told_a_publication_failed_with_the_error(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.HUB_BACKEND = "local"
    lead = UserFactory()
    campaign = make_campaign(lead=lead, records=2)

    def refuse(*args, **kwargs):
        raise HubPermanentError("The Hub refused the commit: no write access.")

    monkeypatch.setattr(publishing, "dataset_publish", refuse)
    publication = _publish(campaign, django_capture_on_commit_callbacks)
    assert publication.state == "failed"
    (message,) = mail.outbox
    assert "failed" in message.subject
    assert "no write access" in message.body
    assert "What to do" in message.body


def test_leads_are_told_once_when_every_record_is_complete(
    django_capture_on_commit_callbacks,
):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, records=2, overlap=1)
    annotator = UserFactory()
    api = api_for(annotator)
    for expected in ([], [[lead.email]]):
        record = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]
        with django_capture_on_commit_callbacks(execute=True):
            api.put(
                f"/api/v1/records/{record['id']}/response/",
                {"values": {"quality": 4}},
                format="json",
            )
        assert [m.to for m in mail.outbox] == expected
    assert "all its responses" in mail.outbox[0].subject
    assert "2 records" in mail.outbox[0].body
    assert campaign_completion_check(campaign_id=campaign.pk) is False  # once only
    assert len(mail.outbox) == 1


def test_the_profile_page_turns_kinds_off(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert 'value="campaign_complete"' in page and "checked" in page
    client.post(
        "/me/preferences",
        {
            "lead_emails_shown": "1",
            "lead_emails": ["provisioning_failed", "publication_failed"],
        },
    )
    user.refresh_from_db()
    assert user.lead_emails_off == ["campaign_complete", "provisioning_done", "publication_done"]
    # A form without the e-mail boxes (an older page) leaves them as they are.
    client.post("/me/preferences", {"hide_from_leaderboards": "on"})
    user.refresh_from_db()
    assert user.hide_from_leaderboards
    assert user.lead_emails_off == ["campaign_complete", "provisioning_done", "publication_done"]


def test_the_profile_page_saves_the_language_and_the_kinds_together(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert 'name="language"' in page and 'name="lead_emails"' in page
    client.post(
        "/me/preferences",
        {"language": "fr", "lead_emails_shown": "1", "lead_emails": ["campaign_complete"]},
    )
    user.refresh_from_db()
    assert user.language == "fr"
    assert "campaign_complete" not in user.lead_emails_off
    assert "publication_done" in user.lead_emails_off


def test_patch_me_turns_kinds_off_and_on():
    user = UserFactory()
    api = api_for(user)
    response = api.patch(
        "/api/v1/me", {"lead_emails_off": ["publication_done"], "language": "de"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["lead_emails_off"] == ["publication_done"]
    user.refresh_from_db()
    assert user.lead_emails_off == ["publication_done"] and user.language == "de"
    # Leaving it out keeps it; [] wants them all again; an unknown kind is refused.
    api.patch("/api/v1/me", {"hide_from_leaderboards": True}, format="json")
    user.refresh_from_db()
    assert user.lead_emails_off == ["publication_done"]
    api.patch("/api/v1/me", {"lead_emails_off": []}, format="json")
    user.refresh_from_db()
    assert user.lead_emails_off == []
    refused = api.patch("/api/v1/me", {"lead_emails_off": ["spam"]}, format="json")
    assert refused.status_code == 400 and "lead_emails_off" in refused.json()
    user.refresh_from_db()
    assert user.lead_emails_off == []
