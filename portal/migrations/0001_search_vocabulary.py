"""
The search vocabulary (portal.vocabulary): the words of the data that a misspelt query word is corrected from, and
on PostgreSQL the trigram index `SearchWord.objects.closest_to` finds the similar words through.
"""

from django.db import migrations, models

from her2kb.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=100, unique=True)),
                (
                    "length",
                    models.PositiveSmallIntegerField(help_text="Letters in the word: candidates are chosen by it."),
                ),
                ("documents", models.PositiveIntegerField(help_text="How many records hold the word.")),
            ],
            options={
                "ordering": ["word"],
            },
        ),
        # The extension is database-wide and other apps' indexes use it too: unapplying leaves it installed.
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            "CREATE INDEX searchword_word_trgm_idx ON portal_searchword USING gin (word gin_trgm_ops)",
            reverse_sql="DROP INDEX searchword_word_trgm_idx",
        ),
    ]
