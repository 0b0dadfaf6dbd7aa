"""Assignment on any database: leases, skips, discards, overlap, idempotent submits.

Every test runs twice: inside a test transaction (the portable ORM path, on any database)
and, on PostgreSQL, with `transaction=True`, where the hot path's hand-written statements
(`services_pg.lease_next_record_pg`, `services_pg.response_submit_pg`) run, as they do
in production: they are skipped inside a transaction, so a `django_db` test alone never
reaches them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation import drafts, services, services_pg, skips
from annotation.errors import CampaignNotOpen, LeaseRequired, RecordComplete
from annotation.models import Record, Response, Slot
from tests.annotation.factories import make_campaign, record_hand_to
from tests.factories import UserFactory


@pytest.fixture(
    autouse=True,
    params=[
        pytest.param("orm", marks=pytest.mark.django_db),
        pytest.param(
            "pg-statements",
            marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)],
        ),
    ],
)
def assignment_path(request, monkeypatch):
    """Which path the test exercises, checked: in the `pg-statements` run every lease and
    every submit goes through the hand-written statements, in the `orm` run none does."""
    calls = {"lease": 0, "lease_pg": 0, "submit": 0, "submit_pg": 0}

    def counted(name, function):
        def wrapper(**kwargs):
            calls[name] += 1
            return function(**kwargs)

        return wrapper

    for module, name, attribute in [
        (services, "lease", "_lease_next_record_once"),
        (services_pg, "lease_pg", "lease_next_record_pg"),
        (services, "submit", "_response_submit"),
        (services_pg, "submit_pg", "response_submit_pg"),
    ]:
        monkeypatch.setattr(module, attribute, counted(name, getattr(module, attribute)))
    yield request.param
    if request.param == "pg-statements":
        assert (calls["lease_pg"], calls["submit_pg"]) == (calls["lease"], calls["submit"])
    else:
        assert calls["lease_pg"] == calls["submit_pg"] == 0


def lease(user, campaign):
    return services.lease_next_record(user=user, campaign=campaign)


def submit(user, record, value=3):
    return services.response_submit(user=user, record=record, values={"quality": value})


def test_same_user_asking_twice_gets_the_same_record():
    campaign = make_campaign(records=3)
    user = UserFactory()
    first, second = lease(user, campaign), lease(user, campaign)
    assert first.record.pk == second.record.pk


def test_two_users_share_a_record_up_to_its_overlap_then_a_third_gets_another():
    campaign = make_campaign(records=3, overlap=2)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    la, lb, lc = lease(a, campaign), lease(b, campaign), lease(c, campaign)
    assert la.record.pk == lb.record.pk  # the oldest record's two slots
    assert lc.record.pk != la.record.pk


def test_records_with_responses_come_first():
    campaign = make_campaign(records=5, overlap=2)
    a, b = UserFactory(), UserFactory()
    records = list(Record.objects.filter(campaign=campaign))
    # a was handed the newest record and answered it
    record_hand_to(a, records[-1])
    submit(a, records[-1])
    assert lease(b, campaign).record.pk == records[-1].pk


def test_submit_is_idempotent_and_counts_once():
    campaign = make_campaign(records=1, overlap=2)
    user = UserFactory()
    record = lease(user, campaign).record
    first, again = submit(user, record), submit(user, record)
    assert first.created and not again.created
    assert Response.objects.filter(record=record).count() == 1
    record.refresh_from_db()
    assert record.response_count == 1


def test_never_more_than_overlap_even_when_leases_ran_out():
    campaign = make_campaign(records=1, overlap=2)
    users = [UserFactory() for _ in range(3)]
    record = Record.objects.get(campaign=campaign)
    for user in users:
        record_hand_to(user, record)  # the third finds no free slot: nothing to hand
    # everyone's lease ran out: the slots are free again, but still held by no one else
    Slot.objects.filter(record=record).update(expires_at=timezone.now() - timedelta(seconds=1))
    submit(users[0], record)
    submit(users[1], record)
    with pytest.raises((RecordComplete, LeaseRequired)):
        submit(users[2], record)
    record.refresh_from_db()
    assert record.response_count == 2
    # the rows the count stands for: two submitted responses, none from the third
    submitted = Response.objects.filter(record=record, status=Response.Status.SUBMITTED)
    assert sorted(submitted.values_list("user", flat=True)) == [users[0].pk, users[1].pk]
    assert not Response.objects.filter(user=users[2]).exists()


def test_expired_lease_returns_its_slot_to_the_pool():
    campaign = make_campaign(records=1, overlap=1)
    a, b = UserFactory(), UserFactory()
    held = lease(a, campaign)
    assert isinstance(lease(b, campaign), services.NothingLeft)
    Slot.objects.filter(pk=held.slot_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = lease(b, campaign)
    assert taken.record.pk == held.record.pk
    # a's late submit finds the record complete once b has submitted
    submit(b, taken.record)
    with pytest.raises(RecordComplete):
        submit(a, held.record)
    assert list(Response.objects.values_list("user", flat=True)) == [b.pk]


def test_skipped_records_come_back_only_when_asked_for_once_nothing_else_is_left():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    first = lease(user, campaign).record
    skips.record_skip(user=user, record=first)
    second = lease(user, campaign).record
    assert second.pk != first.pk
    skips.record_skip(user=user, record=second)
    result = lease(user, campaign)
    assert isinstance(result, services.NothingLeft)
    assert result.reason == "skipped" and result.skipped == 2
    # the skipped records are still open for others
    other = UserFactory()
    assert lease(other, campaign).record.pk == first.pk
    submit(other, first)
    assert lease(user, campaign).skipped == 1  # the answered one no longer counts
    assert drafts.skips_restore(user=user, campaign=campaign) == 2
    assert lease(user, campaign).record.pk == second.pk


def test_one_skip_undone_comes_back_and_nothing_left_is_done_without_skips():
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    first = lease(user, campaign).record
    skips.record_skip(user=user, record=first)
    second = lease(user, campaign).record
    assert drafts.skips_restore(user=user, campaign=campaign, record=first) == 1
    submit(user, second)
    assert lease(user, campaign).record.pk == first.pk
    submit(user, first)
    result = lease(user, campaign)
    assert result.reason == "done" and result.skipped == 0


def test_discard_counts_as_answered_for_me_but_not_toward_overlap():
    campaign = make_campaign(records=1, overlap=1)
    a, b = UserFactory(), UserFactory()
    record = lease(a, campaign).record
    skips.response_discard(user=a, record=record)
    record.refresh_from_db()
    assert record.response_count == 0
    assert list(Response.objects.filter(record=record).values_list("user", "status")) == [
        (a.pk, Response.Status.DISCARDED)
    ]
    assert lease(a, campaign).reason == "done"
    assert lease(b, campaign).record.pk == record.pk


def test_nothing_left_says_busy_while_others_hold_the_records():
    campaign = make_campaign(records=1, overlap=1)
    lease(UserFactory(), campaign)
    result = lease(UserFactory(), campaign)
    assert result.reason == "busy" and result.retry_after


def test_changing_a_submitted_answer_keeps_one_response():
    campaign = make_campaign(records=1)
    user = UserFactory()
    record = lease(user, campaign).record
    submit(user, record, 2)
    submit(user, record, 5)
    response = Response.objects.get(record=record, user=user)
    assert response.values == {"quality": 5}
    record.refresh_from_db()
    assert record.response_count == 1


def test_leasing_from_a_campaign_that_is_not_open_is_refused():
    campaign = make_campaign(records=1, state="paused")
    with pytest.raises(CampaignNotOpen):
        lease(UserFactory(), campaign)


def test_the_database_refuses_a_count_above_overlap():
    from django.db import IntegrityError, transaction
    from django.db.models import F

    campaign = make_campaign(records=1, overlap=1)
    record = Record.objects.get(campaign=campaign)
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=record.pk).update(response_count=F("overlap") + 1)


def test_answering_needs_the_records_reservation_and_writes_nothing_without_it():
    campaign = make_campaign(records=3, overlap=1)
    user, other = UserFactory(), UserFactory()
    never_offered = Record.objects.filter(campaign=campaign).order_by("-pk").first()
    with pytest.raises(LeaseRequired, match="not reserved for you"):
        submit(user, never_offered)
    skipped = lease(user, campaign).record
    skips.record_skip(user=user, record=skipped)
    with pytest.raises(LeaseRequired):
        submit(user, skipped)
    # a lease that ran out and went to someone else is theirs now
    campaign = make_campaign(records=2, overlap=1)
    mine = lease(user, campaign)
    Slot.objects.filter(pk=mine.slot_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease(other, campaign).record.pk == mine.record.pk
    with pytest.raises(LeaseRequired):
        submit(user, mine.record)
    assert not Response.objects.exists()
    assert set(Record.objects.values_list("response_count", flat=True)) == {0}
    # the one holding it answers; and a lease that ran out but nobody took still counts
    submit(other, mine.record)
    late = lease(user, campaign)
    Slot.objects.filter(pk=late.slot_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert submit(user, late.record).created


def test_lowering_the_overlap_leaves_every_lease_answerable_or_withdrawn():
    from annotation.definitions import campaign_overlap_set
    from campaigns.models import Campaign

    campaign = make_campaign(records=2, overlap=3)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    held_b, held_c, held_a = lease(b, campaign), lease(c, campaign), lease(a, campaign)
    record = held_a.record
    assert held_b.record.pk == held_c.record.pk == record.pk
    submit(a, record)  # the last slot number is the filled one
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    campaign.refresh_from_db()

    withdrawn_count = campaign_overlap_set(campaign=campaign, responses_per_record=2)
    record.refresh_from_db()
    open_slots = Slot.objects.filter(record=record, filled=False)
    assert open_slots.count() == record.overlap - record.response_count == 1
    assert withdrawn_count == 1
    kept, = open_slots.values_list("holder", flat=True)
    assert kept in (b.pk, c.pk)
    withdrawn = c if kept == b.pk else b
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.OPEN)
    campaign.refresh_from_db()
    with pytest.raises(LeaseRequired, match="lowered the answers it needs"):
        submit(withdrawn, record)
    # next hands them another record, never the one they can no longer answer
    assert lease(withdrawn, campaign).record.pk != record.pk
    assert submit(b if kept == b.pk else c, record).created
    # raising it again gives each record its missing slots, numbered after the others
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    campaign.refresh_from_db()
    campaign_overlap_set(campaign=campaign, responses_per_record=4)
    for each in Record.objects.filter(campaign=campaign):
        unfilled = Slot.objects.filter(record=each, filled=False).count()
        assert unfilled == 4 - each.response_count
        responses = set(Slot.objects.filter(record=each).values_list("record_responses", flat=True))
        assert responses == {each.response_count}
