"""The Editors group: everything Curators may do, plus delete records and publish dataset releases."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED_APPS = ["drugs", "trials", "references"]
GROUP_NAME = "Editors"


def create_editors_group(apps, schema_editor):
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
    permissions = (
        Permission.objects.filter(
            content_type__app_label__in=CURATED_APPS, codename__regex=r"^(view|add|change|delete)_"
        )
        # History is written by the system, not edited; sync runs are written by the sync only.
        .exclude(codename__regex=r"^(add|change|delete)_historical")
        .exclude(codename__in=["add_syncrun", "change_syncrun", "delete_syncrun"])
    )
    group.permissions.add(
        *permissions, *Permission.objects.filter(content_type__app_label="drugs", codename="publish_release")
    )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0006_review_dates_link_history_publish_permission"),
        ("trials", "0004_review_dates_and_reference_history"),
        ("references", "0004_curators_view_sync_runs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
