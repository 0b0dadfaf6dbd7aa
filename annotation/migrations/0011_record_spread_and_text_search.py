"""Record.spread (the stored disagreement figure, annotation/spread.py), filled from the
counted responses; on PostgreSQL two indexes the review queue and the records browser
walk: (campaign, spread DESC NULLS LAST, id), and a pg_trgm index on the text the
browser's text filter searches (UPPER(fields::text), as Django's icontains compares it).
SQLite cannot index NULLS LAST and has no pg_trgm: nothing is indexed there."""

from django.db import migrations, models

BACKFILL_PG = """
WITH q AS (
  SELECT DISTINCT ON (campaign_id) campaign_id, name, kind FROM annotation_question
  WHERE NOT archived AND kind IN ('rating', 'label') ORDER BY campaign_id, position, id
)
UPDATE annotation_record r SET spread = s.d FROM (
  SELECT x.record_id, CASE WHEN q.kind = 'rating'
    THEN max(CASE WHEN q.kind = 'rating' THEN (x.values ->> q.name)::float END)
       - min(CASE WHEN q.kind = 'rating' THEN (x.values ->> q.name)::float END)
    ELSE count(DISTINCT x.values ->> q.name) - 1 END AS d
  FROM annotation_response x
  JOIN annotation_record y ON y.id = x.record_id
  JOIN q ON q.campaign_id = y.campaign_id
  WHERE x.counted AND x.status = 'submitted' AND x.values ->> q.name IS NOT NULL
  GROUP BY x.record_id, q.kind
) s WHERE r.id = s.record_id
"""

INDEXES_PG = [
    # Needs a superuser or a trusted extension (CI's database user is a superuser). Left
    # in place when migrating back: other things may use it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX record_spread_order ON annotation_record"
    " (campaign_id, spread DESC NULLS LAST, id)",
    "CREATE INDEX record_fields_trgm ON annotation_record"
    " USING gin (upper(fields::text) gin_trgm_ops)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in [BACKFILL_PG, *INDEXES_PG]:
            schema_editor.execute(sql)
        return
    # Elsewhere (SQLite: tests and development) one subquery per record.
    from django.db.models import Count, FloatField, Max, Min, OuterRef, Subquery
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast

    Question = apps.get_model("annotation", "Question")
    Record = apps.get_model("annotation", "Record")
    Response = apps.get_model("annotation", "Response")
    campaigns = Record.objects.values_list("campaign_id", flat=True).distinct()
    for campaign_id in list(campaigns):
        question = (
            Question.objects.filter(
                campaign_id=campaign_id, archived=False, kind__in=["rating", "label"]
            )
            .order_by("position", "id")
            .first()
        )
        if question is None:
            continue
        value = KT(f"values__{question.name}")
        if question.kind == "rating":
            figure = Max(Cast(value, FloatField())) - Min(Cast(value, FloatField()))
        else:
            figure = Cast(Count(value, distinct=True) - 1, FloatField())
        answers = (
            Response.objects.filter(record=OuterRef("pk"), counted=True, status="submitted")
            .alias(answer=value)
            .filter(answer__isnull=False)
            .order_by()
            .values("record")
            .annotate(d=figure)
            .values("d")[:1]
        )
        Record.objects.filter(campaign_id=campaign_id).update(
            spread=Subquery(answers, output_field=FloatField())
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS record_spread_order")
        schema_editor.execute("DROP INDEX IF EXISTS record_fields_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0010_response_seconds_and_annotator_quality"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="spread",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
