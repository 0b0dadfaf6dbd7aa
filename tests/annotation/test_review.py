"""Reviewing (issue 14) through its services: accept / reject with history, the rejected
response's slot back in the pool, revising, blocking and unblocking, comments, and the
records browser's filters."""

import pytest
from django.http import Http404

from annotation import review, review_selectors, services, skips
from annotation.errors import AnnotationError, RecordComplete
from annotation.models import Record, Response, Slot
from annotation.review_models import Review
from campaigns.access import campaign_get_for_reviewer, campaign_get_for_user
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign, record_hand_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def answer(user, record, quality):
    record_hand_to(user, record)
    return services.response_submit(user=user, record=record, values={"quality": quality}).response


def fresh(obj):
    obj.refresh_from_db()
    return obj


def test_rejecting_frees_the_slot_for_another_annotator_and_keeps_history():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a, b, c = campaign.application.applicant, UserFactory(), UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    answer(b, record, 5)
    assert fresh(record).response_count == 2
    assert isinstance(services.lease_next_record(user=c, campaign=campaign), services.NothingLeft)

    review.response_review(reviewer=lead, response=ra, decision="reject", comment="Not Arabic")

    assert fresh(record).response_count == 1
    ra = fresh(ra)
    assert (ra.counted, ra.review_status, ra.review_comment) == (False, "rejected", "Not Arabic")
    free = Slot.objects.filter(record=record, filled=False)
    assert free.count() == 1 and free.first().holder_id is None
    assert set(Slot.objects.filter(record=record).values_list("record_responses", flat=True)) == {1}
    # a is never offered the record again; c gets the freed slot and fills it.
    assert isinstance(services.lease_next_record(user=a, campaign=campaign), services.NothingLeft)
    lease = services.lease_next_record(user=c, campaign=campaign)
    assert lease.record.pk == record.pk
    services.response_submit(user=c, record=record, values={"quality": 4})
    assert fresh(record).response_count == 2
    assert [r.decision for r in Review.objects.filter(response=ra)] == ["reject"]
    assert Review.objects.get(response=ra).reviewer == lead


def test_revising_a_rejected_response_needs_a_free_slot():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a, b, c = campaign.application.applicant, UserFactory(), UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    answer(b, record, 5)
    review.response_review(reviewer=lead, response=ra, decision="reject", comment="Check again")
    # The slot is free: a revises, the response counts again and waits for review.
    services.response_submit(user=a, record=record, values={"quality": 4})
    ra = fresh(ra)
    assert (ra.counted, ra.review_status, ra.values) == (True, "pending", {"quality": 4})
    assert fresh(record).response_count == 2
    # Rejected again, and c fills the slot meanwhile: revising is refused, nothing changes.
    review.response_review(reviewer=lead, response=ra, decision="reject")
    answer(c, record, 3)
    with pytest.raises(RecordComplete):
        services.response_submit(user=a, record=record, values={"quality": 2})
    assert fresh(ra).values == {"quality": 4} and fresh(ra).review_status == "rejected"
    assert fresh(record).response_count == 2


def test_accepting_a_revised_answer_goes_back_to_pending_and_same_answer_keeps_it():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a = campaign.application.applicant, UserFactory()
    ra = answer(a, record, 3)
    review.response_review(reviewer=lead, response=ra, decision="accept")
    services.response_submit(user=a, record=record, values={"quality": 3})  # a retry
    assert fresh(ra).review_status == "accepted"
    services.response_submit(user=a, record=record, values={"quality": 2})
    assert fresh(ra).review_status == "pending"
    assert fresh(record).response_count == 1


def test_accepting_a_rejected_response_counts_it_again_or_409s_when_complete():
    campaign = make_campaign(records=1, overlap=1)
    record = Record.objects.get(campaign=campaign)
    lead, a, b = campaign.application.applicant, UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    review.response_review(reviewer=lead, response=ra, decision="reject")
    review.response_review(reviewer=lead, response=ra, decision="accept")
    assert fresh(ra).counted and fresh(record).response_count == 1
    review.response_review(reviewer=lead, response=ra, decision="reject")
    answer(b, record, 2)
    with pytest.raises(RecordComplete):
        review.response_review(reviewer=lead, response=ra, decision="accept")
    assert fresh(ra).review_status == "rejected" and fresh(record).response_count == 1
    assert Review.objects.filter(response=ra).count() == 3


def test_discarding_a_rejected_response_does_not_free_a_second_slot():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a, b = campaign.application.applicant, UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    answer(b, record, 2)
    review.response_review(reviewer=lead, response=ra, decision="reject")
    skips.response_discard(user=a, record=record)
    assert fresh(record).response_count == 1
    assert Slot.objects.filter(record=record, filled=True).count() == 1


def test_reviewing_is_refused_after_close_and_for_discards():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a, b = campaign.application.applicant, UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    record_hand_to(b, record)
    rb = skips.response_discard(user=b, record=record)
    with pytest.raises(AnnotationError, match="discarded"):
        review.response_review(reviewer=lead, response=rb, decision="accept")
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.CLOSED)
    ra = Response.objects.select_related("record__campaign").get(pk=ra.pk)
    with pytest.raises(review.CampaignClosed):
        review.response_review(reviewer=lead, response=ra, decision="reject")
    assert fresh(ra).review_status == "pending"


