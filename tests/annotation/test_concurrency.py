"""The five assignment invariants under real concurrency on PostgreSQL: 32 threads, each an
annotator looping next → submit until nothing is left."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from annotation import services
from annotation.errors import LeaseRequired, RecordComplete
from annotation.models import Record, Response, Slot
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
IDLE_FIRST, IDLE_LAST = 0.01, 0.2  # seconds an annotator waits when nothing is free


def _run_annotators(campaign, users, *, on_lease=None, keep_going=None, stopped=None):
    """Each user loops next → submit until nothing is left. `keep_going()` true: "done"
    is not final yet (reviews may still free slots); `stopped(user)` true: the user stops
    (blocked: the campaign answers 404 to them from then on)."""
    outcomes: dict[int, str] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def annotate(user):
        try:
            barrier.wait()
            loops = 0
            idle = IDLE_FIRST
            while not errors:  # one annotator failing stops the others (and the test)
                if stopped is not None and stopped(user):
                    outcomes[user.pk] = "stopped"
                    return
                result = services.lease_next_record(user=user, campaign=campaign)
                if isinstance(result, services.NothingLeft):
                    if result.reason == "busy" or (keep_going is not None and keep_going()):
                        # Others hold the last slots; their leases end or fill soon. Back
                        # off as a client honouring Retry-After would: 31 threads asking
                        # every 10 ms starve the reviewer's thread of the GIL and both
                        # cores (74 s for this file's review test alone, > 300 s in CI).
                        threading.Event().wait(idle)
                        idle = min(idle * 2, IDLE_LAST)
                        continue
                    outcomes[user.pk] = result.reason
                    return
                idle = IDLE_FIRST
                if on_lease is not None and on_lease(user, result, loops):
                    loops += 1
                    continue
                # My lease ran out: others filled the record (RecordComplete) or took
                # my slot (LeaseRequired).
                with contextlib.suppress(RecordComplete, LeaseRequired):
                    services.response_submit(
                        user=user, record=result.record, values={"quality": 1 + loops % 5}
                    )
                loops += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=annotate, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "an annotator never finished"
    assert not errors, errors
    return outcomes


def _assert_invariants(campaign, overlap):
    counts = dict(
        Response.objects.filter(record__campaign=campaign, status="submitted")
        .values_list("record")
        .annotate(n=Count("id"))
    )
    records = list(Record.objects.filter(campaign=campaign))
    assert all(counts.get(r.pk, 0) == overlap for r in records)
    assert all(r.response_count == overlap for r in records)
    assert (
        Response.objects.filter(record__campaign=campaign)
        .values("record", "user")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert Slot.objects.filter(campaign=campaign, filled=True).count() == overlap * len(records)
    _assert_spreads_true(campaign)


def _assert_spreads_true(campaign):
    """Each record's stored disagreement (Record.spread, kept by the submit statement and
    every review) equals the one computed afresh from its counted answers: two answers to
    one record committed at the same moment must not leave it stale."""
    from annotation.spread import spread_expression, spread_question

    fresh = Record.objects.filter(campaign=campaign).annotate(
        fresh=spread_expression(spread_question(campaign))
    )
    wrong = [(r.external_id, r.spread, r.fresh) for r in fresh if r.spread != r.fresh]
    assert wrong == []


def test_32_annotators_fill_500_records_exactly_twice():
    assert connection.vendor == "postgresql"
    campaign = make_campaign(records=500, overlap=2)
    users = [UserFactory() for _ in range(THREADS)]
    outcomes = _run_annotators(campaign, users)
    assert set(outcomes) == {u.pk for u in users}
    assert set(outcomes.values()) == {"done"}
    _assert_invariants(campaign, 2)


def test_leases_that_expire_mid_run_return_their_slots():
    campaign = make_campaign(records=200, overlap=2)
    users = [UserFactory() for _ in range(THREADS)]
    flaky = [UserFactory() for _ in range(40)]
    flaky_ids = [u.pk for u in flaky]
    abandoned: list[int] = []

    def walk_away(user, lease, loops):
        # Every 5th loop, someone else leases a record and walks away; their lease then
        # runs out (its expiry is moved into the past, as if lease_seconds had passed).
        if loops % 5 == 2 and flaky:
            try:
                quitter = flaky.pop()
            except IndexError:
                return False
            taken = services.lease_next_record(user=quitter, campaign=campaign)
            if isinstance(taken, services.Lease):
                Slot.objects.filter(pk=taken.slot_id).update(
                    expires_at=timezone.now() - timedelta(seconds=1)
                )
                abandoned.append(taken.record.pk)
        return False

    outcomes = _run_annotators(campaign, users, on_lease=walk_away)
    assert len(abandoned) >= 20
    assert set(outcomes.values()) == {"done"}
    _assert_invariants(campaign, 2)
    # none of the walkers' slots was filled by them
    assert not Response.objects.filter(user__in=flaky_ids).exists()


def test_a_user_asking_twice_at_once_gets_one_lease():
    campaign = make_campaign(records=50, overlap=2)
    user = UserFactory()
    results = []
    barrier = threading.Barrier(8)

    def ask():
        barrier.wait()
        try:
            results.append(services.lease_next_record(user=user, campaign=campaign).record.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert Slot.objects.filter(holder=user, filled=False).count() == 1


def test_simultaneous_identical_submits_make_one_response():
    campaign = make_campaign(records=1, overlap=2)
    user = UserFactory()
    record = services.lease_next_record(user=user, campaign=campaign).record
    barrier = threading.Barrier(8)
    errors = []

    def send():
        barrier.wait()
        try:
            services.response_submit(user=user, record=record, values={"quality": 4})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Response.objects.filter(record=record).count() == 1
    record.refresh_from_db()
    assert record.response_count == 1


def test_reviews_and_a_block_during_the_run_keep_every_invariant():
    """A reviewer rejects 150 counted responses while 32 annotators work (a third of the
    rejected annotators revise at once, taking a free slot or being refused), one
    annotator is blocked mid-run and unblocked: in the end every record has exactly
    `overlap` counted responses, in exactly as many filled slots held by their authors."""
    from annotation import review
    from campaigns.access import user_is_blocked

    campaign = make_campaign(records=300, overlap=2)
    lead = campaign.application.applicant
    users = [UserFactory() for _ in range(THREADS)]
    victim = users[0]
    reviewing = threading.Event()
    reviewing.set()
    errors: list[BaseException] = []
    tally = {"rejected": 0, "revised": 0, "refused": 0}

    def reviewer():
        try:
            import random

            rng = random.Random(7)
            while tally["rejected"] < 150:
                pick = list(
                    Response.objects.filter(
                        record__campaign=campaign, counted=True, status="submitted"
                    )
                    .exclude(user=victim)
                    .select_related("record__campaign", "user")
                    .order_by("-id")[:20]
                )
                if not pick:
                    threading.Event().wait(0.01)
                    continue
                response = rng.choice(pick)
                review.response_review(
                    reviewer=lead, response=response, decision="reject", comment="redo"
                )
                tally["rejected"] += 1
                if tally["rejected"] == 40:
                    review.annotator_block(campaign=campaign, username=victim.username, by=lead)
                if tally["rejected"] % 3 == 0:
                    try:
                        services.response_submit(
                            user=response.user, record=response.record, values={"quality": 5}
                        )
                        tally["revised"] += 1
                    except (RecordComplete, LeaseRequired):
                        tally["refused"] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            reviewing.clear()
            connections.close_all()

    thread = threading.Thread(target=reviewer)
    thread.start()
    outcomes = _run_annotators(
        campaign,
        users,
        keep_going=reviewing.is_set,
        stopped=lambda user: user.pk == victim.pk and user_is_blocked(user, campaign),
    )
    thread.join(timeout=240)
    assert not errors, errors
    assert tally["rejected"] == 150 and tally["revised"] + tally["refused"] == 50
    assert outcomes[victim.pk] == "stopped"
    assert not Response.objects.filter(user=victim, counted=True).exists()
    _assert_counted_invariants(campaign, 2)
    assert Response.objects.filter(record__campaign=campaign, review_status="rejected").exists()

    # Unblocking: nothing is left free, so none of the victim's responses counts again.
    result = review.annotator_unblock(campaign=campaign, username=victim.username)
    assert result.responses_changed == 0
    _assert_counted_invariants(campaign, 2)


def _assert_counted_invariants(campaign, overlap):
    counted = {}
    for record_id, user_id in Response.objects.filter(
        record__campaign=campaign, status="submitted", counted=True
    ).values_list("record_id", "user_id"):
        counted.setdefault(record_id, set()).add(user_id)
    filled = {}
    for record_id, holder_id in Slot.objects.filter(campaign=campaign, filled=True).values_list(
        "record_id", "holder_id"
    ):
        filled.setdefault(record_id, []).append(holder_id)
    for record in Record.objects.filter(campaign=campaign):
        assert record.response_count == overlap, record
        assert len(counted.get(record.pk, ())) == overlap, record
        assert sorted(filled.get(record.pk, [])) == sorted(counted[record.pk]), record
    assert not Slot.objects.filter(campaign=campaign).exclude(record_responses=overlap).exists()
    _assert_spreads_true(campaign)
    assert (
        Response.objects.filter(record__campaign=campaign)
        .values("record", "user")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )
