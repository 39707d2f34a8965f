"""Curators and Editors may read the literature watcher's runs and saved searches, and switch a search off (change);
the runs and the searches themselves are written by the watcher."""

from django.db import migrations

from her2kb.migration_operations import grant_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0010_literature_watcher"),
        ("drugs", "0007_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant_permissions(
            "references",
            ["view_literaturewatchrun", "view_literaturesearch", "change_literaturesearch"],
            ["Curators", "Editors"],
        )
    ]
