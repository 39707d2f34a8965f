"""The Curators group: may view, add and change every curated record, but not delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED_APPS = ["drugs", "trials", "references"]
GROUP_NAME = "Curators"


def create_curators_group(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so we can assign them.
    for app_label in CURATED_APPS:
        app_config = apps.get_app_config(app_label)
        # Migration app configs are stubs without models_module, which create_permissions requires.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    # Only the models this migration knows: permissions of later models (a sync run) may already exist when another
    # app's later migration ran first, and are granted (or not) by the migration that brings their model.
    known = [
        f"{action}_{model._meta.model_name}"
        for app_label in CURATED_APPS
        for model in apps.get_app_config(app_label).get_models()
        for action in ("view", "add", "change")
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=CURATED_APPS,
        codename__in=known,
    ).exclude(codename__regex=r"^(add|change)_historical")  # history is written by the system, not edited
    group.permissions.add(*permissions)


def remove_curators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0001_initial"),
        ("drugs", "0003_seed_targets"),
        ("trials", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curators_group, remove_curators_group)]
