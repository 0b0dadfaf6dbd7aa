"""A cohort's language race: its campaigns ranked by completion, grouped by language.

The programme runs many campaigns at once, often one per language (the multilingual prompt
effort had about twenty), and shows one leaderboard across them. Every figure comes from
the counter tables (campaigns.dashboards.models), never from a scan of responses.

What a person sees depends on which organisation campaigns they may see, so the race is
computed for a set of visible campaigns and cached under that set: everyone who sees only
public campaigns shares one entry; a request costs one query (the visible campaign ids)
and a cache read while the entry is fresh (`RACE_CACHE_SECONDS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from campaigns.access import campaigns_visible_to
from campaigns.models import Campaign
from campaigns.validators import language_name

from . import charts
from .models import CampaignDayStats, CampaignStats, CampaignUserStats
from .selectors import _bucket, _fill_days

# A campaign that names no language still races, under ISO 639's "undetermined".
UNDETERMINED = "und"


@dataclass
class RaceCampaign:
    pk: int
    slug: str
    title: str
    community: str
    languages: list[str]
    state: str
    records: int
    target: int
    completed: int
    responses: int
    contributors: int

    @property
    def completed_percent(self) -> int:
        return min(100, int(100 * self.completed / self.target)) if self.target else 0


@dataclass
class RaceLanguage:
    code: str
    name: str
    rank: int
    target: int
    completed: int
    responses: int
    contributors: int
    campaigns: list[RaceCampaign]
    # Cumulative share of the target completed, per day (or week), in percent.
    progress: list[tuple[date, float]] = field(default_factory=list)

    @property
    def completed_percent(self) -> int:
        return min(100, int(100 * self.completed / self.target)) if self.target else 0


@dataclass
class CohortRace:
    languages: list[RaceLanguage]
    bucket: str = "day"

    @property
    def chart_svg(self):
        return charts.multi_line_chart(
            [(f"{lang.name} ({lang.code})", lang.progress) for lang in self.languages],
            title=_("Share of the target completed over time, per language"),
        )

    def as_dict(self) -> dict:
        return {
            "bucket": self.bucket,
            "languages": [
                {
                    "rank": lang.rank,
                    "code": lang.code,
                    "name": lang.name,
                    "target": lang.target,
                    "records_completed": lang.completed,
                    "completed_percent": lang.completed_percent,
                    "responses": lang.responses,
                    "contributors": lang.contributors,
                    "progress": [
                        {"day": d.isoformat(), "completed_percent": round(p, 2)}
                        for d, p in lang.progress
                    ],
                    "campaigns": [
                        {
                            "slug": c.slug,
                            "title": c.title,
                            "community": c.community,
                            "languages": c.languages,
                            "state": c.state,
                            "target": c.target,
                            "records_completed": c.completed,
                            "completed_percent": c.completed_percent,
                            "responses": c.responses,
                            "contributors": c.contributors,
                        }
                        for c in lang.campaigns
                    ],
                }
                for lang in self.languages
            ],
        }


def _racing(user, cohort):
    """The cohort's campaigns this user may see that have been opened (a campaign nobody
    could annotate yet is not a contender, as on the programme's leaderboard)."""
    return (
        campaigns_visible_to(user)
        .filter(cohort=cohort)
        .exclude(state__in=(Campaign.State.PROVISIONING, Campaign.State.READY))
    )


def cohort_race(user, cohort) -> CohortRace:
    ids = sorted(_racing(user, cohort).values_list("pk", flat=True))
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    key = f"cohort-race:{cohort.pk}:{digest}"
    race = cache.get(key)
    if race is None:
        race = cohort_race_compute(ids)
        cache.set(key, race, settings.RACE_CACHE_SECONDS)
    return race


