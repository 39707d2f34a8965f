"""
SQLite only: the FTS5 table behind drug search on the embedded database, `drugs_drug_search`, with the same parts
and weights as the PostgreSQL `search_document` (migration 0008), the triggers that keep it in step with
`drugs_drug`, and the rows indexed so far. See her2kb/fulltext.py; the statements are those of
`DRUG_DOCUMENT`, frozen here as they were when written (a test checks that they still agree).
"""

from django.db import migrations

from her2kb.migration_operations import RunSQLOnSQLite


class Migration(migrations.Migration):
    dependencies = [("drugs", "0017_trigram_indexes_on_searched_prose")]

    operations = [
        RunSQLOnSQLite(
            sql=[
                """
                CREATE VIRTUAL TABLE "drugs_drug_search" USING fts5(names, prose, tokenize = 'porter unicode61 remove_diacritics 0')
                """,
                """
                CREATE TRIGGER "drugs_drug_search_insert" AFTER INSERT ON "drugs_drug"
                BEGIN
                    INSERT INTO "drugs_drug_search" (rowid, names, prose)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."name", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."brand_names")), '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."synonyms")), ''),
                        coalesce(NEW."mechanism", '')
                        || ' ' || coalesce(NEW."payload", '')
                        || ' ' || coalesce(NEW."binding_site", ''));
                END
                """,
                """
                CREATE TRIGGER "drugs_drug_search_update" AFTER UPDATE OF "name", "brand_names", "synonyms", "mechanism", "payload", "binding_site" ON "drugs_drug"
                BEGIN
                    DELETE FROM "drugs_drug_search" WHERE rowid = OLD.id;
                    INSERT INTO "drugs_drug_search" (rowid, names, prose)
                    VALUES (
                        NEW.id,
                        coalesce(NEW."name", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."brand_names")), '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW."synonyms")), ''),
                        coalesce(NEW."mechanism", '')
                        || ' ' || coalesce(NEW."payload", '')
                        || ' ' || coalesce(NEW."binding_site", ''));
                END
                """,
                """
                CREATE TRIGGER "drugs_drug_search_delete" AFTER DELETE ON "drugs_drug"
                BEGIN
                    DELETE FROM "drugs_drug_search" WHERE rowid = OLD.id;
                END
                """,
                """
                INSERT INTO "drugs_drug_search" (rowid, names, prose) SELECT source.id,
                        coalesce(source."name", '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(source."brand_names")), '')
                        || ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(source."synonyms")), ''),
                        coalesce(source."mechanism", '')
                        || ' ' || coalesce(source."payload", '')
                        || ' ' || coalesce(source."binding_site", '')
                FROM "drugs_drug" AS source
                """,
            ],
            reverse_sql=[
                'DROP TRIGGER IF EXISTS "drugs_drug_search_insert"',
                'DROP TRIGGER IF EXISTS "drugs_drug_search_update"',
                'DROP TRIGGER IF EXISTS "drugs_drug_search_delete"',
                'DROP TABLE IF EXISTS "drugs_drug_search"',
            ],
        ),
    ]
