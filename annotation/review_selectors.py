"""Reads for leads and reviewers (issue 14): the records browser, one record with its
responses, reviews and comments, the review queue. Campaigns reach here through
campaigns.access.campaign_get_for_reviewer; records and responses only through the
getters below, so what the user may not review answers 404.

Disagreement, as the browser and the queue define it (and the pages say): for a rating
question, the spread of the counted answers (highest minus lowest rating: 0 when everyone
agreed); for a label question, the number of different labels given minus one. Other
question kinds have no disagreement figure. On the campaign's disagreement question it is
read from the stored, indexed `Record.spread` (annotation/spread.py); on another question
a reader names, computed per record (no index: slow on large campaigns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from campaigns.access import campaign_user_is_reviewer
from campaigns.models import Campaign, CampaignBlock

from .models import Question, Record, Response, ReviewStatus
from .record_text import RecordText, needle
from .review_models import RecordComment
from .selectors import record_get_for_user
from .spread import spread_expression, spread_question

STATUSES = ("needs_responses", "complete", "has_rejected", "has_pending", "gold")
SORTS = ("id", "disagreement", "recent", "responses")
META_KEY = re.compile(r"^[\w.-]{1,60}$")


@dataclass
class RecordFilters:
    q: str = ""
    status: str = ""
    meta_key: str = ""
    meta_value: str = ""
    annotator: str = ""
    min_disagreement: float | None = None
    question: str = ""
    has_comments: bool = False
    sort: str = "id"
    external_id: str | None = None
    completed: bool | None = None

    @classmethod
    def from_params(cls, params) -> RecordFilters:
        def number(name):
            try:
                value = float(params.get(name, ""))
            except (TypeError, ValueError):
                return None
            return value if -1e9 < value < 1e9 else None

        status = params.get("status", "")
        sort = params.get("sort", "id")
        meta_key = (params.get("meta_key") or "").strip()
        return cls(
            q=(params.get("q") or "").strip()[:200],
            status=status if status in STATUSES else "",
            meta_key=meta_key if META_KEY.match(meta_key) else "",
            meta_value=(params.get("meta_value") or "").strip()[:200],
            annotator=(params.get("annotator") or "").strip().lstrip("@")[:150],
            min_disagreement=number("min_disagreement"),
            question=(params.get("question") or "").strip()[:60],
            has_comments=params.get("has_comments") in ("1", "true", "on"),
            sort=sort if sort in SORTS else "id",
        )


def disagreement_question(campaign: Campaign, name: str = "") -> Question | None:
    """The question disagreement is measured on: the rating or label question named, else
    the campaign's disagreement question (the stored spread's)."""
    if name:
        kinds = [Question.Kind.RATING, Question.Kind.LABEL]
        return campaign.questions.filter(kind__in=kinds, name=name).first()
    return spread_question(campaign)


def _disagreement(campaign: Campaign, name: str, record_path: str):
    """(expression of the disagreement, whether it is the stored spread) for the rows of a
    query (`record_path`: their record; "" for records themselves)."""
    question = disagreement_question(campaign, name)
    stored = question is not None and (not name or question == spread_question(campaign))
    if stored:
        return F(f"{record_path}spread"), True
    return spread_expression(question, f"{record_path}pk"), False


def records_text_filter(records: QuerySet[Record], q: str) -> QuerySet[Record]:
    """Records with a value in their fields that holds `q`, ignoring case (record_text.py):
    on PostgreSQL UPPER(…) LIKE, which migration 0015's pg_trgm index serves; a plain scan
    on SQLite."""
    return records.alias(fields_text=RecordText("fields")).filter(
        fields_text__icontains=needle(q)
    )


def records_browse(campaign: Campaign, filters: RecordFilters) -> QuerySet[Record]:
    """The campaign's records, filtered and sorted, each with `disagreement` and
    `last_response_at` (for the lead's browser and its API)."""
    if filters.completed is None:
        records = Record.objects.filter(campaign=campaign)
    else:
        records = (Record.objects.completed_in if filters.completed else Record.objects.open_in)(
            campaign
        )
    if filters.external_id is not None:
        records = records.filter(external_id=filters.external_id)
    if filters.q:
        records = records_text_filter(records, filters.q)
    if filters.status == "needs_responses":
        records = records.filter(response_count__lt=F("overlap")).data()
    elif filters.status == "complete":
        records = records.filter(response_count__gte=F("overlap")).data()
    elif filters.status == "gold":  # annotation/gold.py
        records = records.filter(gold__isnull=False)
    elif filters.status in ("has_rejected", "has_pending"):
        wanted = ReviewStatus.REJECTED if filters.status == "has_rejected" else ReviewStatus.PENDING
        records = records.filter(
            Exists(
                Response.objects.filter(
                    record=OuterRef("pk"),
                    status=Response.Status.SUBMITTED,
                    review_status=wanted,
                )
            )
        )
    if filters.meta_key:
        records = records.alias(meta=Cast(KT(f"metadata__{filters.meta_key}"), TextField())).filter(
            meta=filters.meta_value
        )
    if filters.annotator:
        records = records.filter(
            Exists(
                Response.objects.filter(
                    record=OuterRef("pk"), user__username__iexact=filters.annotator
                )
            )
            | Exists(
                Response.objects.filter(
                    record=OuterRef("pk"), user__hf_username__iexact=filters.annotator
                )
            )
        )
    if filters.has_comments:
        records = records.filter(Exists(RecordComment.objects.filter(record=OuterRef("pk"))))
    disagreement, _stored = _disagreement(campaign, filters.question, "")
    records = records.annotate(
        disagreement=disagreement,
        last_response_at=Subquery(
            Response.objects.filter(record=OuterRef("pk"))
            .order_by("-updated_at")
            .values("updated_at")[:1]
        ),
    )
    if filters.min_disagreement is not None:
        records = records.filter(disagreement__gte=filters.min_disagreement)
    order = {
        "id": ["id"],
        "disagreement": [F("disagreement").desc(nulls_last=True), "id"],
        "recent": [F("last_response_at").desc(nulls_last=True), "-id"],
        "responses": ["-response_count", "id"],
    }[filters.sort]
    return records.order_by(*order)


def record_get_for_reviewer(user, record_id: int, campaign: Campaign | None = None) -> Record:
    """A record the user may review (lead or reviewer of its campaign); 404 otherwise,
    also when `campaign` is given and the record is of another one."""
    record = record_get_for_user(user, record_id)
    if campaign is not None and record.campaign_id != campaign.pk:
        raise Http404
    if not campaign_user_is_reviewer(user, record.campaign):
        raise Http404
    full = Record.objects.get(pk=record.pk)
    full.campaign = record.campaign
    return full


def response_get_for_reviewer(user, response_id: int) -> Response:
    """A response the user may review: through its record's door (404 otherwise)."""
    row = (
        Response.objects.filter(pk=response_id).values_list("record_id", flat=True).first()
        if -(2**63) <= response_id < 2**63
        else None
    )
    if row is None:
        raise Http404
    record = record_get_for_reviewer(user, row)
    response = Response.objects.select_related("user").get(pk=response_id)
    response.record = record
    return response


def record_responses(record: Record) -> list[Response]:
    """Every response to the record with its annotator and review history."""
    blocked = set(
        CampaignBlock.objects.filter(campaign_id=record.campaign_id).values_list(
            "user_id", flat=True
        )
    )
    responses = list(
        Response.objects.filter(record=record)
        .select_related("user")
        .prefetch_related("reviews__reviewer")
        .order_by("id")
    )
    for response in responses:
        response.annotator_blocked = response.user_id in blocked
    return responses


def record_comments(record: Record) -> QuerySet[RecordComment]:
    return RecordComment.objects.filter(record=record).select_related("user").order_by("id")


def review_queue(campaign: Campaign, question_name: str = "") -> QuerySet[Response]:
    """Submitted responses waiting for review, those of the records with the most
    disagreement first (then the oldest record, then the oldest response). Responses
    that do not count (their annotator is blocked, or their record was completed while
    they were) are not in the queue."""
    disagreement, stored = _disagreement(campaign, question_name, "record__")
    responses = (
        Response.objects.filter(
            record__campaign=campaign,
            status=Response.Status.SUBMITTED,
            review_status=ReviewStatus.PENDING,
            counted=True,
        )
        .select_related("user", "record")
        .annotate(disagreement=Coalesce(disagreement, Value(-1.0), output_field=FloatField()))
    )
    if stored:
        # Walks the records' (campaign, spread DESC NULLS LAST, id) index: no sort.
        return responses.order_by(F("record__spread").desc(nulls_last=True), "record__id", "id")
    return responses.order_by("-disagreement", "record_id", "id")


QUEUE_COUNT_LIMIT = 1000


def review_queue_count(campaign: Campaign, question_name: str = "", *, limit: int = 0) -> int:
    """How many responses wait for review, counted no further than `limit` + 1
    (QUEUE_COUNT_LIMIT by default): more than `limit` reads "limit+". A bounded walk of the
    queue's index instead of a count over every response of the campaign."""
    limit = limit or QUEUE_COUNT_LIMIT
    return review_queue(campaign, question_name).values("pk")[: limit + 1].count()


def user_may_comment(user, record: Record) -> bool:
    """Leads, reviewers and the record's annotators (anyone with a response to it)."""
    return (
        campaign_user_is_reviewer(user, record.campaign)
        or Response.objects.filter(record=record, user=user).exists()
    )
