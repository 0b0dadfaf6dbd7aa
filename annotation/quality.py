"""Per-annotator quality (issue 14): the figures of each annotator of a campaign, computed
into AnnotatorQuality rows (annotation/quality_models.py) that the lead's page and API
read (annotation/quality_selectors.py), so a page view never scans the responses.

`annotator_quality_refresh` computes the whole table of a campaign: on PostgreSQL in one
set-based statement (after deleting the old rows, in one transaction: readers see the old
table until it commits); elsewhere in Python over the responses (fine at the sizes SQLite
serves). Both give the same figures (tests/annotation/test_quality.py runs both):

- responses: the annotator's submitted responses (rejected ones included);
- median_seconds: median of Response.seconds (lease to submit) where known;
- straight_line: share of their responses, after the first in submit order (created_at,
  id), whose answers to the non-text questions equal those of the response before;
- agreement per question kind, the mean over every answer they share with another
  annotator of the same record (both answered the question): label 1 when equal, else 0;
  rating 1 - |a - b| / (highest - lowest rating of the scale); multi-label the Jaccard
  overlap |A ∩ B| / |A ∪ B|; ranking Spearman's rank correlation (-1 reversed order, 1 the
  same order); text questions are not compared. `agreement` is the lowest of these;
- rejected and rejected_share: their responses a lead or reviewer rejected.

Gold accuracy is not here yet (annotation/gold.py adds it).

The refresh runs in a Celery task, debounced (`annotator_quality_refresh_soon`, called
after submits and reviews), or when the lead asks for it. The debounced one is sent after
the answer has committed and may not fail the request that saved it (a robust on_commit:
a broker out of reach, or the task itself where Celery runs eagerly, is logged instead;
the next debounced send or the lead's Refresh makes up for it).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Campaign
from commonset.throttling import redis_client

from .models import Question, Response
from .quality_models import AnnotatorQuality

DEBOUNCE_SECONDS = 300  # at most one scheduled refresh per campaign in this time
log = logging.getLogger(__name__)
KINDS = ("label", "rating", "multi_label", "ranking")
# The stored figures of a row (AnnotatorQuality), as the API lists them.
FIGURES = (
    "responses",
    "rejected",
    "rejected_share",
    "median_seconds",
    "straight_line",
    "agreement_label",
    "agreement_rating",
    "agreement_multi_label",
    "agreement_ranking",
    "agreement",
    "compared",
)


@dataclass(frozen=True)
class _Compared:
    """A question whose answers are compared between annotators."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0


def _questions(campaign: Campaign) -> tuple[list[_Compared], list[str]]:
    compared, text = [], []
    for question in Question.objects.filter(campaign=campaign).order_by("position", "id"):
        if question.kind == Question.Kind.TEXT:
            text.append(question.name)
            continue
        low = high = 0.0
        if question.kind == Question.Kind.RATING:
            numbers = [v for v in question.option_values if isinstance(v, int | float)]
            low, high = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
        compared.append(_Compared(question.name, question.kind, float(low), float(high)))
    return compared, text


