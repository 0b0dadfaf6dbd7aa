"""one_slot_per_user_per_record on (holder, record) instead of (record, holder) (issue 17).

On statistics taken before anyone held a slot (right after an import, until the next
analyze) the lease statement's generic plan looked up "my unfilled slot" and "my slot of
this record" through this index by holder alone: with record first, that read every held
slot of every campaign (EXPLAIN ANALYZE, docs/benchmarks.md 2026-12-07 late evening); with
holder first it reads the annotator's own. The same pairs stay unique."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0015_record_text_search"),
        ("campaigns", "0019_export_job_one_active"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="slot",
            name="one_slot_per_user_per_record",
        ),
        migrations.AddConstraint(
            model_name="slot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("holder__isnull", False)),
                fields=("holder", "record"),
                name="one_slot_per_user_per_record",
            ),
        ),
    ]
