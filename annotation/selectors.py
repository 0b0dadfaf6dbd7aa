"""Reads of records, responses, questions and imports, always scoped through the campaign
rule (campaigns.access), so what a user may not see answers 404."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from campaigns.access import (
    campaign_user_is_lead,
    campaign_visible_to_user,
    campaigns_visible_to,
)
from campaigns.dashboards.models import CampaignDayStats, CampaignStats, CampaignUserStats
from campaigns.languages import language_direction
from campaigns.models import Campaign
from commonset.rawrows import instance_from_row, instance_from_values, select_list, width

from .models import Field, ImportJob, Question, Record, Response, Skip, Slot

MIN_ID, MAX_ID = -(2**63), 2**63 - 1  # the range of a primary key (BigAutoField)


def records_visible_to(user) -> QuerySet[Record]:
    return Record.objects.filter(campaign__in=campaigns_visible_to(user).values("pk"))


# The campaign row and whether a lead blocked the user (campaigns.access.user_is_blocked),
# read in the hot path's one query (commonset.rawrows: no ORM compilation).
_BLOCKED = (
    "EXISTS (SELECT 1 FROM campaigns_campaignblock b WHERE b.campaign_id = c.id AND b.user_id = %s)"
)
_RECORD_SQL = None
_CAMPAIGN_SQL = None


def record_get_for_user(user, record_id: int) -> Record:
    """A record of a campaign the user may see (404 otherwise), with its campaign.

    The annotation loop's hot path: one hand-written query for the record's id, external
    id, suggestions (a submission records whether it kept them) and gold, its campaign row
    and whether the user is blocked from it; visibility is decided by
    campaigns.access.campaign_visible_to_user. The record's other columns load on
    first use."""
    global _RECORD_SQL
    if not MIN_ID <= record_id <= MAX_ID:
        raise Http404  # what no row can have (SQLite refuses to bind it)
    if _RECORD_SQL is None:
        _RECORD_SQL = (
            f"SELECT {select_list(Campaign, 'c')}, {_BLOCKED},"  # noqa: S608
            " r.id, r.external_id, r.suggestions, r.gold"
            " FROM annotation_record r JOIN campaigns_campaign c ON c.id = r.campaign_id"
            " WHERE r.id = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, [user.pk, record_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    campaign = instance_from_row(Campaign, row)
    n = width(Campaign)
    if not campaign_visible_to_user(user, campaign, blocked=bool(row[n])):
        raise Http404
    suggestions, gold = row[n + 3], row[n + 4]
    if isinstance(suggestions, str | bytes):
        suggestions = json.loads(suggestions)
    if isinstance(gold, str | bytes):
        gold = json.loads(gold)
    record = instance_from_values(
        Record,
        ["id", "campaign_id", "external_id", "suggestions", "gold"],
        [row[n + 1], campaign.pk, row[n + 2], suggestions, gold],
        connection.alias,
    )
    record.campaign = campaign
    return record


def campaign_get_visible(user, slug: str) -> Campaign:
    """campaign_get_for_user in one hand-written query (the annotation loop's hot path);
    the visibility rule is campaigns.access.campaign_visible_to_user."""
    global _CAMPAIGN_SQL
    if _CAMPAIGN_SQL is None:
        _CAMPAIGN_SQL = (
            f"SELECT {select_list(Campaign, 'c')}, {_BLOCKED}"  # noqa: S608
            " FROM campaigns_campaign c WHERE c.slug = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(_CAMPAIGN_SQL, [user.pk, slug])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    campaign = instance_from_row(Campaign, row)
    if not campaign_visible_to_user(user, campaign, blocked=bool(row[width(Campaign)])):
        raise Http404
    return campaign


def record_get_for_lead(user, record_id: int) -> Record:
    record = record_get_for_user(user, record_id)
    if not campaign_user_is_lead(user, record.campaign):
        raise Http404
    return record


def records_of_campaign(
    campaign: Campaign, *, external_id: str | None = None, completed: bool | None = None
) -> QuerySet[Record]:
    """For leads (the caller checked with campaign_get_for_lead): all, one by its external
    id, or only those with (`completed`) or still without all their responses."""
    records = Record.objects.filter(campaign=campaign)
    if completed is not None:
        records = (Record.objects.completed_in if completed else Record.objects.open_in)(campaign)
    if external_id is not None:
        records = records.filter(external_id=external_id)
    return records.order_by("id")


_QUESTIONS_CACHE: dict[tuple[int, object], list[Question]] = {}


def questions_of(campaign: Campaign) -> list[Question]:
    """The questions annotators answer (not archived ones). While the campaign is open they
    cannot change, so they are kept per process for the hot path (keyed by the campaign's
    last change)."""
    if campaign.state != Campaign.State.OPEN:
        return list(campaign.questions.asked())
    key = (campaign.pk, campaign.updated_at)
    questions = _QUESTIONS_CACHE.get(key)
    if questions is None:
        if len(_QUESTIONS_CACHE) > 256:
            _QUESTIONS_CACHE.clear()
        questions = _QUESTIONS_CACHE[key] = list(campaign.questions.asked())
    return questions


def fields_shown(campaign: Campaign) -> list[Field]:
    """The campaign's fields, each with the `text_lang` and `text_dir` its text is shown
    with (its own language, else the campaign's first)."""
    fields = list(campaign.fields.all())
    for field in fields:
        field.text_lang = field.language_in(campaign)
        field.text_dir = language_direction(field.text_lang)
    return fields


def answer_language(campaign: Campaign) -> tuple[str, str]:
    """(lang, dir) of text answers: the campaign's first language. A right-to-left one
    makes the answer box type right to left; otherwise it follows what is typed
    (dir="auto")."""
    lang = next(iter(campaign.languages or []), "")
    return lang, "rtl" if language_direction(lang) == "rtl" else "auto"


def answers_labelled(questions: list[Question], values: dict) -> list[tuple[str, str]]:
    """(question title, answer as its options' labels) for each answered question, in the
    questions' order: what a person reads, not `quality: 5`."""
    shown = []
    for question in questions:
        if question.name not in values:
            continue
        labels = {str(o["value"]): str(o.get("label", o["value"])) for o in question.options or []}
        value = values[question.name]
        items = value if isinstance(value, list) else [value]
        shown.append((question.title, ", ".join(labels.get(str(v), str(v)) for v in items)))
    return shown


def responses_of_user(user, campaign: Campaign | None = None) -> QuerySet[Response]:
    """The user's own responses (only ever theirs), newest first."""
    responses = (
        Response.objects.filter(user=user, record__campaign__in=campaigns_visible_to(user))
        .select_related("record", "record__campaign")
        .order_by("-updated_at", "-id")
    )
    if campaign is not None:
        responses = responses.filter(record__campaign=campaign)
    return responses


def response_of_user(user, record: Record) -> Response | None:
    return Response.objects.filter(user=user, record=record).first()


def user_skipped(user, record: Record) -> bool:
    return Skip.objects.filter(user=user, record=record).exists()


def user_holds_lease(user, record: Record) -> bool:
    return Slot.objects.leased_to(user).filter(record=record).exists()


def lease_expiry_of(user, record: Record) -> datetime | None:
    """When the user's live lease on this record ends (None without one)."""
    return (
        Slot.objects.leased_to(user)
        .filter(record=record)
        .values_list("expires_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class CampaignProgress:
    records: int
    completed: int
    responses: int
    target_responses: int
    contributors: int
    my_submitted: int | None = None
    my_discarded: int | None = None

    @property
    def percent(self) -> int:
        if not self.target_responses:
            return 0
        return int(100 * self.responses / self.target_responses)

    @property
    def completed_percent(self) -> int:
        return int(100 * self.completed / self.records) if self.records else 0


def campaign_records_count(campaign: Campaign) -> int:
    """The campaign's record count from its counter row (campaigns.dashboards.models), the
    row created from one count the first time it is needed."""
    stats = CampaignStats.objects.filter(campaign_id=campaign.pk).values_list("records", flat=True)
    records = stats.first()
    if records is None:
        records = Record.objects.filter(campaign=campaign).data().count()
        CampaignStats.objects.get_or_create(campaign_id=campaign.pk, defaults={"records": records})
    return records


def campaign_progress_counted(campaign: Campaign, user=None) -> CampaignProgress:
    """A campaign's progress from the dashboards' counters (campaigns.dashboards.models):
    a CampaignProgress in a handful of indexed queries instead of a count over every record
    and response (at 1,000,000 responses the scan takes ~1.6 s per page). The user's
    discarded responses are their own rows only (bounded by what one person answered)."""
    totals = CampaignDayStats.objects.filter(campaign_id=campaign.pk).aggregate(
        responses=Sum("responses"), completed=Sum("completed")
    )
    records = campaign_records_count(campaign)
    contributors = CampaignUserStats.objects.filter(
        campaign_id=campaign.pk, responses__gt=0
    ).count()
    mine_submitted = mine_discarded = None
    if user is not None and user.is_authenticated:
        mine_submitted = (
            CampaignUserStats.objects.filter(campaign_id=campaign.pk, user=user)
            .values_list("responses", flat=True)
            .first()
            or 0
        )
        mine_discarded = Response.objects.filter(
            user=user, record__campaign_id=campaign.pk, status=Response.Status.DISCARDED
        ).count()
    return CampaignProgress(
        records=records,
        completed=totals["completed"] or 0,
        responses=totals["responses"] or 0,
        target_responses=records * (campaign.responses_per_record or 1),
        contributors=contributors,
        my_submitted=mine_submitted,
        my_discarded=mine_discarded,
    )


def drafts_of_user(user, campaign: Campaign):
    """My drafts in a campaign, newest first, with whether my reservation still holds."""
    now = timezone.now()
    drafts = list(
        Response.objects.drafts()
        .filter(user=user, record__campaign=campaign)
        .select_related("record")
        .order_by("-updated_at", "-id")[:200]
    )
    held = dict(
        Slot.objects.leased_to(user, now)
        .filter(record_id__in=[d.record_id for d in drafts])
        .values_list("record_id", "expires_at")
    )
    for draft in drafts:
        draft.lease_expires_at = held.get(draft.record_id)
        draft.record_open = draft.record.response_count < draft.record.overlap
    return drafts


def skips_of_user(user, campaign: Campaign):
    """The records I skipped in a campaign, newest first."""
    return (
        Skip.objects.filter(user=user, record__campaign=campaign)
        .select_related("record")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class LoopProgress:
    """What the annotate page shows while annotating: my submitted responses and the
    campaign's completion."""

    mine: int
    records: int
    completed: int
    responses: int
    target_responses: int

    @property
    def completed_percent(self) -> int:
        return int(100 * self.completed / self.records) if self.records else 0

    @property
    def percent(self) -> int:
        return int(100 * self.responses / self.target_responses) if self.target_responses else 0

    def as_dict(self) -> dict:
        return {
            "mine": self.mine,
            "records": self.records,
            "completed": self.completed,
            "completed_percent": self.completed_percent,
            "responses": self.responses,
            "target_responses": self.target_responses,
            "percent": self.percent,
        }


def loop_progress(campaign: Campaign, user) -> LoopProgress:
    """My count and the campaign's completion from the dashboards' counters, in one query
    of four indexed look-ups (no count over records or responses): cheap enough for every
    page of the annotation loop."""
    stats, days, users = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (CampaignStats, CampaignDayStats, CampaignUserStats)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT records FROM {stats} WHERE campaign_id = %s),"  # noqa: S608
            f" (SELECT SUM(responses) FROM {days} WHERE campaign_id = %s),"
            f" (SELECT SUM(completed) FROM {days} WHERE campaign_id = %s),"
            f" (SELECT responses FROM {users} WHERE campaign_id = %s AND user_id = %s)",
            [campaign.pk, campaign.pk, campaign.pk, campaign.pk, user.pk],
        )
        records, responses, completed, mine = cursor.fetchone()
    if records is None:
        records = campaign_records_count(campaign)
    return LoopProgress(
        mine=int(mine or 0),
        records=int(records),
        completed=int(completed or 0),
        responses=int(responses or 0),
        target_responses=int(records) * (campaign.responses_per_record or 1),
    )


def import_jobs_of(campaign: Campaign) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(campaign=campaign).order_by("-created_at")


def import_job_get_for_lead(user, campaign: Campaign, job_id: int) -> ImportJob:
    if not campaign_user_is_lead(user, campaign):
        raise Http404
    return get_object_or_404(ImportJob, campaign=campaign, pk=job_id)


def responses_of_campaign(
    campaign: Campaign,
    *,
    annotator: str | None = None,
    question: str | None = None,
    status: str | None = None,
    since=None,
) -> QuerySet[Response]:
    """A campaign's responses for its leads, oldest change first (a client polling with
    `since` = the last `updated_at` it saw gets what changed after): by annotator
    (username), by question (responses that answer it), by status, changed since a time."""
    responses = (
        Response.objects.filter(record__campaign=campaign)
        .select_related("user", "record")
        .order_by("updated_at", "id")
    )
    if annotator:
        responses = responses.filter(user__username=annotator)
    if question:
        responses = responses.filter(values__has_key=question)
    if status:
        responses = responses.filter(status=status)
    if since is not None:
        responses = responses.filter(updated_at__gt=since)
    return responses
