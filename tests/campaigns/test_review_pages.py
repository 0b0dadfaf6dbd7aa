"""The review pages (issue 14) as a lead, a reviewer and an annotator use them, without
JavaScript: browse, open a record, work the queue, reject with a comment, see it in My
contributions, revise, comment, name reviewers, block and unblock."""

import pytest
from django.test import Client

from annotation import services
from annotation.models import Record, Response
from tests.annotation.factories import make_campaign, record_hand_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answer(user, record, quality):
    record_hand_to(user, record)
    return services.response_submit(user=user, record=record, values={"quality": quality}).response


@pytest.fixture
def scene():
    campaign = make_campaign(records=3, overlap=2)
    r0, r1, r2 = Record.objects.filter(campaign=campaign).order_by("id")
    a, b = UserFactory(username="amal"), UserFactory(username="bruno")
    answer(a, r0, 3)
    answer(b, r0, 3)
    answer(a, r1, 1)
    answer(b, r1, 5)
    return campaign, (r0, r1, r2), a, b


def test_lead_browses_filters_and_opens_a_record(scene):
    campaign, (r0, r1, r2), _a, _b = scene
    lead = signed_in(campaign.application.applicant)
    base = f"/campaigns/{campaign.slug}/settings/records/"
    page = lead.get(base, {"min_disagreement": "2"}).content.decode()
    assert f'data-record="{r1.pk}"' in page and f'data-record="{r0.pk}"' not in page
    assert "highest minus the lowest rating" in page
    page = lead.get(base, {"status": "needs_responses"}).content.decode()
    assert f'data-record="{r2.pk}"' in page and f'data-record="{r1.pk}"' not in page
    page = lead.get(f"{base}{r1.pk}/").content.decode()
    assert "amal" in page and "bruno" in page and "Prompt number 1" in page


def test_queue_puts_disagreement_first_and_reject_reaches_the_annotator(scene):
    campaign, (_r0, r1, _r2), a, _b = scene
    lead = signed_in(campaign.application.applicant)
    queue = f"/campaigns/{campaign.slug}/settings/review/"
    page = lead.get(queue).content.decode()
    first = Response.objects.get(user=a, record=r1)
    assert f'data-review-item="{first.pk}"' in page  # r1: ratings 1 and 5
    assert 'data-key="a"' in page and 'data-key="j"' in page
    answer_page = lead.post(
        f"{queue}{first.pk}/",
        {"decision": "reject", "comment": "Read the guidelines", "next": f"{queue}?at=0"},
    )
    assert answer_page.status_code == 302 and answer_page.url == f"{queue}?at=0"
    first.refresh_from_db()
    assert (first.review_status, first.counted) == ("rejected", False)
    # The annotator sees the comment and revises while the campaign is open.
    annotator = signed_in(a)
    mine = annotator.get(f"/annotate/{campaign.slug}/mine/").content.decode()
    assert "Read the guidelines" in mine and "rejected" in mine
    annotator.post(
        f"/annotate/{campaign.slug}/records/{r1.pk}/", {"q-quality": "2", "next": "mine"}
    )
    first.refresh_from_db()
    assert (first.review_status, first.counted, first.values) == ("pending", True, {"quality": 2})


def test_reviewer_reviews_but_does_not_manage(scene):
    campaign, (r0, _r1, _r2), _a, b = scene
    lead = signed_in(campaign.application.applicant)
    reviewer = UserFactory(username="rita")
    assert (
        signed_in(reviewer).get(f"/campaigns/{campaign.slug}/settings/review/").status_code == 404
    )
    lead.post(f"/campaigns/{campaign.slug}/settings/reviewers/", {"username": "RITA"})
    assert "rita" in lead.get(f"/campaigns/{campaign.slug}/settings/reviewers/").content.decode()
    rita = signed_in(reviewer)
    page = rita.get(f"/campaigns/{campaign.slug}/settings/review/")
    assert page.status_code == 200 and "Fields and questions" not in page.content.decode()
    target = Response.objects.get(user=b, record=r0)
    rita.post(f"/campaigns/{campaign.slug}/settings/review/{target.pk}/", {"decision": "accept"})
    target.refresh_from_db()
    assert target.review_status == "accepted" and target.reviews.get().reviewer == reviewer
    assert rita.get(f"/campaigns/{campaign.slug}/settings/reviewers/").status_code == 404
    assert rita.get(f"/campaigns/{campaign.slug}/settings/blocked/").status_code == 404


def test_comments_from_an_annotator_show_as_a_filter(scene):
    campaign, (r0, r1, _r2), a, _b = scene
    annotator = signed_in(a)
    annotator.post(
        f"/annotate/{campaign.slug}/records/{r0.pk}/comments/",
        {"body": "This prompt is not in Arabic"},
    )
    stranger = signed_in(UserFactory())
    refused = stranger.post(f"/annotate/{campaign.slug}/records/{r0.pk}/comments/", {"body": "x"})
    assert refused.status_code == 404
    lead = signed_in(campaign.application.applicant)
    page = lead.get(
        f"/campaigns/{campaign.slug}/settings/records/", {"has_comments": "1"}
    ).content.decode()
    assert f'data-record="{r0.pk}"' in page and f'data-record="{r1.pk}"' not in page
    record_page = lead.get(f"/campaigns/{campaign.slug}/settings/records/{r0.pk}/")
    assert "This prompt is not in Arabic" in record_page.content.decode()


def test_blocking_from_the_page_hides_the_campaign_and_unblocking_restores(scene):
    campaign, (r0, _r1, _r2), a, _b = scene
    lead_user = campaign.application.applicant
    lead = signed_in(lead_user)
    blocked = f"/campaigns/{campaign.slug}/settings/blocked/"
    lead.post(blocked, {"username": "amal", "reason": "straight-lining"})
    annotator = signed_in(a)
    assert annotator.get(f"/campaigns/{campaign.slug}/").status_code == 404
    assert annotator.get(f"/annotate/{campaign.slug}/").status_code == 404
    assert Record.objects.get(pk=r0.pk).response_count == 1
    assert "straight-lining" in lead.get(blocked).content.decode()
    refused = lead.post(blocked, {"username": lead_user.username}, follow=True)
    assert "cannot be blocked" in refused.content.decode()
    lead.post(f"{blocked}amal/remove/")
    assert annotator.get(f"/campaigns/{campaign.slug}/").status_code == 200
    assert Record.objects.get(pk=r0.pk).response_count == 2
