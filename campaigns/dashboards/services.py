"""Dashboard use cases that write beyond one counter row: rebuilding a campaign's counters
from annotation's records and responses. The per-response counter writes are the counter
models' own (`models.CampaignDayStats.objects.record_response` and friends)."""

from __future__ import annotations

from datetime import UTC

from django.db import transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import SHARDS, CampaignDayStats, CampaignStats, CampaignUserStats, utc_day


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
            record__campaign_id=campaign_id, status=Response.Status.SUBMITTED, gold=False
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
            key = (utc_day(row["done"]), 0)
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
        records = Record.objects.filter(campaign_id=campaign_id).data().count()
        CampaignStats.objects.filter(campaign_id=campaign_id).update(
            records=records, rebuilt_at=now
        )
    return {
        "records": records,
        "responses": sum(r for r, _ in days.values()),
        "completed": sum(c for _, c in days.values()),
        "contributors": len(users),
    }
