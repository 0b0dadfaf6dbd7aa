"""Counters for the dashboards, written in the caller's transaction (see models.py).

Each write is one upsert statement (INSERT … ON CONFLICT DO UPDATE), valid on SQLite and
PostgreSQL, so concurrent first writes to a counter row cannot collide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.dashboards.models import SHARDS, CampaignDayStats, CampaignStats, CampaignUserStats


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date() if timezone.is_aware(at) else at.date()


def stats_record_response(
    *,
    campaign_id: int,
    user_id: int,
    delta: int = 1,
    record_id: int | None = None,
    completed_delta: int | None = None,
    at: datetime | None = None,
) -> None:
    """Count a response that became submitted (delta=+1) or stopped being submitted
    (delta=-1: a submitted answer turned into a discard). Call it inside the transaction
    that changed the response, after the record's response_count was updated.

    Whether the record became (or stopped being) complete is read from the record when
    `record_id` is given, or taken from `completed_delta`. Two or three statements."""
    if not delta:
        return
    at = at or timezone.now()
    if completed_delta is None:
        completed_delta = 0
        if record_id is not None:
            from annotation.models import Record

            row = Record.objects.filter(pk=record_id).values_list("response_count", "overlap")
            counts = row.first()
            if counts is not None:
                count, overlap = counts
                if delta > 0 and count == overlap:
                    completed_delta = 1
                elif delta < 0 and count == overlap - 1:
                    completed_delta = -1
    day_table = _table(CampaignDayStats)
    user_table = _table(CampaignUserStats)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {day_table} (campaign_id, day, shard, responses, completed) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id, day, shard) DO UPDATE SET "
            f"responses = {day_table}.responses + excluded.responses, "
            f"completed = {day_table}.completed + excluded.completed",
            [campaign_id, _utc_day(at), user_id % SHARDS, delta, completed_delta],
        )
        cursor.execute(
            f"INSERT INTO {user_table} (campaign_id, user_id, responses, first_at, last_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id, user_id) DO UPDATE SET "
            f"responses = {user_table}.responses + excluded.responses, "
            "last_at = excluded.last_at",
            [campaign_id, user_id, delta, at, at],
        )


def stats_records_added(*, campaign_id: int, delta: int) -> None:
    """Records were created (delta > 0, e.g. an import batch) or deleted (delta < 0)."""
    if not delta:
        return
    table = _table(CampaignStats)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, records) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (campaign_id) DO UPDATE SET records = {table}.records + excluded.records",
            [campaign_id, delta],
        )


def stats_records_set(*, campaign_id: int, records: int) -> None:
    """Reconcile the record count with what a full pass (publication, rebuild) counted."""
    CampaignStats.objects.update_or_create(campaign_id=campaign_id, defaults={"records": records})


def stats_rebuild(*, campaign_id: int) -> dict:
    """Recompute every counter of a campaign from its records and responses. Safe to run
    at any time (the campaign's counter rows are locked meanwhile); used by the admin
    action, the benchmarks, and after bulk changes that bypassed the services."""
    from annotation.models import Record, Response

    now = timezone.now()
    with transaction.atomic():
        CampaignStats.objects.get_or_create(campaign_id=campaign_id)
        CampaignStats.objects.select_for_update().filter(campaign_id=campaign_id).first()
        submitted = Response.objects.filter(
            record__campaign_id=campaign_id, status=Response.Status.SUBMITTED
        )
        per_user_day = (
            submitted.annotate(day=TruncDate("created_at", tzinfo=UTC))
            .values("user_id", "day")
            .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
            .order_by()
        )
        days: dict[tuple, list[int]] = {}
        users: dict[int, list] = {}
        for row in per_user_day.iterator(chunk_size=5000):
            key = (row["day"], row["user_id"] % SHARDS)
            days.setdefault(key, [0, 0])[0] += row["n"]
            entry = users.setdefault(row["user_id"], [0, None, None])
            entry[0] += row["n"]
            entry[1] = row["first"] if entry[1] is None else min(entry[1], row["first"])
            entry[2] = row["last"] if entry[2] is None else max(entry[2], row["last"])
        completed = (
            submitted.filter(record__response_count__gte=F("record__overlap"))
            .values("record_id")
            .annotate(done=Max("created_at"))
            .order_by()
        )
        for row in completed.iterator(chunk_size=5000):
            key = (_utc_day(row["done"]), 0)
            days.setdefault(key, [0, 0])[1] += 1
        CampaignDayStats.objects.filter(campaign_id=campaign_id).delete()
        CampaignUserStats.objects.filter(campaign_id=campaign_id).delete()
        CampaignDayStats.objects.bulk_create(
            [
                CampaignDayStats(
                    campaign_id=campaign_id, day=day, shard=shard, responses=r, completed=c
                )
                for (day, shard), (r, c) in days.items()
            ],
            batch_size=2000,
        )
        CampaignUserStats.objects.bulk_create(
            [
                CampaignUserStats(
                    campaign_id=campaign_id, user_id=uid, responses=n, first_at=f, last_at=last
                )
                for uid, (n, f, last) in users.items()
            ],
            batch_size=2000,
        )
        records = Record.objects.filter(campaign_id=campaign_id).count()
        CampaignStats.objects.filter(campaign_id=campaign_id).update(
            records=records, rebuilt_at=now
        )
    return {
        "records": records,
        "responses": sum(r for r, _ in days.values()),
        "completed": sum(c for _, c in days.values()),
        "contributors": len(users),
    }


def stats_changed_since(*, campaign_id: int, moment: datetime | None) -> bool:
    """Has any response of the campaign been counted since `moment`?"""
    users = CampaignUserStats.objects.filter(campaign_id=campaign_id)
    if moment is None:
        return users.filter(~Q(responses=0)).exists()
    return users.filter(last_at__gt=moment).exists()
