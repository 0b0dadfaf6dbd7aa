"""The Organisers group, with what organisers need in admin: cohorts and communities
(create, change, view), applications and campaigns (view, change: the approve / reject
actions ride on "change"). Staff users put in this group are organisers."""

from django.db import migrations

from commonset.migration_grants import group_grant

ORGANISERS_GROUP = "Organisers"  # accounts.selectors.ORGANISERS_GROUP, frozen here

PERMISSIONS = {
    ("cohorts", "cohort"): ["add", "change", "view"],
    ("cohorts", "community"): ["add", "change", "view"],
    ("campaigns", "application"): ["change", "view"],
    ("campaigns", "campaign"): ["change", "view"],
}


def create_group(apps, schema_editor):
    group_grant(apps, ORGANISERS_GROUP, PERMISSIONS)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ORGANISERS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cohorts", "0002_cohort_places_taken"),
        ("campaigns", "0002_application_bounds_and_decision_constraints"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
