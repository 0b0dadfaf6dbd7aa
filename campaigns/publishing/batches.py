"""Reading a campaign's records with their submitted answers, `batch_size` records at a
time, for the dataset writer (dataset.py): one statement per batch on PostgreSQL (answers
aggregated per question by the database), the ORM elsewhere. Memory stays flat in the
number of records."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import F

BATCH_SIZE = 5000


def _text(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass
class BatchRow:
    """One record as the writer needs it: field texts in field order, metadata as JSON
    text, and per question the submitted answers in response order (None when a response
    left the question unanswered)."""

    record_id: int
    external_id: str
    fields: list
    metadata: str
    count: int
    overlap: int
    users: list
    answers: list  # one list per question, aligned with `users`
    suggestions: dict | None = None  # the record's, {question: {value, agent, score}}
    # Per question with suggestions (aligned with `suggested` below): (responses that kept
    # the suggestion unchanged, responses that had one to keep).
    kept: list | None = None


def _kept_sql(only_reviewed: bool) -> str:
    """The responses a publication keeps (annotation/review.py): submitted and counted
    (not rejected, not left out on an unblock), not of a blocked annotator, and accepted
    when the lead publishes only reviewed responses."""
    # The table name of campaigns.CampaignBlock (our own model): no value is interpolated.
    sql = (
        " s.status = 'submitted' AND s.counted AND NOT EXISTS (SELECT 1 FROM"
        " campaigns_campaignblock b WHERE b.campaign_id = %s AND b.user_id = s.user_id)"
    )
    if only_reviewed:
        sql += " AND s.review_status = 'accepted'"
    return sql


def kept_responses(campaign, only_reviewed: bool):
    """The same rule as _kept_sql, as a queryset of the campaign's responses."""
    from annotation.models import Response
    from campaigns.models import CampaignBlock

    kept = Response.objects.filter(
        record__campaign=campaign, status=Response.Status.SUBMITTED, counted=True
    ).exclude(user__in=CampaignBlock.objects.filter(campaign=campaign).values("user_id"))
    if only_reviewed:
        kept = kept.filter(review_status=Response.ReviewStatus.ACCEPTED)
    return kept


def _batches_postgresql(campaign, fields, specs, include_in_progress, batch_size, only_reviewed):
    """One statement per batch: the records, and their submitted answers aggregated per
    question by PostgreSQL (no per-row JSON decoding in Python for ratings, labels, text)."""
    from django.db import connection, transaction

    from annotation.models import Record, Response

    records = connection.ops.quote_name(Record._meta.db_table)
    responses = connection.ops.quote_name(Response._meta.db_table)
    field_sql = "".join(", r.fields ->> %s" for _ in fields)
    answer_sql = []
    answer_params: list = []
    for spec in specs:
        if spec.kind == "rating":
            # float8, loaded by psycopg in C (numeric made a Decimal an answer); whole
            # ratings (all of them: validation.py) are ints again below, for the exports.
            answer_sql.append("array_agg((s.values ->> %s)::float8 ORDER BY s.id)")
        elif spec.kind in ("label", "text"):
            answer_sql.append("array_agg(s.values ->> %s ORDER BY s.id)")
        else:
            answer_sql.append("array_agg((s.values -> %s)::text ORDER BY s.id)")
        answer_params.append(spec.name)
    suggested = [spec for spec in specs if spec.suggested]
    for spec in suggested:
        answer_sql.append("count(*) FILTER (WHERE (s.kept_suggestion ->> %s)::boolean)")
        answer_sql.append("count(s.kept_suggestion -> %s)")
        answer_params += [spec.name, spec.name]
    complete = "" if include_in_progress else " AND response_count >= overlap"
    # Only identifiers from our own models and placeholders are interpolated; every value
    # (field and question names included) is a query parameter.
    selected = "".join(f", a.q{i}" for i in range(len(answer_sql)))
    aggregated = "".join(f", {expr} AS q{i}" for i, expr in enumerate(answer_sql))
    parts = [
        "SELECT r.id, r.external_id, r.metadata::text, r.response_count, r.overlap",
        field_sql,
        ", r.suggestions::text" if suggested else ", NULL",
        ", a.users",
        selected,
        " FROM (SELECT * FROM ",
        records,
        " WHERE campaign_id = %s AND id > %s AND gold IS NULL",
        complete,
        " ORDER BY id LIMIT %s) r LEFT JOIN LATERAL (SELECT array_agg(s.user_id ORDER BY s.id)",
        " AS users",
        aggregated,
        " FROM ",
        responses,
        " s WHERE s.record_id = r.id AND",
        _kept_sql(only_reviewed),
        ") a ON true ORDER BY r.id",
    ]
    sql = "".join(parts)
    last_id = 0
    width = len(fields)
    while True:
        # Its estimated cost is above PostgreSQL's JIT threshold, and compiling it took
        # 17-28 ms of a 5,000-record batch's 55-75 ms (EXPLAIN ANALYZE): no JIT, this batch.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                sql, [*fields, campaign.pk, last_id, batch_size, *answer_params, campaign.pk]
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        batch = []
        for row in rows:
            record_suggestions = _json(row[5 + width])
            row = row[: 5 + width] + row[6 + width :]
            users = row[5 + width] or []
            kept_at = 6 + width + len(specs)
            kept = [
                (row[kept_at + 2 * i] or 0, row[kept_at + 2 * i + 1] or 0)
                for i in range(len(suggested))
            ]
            answers = [
                [int(v) if v is not None and v.is_integer() else v for v in row[6 + width + i]]
                if spec.kind == "rating" and row[6 + width + i]
                else [_json(v) for v in (row[6 + width + i] or [])]
                if spec.kind in ("multi_label", "ranking")
                else list(row[6 + width + i] or [])
                for i, spec in enumerate(specs)
            ]
            batch.append(
                BatchRow(
                    row[0],
                    row[1],
                    list(row[5 : 5 + width]),
                    row[2],
                    row[3],
                    row[4],
                    users,
                    answers,
                    record_suggestions,
                    kept,
                )
            )
        yield batch


