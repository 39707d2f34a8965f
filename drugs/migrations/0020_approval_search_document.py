"""
PostgreSQL only: the stored full-text document behind approval search (the indication, then the line of therapy), as
drugs, trials and references have theirs, with its GIN index; and trigram indexes on the indication and line of
therapy without separators, where search finds a code ("HER2-low" in "HER2 low", her2kb.fulltext.joined_text, whose
expression these are exactly). See ApprovalQuerySet.search.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL

JOINED = "replace(replace(replace(replace(replace(upper({}::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')"


class Migration(migrations.Migration):
    dependencies = [("drugs", "0019_trigram_indexes_on_joined_text")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                """
                ALTER TABLE drugs_approval ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, coalesce(indication, '')), 'A')
                    || setweight(to_tsvector('english'::regconfig, coalesce(line_of_therapy, '')), 'B')
                ) STORED
                """,
                "CREATE INDEX approval_search_document_idx ON drugs_approval USING gin (search_document)",
                f"CREATE INDEX approval_indication_joined_trgm_idx ON drugs_approval "
                f"USING gin (({JOINED.format('indication')}) gin_trgm_ops)",
                f"CREATE INDEX approval_line_joined_trgm_idx ON drugs_approval "
                f"USING gin (({JOINED.format('line_of_therapy')}) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX approval_line_joined_trgm_idx",
                "DROP INDEX approval_indication_joined_trgm_idx",
                "DROP INDEX approval_search_document_idx",
                "ALTER TABLE drugs_approval DROP COLUMN search_document",
            ],
        ),
    ]
