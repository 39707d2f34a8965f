"""Migration operations the apps share."""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """
    `RunSQL` that runs on PostgreSQL only and does nothing elsewhere.

    For database features SQLite has no equivalent of (stored `tsvector` columns, GIN and trigram indexes); the
    code that uses them compiles to each database's own SQL (`her2kb.fulltext`).
    """

    vendor = "postgresql"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class RunSQLOnSQLite(RunSQLOnPostgreSQL):
    """
    `RunSQL` that runs on SQLite only and does nothing elsewhere: the mirror of `RunSQLOnPostgreSQL`.

    For SQLite's own features (FTS5 tables and the triggers that keep them in step, `her2kb.fulltext`), where
    PostgreSQL has its own (stored `tsvector` columns).
    """

    vendor = "sqlite"


def grant_permissions(app_label: str, codenames: list[str], groups: list[str]) -> migrations.RunPython:
    """An operation that gives `groups` these permissions of `app_label` (and takes them back when reversed).

    Permissions are normally created after all migrations have run; they are created here first, so that a group
    can be given one in the same migrate as its model."""

    def grant(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        app_config = apps.get_app_config(app_label)
        # Migration app configs are stubs without models_module, which create_permissions requires.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        permissions = apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        for name in groups:
            group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
            group.permissions.add(*permissions)

    def revoke(apps, schema_editor):
        permissions = apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        for group in apps.get_model("auth", "Group").objects.filter(name__in=groups):
            group.permissions.remove(*permissions)

    return migrations.RunPython(grant, revoke)
