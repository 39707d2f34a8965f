"""
PostgreSQL only: trigram indexes on the prose of references (title, abstract) search matches word by word when the query holds a code
("DS8201" must find "DS-8201a", which the text search parser keeps whole; see her2kb.fulltext.filter_full_text),
so such a query is still answered by indexes. Regex lookups compile to UPPER(column::text) ~ pattern: the index
expressions must be exactly these.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("references", "0013_index_pmcid_author_list_completeness_doi_pattern")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX reference_title_trgm_idx ON references_reference USING gin (upper(title::text) gin_trgm_ops)",
                "CREATE INDEX reference_abstract_trgm_idx ON references_reference USING gin (upper(abstract::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX reference_abstract_trgm_idx",
                "DROP INDEX reference_title_trgm_idx",
            ],
        ),
    ]
