"""Curators and Editors may read the openFDA watch runs (the runs themselves are written only by the watcher)."""

from django.db import migrations

from her2kb.migration_operations import grant_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0011_fda_watch_runs_and_checked_date"),
        ("drugs", "0007_editors_group"),
        ("references", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_permissions("drugs", ["view_fdawatchrun"], ["Curators", "Editors"])]
