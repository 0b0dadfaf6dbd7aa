"""The annotation API as a client sees it: campaigns, next, submit, skip, discard,
records, progress; validation per question kind; organisation campaigns are 404."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from annotation.models import Record, Response
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    raw = api_token_create(user=user, name="t", scope="admin").raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_list_shows_public_and_my_org_campaigns_only():
    public = make_campaign()
    secret = make_campaign(visibility="organisation", org="acme")
    outsider, member = UserFactory(), UserFactory(orgs=["acme"])
    slugs = {c["slug"] for c in client_for(outsider).get("/api/v1/campaigns/").json()["results"]}
    assert public.slug in slugs and secret.slug not in slugs
    slugs = {c["slug"] for c in client_for(member).get("/api/v1/campaigns/").json()["results"]}
    assert {public.slug, secret.slug} <= slugs


def test_organisation_campaign_is_404_to_outsiders_everywhere():
    campaign = make_campaign(visibility="organisation", org="acme", records=2)
    record = Record.objects.filter(campaign=campaign).first()
    api = client_for(UserFactory())
    assert api.get(f"/api/v1/campaigns/{campaign.slug}/").status_code == 404
    assert api.post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code == 404
    assert api.get(f"/api/v1/campaigns/{campaign.slug}/progress/").status_code == 404
    put = api.put(
        f"/api/v1/records/{record.pk}/response/", {"values": {"quality": 3}}, format="json"
    )
    assert put.status_code == 404
    assert api.post(f"/api/v1/records/{record.pk}/skip/").status_code == 404
    member = client_for(UserFactory(orgs=["acme"]))
    assert member.post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code == 200


def test_anonymous_is_refused():
    campaign = make_campaign(records=1)
    assert APIClient().post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code in (401, 403)


def test_next_submit_loop_until_nothing_left():
    campaign = make_campaign(records=2, overlap=1)
    api = client_for(UserFactory())
    seen = []
    for _ in range(2):
        lease = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
        assert lease.status_code == 200
        record_id = lease.json()["record"]["id"]
        seen.append(record_id)
        put = api.put(
            f"/api/v1/records/{record_id}/response/", {"values": {"quality": 5}}, format="json"
        )
        assert put.status_code == 201, put.content
        again = api.put(
            f"/api/v1/records/{record_id}/response/", {"values": {"quality": 5}}, format="json"
        )
        assert again.status_code == 200
    assert len(set(seen)) == 2
    done = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert done.status_code == 204 and done["X-Nothing-Left"] == "done"
    progress = api.get(f"/api/v1/campaigns/{campaign.slug}/progress/").json()
    assert progress["completed"] == 2 and progress["my_submitted"] == 2


def test_next_says_busy_when_others_hold_the_rest():
    campaign = make_campaign(records=1, overlap=1)
    client_for(UserFactory()).post(f"/api/v1/campaigns/{campaign.slug}/next/")
    busy = client_for(UserFactory()).post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert busy.status_code == 204
    assert busy["X-Nothing-Left"] == "busy" and int(busy["Retry-After"]) > 0


def test_skip_and_discard():
    campaign = make_campaign(records=2, overlap=1)
    api = client_for(UserFactory())
    first = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    assert api.post(f"/api/v1/records/{first}/skip/").status_code == 204
    second = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    assert second != first
    discard = api.post(f"/api/v1/records/{second}/discard/")
    assert discard.status_code == 200 and discard.json()["status"] == "discarded"
    assert api.post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code == 204


def test_paused_campaign_answers_409():
    campaign = make_campaign(records=1, state="paused")
    response = client_for(UserFactory()).post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert response.status_code == 409 and response.json()["code"] == "campaign_not_open"


VALID = {
    "quality": 4,
    "topic": "poetry",
    "flags": ["creative"],
    "order": ["c", "a", "b"],
    "note": "Fine.",
}


@pytest.mark.parametrize(
    ("question", "bad", "message"),
    [
        ("quality", 9, "rating from 1 to 5"),
        ("quality", "four", "rating from 1 to 5"),
        # str.isdigit() is true for these, and int() raised on them: a 500 before.
        ("quality", "²", "rating from 1 to 5"),
        ("quality", "١", "rating from 1 to 5"),
        ("quality", "9" * 5000, "rating from 1 to 5"),
        ("note", "fine\u0000", "NUL character"),
        ("topic", "cooking", "Unknown label"),
        ("flags", ["creative", "boring"], "Unknown label"),
        ("order", ["a", "b"], "permutation"),
        ("order", ["a", "a", "b"], "permutation"),
        ("note", "   ", "needs an answer"),
    ],
)
def test_each_question_kind_is_validated_with_a_message_per_question(question, bad, message):
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    api = client_for(UserFactory())
    record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    response = api.put(
        f"/api/v1/records/{record_id}/response/",
        {"values": {**VALID, question: bad}},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {question} and message in errors[question]
    assert not Response.objects.exists()


def test_several_bad_answers_get_one_message_each():
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    api = client_for(UserFactory())
    record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    response = api.put(
        f"/api/v1/records/{record_id}/response/",
        {"values": {"quality": 0, "topic": "x", "order": [], "note": "", "extra": 1}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"quality", "topic", "order", "note", "extra"}


def test_all_kinds_accept_valid_answers_and_optional_may_be_empty():
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    api = client_for(UserFactory())
    record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    values = {**VALID, "flags": []}
    response = api.put(f"/api/v1/records/{record_id}/response/", {"values": values}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["values"] == {k: v for k, v in values.items() if k != "flags"}


def test_records_listing_is_for_leads_only():
    lead = UserFactory()
    campaign = make_campaign(lead=lead, records=3)
    assert (
        client_for(UserFactory()).get(f"/api/v1/campaigns/{campaign.slug}/records/").status_code
        == 404
    )
    listing = client_for(lead).get(f"/api/v1/campaigns/{campaign.slug}/records/")
    assert listing.status_code == 200 and listing.json()["count"] == 3


def test_schema_documents_the_annotation_endpoints():
    schema = client_for(UserFactory()).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/campaigns/{slug}/next/",
        "/api/v1/records/{record_id}/response/",
        "/api/v1/campaigns/{slug}/imports/",
        "/api/v1/campaigns/{slug}/progress/",
    ):
        assert path in paths


def test_an_organisation_named_in_another_case_still_admits_its_members():
    # Hub handles are case-insensitive: "SECRET-ORG" and "secret-org" are one organisation.
    campaign = make_campaign(visibility="organisation", org="SECRET-ORG", records=1)
    member, outsider = UserFactory(orgs=["secret-org"]), UserFactory(orgs=["other-org"])
    assert client_for(member).get(f"/api/v1/campaigns/{campaign.slug}/").status_code == 200
    assert client_for(member).post(f"/api/v1/campaigns/{campaign.slug}/next/").status_code == 200
    assert client_for(outsider).get(f"/api/v1/campaigns/{campaign.slug}/").status_code == 404
