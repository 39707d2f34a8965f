"""Migration operations the apps share."""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """
    `RunSQL` that runs on PostgreSQL only and does nothing elsewhere.

    For database features SQLite has no equivalent of (stored `tsvector` columns, GIN and trigram indexes); the
    code that uses them checks the database vendor too (`her2kb.fulltext.uses_full_text_search`).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
