"""The reviewing API (issue 14) as a script uses it: browse with filters, a record with its
responses, the queue, accept / reject, reviewers, blocks, comments; and the bad input:
other campaigns' and invisible responses 404, a closed campaign 409, the lead not
blockable."""

import pytest

from annotation import services
from annotation.models import Record, Response
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign, record_hand_to
from tests.annotation.test_api import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def answer(user, record, quality):
    record_hand_to(user, record)
    return services.response_submit(user=user, record=record, values={"quality": quality}).response


@pytest.fixture
def scene():
    campaign = make_campaign(records=2, overlap=2)
    r0, r1 = Record.objects.filter(campaign=campaign).order_by("id")
    a, b = UserFactory(username="amal"), UserFactory(username="bruno")
    answer(a, r0, 1)
    answer(b, r0, 5)
    answer(a, r1, 2)
    return campaign, r0, r1, a, b


def test_browse_detail_queue_and_reject(scene):
    campaign, r0, r1, a, _b = scene
    api = client_for(campaign.application.applicant)
    base = f"/api/v1/campaigns/{campaign.slug}"
    found = api.get(f"{base}/records/", {"min_disagreement": 3, "sort": "disagreement"}).json()
    assert [(r["id"], r["disagreement"]) for r in found["results"]] == [(r0.pk, 4.0)]
    assert [r["id"] for r in api.get(f"{base}/records/", {"q": "number 1"}).json()["results"]] == [
        r1.pk
    ]
    queue = api.get(f"{base}/review-queue/").json()["results"]
    assert [item["record"] for item in queue] == [r0.pk, r0.pk, r1.pk]
    target = queue[0]["id"]
    done = api.post(
        f"/api/v1/responses/{target}/review/",
        {"decision": "reject", "comment": "Wrong scale"},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["review_status"] == "rejected" and done.json()["counted"] is False
    assert done.json()["reviews"][0]["comment"] == "Wrong scale"
    detail = api.get(f"{base}/records/{r0.pk}/").json()
    assert detail["response_count"] == 1
    assert {(r["annotator"], r["review_status"]) for r in detail["responses"]} == {
        ("amal", "rejected"),
        ("bruno", "pending"),
    }
    # The annotator reads the comment in their responses.
    mine = client_for(a).get(f"{base}/my-responses/").json()["results"]
    assert {m["review_comment"] for m in mine} == {"Wrong scale", ""}


def test_bad_input(scene):
    campaign, r0, _r1, a, _b = scene
    lead = campaign.application.applicant
    api = client_for(lead)
    other = make_campaign(records=1, visibility="organisation", org="elsewhere")
    hidden = answer(UserFactory(orgs=["elsewhere"]), other.records.get(), 3)
    assert (
        api.post(
            f"/api/v1/responses/{hidden.pk}/review/", {"decision": "accept"}, format="json"
        ).status_code
        == 404
    )
    # A record of another campaign through this campaign's URL.
    assert (
        api.get(f"/api/v1/campaigns/{campaign.slug}/records/{other.records.get().pk}/").status_code
        == 404
    )
    # An annotator cannot review, not even their own answer.
    mine = Response.objects.get(user=a, record=r0)
    assert (
        client_for(a)
        .post(f"/api/v1/responses/{mine.pk}/review/", {"decision": "accept"}, format="json")
        .status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/responses/{mine.pk}/review/", {"decision": "maybe"}, format="json"
        ).status_code
        == 400
    )
    blocked = api.post(
        f"/api/v1/campaigns/{campaign.slug}/blocks/", {"username": lead.username}, format="json"
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "cannot_block_lead"
    unknown = api.post(
        f"/api/v1/campaigns/{campaign.slug}/reviewers/", {"username": "nobody"}, format="json"
    )
    assert unknown.status_code == 400
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.CLOSED)
    closed = api.post(f"/api/v1/responses/{mine.pk}/review/", {"decision": "reject"}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "campaign_closed"


def test_reviewers_blocks_and_comments(scene):
    campaign, r0, _r1, a, _b = scene
    api = client_for(campaign.application.applicant)
    base = f"/api/v1/campaigns/{campaign.slug}"
    rita = UserFactory(username="rita", hf_username="Rita-HF")
    assert api.post(f"{base}/reviewers/", {"username": "rita-hf"}, format="json").status_code == 201
    assert [r["username"] for r in api.get(f"{base}/reviewers/").json()] == ["rita"]
    reviewer_api = client_for(rita)
    assert reviewer_api.get(f"{base}/review-queue/").status_code == 200
    assert reviewer_api.get(f"{base}/reviewers/").status_code == 404
    assert api.delete(f"{base}/reviewers/rita/").status_code == 204
    assert reviewer_api.get(f"{base}/review-queue/").status_code == 404

    said = client_for(a).post(
        f"/api/v1/records/{r0.pk}/comments/", {"body": "Not in Arabic"}, format="json"
    )
    assert said.status_code == 201 and said.json()["author"] == "amal"
    assert client_for(UserFactory()).get(f"/api/v1/records/{r0.pk}/comments/").status_code == 404
    commented = api.get(f"{base}/records/", {"has_comments": "true"}).json()["results"]
    assert [r["id"] for r in commented] == [r0.pk]

    blocked = api.post(f"{base}/blocks/", {"username": "amal", "reason": "spam"}, format="json")
    assert blocked.status_code == 201 and blocked.json()["responses_changed"] == 2
    assert client_for(a).get(f"{base}/").status_code == 404
    assert [x["reason"] for x in api.get(f"{base}/blocks/").json()] == ["spam"]
    restored = api.delete(f"{base}/blocks/amal/").json()
    assert (restored["blocked"], restored["responses_changed"]) == (False, 2)
    assert client_for(a).get(f"{base}/").status_code == 200