def cohort_race_compute(campaign_ids: list[int]) -> CohortRace:
    """The race among these campaigns, from the counters: four queries, plus one per
    language for its distinct contributors."""
    campaigns = list(
        Campaign.objects.filter(pk__in=campaign_ids)
        .select_related("community")
        .only("id", "slug", "title", "languages", "state", "target_records", "community__handle")
    )
    day_rows = list(
        CampaignDayStats.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "day")
        .annotate(responses=Sum("responses"), completed=Sum("completed"))
        .order_by()
    )
    records = dict(
        CampaignStats.objects.filter(campaign_id__in=campaign_ids).values_list(
            "campaign_id", "records"
        )
    )
    contributors = dict(
        CampaignUserStats.objects.filter(campaign_id__in=campaign_ids, responses__gt=0)
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("campaign_id", "n")
    )
    totals: dict[int, list[int]] = {}
    for row in day_rows:
        entry = totals.setdefault(row["campaign_id"], [0, 0])
        entry[0] += row["responses"] or 0
        entry[1] += row["completed"] or 0

    by_language: dict[str, list[RaceCampaign]] = {}
    for campaign in campaigns:
        row = RaceCampaign(
            pk=campaign.pk,
            slug=campaign.slug,
            title=campaign.title,
            community=campaign.community.handle,
            languages=list(campaign.languages or []),
            state=campaign.state,
            records=records.get(campaign.pk, 0),
            target=campaign.target_records or records.get(campaign.pk, 0),
            completed=totals.get(campaign.pk, [0, 0])[1],
            responses=totals.get(campaign.pk, [0, 0])[0],
            contributors=contributors.get(campaign.pk, 0),
        )
        for code in row.languages or [UNDETERMINED]:
            by_language.setdefault(code, []).append(row)

    contributors_per_language = _contributors_per_language(by_language)
    axis, bucket = _bucket(_fill_days({row["day"]: (0, 0) for row in day_rows}))
    axis_days = [day for day, _r, _c in axis]
    languages = []
    for code, rows in by_language.items():
        rows.sort(key=lambda r: (-r.completed_percent, -r.completed, r.title))
        pks = {r.pk for r in rows}
        target = sum(r.target for r in rows)
        completed_on: dict[date, int] = {}
        for day_row in day_rows:
            if day_row["campaign_id"] in pks:
                day = day_row["day"]
                if bucket == "week":
                    day -= timedelta(days=day.weekday())
                completed_on[day] = completed_on.get(day, 0) + (day_row["completed"] or 0)
        languages.append(
            RaceLanguage(
                code=code,
                name=language_name(code) or (_("Undetermined") if code == UNDETERMINED else code),
                rank=0,
                target=target,
                completed=sum(r.completed for r in rows),
                responses=sum(r.responses for r in rows),
                contributors=contributors_per_language.get(code, 0),
                campaigns=rows,
                progress=_percent_over_time(axis_days, completed_on, target),
            )
        )
    languages.sort(key=lambda lang: (-lang.completed_percent, -lang.completed, lang.code))
    for rank, lang in enumerate(languages, start=1):
        lang.rank = rank
    return CohortRace(languages=languages, bucket=bucket)


def _contributors_per_language(by_language: dict[str, list[RaceCampaign]]) -> dict[str, int]:
    """Distinct people who answered in each language's campaigns (a campaign in two
    languages counts its people in both): one query per language, each an index scan of
    its campaigns' counters (measured faster on PostgreSQL than one query over all of
    them: bench/dashboard.py)."""
    return {
        code: CampaignUserStats.objects.filter(
            campaign_id__in=[row.pk for row in rows], responses__gt=0
        )
        .values("user_id")
        .distinct()
        .count()
        for code, rows in by_language.items()
    }


def _percent_over_time(axis: list[date], completed_on: dict[date, int], target: int):
    """Cumulative share of `target` completed at each point of the common axis."""
    out, running = [], 0
    for day in axis:
        running += completed_on.get(day, 0)
        out.append((day, 100.0 * running / target if target else 0.0))
    return out
