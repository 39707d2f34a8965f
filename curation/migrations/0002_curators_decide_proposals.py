"""Curators and Editors may read the inbox and decide on its proposals (accept or dismiss: the change permission).
Proposals are written by the watchers only, so nobody gets add or delete."""

from django.db import migrations

from her2kb.migration_operations import grant_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0001_proposal_inbox"),
        ("drugs", "0007_editors_group"),
        ("references", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_permissions("curation", ["view_proposal", "change_proposal"], ["Curators", "Editors"])]
