"""Events the annotation loop and the programme emit, and what they cost when nobody
subscribed: nothing on the annotation loop."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.applications.decisions import application_reject
from tests.annotation.factories import make_campaign
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from tests.webhooks.conftest import api_for
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create, webhooks_wanted

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    return api_for(user)


def _loop_once(client, campaign) -> tuple[int, list[str]]:
    """next + submit over the API; returns the response's status and the SQL it ran."""
    record = client.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]
    with CaptureQueriesContext(connection) as queries:
        answered = client.put(
            f"/api/v1/records/{record['id']}/response/", {"values": {"quality": 4}}, format="json"
        )
    return answered.status_code, [q["sql"] for q in queries.captured_queries]


def test_response_submitted_costs_no_query_when_nobody_subscribed(monkeypatch):
    campaign = make_campaign(records=4, overlap=1)  # every submit completes a record
    client = _api(UserFactory())
    # Warm: site-wide endpoints are read once per WEBHOOKS_SITE_EVENTS_CACHE_SECONDS per
    # process, questions are cached per campaign.
    _loop_once(client, campaign)
    status, with_hooks = _loop_once(client, campaign)
    assert status == 201
    # The same submit with the webhook and completion code taken out of the service.
    monkeypatch.setattr("annotation.services._submitted_events", lambda **kw: None)
    status, without = _loop_once(client, campaign)
    assert status == 201
    assert not [sql for sql in with_hooks if "webhooks_" in sql]
    assert len(with_hooks) == len(without)


def test_webhooks_wanted_reads_no_row(django_assert_num_queries):
    campaign = make_campaign()
    webhooks_wanted("campaign.opened", None)  # the site-wide events, read once a while
    with django_assert_num_queries(0):
        for _ in range(20):
            assert not webhooks_wanted("response.submitted", campaign)


def test_response_submitted_and_record_completed_are_delivered(
    receiver, django_capture_on_commit_callbacks
):
    campaign = make_campaign(records=1, overlap=1)
    _endpoint, secret = webhook_endpoint_create(
        campaign=campaign, url=receiver.url, events=["response.submitted", "record.completed"]
    )
    receiver.secret = secret
    annotator = UserFactory(username="ada")
    client = _api(annotator)
    record = client.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.put(
            f"/api/v1/records/{record['id']}/response/", {"values": {"quality": 4}}, format="json"
        )
    assert answered.status_code == 201
    kinds = {r["body"]["type"]: r for r in receiver.received}
    assert set(kinds) == {"response.submitted", "record.completed"}
    assert all(r["valid"] for r in receiver.received)
    submitted = kinds["response.submitted"]["body"]["data"]
    assert submitted["response"]["annotator"] == "ada"
    assert submitted["response"]["values"] == {"quality": 4}
    assert submitted["record"]["id"] == record["id"]
    assert kinds["record.completed"]["body"]["data"]["record"]["id"] == record["id"]


def test_site_wide_endpoints_receive_every_campaigns_events(
    receiver, django_capture_on_commit_callbacks
):
    from campaigns.lifecycle import campaign_pause

    organiser = make_organiser()
    _endpoint, secret = webhook_endpoint_create(
        campaign=None,
        url=receiver.url,
        events=["campaign.paused", "application.decided"],
        created_by=organiser,
    )
    receiver.secret = secret
    campaign = make_campaign(records=1)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    application = make_campaign().application
    application.state = "submitted"
    application.decided_at = None
    application.save()
    with django_capture_on_commit_callbacks(execute=True):
        application_reject(actor=organiser, application=application, note="Out of scope.")
    assert [r["body"]["type"] for r in receiver.received] == [
        "campaign.paused",
        "application.decided",
    ]
    assert all(r["valid"] for r in receiver.received)
    decided = receiver.received[1]["body"]["data"]["application"]
    assert (decided["state"], decided["decision_note"]) == ("rejected", "Out of scope.")
    assert WebhookDelivery.objects.filter(state="succeeded").count() == 2


@pytest.mark.django_db(transaction=True)
def test_events_of_a_submit_outside_any_transaction(receiver):
    """Outside a test transaction (on PostgreSQL: the hand-written submit path), the
    events are delivered once the submit commits, and the completion check runs."""
    from django.core import mail

    lead = UserFactory()
    campaign = make_campaign(lead=lead, records=1, overlap=1)
    _endpoint, secret = webhook_endpoint_create(
        campaign=campaign, url=receiver.url, events=["response.submitted", "record.completed"]
    )
    receiver.secret = secret
    client = _api(UserFactory())
    record = client.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]
    answered = client.put(
        f"/api/v1/records/{record['id']}/response/", {"values": {"quality": 2}}, format="json"
    )
    assert answered.status_code == 201
    assert sorted(r["body"]["type"] for r in receiver.received) == [
        "record.completed",
        "response.submitted",
    ]
    assert all(r["valid"] for r in receiver.received)
    assert [m.to for m in mail.outbox] == [[lead.email]]  # the campaign is complete


def test_publication_events_are_delivered(settings, receiver, django_capture_on_commit_callbacks):
    from campaigns.publishing.services import publication_request

    settings.HUB_BACKEND = "local"
    campaign = make_campaign(records=2)
    _endpoint, secret = webhook_endpoint_create(
        campaign=campaign, url=receiver.url, events=["publication.succeeded"]
    )
    receiver.secret = secret
    campaign.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publication, _ = publication_request(campaign=campaign)
    (got,) = receiver.received
    assert got["valid"] and got["body"]["type"] == "publication.succeeded"
    data = got["body"]["data"]["publication"]
    assert data["id"] == publication.pk and data["state"] == "succeeded" and data["commit_id"]


def test_a_review_sends_response_reviewed(receiver, django_capture_on_commit_callbacks):
    from annotation.models import Response
    from annotation.review import response_review
    from annotation.services import response_submit
    from tests.annotation.factories import record_hand_to

    campaign = make_campaign(records=1, overlap=1)
    _endpoint, secret = webhook_endpoint_create(
        campaign=campaign, url=receiver.url, events=["response.reviewed"]
    )
    receiver.secret = secret
    annotator = UserFactory(username="grace")
    record = campaign.records.get()
    record_hand_to(annotator, record)
    response_submit(user=annotator, record=record, values={"quality": 1})
    answer = Response.objects.get(record=record, user=annotator)
    with django_capture_on_commit_callbacks(execute=True):
        response_review(
            reviewer=campaign.application.applicant,
            response=answer,
            decision="reject",
            comment="Not Yoruba",
        )
    assert [r["body"]["type"] for r in receiver.received] == ["response.reviewed"]
    assert receiver.received[0]["valid"]
    data = receiver.received[0]["body"]["data"]
    assert data["response"] == {
        "id": answer.pk,
        "annotator": "grace",
        "review_status": "rejected",
        "counted": False,
    }
    assert data["review"] == {"decision": "reject", "comment": "Not Yoruba"}
