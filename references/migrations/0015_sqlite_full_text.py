"""
SQLite only: the FTS5 table behind reference search on the embedded database, `references_reference_search`, with
the same parts and weights as the PostgreSQL `search_document` (migration 0007), the triggers that keep it in step
with `references_reference`, and the rows indexed so far. See her2kb/fulltext.py; the statements are those of
`REFERENCE_DOCUMENT`, frozen here as they were when written (a test checks that they still agree).
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnSQLite


class Migration(migrations.Migration):
    dependencies = [("references", "0014_trigram_indexes_on_searched_prose")]

    operations = [
        RunSQLOnSQLite(
            sql=[
                """
                CREATE VIRTUAL TABLE "references_reference_search" USING fts5(title, abstract, journal, tokenize = 'porter unicode61 remove_diacritics 0')
                """,
                """
                CREATE TRIGGER "references_reference_search_insert" AFTER INSERT ON "references_reference"
                BEGIN
                    INSERT INTO "references_reference_search" (rowid, title, abstract, journal)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."title", ''),
                        coalesce(NEW."abstract", ''),
                        coalesce(NEW."journal", '')
                        || ' ' || coalesce(NEW."journal_iso", ''));
                END
                """,
                """
                CREATE TRIGGER "references_reference_search_update" AFTER UPDATE OF "title", "abstract", "journal", "journal_iso" ON "references_reference"
                BEGIN
                    DELETE FROM "references_reference_search" WHERE rowid = OLD.id;
                    INSERT INTO "references_reference_search" (rowid, title, abstract, journal)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."title", ''),
                        coalesce(NEW."abstract", ''),
                        coalesce(NEW."journal", '')
                        || ' ' || coalesce(NEW."journal_iso", ''));
                END
                """,
                """
                CREATE TRIGGER "references_reference_search_delete" AFTER DELETE ON "references_reference"
                BEGIN
                    DELETE FROM "references_reference_search" WHERE rowid = OLD.id;
                END
                """,
                """
                INSERT INTO "references_reference_search" (rowid, title, abstract, journal) SELECT source.id,
                        coalesce(source."title", ''),
                        coalesce(source."abstract", ''),
                        coalesce(source."journal", '')
                        || ' ' || coalesce(source."journal_iso", '')
                FROM "references_reference" AS source
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER IF EXISTS "references_reference_search_insert"',
                'DROP TRIGGER IF EXISTS "references_reference_search_update"',
                'DROP TRIGGER IF EXISTS "references_reference_search_delete"',
                'DROP TABLE IF EXISTS "references_reference_search"',
            ],
        ),
    ]
