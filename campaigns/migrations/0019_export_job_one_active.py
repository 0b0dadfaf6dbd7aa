from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

ACTIVE = ["pending", "running", "waiting"]


def duplicates_fail(apps, schema_editor):
    """Before the constraint: of two active jobs for one person, campaign, format and view
    (possible until now), the newest stays and the others fail, saying why."""
    ExportJob = apps.get_model("campaigns", "ExportJob")
    seen = set()
    for job in ExportJob.objects.filter(state__in=ACTIVE).order_by("-created_at", "-id"):
        key = (job.campaign_id, job.requested_by_id, job.format, job.as_lead)
        if key in seen:
            ExportJob.objects.filter(pk=job.pk).update(
                state="failed",
                last_error="A newer identical export job was already queued.",
                finished_at=timezone.now(),
            )
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0018_quality_gold"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(duplicates_fail, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="exportjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ACTIVE)),
                fields=("campaign", "requested_by", "format", "as_lead"),
                name="export_job_one_active",
            ),
        ),
    ]
