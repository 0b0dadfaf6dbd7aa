"""The counters that keep dashboards cheap at any size (models of the campaigns app).

Counters are maintained in the transaction that submits (or withdraws) a response, by
`services.stats_record_response`, and can be rebuilt from the source rows at any time
(`services.stats_rebuild`), so a missed call only delays the figures, never loses data:

- CampaignDayStats: responses and records completed per campaign, UTC day and shard. The
  shard (user id modulo SHARDS) spreads concurrent submitters over several rows so that the
  counter row is never the one lock every submit queues on. Totals are the sum over a
  campaign's rows: a few hundred rows per year, whatever the number of responses.
- CampaignUserStats: submitted responses per campaign and user: contributors (rows with
  responses > 0) and the leaderboard (index on campaign, -responses).
- CampaignStats: the campaign's record count (imports change it; every publication and
  rebuild reconciles it with the records table).
"""

from django.conf import settings
from django.db import models
from django.db.models import F

__all__ = [
    "SHARDS",
    "CampaignDayStats",
    "CampaignStats",
    "CampaignUserStats",
]

SHARDS = 8


class CampaignStats(models.Model):
    campaign = models.OneToOneField(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats",
    )
    records = models.IntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

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