# --- the refresh -------------------------------------------------------------------------
def annotator_quality_refresh(*, campaign: Campaign) -> int:
    """Recompute the campaign's per-annotator table; returns its number of rows."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            count = _refresh_postgresql(campaign, now)
        else:
            rows = annotator_quality_compute(campaign)
            AnnotatorQuality.objects.filter(campaign=campaign).delete()
            AnnotatorQuality.objects.bulk_create(
                [
                    AnnotatorQuality(
                        campaign=campaign, user_id=user_id, computed_at=now, **figures
                    )
                    for user_id, figures in rows.items()
                ],
                batch_size=2000,
            )
            count = len(rows)
        return count + _gold_store(campaign=campaign, now=now)


def _gold_store(*, campaign: Campaign, now) -> int:
    """Gold accuracy (annotation/gold.py) onto the rows just written, in the same
    transaction; an annotator who answered only gold records gets a row of their own.
    Returns how many rows it added."""
    from .gold import gold_accuracy_by_annotator

    figures = gold_accuracy_by_annotator(campaign)
    if not figures:
        return 0
    rows = {
        row.user_id: row
        for row in AnnotatorQuality.objects.filter(campaign=campaign, user_id__in=list(figures))
    }
    added = []
    for user_id, (correct, total) in figures.items():
        row = rows.get(user_id)
        if row is None:
            row = AnnotatorQuality(campaign=campaign, user_id=user_id, computed_at=now)
            added.append(row)
        row.gold_correct, row.gold_total = correct, total
        row.gold_accuracy = correct / total if total else None
    fields = ["gold_correct", "gold_total", "gold_accuracy"]
    AnnotatorQuality.objects.bulk_update(list(rows.values()), fields, batch_size=2000)
    AnnotatorQuality.objects.bulk_create(added, batch_size=2000)
    return len(added)


def annotator_quality_refresh_soon(*, campaign_id: int) -> None:
    """Schedule a refresh in DEBOUNCE_SECONDS unless one is already scheduled (a cache key
    decides: no SQL, so the annotation loop can call it after every submit)."""
    if not _debounce_claim(f"quality-refresh:{campaign_id}"):
        return
    from .tasks import annotator_quality_refresh_task

    transaction.on_commit(
        lambda: annotator_quality_refresh_task.apply_async(
            (campaign_id,), countdown=DEBOUNCE_SECONDS
        ),
        robust=True,  # the answer is saved: a failure here is logged, not answered 500
    )


# With Redis: until when this process knows the debounce key exists (its own expiry, read
# when it was last claimed or found), so the submits in between send nothing to Redis.
_DEBOUNCED_UNTIL: dict[str, float] = {}


def _debounce_claim(name: str) -> bool:
    """True when this call set the debounce key `name` (nobody held it): as cache.add."""
    client = redis_client(cache)
    if client is None:
        return bool(cache.add(name, 1, timeout=DEBOUNCE_SECONDS))
    key = cache.make_key(name)
    now = time.monotonic()
    if _DEBOUNCED_UNTIL.get(key, 0.0) > now:
        return False
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 1, nx=True, ex=DEBOUNCE_SECONDS)
        pipe.pttl(key)
        added, ttl_ms = pipe.execute()
    except Exception:  # Redis down: as django-redis's IGNORE_EXCEPTIONS, nothing scheduled
        log.warning("Redis did not answer the quality refresh debounce", exc_info=True)
        return False
    if len(_DEBOUNCED_UNTIL) >= 10_000:
        _DEBOUNCED_UNTIL.clear()
    if ttl_ms and ttl_ms > 0:
        _DEBOUNCED_UNTIL[key] = now + ttl_ms / 1000
    return bool(added)


def annotator_quality_refresh_enqueue(*, campaign: Campaign) -> None:
    """The lead's "Refresh": recompute now, in the worker (inline when Celery runs eagerly,
    the embedded default)."""
    from .tasks import annotator_quality_refresh_task

    annotator_quality_refresh_task.delay_on_commit(campaign.pk)


# --- Python (any database) ---------------------------------------------------------------
def _answered(values: dict, name: str):
    value = (values or {}).get(name)
    return None if value is None or value == [] else value


def _score(question: _Compared, a, b) -> float | None:
    if question.kind == "label":
        return 1.0 if a == b else 0.0
    if question.kind == "rating":
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            return None
        span = question.high - question.low
        return 1.0 - abs(a - b) / span if span else float(a == b)
    if not isinstance(a, list) or not isinstance(b, list):
        return None
    if question.kind == "multi_label":
        union = len(a) + len(b) - sum(1 for x in a if x in b)
        return sum(1 for x in a if x in b) / union if union else 1.0
    n = len(a)  # ranking: Spearman's rho of two orders of the same options
    if n < 2:
        return None
    where = {repr(x): i for i, x in enumerate(b, 1)}
    d2 = sum((i - where[repr(x)]) ** 2 for i, x in enumerate(a, 1) if repr(x) in where)
    return 1.0 - 6.0 * d2 / (n * (n * n - 1))


def annotator_quality_compute(campaign: Campaign) -> dict[int, dict]:
    """The table in Python: {user id: {figure: value}} (the portable implementation)."""
    compared, text = _questions(campaign)
    responses = list(
        # Answers to gold records are measured by their own figure (_gold_store).
        Response.objects.filter(
            record__campaign=campaign, status=Response.Status.SUBMITTED, gold=False
        )
        .order_by("user_id", "created_at", "id")
        .values_list("user_id", "record_id", "values", "seconds", "review_status")
    )
    by_record: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for user_id, record_id, values, _seconds, _status in responses:
        by_record[record_id].append((user_id, values or {}))
    rows: dict[int, dict] = {}
    previous: dict[int, dict] = {}
    same: dict[int, list[int]] = defaultdict(list)
    seconds: dict[int, list[float]] = defaultdict(list)
    for user_id, _record_id, values, took, status in responses:
        row = rows.setdefault(user_id, {"responses": 0, "rejected": 0})
        row["responses"] += 1
        row["rejected"] += status == Response.ReviewStatus.REJECTED
        if took is not None:
            seconds[user_id].append(took)
        answers = {k: v for k, v in (values or {}).items() if k not in text}
        if user_id in previous:
            same[user_id].append(int(answers == previous[user_id]))
        previous[user_id] = answers
    scores: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for answers in by_record.values():
        for user_a, values_a in answers:
            for user_b, values_b in answers:
                if user_a == user_b:
                    continue
                for question in compared:
                    a, b = _answered(values_a, question.name), _answered(values_b, question.name)
                    if a is None or b is None:
                        continue
                    score = _score(question, a, b)
                    if score is not None:
                        scores[user_a][question.kind].append(score)
    for user_id, row in rows.items():
        row["rejected_share"] = row["rejected"] / row["responses"]
        row["median_seconds"] = statistics.median(seconds[user_id]) if seconds[user_id] else None
        row["straight_line"] = (
            sum(same[user_id]) / len(same[user_id]) if same[user_id] and compared else None
        )
        kinds = scores.get(user_id, {})
        for kind in KINDS:
            row[f"agreement_{kind}"] = (
                sum(kinds[kind]) / len(kinds[kind]) if kinds.get(kind) else None
            )
        found = [row[f"agreement_{kind}"] for kind in KINDS if row[f"agreement_{kind}"] is not None]
        row["agreement"] = min(found) if found else None
        row["compared"] = sum(len(v) for v in kinds.values())
    return rows


# --- PostgreSQL: one set-based statement -------------------------------------------------
def _answer(side: str, name_param: str) -> str:
    return f"NULLIF(NULLIF({side}.values -> {name_param}, 'null'::jsonb), '[]'::jsonb)"


def _pg_score(question: _Compared, index: int) -> tuple[str, dict]:
    """The SQL of one question's score for a pair (a, b), and its parameters."""
    name = f"%(q{index})s"
    a, b = _answer("a", name), _answer("b", name)
    params = {f"q{index}": question.name}
    if question.kind == "label":
        score = f"CASE WHEN {a} = {b} THEN 1.0 ELSE 0.0 END"
    elif question.kind == "rating":
        params[f"low{index}"], params[f"span{index}"] = question.low, question.high - question.low
        number_a = f"({a} #>> '{{}}')::float8"
        number_b = f"({b} #>> '{{}}')::float8"
        score = (
            f"CASE WHEN %(span{index})s > 0 THEN 1.0 - abs({number_a} - {number_b})"
            f" / %(span{index})s WHEN {number_a} = {number_b} THEN 1.0 ELSE 0.0 END"
        )
    elif question.kind == "multi_label":
        inter = (
            f"(SELECT count(*) FROM jsonb_array_elements({a}) e"  # noqa: S608
            f" WHERE {b} @> jsonb_build_array(e))"
        )
        union = f"(jsonb_array_length({a}) + jsonb_array_length({b}) - {inter})"
        score = f"CASE WHEN {union} = 0 THEN 1.0 ELSE {inter}::float8 / {union} END"
    else:  # ranking: Spearman's rho
        n = f"jsonb_array_length({a})"
        d2 = (
            f"(SELECT sum((x.i - y.j) ^ 2) FROM jsonb_array_elements({a}) WITH ORDINALITY"  # noqa: S608
            f" x(e, i) JOIN jsonb_array_elements({b}) WITH ORDINALITY y(e, j) ON x.e = y.e)"
        )
        score = f"CASE WHEN {n} >= 2 THEN 1.0 - 6.0 * {d2} / ({n} * ({n} ^ 2 - 1)) END"
    shaped = {
        "label": "true",
        "rating": f"jsonb_typeof({a}) = 'number' AND jsonb_typeof({b}) = 'number'",
        "multi_label": f"jsonb_typeof({a}) = 'array' AND jsonb_typeof({b}) = 'array'",
        "ranking": f"jsonb_typeof({a}) = 'array' AND jsonb_typeof({b}) = 'array'",
    }[question.kind]
    guarded = f"CASE WHEN {a} IS NOT NULL AND {b} IS NOT NULL AND {shaped} THEN {score} END"
    return f"('{question.kind}', ({guarded})::float8)", params


