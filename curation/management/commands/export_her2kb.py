"""`manage.py export_her2kb`: write the database back as the curated YAML files."""

from pathlib import Path

from django.core.management.base import BaseCommand

from curation.dataset import DEFAULT_DATA_DIR, export_dataset


class Command(BaseCommand):
    help = "Export the database as the curated dataset (data/*.yaml), in the same format load_her2kb reads."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder to write to.")

    def handle(self, *args, data_dir: Path, **options):
        count = export_dataset(data_dir)
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} records to {data_dir}"))
