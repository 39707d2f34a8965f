"""
PostgreSQL only: the stored full-text document behind drug search, and trigram indexes for names and codes, which
are matched as substrings ("DS-82", "enher"). See her2kb/fulltext.py and DrugQuerySet.named() / matching().
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("drugs", "0007_editors_group")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                """
                ALTER TABLE drugs_drug ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
                    || setweight(to_tsvector('simple'::regconfig, coalesce(brand_names::text, '')), 'A')
                    || setweight(to_tsvector('simple'::regconfig, coalesce(synonyms::text, '')), 'A')
                    || setweight(
                        to_tsvector(
                            'english'::regconfig,
                            coalesce(mechanism, '') || ' ' || coalesce(payload, '') || ' ' || coalesce(binding_site, '')
                        ),
                        'C'
                    )
                ) STORED
                """,
                "CREATE INDEX drug_search_document_idx ON drugs_drug USING gin (search_document)",
                # Names and codes are matched as substrings (DrugQuerySet.named); icontains compiles to
                # UPPER(column::text) LIKE UPPER(%s), so the index expressions must be exactly these.
                "CREATE INDEX drug_name_trgm_idx ON drugs_drug USING gin (upper(name::text) gin_trgm_ops)",
                "CREATE INDEX drug_slug_trgm_idx ON drugs_drug USING gin (upper(slug::text) gin_trgm_ops)",
                "CREATE INDEX drug_brand_names_trgm_idx ON drugs_drug USING gin (upper(brand_names::text) gin_trgm_ops)",
                "CREATE INDEX drug_synonyms_trgm_idx ON drugs_drug USING gin (upper(synonyms::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX drug_synonyms_trgm_idx",
                "DROP INDEX drug_brand_names_trgm_idx",
                "DROP INDEX drug_slug_trgm_idx",
                "DROP INDEX drug_name_trgm_idx",
                "ALTER TABLE drugs_drug DROP COLUMN search_document",
            ],
        ),
    ]
