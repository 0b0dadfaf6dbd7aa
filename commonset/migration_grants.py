"""Granting permissions to a group from a data migration (historical models only)."""


def group_grant(apps, group_name: str, permissions: dict[tuple[str, str], list[str]]) -> None:
    """Give `group_name` (created if missing) the `<action>_<model>` permissions listed per
    (app label, model). Permissions are normally created after all migrations ran; create
    those of the apps named here first, so this works on a fresh database too."""
    from django.contrib.auth.management import create_permissions

    for label in sorted({app_label for app_label, _ in permissions}):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for (app_label, model), actions in permissions.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            )


def group_revoke(apps, group_name: str, permissions: dict[tuple[str, str], list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        return
    for (app_label, model), actions in permissions.items():
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )
