"""
PostgreSQL only: trigram indexes on the prose of drugs (mechanism, payload) search matches word by word when the query holds a code
("DS8201" must find "DS-8201a", which the text search parser keeps whole; see her2kb.fulltext.filter_full_text),
so such a query is still answered by indexes. Regex lookups compile to UPPER(column::text) ~ pattern: the index
expressions must be exactly these.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("drugs", "0016_index_the_api_filters")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX drug_mechanism_trgm_idx ON drugs_drug USING gin (upper(mechanism::text) gin_trgm_ops)",
                "CREATE INDEX drug_payload_trgm_idx ON drugs_drug USING gin (upper(payload::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX drug_payload_trgm_idx",
                "DROP INDEX drug_mechanism_trgm_idx",
            ],
        ),
    ]
