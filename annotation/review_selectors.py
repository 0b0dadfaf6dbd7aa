"""Reads for leads and reviewers (issue 14): the records browser, one record with its
responses, reviews and comments, the review queue. Campaigns reach here through
campaigns.access.campaign_get_for_reviewer; records and responses only through the
getters below, so what the user may not review answers 404.

Disagreement, as the browser and the queue define it (and the pages say): for a rating
question, the spread of the counted answers (highest minus lowest rating: 0 when everyone
agreed); for a label question, the number of different labels given minus one. Other
question kinds have no disagreement figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count as CountAgg
from django.db.models import (
    Exists,
    F,
    FloatField,
    Max,
    Min,
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
from .review_models import RecordComment
from .selectors import record_get_for_user

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
    """The question disagreement is measured on: the one named, else the first rating or
    label question."""
    questions = campaign.questions.filter(kind__in=[Question.Kind.RATING, Question.Kind.LABEL])
    if name:
        return questions.filter(name=name).first()
    return questions.order_by("position", "id").first()


def _disagreement(question: Question | None, record_ref: str = "pk"):
    """A subquery per record (`record_ref`: the outer row's record id): the disagreement
    of its counted answers to `question`."""
    if question is None:
        return Value(None, output_field=FloatField())
    answers = Response.objects.filter(
        record=OuterRef(record_ref), counted=True, status=Response.Status.SUBMITTED
    ).exclude(**{f"values__{question.name}__isnull": True})
    value = KT(f"values__{question.name}")
    if question.kind == Question.Kind.RATING:
        number = Cast(value, FloatField())
        spread = Max(number) - Min(number)
    else:
        spread = Cast(CountAgg(value, distinct=True) - 1, FloatField())
    return Subquery(
        answers.order_by().values("record").annotate(d=spread).values("d")[:1],
        output_field=FloatField(),
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
        records = records.alias(fields_text=Cast("fields", TextField())).filter(
            fields_text__icontains=filters.q
        )
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
    question = disagreement_question(campaign, filters.question)
    records = records.annotate(
        disagreement=_disagreement(question),
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
    question = disagreement_question(campaign, question_name)
    disagreement = _disagreement(question, record_ref="record_id")
    return (
        Response.objects.filter(
            record__campaign=campaign,
            status=Response.Status.SUBMITTED,
            review_status=ReviewStatus.PENDING,
            counted=True,
        )
        .select_related("user", "record")
        .annotate(disagreement=Coalesce(disagreement, Value(-1.0), output_field=FloatField()))
        .order_by("-disagreement", "record_id", "id")
    )


def user_may_comment(user, record: Record) -> bool:
    """Leads, reviewers and the record's annotators (anyone with a response to it)."""
    return (
        campaign_user_is_reviewer(user, record.campaign)
        or Response.objects.filter(record=record, user=user).exists()
    )
