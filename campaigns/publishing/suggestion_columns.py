"""The published columns of suggestions (dataset.py): per question some record has a
suggestion for, the suggested answer, its agent and score, and the share of the record's
submitted answers that kept it unchanged (Response.kept_suggestion)."""

from __future__ import annotations

import pyarrow as pa

from annotation.suggestions import suggestion_of


def suggested_questions(campaign) -> set[str]:
    """Names of the questions some record of the campaign has a suggestion for."""
    from django.db import connection

    from annotation.models import Record

    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Record._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT jsonb_object_keys(suggestions) FROM {table}"  # noqa: S608
                " WHERE campaign_id = %s AND suggestions <> '{}'::jsonb",
                [campaign.pk],
            )
            return {row[0] for row in cursor.fetchall()}
    names: set[str] = set()
    records = Record.objects.filter(campaign=campaign).data().exclude(suggestions={})
    for suggestions in records.values_list("suggestions", flat=True).iterator():
        names.update(suggestions or {})
    return names


SUGGESTION_VALUE_TYPES = {
    "rating": pa.int64(),
    "multi_label": pa.list_(pa.string()),
    "ranking": pa.list_(pa.string()),
}


def suggestion_columns(spec) -> list[tuple[str, pa.DataType, str]]:
    """The suggestion a record came with for a question, beside the answers."""
    if not spec.suggested:
        return []
    n = spec.name
    return [
        (
            f"{n}_suggestion",
            SUGGESTION_VALUE_TYPES.get(spec.kind, pa.string()),
            "the suggested answer the record was imported with (pre-filled for annotators); "
            "null when it had none",
        ),
        (
            f"{n}_suggestion_agent",
            pa.string(),
            "who or what made the suggestion (e.g. a model's name), when the import said",
        ),
        (f"{n}_suggestion_score", pa.float64(), "the suggestion's score, when the import gave one"),
        (
            f"{n}_suggestion_kept_ratio",
            pa.float64(),
            "share of the submitted answers that kept the suggestion unchanged; null when "
            "there was no suggestion or no answer",
        ),
    ]


def suggestion_cells(spec, raw, kept: tuple[int, int], out: dict, totals) -> None:
    n = spec.name
    suggestion = suggestion_of(raw) if raw is not None else None
    value = suggestion["value"] if suggestion else None
    if value is not None:
        if spec.kind == "rating":
            value = value if isinstance(value, int) and not isinstance(value, bool) else None
        elif spec.kind in ("multi_label", "ranking"):
            value = [str(v) for v in value] if isinstance(value, list) else None
        else:
            value = str(value)
    score = suggestion["score"] if suggestion else None
    out[f"{n}_suggestion"].append(value)
    out[f"{n}_suggestion_agent"].append(suggestion["agent"] if suggestion else None)
    out[f"{n}_suggestion_score"].append(
        float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
    )
    kept_count, had = kept
    out[f"{n}_suggestion_kept_ratio"].append(
        round(kept_count / had, 4) if suggestion and had else None
    )
    if suggestion:
        totals.suggestion_kept += kept_count
        totals.suggestion_responses += had
