"""Drafts on PostgreSQL's hand-written loop path (outside a transaction, as requests run):
the next record brings my draft back, a draft under concurrency never counts, submitting a
draft keeps every invariant, and the hand-written submit records whether the suggestion
was kept."""

import threading

import pytest
from django.db import connection

from annotation import drafts, services
from annotation.models import Record, Response
from tests.annotation.factories import make_campaign
from tests.annotation.test_concurrency import THREADS, _assert_invariants, _run_annotators
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_next_record_brings_my_draft_back_on_the_hand_written_path():
    assert connection.vendor == "postgresql" and not connection.in_atomic_block
    campaign = make_campaign(records=2, overlap=1)
    user = UserFactory()
    lease = services.lease_next_record(user=user, campaign=campaign)
    assert lease.draft_values is None
    drafts.draft_save(user=user, record=lease.record, values={"quality": 4})
    again = services.lease_next_record(user=user, campaign=campaign)
    assert again.record.pk == lease.record.pk and again.draft_values == {"quality": 4}
    result = services.response_submit(user=user, record=lease.record, values={"quality": 4})
    assert result.response.status == "submitted"
    assert Record.objects.get(pk=lease.record.pk).response_count == 1
    nxt = services.lease_next_record(user=user, campaign=campaign)
    assert nxt.record.pk != lease.record.pk and nxt.draft_values is None


def test_the_hand_written_submit_records_whether_the_suggestion_was_kept():
    campaign = make_campaign(records=2, overlap=1)
    Record.objects.filter(campaign=campaign).update(
        suggestions={"quality": {"value": 3, "agent": "m", "score": 0.5}}
    )
    user = UserFactory()
    for value in (3, 5):
        lease = services.lease_next_record(user=user, campaign=campaign)
        from annotation.selectors import record_get_for_user

        record = record_get_for_user(user, lease.record.pk)  # as the views load it
        services.response_submit(user=user, record=record, values={"quality": value})
    kept = sorted(
        Response.objects.filter(user=user).values_list("kept_suggestion", flat=True),
        key=lambda k: k["quality"],
    )
    assert kept == [{"quality": False}, {"quality": True}]


def test_32_annotators_saving_drafts_before_submitting_keep_every_invariant():
    campaign = make_campaign(records=200, overlap=2)
    users = [UserFactory() for _ in range(THREADS)]
    saved = []
    lock = threading.Lock()

    def draft_first(user, lease, loops):
        # Every third record: save a draft (twice), then submit it on the next pass.
        if loops % 3 == 0 and lease.draft_values is None:
            drafts.draft_save(user=user, record=lease.record, values={})
            drafts.draft_save(user=user, record=lease.record, values={"quality": 2})
            with lock:
                saved.append(lease.record.pk)
            return True
        if lease.draft_values is not None:
            assert lease.draft_values == {"quality": 2}
        return False

    outcomes = _run_annotators(campaign, users, on_lease=draft_first)
    assert len(saved) >= 30
    assert set(outcomes.values()) == {"done"}
    _assert_invariants(campaign, 2)
    assert not Response.objects.filter(record__campaign=campaign, status="draft").exists()
