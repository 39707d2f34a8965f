"""Curators may read the PubMed sync runs (the runs themselves are written only by the sync)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"


def grant_view_syncrun(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so we can assign this one.
    app_config = apps.get_app_config("references")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="references", codename="view_syncrun"))


def revoke_view_syncrun(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="references", codename="view_syncrun")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0003_pubmed_sync_state_and_syncrun"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_view_syncrun, revoke_view_syncrun)]
