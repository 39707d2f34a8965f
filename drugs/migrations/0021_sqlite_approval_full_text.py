"""
SQLite only: the FTS5 table behind approval search on the embedded database, `drugs_approval_search`, with the same
parts and weights as the PostgreSQL `search_document` (migration 0020), the triggers that keep it in step with
`drugs_approval`, and the rows indexed so far. See her2kb/fulltext.py; the statements are those of
`APPROVAL_DOCUMENT`, frozen here as they were when written (a test checks that they still agree).
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnSQLite


class Migration(migrations.Migration):
    dependencies = [("drugs", "0020_approval_search_document")]

    operations = [
        RunSQLOnSQLite(
            sql=[
                """
                CREATE VIRTUAL TABLE "drugs_approval_search" USING fts5(indication, line_of_therapy, tokenize = 'porter unicode61 remove_diacritics 0')
                """,
                """
                CREATE TRIGGER "drugs_approval_search_insert" AFTER INSERT ON "drugs_approval"
                BEGIN
                    INSERT INTO "drugs_approval_search" (rowid, indication, line_of_therapy)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."indication", ''),
                        coalesce(NEW."line_of_therapy", ''));
                END
                """,
                """
                CREATE TRIGGER "drugs_approval_search_update" AFTER UPDATE OF "indication", "line_of_therapy" ON "drugs_approval"
                BEGIN
                    DELETE FROM "drugs_approval_search" WHERE rowid = OLD.id;
                    INSERT INTO "drugs_approval_search" (rowid, indication, line_of_therapy)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."indication", ''),
                        coalesce(NEW."line_of_therapy", ''));
                END
                """,
                """
                CREATE TRIGGER "drugs_approval_search_delete" AFTER DELETE ON "drugs_approval"
                BEGIN
                    DELETE FROM "drugs_approval_search" WHERE rowid = OLD.id;
                END
                """,
                """
                INSERT INTO "drugs_approval_search" (rowid, indication, line_of_therapy) SELECT source.id,
                        coalesce(source."indication", ''),
                        coalesce(source."line_of_therapy", '')
                FROM "drugs_approval" AS source
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER IF EXISTS "drugs_approval_search_insert"',
                'DROP TRIGGER IF EXISTS "drugs_approval_search_update"',
                'DROP TRIGGER IF EXISTS "drugs_approval_search_delete"',
                'DROP TABLE IF EXISTS "drugs_approval_search"',
            ],
        ),
    ]
