"""
PostgreSQL only: trigram indexes on the drugs' text with every separator removed (name, slug, brand_names, synonyms, mechanism, payload), which search
matches codes in ("DS8201" finds "DS-8201a", "tdxd" finds "T-DXd": her2kb.fulltext.joined_text, whose expression
these are exactly, so `LIKE '%DS8201%'` on it reads an index). They replace the indexes on the upper-cased prose
(mechanism, payload), which served the regular expressions codes were matched with before: words in prose are
now matched through `search_document`, and nothing else reads those.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("drugs", "0018_sqlite_full_text")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX drug_name_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(name::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX drug_slug_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(slug::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX drug_brand_names_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(brand_names::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX drug_synonyms_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(synonyms::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX drug_mechanism_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(mechanism::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX drug_payload_joined_trgm_idx ON drugs_drug USING gin ((replace(replace(replace(replace(replace(upper(payload::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "DROP INDEX drug_mechanism_trgm_idx",
                "DROP INDEX drug_payload_trgm_idx",
            ],
            reverse_sql=[
                "CREATE INDEX drug_mechanism_trgm_idx ON drugs_drug USING gin (upper(mechanism::text) gin_trgm_ops)",
                "CREATE INDEX drug_payload_trgm_idx ON drugs_drug USING gin (upper(payload::text) gin_trgm_ops)",
                "DROP INDEX drug_payload_joined_trgm_idx",
                "DROP INDEX drug_mechanism_joined_trgm_idx",
                "DROP INDEX drug_synonyms_joined_trgm_idx",
                "DROP INDEX drug_brand_names_joined_trgm_idx",
                "DROP INDEX drug_slug_joined_trgm_idx",
                "DROP INDEX drug_name_joined_trgm_idx",
            ],
        ),
    ]
