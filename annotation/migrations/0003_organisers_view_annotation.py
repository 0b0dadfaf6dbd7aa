"""Organisers see the annotation models in admin, read-only: a campaign's fields and
questions, its records and responses, and its import jobs (to see why an import failed).
Leads keep changing their campaign's form on the site."""

from django.db import migrations

from commonset.migration_grants import group_grant, group_revoke

ORGANISERS_GROUP = "Organisers"  # accounts.selectors.ORGANISERS_GROUP, frozen here

PERMISSIONS = {
    ("annotation", model): ["view"]
    for model in ("field", "question", "record", "response", "importjob")
}


def grant(apps, schema_editor):
    group_grant(apps, ORGANISERS_GROUP, PERMISSIONS)


def revoke(apps, schema_editor):
    group_revoke(apps, ORGANISERS_GROUP, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0002_slots_skips_import_jobs"),
        ("cohorts", "0003_organisers_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
