"""`manage.py dataset_report`: the dataset's coverage against its goals, and where the known gaps are listed."""

from pathlib import Path

from django.core.management.base import BaseCommand

from curation.coverage import approvals_by_agency, coverage_measures
from curation.dataset import DEFAULT_DATA_DIR


class Command(BaseCommand):
    help = "Print the dataset's coverage (approvals per agency, completeness measures) against its goals."

    def add_arguments(self, parser):
        parser.add_argument("--strict", action="store_true", help="Exit non-zero when a goal is not met.")

    def handle(self, *args, **options):
        self.stdout.write("Approval records per agency")
        for agency, count in approvals_by_agency().items():
            self.stdout.write(f"  {agency:<5} {count:>4}")
        measures = coverage_measures()
        width = max(len(measure.name) for measure in measures)
        self.stdout.write("")
        self.stdout.write(f"{'measure':<{width}}  {'value':<18}  {'goal':<7}  met")
        for measure in measures:
            mark = "yes" if measure.met else "NO"
            self.stdout.write(f"{measure.name:<{width}}  {measure.value:<18}  {measure.goal:<7}  {mark}")
        missing_dir = Path(DEFAULT_DATA_DIR) / "missing"
        lists = sorted(path.name for path in missing_dir.glob("*.md"))
        self.stdout.write("")
        self.stdout.write(f"What is not verified yet, and why: {missing_dir} ({', '.join(lists) or 'none'})")
        unmet = [measure.name for measure in measures if not measure.met]
        if unmet and options["strict"]:
            raise SystemExit(f"Goals not met: {'; '.join(unmet)}")
