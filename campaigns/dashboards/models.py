"""The counters that keep dashboards cheap at any size (models of the campaigns app).

Counters are maintained in the transaction that submits (or withdraws) a response, by
`CampaignDayStats.objects.record_response` (annotation's services call it), and can be
rebuilt from the source rows at any time (`services.stats_rebuild`), so a missed call only
delays the figures, never loses data:

- CampaignDayStats: responses and records completed per campaign, UTC day and shard. The
  shard (user id modulo SHARDS) spreads concurrent submitters over several rows so that the
  counter row is never the one lock every submit queues on. Totals are the sum over a
  campaign's rows: a few hundred rows per year, whatever the number of responses.
- CampaignUserStats: submitted responses per campaign and user: contributors (rows with
  responses > 0) and the leaderboard (index on campaign, -responses).
- CampaignStats: the campaign's record count (imports change it; every publication and
  rebuild reconciles it with the records table).

The writes are the managers' methods, in the caller's transaction. Each one that adds is
one upsert statement (INSERT … ON CONFLICT DO UPDATE), valid on SQLite and PostgreSQL, so
concurrent first writes to a counter row cannot collide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone

__all__ = [
    "SHARDS",
    "CampaignDayStats",
    "CampaignStats",
    "CampaignUserStats",
]

SHARDS = 8


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def utc_day(at: datetime) -> date:
    """The UTC day a moment is counted on (a naive moment is taken as it is)."""
    return at.astimezone(UTC).date() if timezone.is_aware(at) else at.date()


class CampaignStatsManager(models.Manager):
    def records_added(self, *, campaign_id: int, delta: int) -> None:
        """Records were created (delta > 0, e.g. an import batch) or deleted (delta < 0)."""
        if not delta:
            return
        table = _table(self.model)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (campaign_id, records) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (campaign_id) DO UPDATE SET "
                f"records = {table}.records + excluded.records",
                [campaign_id, delta],
            )

    def records_set(self, *, campaign_id: int, records: int) -> None:
        """Reconcile the record count with what a full pass (publication, rebuild) counted."""
        self.update_or_create(campaign_id=campaign_id, defaults={"records": records})


class CampaignDayStatsManager(models.Manager):
    def record_response(
        self,
        *,
        campaign_id: int,
        user_id: int,
        delta: int = 1,
        record_id: int | None = None,
        completed_delta: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Count a response that became submitted (delta=+1) or stopped being submitted
        (delta=-1: a submitted answer turned into a discard), in the day and the user
        counters. Call it inside the transaction that changed the response, after the
        record's response_count was updated.

        Whether the record became (or stopped being) complete is read from the record when
        `record_id` is given, or taken from `completed_delta`. Two or three statements.
        Returns the completed delta (1: the record became complete)."""
        if not delta:
            return 0
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
        day_table = _table(self.model)
        user_table = _table(CampaignUserStats)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {day_table} (campaign_id, day, shard, responses, completed) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id, day, shard) DO UPDATE SET "
                f"responses = {day_table}.responses + excluded.responses, "
                f"completed = {day_table}.completed + excluded.completed",
                [campaign_id, utc_day(at), user_id % SHARDS, delta, completed_delta],
            )
            cursor.execute(
                f"INSERT INTO {user_table} (campaign_id, user_id, responses, first_at, last_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id, user_id) DO UPDATE SET "
                f"responses = {user_table}.responses + excluded.responses, "
                "last_at = excluded.last_at",
                [campaign_id, user_id, delta, at, at],
            )
        return completed_delta


class CampaignUserStatsManager(models.Manager):
    def changed_since(self, *, campaign_id: int, moment: datetime | None) -> bool:
        """Has any response of the campaign been counted since `moment`?"""
        users = self.filter(campaign_id=campaign_id)
        if moment is None:
            return users.filter(~Q(responses=0)).exists()
        return users.filter(last_at__gt=moment).exists()


class CampaignStats(models.Model):
    campaign = models.OneToOneField(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats",
    )
    records = models.IntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignStatsManager()

    class Meta:
        verbose_name_plural = "campaign stats"

    def __str__(self):
        return f"Stats of {self.campaign_id}"


class CampaignDayStats(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    shard = models.PositiveSmallIntegerField(default=0)
    responses = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)

    objects = CampaignDayStatsManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "shard"], name="uniq_campaign_day_shard"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day}/{self.shard}: {self.responses}"


class CampaignUserStats(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    responses = models.IntegerField(default=0)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignUserStatsManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="uniq_campaign_user_stats")
        ]
        indexes = [
            models.Index(
                F("campaign"), F("responses").desc(), F("user"), name="campaign_user_leaderboard"
            )
        ]

    def __str__(self):
        return f"{self.user_id} in {self.campaign_id}: {self.responses}"
