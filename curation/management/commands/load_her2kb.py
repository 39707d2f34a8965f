"""`manage.py load_her2kb`: load the curated YAML dataset (idempotent upsert, one transaction), migrating the database
first when it needs it."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from curation.dataset import DEFAULT_DATA_DIR, DatasetError, load_dataset


class Command(BaseCommand):
    help = "Load the curated dataset (data/*.yaml) into the database: created / updated / unchanged counts."
    # The system checks took as long as a whole unchanged load; `migrate`, which always runs first, has run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding the YAML files.")

    def handle(self, *args, data_dir: Path, **options):
        if not data_dir.is_dir():
            raise CommandError(f"No dataset folder at {data_dir}")
        # A fresh clone (or a database older than the code) is migrated first, so the documented load of a release
        # is one command.
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Applying the database migrations first.")
            call_command("migrate", interactive=False, verbosity=0)
        try:
            report = load_dataset(data_dir)
        except DatasetError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Dataset loaded." if report.changed else "Dataset already up to date."))
