"""
SQLite only: the FTS5 table behind trial search on the embedded database, `trials_trial_search`, with the same parts
and weights as the PostgreSQL `search_document` (migration 0005), the triggers that keep it in step with
`trials_trial`, and the rows indexed so far. See her2kb/fulltext.py; the statements are those of
`TRIAL_DOCUMENT`, frozen here as they were when written (a test checks that they still agree).
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnSQLite


class Migration(migrations.Migration):
    dependencies = [("trials", "0014_trigram_indexes_on_searched_prose")]

    operations = [
        RunSQLOnSQLite(
            sql=[
                """
                CREATE VIRTUAL TABLE "trials_trial_search" USING fts5(identifiers, title, other, tokenize = 'porter unicode61 remove_diacritics 0')
                """,
                """
                CREATE TRIGGER "trials_trial_search_insert" AFTER INSERT ON "trials_trial"
                BEGIN
                    INSERT INTO "trials_trial_search" (rowid, identifiers, title, other)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."acronym", '')
                        || ' ' || coalesce(NEW."nct_id", ''),
                        coalesce(NEW."title", ''),
                        coalesce(NEW."sponsor", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."conditions")), ''));
                END
                """,
                """
                CREATE TRIGGER "trials_trial_search_update" AFTER UPDATE OF "acronym", "nct_id", "title", "sponsor", "conditions" ON "trials_trial"
                BEGIN
                    DELETE FROM "trials_trial_search" WHERE rowid = OLD.id;
                    INSERT INTO "trials_trial_search" (rowid, identifiers, title, other)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."acronym", '')
                        || ' ' || coalesce(NEW."nct_id", ''),
                        coalesce(NEW."title", ''),
                        coalesce(NEW."sponsor", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."conditions")), ''));
                END
                """,
                """
                CREATE TRIGGER "trials_trial_search_delete" AFTER DELETE ON "trials_trial"
                BEGIN
                    DELETE FROM "trials_trial_search" WHERE rowid = OLD.id;
                END
                """,
                """
                INSERT INTO "trials_trial_search" (rowid, identifiers, title, other) SELECT source.id,
                        coalesce(source."acronym", '')
                        || ' ' || coalesce(source."nct_id", ''),
                        coalesce(source."title", ''),
                        coalesce(source."sponsor", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(source."conditions")), '')
                FROM "trials_trial" AS source
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER IF EXISTS "trials_trial_search_insert"',
                'DROP TRIGGER IF EXISTS "trials_trial_search_update"',
                'DROP TRIGGER IF EXISTS "trials_trial_search_delete"',
                'DROP TABLE IF EXISTS "trials_trial_search"',
            ],
        ),
    ]
