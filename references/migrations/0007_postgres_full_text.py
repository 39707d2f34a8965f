"""
PostgreSQL only: the stored full-text document behind reference search and the `?q=` filter, and trigram indexes
for the `?journal=` substring filter. See her2kb/fulltext.py; ReferenceQuerySet.matching() queries them.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("references", "0006_doi_upper_index")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                """
                ALTER TABLE references_reference ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
                    || setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
                    || setweight(
                        to_tsvector('simple'::regconfig, coalesce(journal, '') || ' ' || coalesce(journal_iso, '')), 'D'
                    )
                ) STORED
                """,
                "CREATE INDEX reference_search_document_idx ON references_reference USING gin (search_document)",
                # icontains compiles to UPPER(column::text) LIKE UPPER(%s): the index expressions must match.
                "CREATE INDEX reference_journal_trgm_idx ON references_reference "
                "USING gin (upper(journal::text) gin_trgm_ops)",
                "CREATE INDEX reference_journal_iso_trgm_idx ON references_reference "
                "USING gin (upper(journal_iso::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX reference_journal_iso_trgm_idx",
                "DROP INDEX reference_journal_trgm_idx",
                "ALTER TABLE references_reference DROP COLUMN search_document",
            ],
        ),
    ]
