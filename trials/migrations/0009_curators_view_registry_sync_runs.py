"""Curators and Editors may read the ClinicalTrials.gov sync runs (the runs themselves are written only by the sync)."""

from django.db import migrations

from her2kb.migration_operations import grant_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0008_registry_owned_fields_and_sync_runs"),
        ("drugs", "0007_editors_group"),
        ("references", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_permissions("trials", ["view_registrysyncrun"], ["Curators", "Editors"])]
