"""Drafts and coming back to skipped records: services, pages and API, on any database."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from annotation import drafts, services, skips
from annotation.errors import LeaseLost, LeaseRequired
from annotation.models import Record, Response, Skip, Slot
from campaigns.dashboards.models import CampaignUserStats
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def lease(user, campaign):
    return services.lease_next_record(user=user, campaign=campaign)


def expire(user, record):
    Slot.objects.filter(record=record, holder=user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def api_for(user) -> APIClient:
    api = APIClient()
    token = api_token_create(user=user, name="t", scope="annotate")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    return api


# --- services --------------------------------------------------------------------------------
def test_a_draft_counts_nowhere_and_comes_back_with_its_answers():
    campaign = make_campaign(records=2, overlap=1, questions=None)
    user = UserFactory()
    record = lease(user, campaign).record
    result = drafts.draft_save(user=user, record=record, values={"quality": "4"})
    assert result.response.status == Response.Status.DRAFT
    assert result.response.values == {"quality": 4}
    record.refresh_from_db()
    assert record.response_count == 0
    assert not Slot.objects.filter(record=record, filled=True).exists()
    assert not CampaignUserStats.objects.filter(campaign_id=campaign.pk, responses__gt=0).exists()
    again = lease(user, campaign)
    assert again.record.pk == record.pk and again.draft_values == {"quality": 4}


def test_submitting_a_draft_makes_it_the_one_submitted_response():
    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    record = lease(user, campaign).record
    draft = drafts.draft_save(user=user, record=record, values={}).response
    result = services.response_submit(user=user, record=record, values={"quality": 2})
    assert result.response.pk == draft.pk and result.created
    response = Response.objects.get(record=record, user=user)
    assert response.status == Response.Status.SUBMITTED and response.values == {"quality": 2}
    record.refresh_from_db()
    assert record.response_count == 1
    assert CampaignUserStats.objects.get(campaign_id=campaign.pk, user=user).responses == 1
    assert lease(user, campaign).reason == "done"


def test_saving_extends_the_lease_up_to_the_leads_limit():
    campaign = make_campaign(records=1, lease_seconds=600)
    Campaign.objects.filter(pk=campaign.pk).update(draft_hold_seconds=900)
    campaign.refresh_from_db()
    user = UserFactory()
    record = lease(user, campaign).record
    first = drafts.draft_save(user=user, record=record, values={})
    assert first.expires_at > timezone.now() + timedelta(seconds=590)
    # 10 minutes later the lease has almost run out; a save extends it, but only to 15
    # minutes after the first save.
    Response.objects.filter(pk=first.response.pk).update(
        created_at=timezone.now() - timedelta(seconds=600)
    )
    Slot.objects.filter(record=record, holder=user).update(
        expires_at=timezone.now() + timedelta(seconds=5)
    )
    second = drafts.draft_save(user=user, record=record, values={"quality": 3})
    held = (second.expires_at - timezone.now()).total_seconds()
    assert 250 < held <= 300
    # Past the limit a save no longer extends it.
    Response.objects.filter(pk=first.response.pk).update(
        created_at=timezone.now() - timedelta(seconds=2000)
    )
    third = drafts.draft_save(user=user, record=record, values={"quality": 3})
    assert third.expires_at == second.expires_at


def test_a_first_draft_needs_the_record_reserved():
    campaign = make_campaign(records=2)
    user = UserFactory()
    other = Record.objects.filter(campaign=campaign).order_by("id").last()
    lease(user, campaign)
    with pytest.raises(LeaseRequired):
        drafts.draft_save(user=user, record=other, values={})
    assert not Response.objects.exists()


def test_resuming_after_the_lease_went_to_someone_else_says_so():
    campaign = make_campaign(records=1, overlap=1)
    user, other = UserFactory(), UserFactory()
    record = lease(user, campaign).record
    drafts.draft_save(user=user, record=record, values={"quality": 5})
    expire(user, record)
    assert lease(other, campaign).record.pk == record.pk  # the slot went to someone else
    with pytest.raises(LeaseLost, match="ran out and other annotators took"):
        drafts.draft_resume(user=user, record=record)
    with pytest.raises(LeaseLost):
        services.response_submit(user=user, record=record, values={"quality": 5})
    services.response_submit(user=other, record=record, values={"quality": 1})
    with pytest.raises(LeaseLost):
        drafts.draft_resume(user=user, record=record)
    record.refresh_from_db()
    assert record.response_count == 1  # the draft never counted
    assert Response.objects.get(record=record, user=user).status == Response.Status.DRAFT


def test_resuming_a_draft_whose_lease_ended_takes_a_free_place_and_gives_back_the_other():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    first = lease(user, campaign).record
    drafts.draft_save(user=user, record=first, values={"quality": 2})
    Slot.objects.filter(record=first, holder=user).update(holder=None, expires_at=None)
    second = lease(user, campaign).record
    assert second.pk != first.pk
    resumed = drafts.draft_resume(user=user, record=first)
    assert resumed.record.pk == first.pk and resumed.draft_values == {"quality": 2}
    assert not Slot.objects.filter(record=second, holder=user).exists()
    services.response_submit(user=user, record=first, values={"quality": 2})
    assert Record.objects.get(pk=first.pk).response_count == 1


def test_discarding_or_skipping_a_draft():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    first = lease(user, campaign).record
    drafts.draft_save(user=user, record=first, values={"quality": 2})
    discarded = skips.response_discard(user=user, record=first)
    assert discarded.status == Response.Status.DISCARDED
    assert Record.objects.get(pk=first.pk).response_count == 0  # nothing to take back
    assert not Slot.objects.filter(holder=user).exists()
    second = lease(user, campaign).record
    drafts.draft_save(user=user, record=second, values={"quality": 2})
    skips.record_skip(user=user, record=second)
    assert not Response.objects.filter(record=second).exists()


# --- pages ----------------------------------------------------------------------------------
@pytest.fixture
def annotator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_save_draft_from_the_page_without_and_with_script(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert (
        'value="draft"' in body and "Save draft" in body and "<kbd>Ctrl</kbd>+<kbd>S</kbd>" in body
    )
    record = Record.objects.filter(campaign=campaign).order_by("id").first()
    url = f"/annotate/{campaign.slug}/records/{record.pk}/"
    data = client.post(
        url, {"action": "draft", "q-quality": "3"}, HTTP_ACCEPT="application/json"
    ).json()
    assert data["state"] == "draft" and data["lease_expires_at"]
    assert "Draft saved" in data["detail"]
    response = client.post(url, {"action": "draft", "q-quality": "4"})
    assert response.status_code == 302 and response["Location"] == f"/annotate/{campaign.slug}/"
    page = client.get(response["Location"]).content.decode()
    assert "Draft saved" in page and "Your draft of this record" in page
    assert 'value="4" checked' in page and "Prompt number 0" in page
    assert Response.objects.get(record=record).status == "draft"


def test_my_drafts_lists_and_resumes_a_draft(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    record = lease(annotator, campaign).record
    drafts.draft_save(user=annotator, record=record, values={"quality": 5})
    Slot.objects.filter(holder=annotator).update(holder=None, expires_at=None)
    lease(annotator, campaign)  # now on the other record
    mine = client.get(f"/annotate/{campaign.slug}/mine/").content.decode()
    assert "My drafts" in mine and "your reservation has ended" in mine
    assert f"/annotate/{campaign.slug}/drafts/{record.pk}/" in mine
    assert "Nothing yet." in mine  # a draft is not an answer
    page = client.get(f"/annotate/{campaign.slug}/drafts/{record.pk}/").content.decode()
    assert "Prompt number 0" in page and 'value="5" checked' in page


def test_resuming_a_lost_draft_on_the_page_says_so(client, annotator):
    campaign = make_campaign(records=1, overlap=1)
    record = lease(annotator, campaign).record
    drafts.draft_save(user=annotator, record=record, values={"quality": 5})
    expire(annotator, record)
    other = UserFactory()
    lease(other, campaign)
    services.response_submit(user=other, record=record, values={"quality": 1})
    response = client.get(f"/annotate/{campaign.slug}/drafts/{record.pk}/", follow=True)
    body = response.content.decode()
    assert "ran out and other annotators took its places" in body
    assert "others completed this record" in body


def test_nothing_left_offers_the_skipped_records_again(client, annotator):
    campaign = make_campaign(records=3)
    for _ in range(3):
        record = lease(annotator, campaign).record
        client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "skip"})
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "You skipped 3 records — look at them again?" in body
    assert "All done" not in body
    response = client.post(f"/annotate/{campaign.slug}/skipped/restore/")
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "3 skipped records are offered to you again." in body
    assert "Prompt number 0" in body


def test_my_contributions_lists_skips_with_an_undo(client, annotator):
    campaign = make_campaign(records=2)
    record = lease(annotator, campaign).record
    skips.record_skip(user=annotator, record=record)
    mine = client.get(f"/annotate/{campaign.slug}/mine/").content.decode()
    assert "Records I skipped" in mine and "Undo skip" in mine and record.external_id in mine
    response = client.post(
        f"/annotate/{campaign.slug}/skipped/restore/", {"record": record.pk, "next": "mine"}
    )
    assert response["Location"] == f"/annotate/{campaign.slug}/mine/"
    assert "Records I skipped" not in client.get(response["Location"]).content.decode()
    assert not Skip.objects.filter(user=annotator).exists()


def test_the_annotate_page_shows_progress_and_the_json_path_updates_it(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    page = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert 'data-progress="mine">0<' in page and 'data-progress="records">2<' in page
    assert 'class="annotate-layout"' in page and "data-open-when-wide" in page
    record = Record.objects.filter(campaign=campaign).order_by("id").first()
    data = client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/",
        {"action": "submit", "q-quality": "2"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert data["progress"]["mine"] == 1
    assert data["progress"]["completed"] == 1 and data["progress"]["completed_percent"] == 50
    # and without the script, after the redirect
    page = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert 'data-progress="mine">1<' in page and 'data-progress="completed_percent">50<' in page


# --- API --------------------------------------------------------------------------------------
def test_api_drafts_round_trip():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    api = api_for(user)
    leased = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()
    assert leased["draft"] is None
    record_id = leased["record"]["id"]
    assert api.get(f"/api/v1/records/{record_id}/response/").status_code == 404
    saved = api.put(
        f"/api/v1/records/{record_id}/draft/", {"values": {"quality": 3}}, format="json"
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["status"] == "draft" and saved.json()["lease_expires_at"]
    bad = api.put(f"/api/v1/records/{record_id}/draft/", {"values": {"quality": 9}}, format="json")
    assert bad.status_code == 400 and "quality" in bad.json()["errors"]
    mine = api.get(f"/api/v1/records/{record_id}/response/").json()
    assert mine["status"] == "draft" and mine["values"] == {"quality": 3}
    again = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()
    assert again["record"]["id"] == record_id and again["draft"] == {"quality": 3}
    progress = api.get(f"/api/v1/campaigns/{campaign.slug}/progress/").json()
    assert progress["responses"] == 0 and progress["contributors"] == 0
    submitted = api.put(
        f"/api/v1/records/{record_id}/response/", {"values": {"quality": 3}}, format="json"
    )
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    assert api.get(f"/api/v1/campaigns/{campaign.slug}/progress/").json()["responses"] == 1
    late = api.put(f"/api/v1/records/{record_id}/draft/", {"values": {}}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "already_answered"


def test_api_skipped_records_come_back():
    campaign = make_campaign(records=2)
    user = UserFactory()
    api = api_for(user)
    for _ in range(2):
        record_id = api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
        assert api.post(f"/api/v1/records/{record_id}/skip/").status_code == 204
    nothing = api.post(f"/api/v1/campaigns/{campaign.slug}/next/")
    assert nothing.status_code == 204
    assert nothing["X-Nothing-Left"] == "skipped" and nothing["X-Skipped"] == "2"
    listed = api.get(f"/api/v1/campaigns/{campaign.slug}/skipped/").json()
    assert len(listed) == 2 and {"record", "external_id", "skipped_at"} <= set(listed[0])
    assert api.delete(f"/api/v1/records/{record_id}/skip/").status_code == 204
    assert api.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"] == record_id
    assert api.delete(f"/api/v1/campaigns/{campaign.slug}/skipped/").json() == {"restored": 1}


def test_the_lead_sets_how_long_a_draft_holds_its_record(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready", records=1)
    client.force_login(lead)
    page = client.get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert 'name="draft_hold_seconds"' in page and 'value="7200"' in page
    client.post(
        f"/campaigns/{campaign.slug}/settings/",
        {"responses_per_record": "2", "lease_seconds": "300", "draft_hold_seconds": "1800"},
    )
    campaign.refresh_from_db()
    assert campaign.draft_hold_seconds == 1800 and campaign.lease_seconds == 300
    response = client.post(
        f"/campaigns/{campaign.slug}/settings/",
        {"responses_per_record": "2", "lease_seconds": "300", "draft_hold_seconds": "-1"},
    )
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()


def test_nothing_left_points_to_my_drafts(client, annotator):
    campaign = make_campaign(records=1, overlap=1)
    record = lease(annotator, campaign).record
    drafts.draft_save(user=annotator, record=record, values={"quality": 5})
    Slot.objects.filter(holder=annotator).update(holder=None, expires_at=None)
    lease(UserFactory(), campaign)  # someone else holds the only place now
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "You have 1 draft" in body and f"/annotate/{campaign.slug}/mine/" in body


def test_a_draft_is_not_counted_for_review_or_publication_until_submitted():
    """Review (issue 14) counts a response while it fills a slot: a draft fills none, so it
    is created un-counted, is never published, and counts (pending review) once submitted."""
    from campaigns.publishing.batches import kept_responses

    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    record = lease(user, campaign).record
    draft = drafts.draft_save(user=user, record=record, values={"quality": 3}).response
    assert Response.objects.get(pk=draft.pk).counted is False
    assert not kept_responses(campaign, False).exists()
    services.response_submit(user=user, record=record, values={"quality": 3})
    submitted = Response.objects.get(pk=draft.pk)
    assert (submitted.status, submitted.counted, submitted.review_status) == (
        "submitted",
        True,
        "pending",
    )
    assert list(kept_responses(campaign, False)) == [submitted]
    assert not kept_responses(campaign, True).exists()  # only reviewed: not yet accepted