def _json(text):
    return None if text is None else json.loads(text)


def _batches_orm(campaign, fields, specs, include_in_progress, batch_size, only_reviewed):
    from annotation.models import Record

    records = Record.objects.filter(campaign=campaign).data()  # gold records are not data
    if not include_in_progress:
        records = records.filter(response_count__gte=F("overlap"))
    last_id = 0
    while True:
        rows = list(
            records.filter(id__gt=last_id)
            .order_by("id")
            .values_list(
                "id",
                "external_id",
                "fields",
                "metadata",
                "response_count",
                "overlap",
                "suggestions",
            )[:batch_size]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        given: dict[int, list] = {}
        for record_id, user_id, values, kept in (
            kept_responses(campaign, only_reviewed)
            .filter(record_id__in=[r[0] for r in rows])
            .order_by("record_id", "id")
            .values_list("record_id", "user_id", "values", "kept_suggestion")
        ):
            given.setdefault(record_id, []).append((user_id, values or {}, kept))
        batch = []
        suggested = [spec for spec in specs if spec.suggested]
        for record_id, external_id, record_fields, metadata, count, overlap, sugg in rows:
            record_fields = record_fields or {}
            answered = given.get(record_id, [])
            kept = [
                (
                    sum(1 for *_, k in answered if k and k.get(spec.name) is True),
                    sum(1 for *_, k in answered if k and spec.name in k),
                )
                for spec in suggested
            ]
            batch.append(
                BatchRow(
                    record_id,
                    external_id,
                    [_text(record_fields.get(name)) for name in fields],
                    json.dumps(metadata or {}, ensure_ascii=False),
                    count,
                    overlap,
                    [uid for uid, *_ in answered],
                    [[values.get(spec.name) for _, values, _ in answered] for spec in specs],
                    sugg or None,
                    kept,
                )
            )
        yield batch


def record_batches(
    campaign, fields, specs, include_in_progress, batch_size=BATCH_SIZE, only_reviewed=False
):
    from django.db import connection

    if connection.vendor == "postgresql":
        return _batches_postgresql(
            campaign, fields, specs, include_in_progress, batch_size, only_reviewed
        )
    return _batches_orm(campaign, fields, specs, include_in_progress, batch_size, only_reviewed)
