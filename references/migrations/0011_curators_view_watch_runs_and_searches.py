"""Curators and Editors may read the literature watcher's runs and saved searches, and switch a search off (change);
the runs and the searches themselves are written by the watcher."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Curators", "Editors"]
CODENAMES = ["view_literaturewatchrun", "view_literaturesearch", "change_literaturesearch"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so we can assign them.
    app_config = apps.get_app_config("references")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="references", codename__in=CODENAMES)
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="references", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0010_literature_watcher"),
        ("drugs", "0007_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
