"""The Organisers group, with what organisers need in admin: cohorts and communities
(create, change, view), applications and campaigns (view, change: the approve / reject
actions ride on "change"). Staff users put in this group are organisers."""

from django.db import migrations

ORGANISERS_GROUP = "Organisers"  # accounts.selectors.ORGANISERS_GROUP, frozen here

PERMISSIONS = {
    ("cohorts", "cohort"): ["add", "change", "view"],
    ("cohorts", "community"): ["add", "change", "view"],
    ("campaigns", "application"): ["change", "view"],
    ("campaigns", "campaign"): ["change", "view"],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure those we grant
    # exist already on a fresh database.
    for label in ("cohorts", "campaigns"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    for (app_label, model), actions in PERMISSIONS.items():
        for action in actions:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            )
            group.permissions.add(permission)


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
