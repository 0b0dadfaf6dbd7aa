"""Reads of the per-annotator quality table (issue 14): the stored rows of a campaign
(annotation/quality.py computes them) with the flags its current thresholds raise,
worst first. Campaigns reach here through campaigns.access.campaign_get_for_reviewer."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, F, IntegerField, Max, Q, QuerySet, Value, When

from campaigns.models import Campaign

from .quality_models import AnnotatorQuality

# Each flag: its name, and the condition on a row that raises it under `campaign`'s
# thresholds (campaign settings quality_*; a null figure raises nothing).
FLAGS = ("straight_line", "agreement", "seconds", "rejected", "gold")


def _conditions(campaign: Campaign) -> dict[str, Q]:
    return {
        "straight_line": Q(straight_line__gt=campaign.quality_max_straight_line),
        "agreement": Q(agreement__lt=campaign.quality_min_agreement),
        "seconds": Q(median_seconds__lt=campaign.quality_min_seconds),
        "rejected": Q(rejected_share__gt=campaign.quality_max_rejected),
        "gold": Q(gold_accuracy__lt=campaign.quality_min_gold),
    }


def annotator_quality_table(campaign: Campaign) -> QuerySet[AnnotatorQuality]:
    """The campaign's rows with `flag_<name>` (0/1) per flag and `flag_count`, sorted worst
    first: most flags, then lowest agreement, then most straight-lining, then most
    responses. Paginate it: a page reads one index range and sorts the campaign's rows."""
    flags = {
        f"flag_{name}": Case(When(condition, then=Value(1)), default=Value(0))
        for name, condition in _conditions(campaign).items()
    }
    count = sum((F(name) for name in flags), start=Value(0))
    return (
        AnnotatorQuality.objects.filter(campaign=campaign)
        # Not joined: the sort and the page's limit run on this table alone, then one
        # query reads the page's 50 users.
        .prefetch_related("user")
        .annotate(**flags)
        .annotate(flag_count=Case(default=count, output_field=IntegerField()))
        .order_by(
            "-flag_count",
            F("agreement").asc(nulls_last=True),
            F("gold_accuracy").asc(nulls_last=True),
            F("straight_line").desc(nulls_last=True),
            "-responses",
            "user_id",
        )
    )


def annotator_quality_computed_at(campaign: Campaign) -> datetime | None:
    """When the stored table was computed (None: never)."""
    return AnnotatorQuality.objects.filter(campaign=campaign).aggregate(at=Max("computed_at"))["at"]


def row_flags(row: AnnotatorQuality) -> list[str]:
    """The names of the flags a row of annotator_quality_table raises."""
    return [name for name in FLAGS if getattr(row, f"flag_{name}", 0)]
