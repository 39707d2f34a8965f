"""Curators and Editors may read the openFDA watch runs (the runs themselves are written only by the watcher)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Curators", "Editors"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so we can assign this one.
    app_config = apps.get_app_config("drugs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="drugs", codename="view_fdawatchrun")
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="drugs", codename="view_fdawatchrun")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permission)


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0011_fda_watch_runs_and_checked_date"),
        ("drugs", "0007_editors_group"),
        ("references", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
