"""A record's stored disagreement figure, `Record.spread` (issue 14), which the review queue
and the records browser read, sort and filter on through an index.

Definition (the pages say it): on the campaign's disagreement question, the first rating
or label question that is asked (not archived), by position:
- rating: the highest minus the lowest rating among the record's counted responses
  (0 when they agree);
- label: how many different labels the counted responses gave, minus one (0 when they
  agree);
- None while no counted response answered it, and for every record of a campaign
  without such a question.
"Counted": submitted and `Response.counted` (not rejected, not of a blocked annotator).

It is kept in the transaction that changes what counts, after the record row is locked:
submit (services_pg and the portable path call record_spread_refresh, as every other
change does), revise, discard, review, block and unblock. A change of
which question it is read on (definitions.py) recomputes the campaign's records.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, FloatField, Max, Min, OuterRef, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from .models import Question, Record, Response

KINDS = (Question.Kind.RATING, Question.Kind.LABEL)


def spread_question_of(questions: Iterable[Question]) -> Question | None:
    """The disagreement question among `questions` (any order; archived ones ignored)."""
    candidates = [q for q in questions if q.kind in KINDS and not q.archived]
    return min(candidates, key=lambda q: (q.position, q.pk or 0), default=None)


def spread_question(campaign) -> Question | None:
    """The campaign's disagreement question (one query)."""
    return campaign.questions.asked().filter(kind__in=KINDS).order_by("position", "id").first()


def spread_expression(question: Question | None, record_ref: str = "pk"):
    """A subquery per record (`record_ref`: the outer row's record id): the spread of its
    counted answers to `question` (also for a question other than the stored one)."""
    if question is None:
        return Value(None, output_field=FloatField())
    value = KT(f"values__{question.name}")
    answers = (
        Response.objects.filter(
            record=OuterRef(record_ref), counted=True, status=Response.Status.SUBMITTED
        )
        .alias(answer=value)
        .filter(answer__isnull=False)
    )
    if question.kind == Question.Kind.RATING:
        number = Cast(value, FloatField())
        spread = Max(number) - Min(number)
    else:
        spread = Cast(Count(value, distinct=True) - 1, FloatField())
    return Subquery(
        answers.order_by().values("record").annotate(d=spread).values("d")[:1],
        output_field=FloatField(),
    )


def record_spread_refresh(*, record_id: int, question: Question | None) -> None:
    """Recompute one record's spread (one UPDATE). Call it in the transaction that changed
    its responses, after locking the record row, so the count sees every committed one."""
    if question is None:
        return
    Record.objects.filter(pk=record_id).update(spread=spread_expression(question))


def campaign_spread_refresh(*, campaign) -> None:
    """Recompute every record of the campaign: set-based on PostgreSQL (one grouped pass
    over the responses), a subquery per record elsewhere."""
    question = spread_question(campaign)
    if connection.vendor != "postgresql" or question is None:
        Record.objects.filter(campaign=campaign).update(spread=spread_expression(question))
        return
    aggregate = (
        "max((x.values ->> %(name)s)::float) - min((x.values ->> %(name)s)::float)"
        if question.kind == Question.Kind.RATING
        else "count(DISTINCT x.values ->> %(name)s) - 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotation_record r SET spread = s.d FROM ("  # noqa: S608
            f" SELECT x.record_id, {aggregate} AS d"
            " FROM annotation_response x JOIN annotation_record y ON y.id = x.record_id"
            " WHERE y.campaign_id = %(campaign)s AND x.counted AND x.status = 'submitted'"
            " AND x.values ->> %(name)s IS NOT NULL GROUP BY x.record_id) s"
            " WHERE r.id = s.record_id AND r.spread IS DISTINCT FROM s.d",
            {"campaign": campaign.pk, "name": question.name},
        )
        cursor.execute(
            "UPDATE annotation_record r SET spread = NULL WHERE r.campaign_id = %(campaign)s"
            " AND r.spread IS NOT NULL AND NOT EXISTS (SELECT 1 FROM annotation_response x"
            " WHERE x.record_id = r.id AND x.counted AND x.status = 'submitted'"
            " AND x.values ->> %(name)s IS NOT NULL)",
            {"campaign": campaign.pk, "name": question.name},
        )
