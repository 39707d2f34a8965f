"""
PostgreSQL only: the stored full-text document behind trial search and the `?q=` filter, and trigram indexes for
partial acronyms and NCT numbers ("DESTINY-B", "NCT0352"). See her2kb/fulltext.py; TrialQuerySet.matching().
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("trials", "0004_review_dates_and_reference_history")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                """
                ALTER TABLE trials_trial ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple'::regconfig, coalesce(acronym, '') || ' ' || coalesce(nct_id, '')), 'A')
                    || setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'B')
                    || setweight(
                        to_tsvector('english'::regconfig, coalesce(conditions::text, '') || ' ' || coalesce(sponsor, '')),
                        'C'
                    )
                ) STORED
                """,
                "CREATE INDEX trial_search_document_idx ON trials_trial USING gin (search_document)",
                # icontains compiles to UPPER(column::text) LIKE UPPER(%s): the index expressions must match.
                "CREATE INDEX trial_acronym_trgm_idx ON trials_trial USING gin (upper(acronym::text) gin_trgm_ops)",
                "CREATE INDEX trial_nct_id_trgm_idx ON trials_trial USING gin (upper(nct_id::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX trial_nct_id_trgm_idx",
                "DROP INDEX trial_acronym_trgm_idx",
                "ALTER TABLE trials_trial DROP COLUMN search_document",
            ],
        ),
    ]
