"""
PostgreSQL only: trigram indexes on the trials' text with every separator removed (acronym, nct_id, title, conditions), which search
matches codes in ("DS8201" finds "DS-8201a", "tdxd" finds "T-DXd": her2kb.fulltext.joined_text, whose expression
these are exactly, so `LIKE '%DS8201%'` on it reads an index). They replace the indexes on the upper-cased prose
(title, conditions), which served the regular expressions codes were matched with before: words in prose are
now matched through `search_document`, and nothing else reads those.
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [("trials", "0015_sqlite_full_text")]

    operations = [
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX trial_acronym_joined_trgm_idx ON trials_trial USING gin ((replace(replace(replace(replace(replace(upper(acronym::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX trial_nct_id_joined_trgm_idx ON trials_trial USING gin ((replace(replace(replace(replace(replace(upper(nct_id::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX trial_title_joined_trgm_idx ON trials_trial USING gin ((replace(replace(replace(replace(replace(upper(title::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "CREATE INDEX trial_conditions_joined_trgm_idx ON trials_trial USING gin ((replace(replace(replace(replace(replace(upper(conditions::text), '-', ''), ' ', ''), '.', ''), '/', ''), '_', '')) gin_trgm_ops)",
                "DROP INDEX trial_title_trgm_idx",
                "DROP INDEX trial_conditions_trgm_idx",
            ],
            reverse_sql=[
                "CREATE INDEX trial_title_trgm_idx ON trials_trial USING gin (upper(title::text) gin_trgm_ops)",
                "CREATE INDEX trial_conditions_trgm_idx ON trials_trial USING gin (upper(conditions::text) gin_trgm_ops)",
                "DROP INDEX trial_conditions_joined_trgm_idx",
                "DROP INDEX trial_title_joined_trgm_idx",
                "DROP INDEX trial_nct_id_joined_trgm_idx",
                "DROP INDEX trial_acronym_joined_trgm_idx",
            ],
        ),
    ]
