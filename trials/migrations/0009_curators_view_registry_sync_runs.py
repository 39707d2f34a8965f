"""Curators and Editors may read the ClinicalTrials.gov sync runs (the runs themselves are written only by the sync)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Curators", "Editors"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so we can assign this one.
    app_config = apps.get_app_config("trials")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="trials", codename="view_registrysyncrun")
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="trials", codename="view_registrysyncrun")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permission)


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0008_registry_owned_fields_and_sync_runs"),
        ("drugs", "0007_editors_group"),
        ("references", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
