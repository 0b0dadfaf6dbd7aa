"""The slots are re-analysed every 5,000 changed rows (annotation migration 0014): on
statistics taken right after an import the lease statement scans every held slot
(docs/benchmarks.md, 2026-12-07 evening). Autoanalyze itself cannot run here (this
machine's PostgreSQL has autovacuum off), so this checks what PostgreSQL is told, and that
a claim planned on such statistics still reads each candidate once."""

import json

import pytest
from django.db import connection
from django.utils import timezone

from annotation import services
from annotation.models import Slot
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_slot_table_is_analysed_after_5000_changes_whatever_its_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'annotation_slot'")
        options = dict(option.split("=", 1) for option in cursor.fetchone()[0] or [])
    assert options == {
        "autovacuum_analyze_scale_factor": "0",
        "autovacuum_analyze_threshold": "5000",
        "autovacuum_vacuum_scale_factor": "0.05",
    }


def _rows_removed(plan: dict) -> int:
    """Rows every node of an EXPLAIN (ANALYZE, FORMAT JSON) plan read and threw away."""
    removed = sum(
        int(plan.get(key, 0) * plan.get("Actual Loops", 1))
        for key in ("Rows Removed by Filter", "Rows Removed by Join Filter")
    )
    return removed + sum(_rows_removed(child) for child in plan.get("Plans", []))


@pytest.mark.django_db(transaction=True)  # the loop's statements run outside a transaction
def test_a_claim_on_statistics_from_before_anyone_held_a_slot_reads_each_candidate_once():
    """Right after an import the statistics say no slot has a holder. Planned on them, the
    lease once compared each candidate slot with every slot the annotator had filled, and
    an annotator's answered records come first in claim order (most answered first): the
    work of a claim grew with the square of their answers (2,000 answers: 330 ms)."""
    answers = 120
    campaign = make_campaign(records=answers + 10, overlap=2)
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotation_slot, annotation_record, annotation_response")
        # A campaign's tables are read through their indexes, as at a real campaign's size
        # (these few rows would be scanned whole); for this connection, until the end.
        cursor.execute("SET enable_seqscan = off")
    try:
        for _ in range(answers):
            lease = services.lease_next_record(user=user, campaign=campaign)
            services.response_submit(user=user, record=lease.record, values={"quality": 3})
        now = timezone.now()
        with connection.cursor() as cursor:
            # The statement the loop prepared on this connection, on those statistics
            # (Django binds the parameters in the client: EXECUTE takes no server ones).
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE commonset_lease(%s, %s, %s, %s)",
                [campaign.pk, user.pk, now, now],
            )
            plan = cursor.fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    assert Slot.objects.filter(holder=user, filled=False).count() == 1  # it claimed one
    # Linear in my answers (each step that looks at my slots or my answers reads them once:
    # 480 rows here); compared each with each, 8,419.
    assert _rows_removed(plan) < 10 * answers, _rows_removed(plan)
