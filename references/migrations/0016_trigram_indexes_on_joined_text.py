"""
PostgreSQL only: trigram indexes on the references' text with every separator removed (title, abstract), which search
matches codes in ("DS8201" finds "DS-8201a", "tdxd" finds "T-DXd": her2kb.fulltext.joined_text, whose expression
these are exactly, so `LIKE '%DS8201%'` on it reads an index). They replace the indexes on the upper-cased prose
(title, abstract), which served the regular expressions codes were matched with before: words in prose are
now matched through `search_document`, and nothing else reads those.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("references", "0015_sqlite_full_text")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX reference_title_joined_trgm_idx ON references_reference USING gin ((replace(replace(replace(replace(replace(upper(title::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX reference_abstract_joined_trgm_idx ON references_reference USING gin ((replace(replace(replace(replace(replace(upper(abstract::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "DROP INDEX reference_title_trgm_idx",
                "DROP INDEX reference_abstract_trgm_idx",
            ],
            reverse_sql=[
                "CREATE INDEX reference_title_trgm_idx ON references_reference USING gin (upper(title::text) gin_trgm_ops)",
                "CREATE INDEX reference_abstract_trgm_idx ON references_reference USING gin (upper(abstract::text) gin_trgm_ops)",
                "DROP INDEX reference_abstract_joined_trgm_idx",
                "DROP INDEX reference_title_joined_trgm_idx",
            ],
        ),
    ]