def test_reviewers_review_and_others_get_404():
    campaign = make_campaign(records=1, overlap=2)
    record = Record.objects.get(campaign=campaign)
    lead, a, reviewer = campaign.application.applicant, UserFactory(), UserFactory()
    ra = answer(a, record, 1)
    with pytest.raises(Http404):
        review_selectors.response_get_for_reviewer(reviewer, ra.pk)
    with pytest.raises(Http404):
        campaign_get_for_reviewer(a, campaign.slug)
    review.campaign_reviewer_add(campaign=campaign, username=reviewer.username.upper(), by=lead)
    found = review_selectors.response_get_for_reviewer(reviewer, ra.pk)
    review.response_review(reviewer=reviewer, response=found, decision="accept")
    assert fresh(ra).review_status == "accepted"
    review.campaign_reviewer_remove(campaign=campaign, username=reviewer.username)
    with pytest.raises(Http404):
        review_selectors.response_get_for_reviewer(reviewer, ra.pk)
    with pytest.raises(review.UnknownUser):
        review.campaign_reviewer_add(campaign=campaign, username="nobody-here", by=lead)


def test_organisation_campaign_reviewer_sees_it():
    campaign = make_campaign(records=1, visibility="organisation", org="acme")
    reviewer = UserFactory()
    with pytest.raises(Http404):
        campaign_get_for_user(reviewer, campaign.slug)
    review.campaign_reviewer_add(
        campaign=campaign, username=reviewer.username, by=campaign.application.applicant
    )
    assert campaign_get_for_reviewer(reviewer, campaign.slug) == campaign


def test_blocking_hides_the_campaign_ends_leases_and_frees_slots_and_unblock_restores():
    campaign = make_campaign(records=3, overlap=2)
    r1, r2, r3 = Record.objects.filter(campaign=campaign).order_by("id")
    lead, bad, b, c = campaign.application.applicant, UserFactory(), UserFactory(), UserFactory()
    answer(bad, r1, 1)
    answer(bad, r2, 1)
    answer(b, r1, 4)
    record_hand_to(bad, r3)  # an open lease
    result = review.annotator_block(
        campaign=campaign, username=bad.username, by=lead, reason="straight-lining"
    )
    assert (result.leases_ended, result.responses_changed) == (1, 2)
    with pytest.raises(Http404):
        campaign_get_for_user(bad, campaign.slug)
    assert [fresh(r).response_count for r in (r1, r2, r3)] == [1, 0, 0]
    assert not Slot.objects.filter(campaign=campaign, holder=bad).exists()
    assert not Response.objects.filter(user=bad, counted=True).exists()
    # c fills r1's freed slot; r2 keeps one free.
    answer(c, r1, 3)
    result = review.annotator_unblock(campaign=campaign, username=bad.username)
    assert (result.responses_changed, result.responses_not_restored) == (1, 1)
    assert campaign_get_for_user(bad, campaign.slug) == campaign
    assert [fresh(r).response_count for r in (r1, r2)] == [2, 1]
    assert fresh(Response.objects.get(user=bad, record=r2)).counted
    assert not Response.objects.get(user=bad, record=r1).counted


def test_blocking_a_lead_is_refused():
    campaign = make_campaign(records=1)
    lead, co_lead = campaign.application.applicant, UserFactory()
    campaign.application.co_leads.add(co_lead)
    for who in (lead, co_lead):
        with pytest.raises(AnnotationError) as refused:
            review.annotator_block(campaign=campaign, username=who.username, by=lead)
        assert refused.value.code == "cannot_block_lead"
    assert not campaign.blocks.exists()


def test_comments_by_annotators_reviewers_and_leads_only():
    campaign = make_campaign(records=2, overlap=2)
    r1, _r2 = Record.objects.filter(campaign=campaign).order_by("id")
    lead, a, stranger = campaign.application.applicant, UserFactory(), UserFactory()
    answer(a, r1, 2)
    r1 = Record.objects.select_related("campaign__application").get(pk=r1.pk)
    review.record_comment_add(user=a, record=r1, body="This prompt is not in Arabic")
    review.record_comment_add(user=lead, record=r1, body="Thanks, removing it.")
    with pytest.raises(review.ReviewRefused):
        review.record_comment_add(user=stranger, record=r1, body="hi")
    bodies = [c.body for c in review_selectors.record_comments(r1)]
    assert bodies == ["This prompt is not in Arabic", "Thanks, removing it."]
    commented = review_selectors.records_browse(
        campaign, review_selectors.RecordFilters(has_comments=True)
    )
    assert [r.pk for r in commented] == [r1.pk]


def test_browser_filters_and_sorts():
    campaign = make_campaign(records=4, overlap=2)
    r0, r1, r2, r3 = Record.objects.filter(campaign=campaign).order_by("id")
    Record.objects.filter(pk=r2.pk).update(metadata={"lang": "ar"})
    lead, a, b = campaign.application.applicant, UserFactory(username="amal"), UserFactory()
    answer(a, r0, 1)
    answer(b, r0, 5)  # spread 4
    answer(a, r1, 3)
    answer(b, r1, 3)  # spread 0
    rb = answer(b, r2, 2)
    review.response_review(reviewer=lead, response=rb, decision="reject")

    def ids(**kw):
        filters = review_selectors.RecordFilters(**kw)
        return [r.pk for r in review_selectors.records_browse(campaign, filters)]

    assert ids(q="number 3") == [r3.pk]
    assert ids(status="complete") == [r0.pk, r1.pk]
    assert ids(status="needs_responses") == [r2.pk, r3.pk]
    assert ids(status="has_rejected") == [r2.pk]
    assert ids(meta_key="lang", meta_value="ar") == [r2.pk]
    assert ids(annotator="AMAL") == [r0.pk, r1.pk]
    assert ids(min_disagreement=2) == [r0.pk]
    assert ids(sort="disagreement")[:2] == [r0.pk, r1.pk]
    assert ids(sort="recent")[0] == r2.pk
    # The queue: pending responses, the record with the most disagreement first.
    queue = list(review_selectors.review_queue(campaign))
    assert [r.record_id for r in queue] == [r0.pk, r0.pk, r1.pk, r1.pk]
    assert queue[0].disagreement == 4