def _refresh_postgresql(campaign: Campaign, now) -> int:
    compared, text = _questions(campaign)
    params: dict = {"campaign": campaign.pk, "text": text, "now": now}
    scores = []
    for index, question in enumerate(compared):
        sql, extra = _pg_score(question, index)
        scores.append(sql)
        params.update(extra)
    per_kind = ", ".join(
        f"avg(score) FILTER (WHERE kind = '{kind}') AS agreement_{kind}" for kind in KINDS
    )
    # Only parameter placeholders and fixed SQL are formatted in (names are parameters).
    pairs = (
        f"""
, pairs AS (
  SELECT a.user_id, s.kind, s.score
  FROM r a JOIN r b ON b.record_id = a.record_id AND b.user_id <> a.user_id
  CROSS JOIN LATERAL (VALUES {", ".join(scores)}) s(kind, score)
), agree AS (
  SELECT user_id, {per_kind}, count(score) AS compared
  FROM pairs WHERE score IS NOT NULL GROUP BY user_id
)"""  # noqa: S608
        if compared
        else """
, agree AS (
  SELECT NULL::bigint AS user_id, NULL::float8 AS agreement_label,
    NULL::float8 AS agreement_rating, NULL::float8 AS agreement_multi_label,
    NULL::float8 AS agreement_ranking, 0 AS compared WHERE false
)"""
    )
    straight = "avg(CASE WHEN v = prev THEN 1.0 ELSE 0.0 END)" if compared else "NULL::float8"
    sql = f"""
WITH r AS MATERIALIZED (
  SELECT x.id, x.user_id, x.record_id, x.created_at, x.values, x.seconds, x.review_status
  FROM annotation_response x JOIN annotation_record rec ON rec.id = x.record_id
  WHERE rec.campaign_id = %(campaign)s AND x.status = 'submitted' AND NOT x.gold
), base AS (
  SELECT user_id, count(*) AS responses,
    count(*) FILTER (WHERE review_status = 'rejected') AS rejected,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_seconds
  FROM r GROUP BY user_id
), seq AS (
  SELECT user_id, values - %(text)s::text[] AS v,
    lag(values - %(text)s::text[]) OVER (PARTITION BY user_id ORDER BY created_at, id) AS prev
  FROM r
), straight AS (
  SELECT user_id, {straight} AS straight_line FROM seq WHERE prev IS NOT NULL GROUP BY user_id
){pairs}
INSERT INTO annotation_annotatorquality (campaign_id, user_id, responses, rejected,
  rejected_share, median_seconds, straight_line, agreement_label, agreement_rating,
  agreement_multi_label, agreement_ranking, agreement, compared, computed_at)
SELECT %(campaign)s, base.user_id, base.responses, base.rejected,
  base.rejected::float8 / base.responses, base.median_seconds, straight.straight_line,
  agree.agreement_label, agree.agreement_rating, agree.agreement_multi_label,
  agree.agreement_ranking,
  LEAST(agree.agreement_label, agree.agreement_rating, agree.agreement_multi_label,
        agree.agreement_ranking),
  COALESCE(agree.compared, 0), %(now)s
FROM base LEFT JOIN straight USING (user_id) LEFT JOIN agree USING (user_id)
"""  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        # Two refreshes of one campaign at once (the button beside the debounced task) take
        # turns: the second's DELETE then sees the first's rows (no duplicate key).
        cursor.execute("SELECT pg_advisory_xact_lock(14, %s::int)", [campaign.pk])
        cursor.execute(
            "DELETE FROM annotation_annotatorquality WHERE campaign_id = %s", [campaign.pk]
        )
        cursor.execute(sql, params)
        return cursor.rowcount
