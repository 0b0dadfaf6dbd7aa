"""Dashboard reads: a campaign's progress, and the programme's figures on the home page.

Every figure comes from the counter tables of campaigns.dashboards.models (maintained on
write), never from a scan of responses: a campaign dashboard is five small queries
whatever the number of responses (one per: day rows, contributors, leaderboard, record
count, last publication). The record count and the annotate page's progress from the same
counters are annotation.selectors.campaign_records_count and campaign_progress_counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from annotation.selectors import campaign_records_count
from campaigns.models import Campaign, Visibility
from campaigns.publishing.models import Publication

from . import charts
from .models import CampaignDayStats, CampaignStats, CampaignUserStats

LEADERBOARD_SIZE = 10
MAX_BARS = 90


@dataclass
class Leader:
    rank: int
    handle: str
    avatar_url: str
    responses: int


@dataclass
class CampaignDashboard:
    records: int
    completed: int
    target: int
    responses: int
    target_responses: int
    contributors: int
    per_day: list[tuple[date, int]]
    cumulative_completed: list[tuple[date, int]]
    leaderboard: list[Leader]
    last_publication: Publication | None
    bucket: str = "day"

    @property
    def completed_percent(self) -> int:
        return min(100, int(100 * self.completed / self.target)) if self.target else 0

    @property
    def responses_percent(self) -> int:
        if not self.target_responses:
            return 0
        return min(100, int(100 * self.responses / self.target_responses))

    @property
    def in_progress(self) -> int:
        return max(0, self.records - self.completed)

    # --- what the page draws (server-side SVG) -------------------------------------------
    @property
    def ring_svg(self):
        return charts.donut(self.completed, self.target, title="Records completed of the target")

    @property
    def bars_svg(self):
        return charts.bar_chart(self.per_day, title=f"Responses per {self.bucket}")

    @property
    def line_svg(self):
        return charts.line_chart(
            self.cumulative_completed, title="Records completed over time", target=self.target
        )

    @property
    def table(self) -> list[tuple[date, int, int]]:
        return [
            (day, responses, done)
            for (day, responses), (_, done) in zip(
                self.per_day, self.cumulative_completed, strict=True
            )
        ]

    def as_dict(self) -> dict:
        last = self.last_publication
        return {
            "records": self.records,
            "completed": self.completed,
            "target": self.target,
            "completed_percent": self.completed_percent,
            "responses": self.responses,
            "target_responses": self.target_responses,
            "responses_percent": self.responses_percent,
            "contributors": self.contributors,
            "bucket": self.bucket,
            "per_day": [{"day": d.isoformat(), "responses": n} for d, n in self.per_day],
            "cumulative_completed": [
                {"day": d.isoformat(), "completed": n} for d, n in self.cumulative_completed
            ],
            "leaderboard": [
                {
                    "rank": le.rank,
                    "handle": le.handle,
                    "avatar_url": le.avatar_url,
                    "responses": le.responses,
                }
                for le in self.leaderboard
            ],
            "last_publication": None
            if last is None
            else {
                "id": last.pk,
                "state": last.state,
                "url": last.url,
                "commit_id": last.commit_id,
                "rows": last.rows,
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            },
        }


def _fill_days(rows: dict[date, tuple[int, int]]) -> list[tuple[date, int, int]]:
    """Every day from the first with activity to today (or the last), zeros included."""
    if not rows:
        return []
    first, last = min(rows), max(max(rows), timezone.now().date())
    out = []
    day = first
    while day <= last:
        responses, completed = rows.get(day, (0, 0))
        out.append((day, responses, completed))
        day += timedelta(days=1)
    return out


def _bucket(days: list[tuple[date, int, int]]) -> tuple[list[tuple[date, int, int]], str]:
    """Weeks instead of days when there would be more than MAX_BARS bars."""
    if len(days) <= MAX_BARS:
        return days, "day"
    weeks: dict[date, list[int]] = {}
    for day, responses, completed in days:
        start = day - timedelta(days=day.weekday())
        entry = weeks.setdefault(start, [0, 0])
        entry[0] += responses
        entry[1] += completed
    return [(d, r, c) for d, (r, c) in sorted(weeks.items())], "week"


def leaderboard(campaign_id: int, size: int = LEADERBOARD_SIZE) -> list[Leader]:
    """Top contributors by submitted responses; people who chose to be hidden are left
    out (and do not take a rank)."""
    rows = (
        CampaignUserStats.objects.filter(campaign_id=campaign_id, responses__gt=0)
        .filter(user__hide_from_leaderboards=False)
        .select_related("user")
        .order_by("-responses", "user_id")[:size]
    )
    return [
        Leader(
            rank=i,
            handle=row.user.display_handle,
            avatar_url=row.user.hf_avatar_url,
            responses=row.responses,
        )
        for i, row in enumerate(rows, start=1)
    ]


def campaign_dashboard(campaign: Campaign) -> CampaignDashboard:
    day_rows = (
        CampaignDayStats.objects.filter(campaign_id=campaign.pk)
        .values("day")
        .annotate(responses=Sum("responses"), completed=Sum("completed"))
        .order_by("day")
    )
    rows = {row["day"]: (row["responses"], row["completed"]) for row in day_rows}
    responses = sum(r for r, _ in rows.values())
    completed = sum(c for _, c in rows.values())
    days, bucket = _bucket(_fill_days(rows))
    cumulative, running = [], 0
    for day, _, done in days:
        running += done
        cumulative.append((day, running))
    contributors = CampaignUserStats.objects.filter(
        campaign_id=campaign.pk, responses__gt=0
    ).count()
    records = campaign_records_count(campaign)
    target = campaign.target_records or records
    overlap = campaign.responses_per_record or 1
    last_publication = (
        Publication.objects.filter(campaign_id=campaign.pk)
        .exclude(state__in=Publication.ACTIVE_STATES)
        .order_by("-created_at", "-id")
        .first()
    )
    return CampaignDashboard(
        records=records,
        completed=completed,
        target=target,
        responses=responses,
        target_responses=max(records, target) * overlap,
        contributors=contributors,
        per_day=[(d, r) for d, r, _ in days],
        cumulative_completed=cumulative,
        leaderboard=leaderboard(campaign.pk),
        last_publication=last_publication,
        bucket=bucket,
    )


# --- the programme (home page, /api/v1/stats) --------------------------------------------
@dataclass
class CampaignRow:
    campaign: Campaign
    responses: int
    completed: int
    contributors: int
    records: int

    @property
    def completed_percent(self) -> int:
        target = self.campaign.target_records or self.records
        return min(100, int(100 * self.completed / target)) if target else 0


@dataclass
class ProgrammeDashboard:
    contributors: int
    responses: int
    completed: int
    campaigns: int
    campaigns_open: int
    languages: list[str]
    per_day: list[tuple[date, int]]
    leaderboard: list[CampaignRow] = field(default_factory=list)
    bucket: str = "day"

    @property
    def bars_svg(self):
        return charts.bar_chart(
            self.per_day,
            title=f"Responses per {self.bucket}, all campaigns",
            width=900,
            height=230,
        )

    def as_dict(self) -> dict:
        return {
            "contributors": self.contributors,
            "responses": self.responses,
            "records_completed": self.completed,
            "campaigns": self.campaigns,
            "campaigns_open": self.campaigns_open,
            "languages": self.languages,
            "bucket": self.bucket,
            "per_day": [{"day": d.isoformat(), "responses": n} for d, n in self.per_day],
            "campaign_leaderboard": [
                {
                    "slug": row.campaign.slug,
                    "title": row.campaign.title,
                    "community": row.campaign.community.handle,
                    "languages": row.campaign.languages,
                    "state": row.campaign.state,
                    "responses": row.responses,
                    "records_completed": row.completed,
                    "completed_percent": row.completed_percent,
                    "contributors": row.contributors,
                }
                for row in self.leaderboard
            ],
        }


def programme_dashboard(size: int = LEADERBOARD_SIZE) -> ProgrammeDashboard:
    """Across public campaigns only: organisation campaigns are never counted here, so the
    figures are the same for everyone and reveal nothing about restricted campaigns."""
    public = Q(campaign__visibility=Visibility.PUBLIC)
    # Campaigns that have been opened: a ready one nobody can annotate yet is not a contender.
    campaigns = Campaign.objects.public().exclude(
        state__in=(Campaign.State.PROVISIONING, Campaign.State.READY)
    )
    shown = list(
        campaigns.select_related("community").only(
            "id",
            "slug",
            "title",
            "languages",
            "state",
            "target_records",
            "community__handle",
            "responses_per_record",
        )
    )
    per_campaign = {
        row["campaign_id"]: row
        for row in CampaignDayStats.objects.filter(public)
        .values("campaign_id")
        .annotate(responses=Sum("responses"), completed=Sum("completed"))
        .order_by()
    }
    contributors_per_campaign = dict(
        CampaignUserStats.objects.filter(public, responses__gt=0)
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("campaign_id", "n")
    )
    records = dict(CampaignStats.objects.filter(public).values_list("campaign_id", "records"))
    rows = [
        CampaignRow(
            campaign=c,
            responses=(per_campaign.get(c.pk) or {}).get("responses") or 0,
            completed=(per_campaign.get(c.pk) or {}).get("completed") or 0,
            contributors=contributors_per_campaign.get(c.pk, 0),
            records=records.get(c.pk, 0),
        )
        for c in shown
    ]
    rows.sort(key=lambda r: (-r.responses, r.campaign.title))
    day_rows = {
        row["day"]: (row["responses"], 0)
        for row in CampaignDayStats.objects.filter(public)
        .values("day")
        .annotate(responses=Sum("responses"))
        .order_by("day")
    }
    days, bucket = _bucket(_fill_days(day_rows))
    languages = sorted({str(code) for c in shown for code in (c.languages or [])})
    return ProgrammeDashboard(
        contributors=CampaignUserStats.objects.filter(public, responses__gt=0)
        .values("user_id")
        .distinct()
        .count(),
        responses=sum(r.responses for r in rows),
        completed=sum(r.completed for r in rows),
        campaigns=len(shown),
        campaigns_open=sum(1 for c in shown if c.state == Campaign.State.OPEN),
        languages=languages,
        per_day=[(d, r) for d, r, _ in days],
        leaderboard=rows[:size],
        bucket=bucket,
    )
