"""
`manage.py generate_bench_data`: a scale dataset for the benchmark, added beside the curated data.

Every generated record is marked so it can never be mistaken for curated knowledge or exported by accident:
drug and trial slugs start with `bench-`, drug names with "benchmark", NCT numbers use the unassigned
`NCT9…` range, PMIDs the unassigned `9xxxxxxxx` range, and every text says it is generated.
`--delete` removes exactly these records.
"""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from curation.dataset import GENERATED_PMID_START, GENERATED_SLUG_PREFIX, generated_rows
from drugs.choices import Agency, ApprovalType, DrugClass, Her2Category, TherapySetting, TumourType
from drugs.models import Approval, Drug, Target
from references.models import Reference
from trials.choices import DrugRole, Endpoint, TrialPhase, TrialStatus, ValueUnit
from trials.models import Outcome, Trial, TrialDrug

BENCH_PREFIX = GENERATED_SLUG_PREFIX
BENCH_PMID_START = GENERATED_PMID_START
BENCH_NCT_START = 90_000_000
MARK = "GENERATED FOR BENCHMARK — not real data."
WORDS = (
    "HER2 positive breast cancer metastatic adjuvant neoadjuvant trastuzumab pertuzumab deruxtecan emtansine "
    "tucatinib neratinib lapatinib survival progression randomized phase trial outcome response toxicity "
    "cardiac gastric lung colorectal biliary urothelial mutation amplification expression antibody conjugate "
    "kinase inhibitor chemotherapy placebo docetaxel capecitabine analysis cohort efficacy safety"
).split()
BATCH = 5000


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def bench_querysets() -> dict:
    """The generated records, per model: what --delete removes and what reports count."""
    return {
        "approvals": generated_rows(Approval),
        "outcomes": generated_rows(Outcome),
        "trials": generated_rows(Trial),
        "drugs": generated_rows(Drug),
        "references": generated_rows(Reference),
    }


class Command(BaseCommand):
    help = "Generate (or --delete) the benchmark's scale dataset: clearly marked, never mixed with curated data."

    def add_arguments(self, parser):
        parser.add_argument("--drugs", type=int, default=200)
        parser.add_argument("--approvals", type=int, default=5000)
        parser.add_argument("--trials", type=int, default=20000)
        parser.add_argument("--outcomes", type=int, default=60000)
        parser.add_argument("--references", type=int, default=200000)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--delete", action="store_true", help="Remove previously generated records and stop.")

    def handle(self, *args, **options):
        with transaction.atomic():
            self._delete()
            if options["delete"]:
                self.stdout.write("Generated benchmark records removed.")
                return
            self._generate(random.Random(options["seed"]), options)
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility maps, as a production database has them (autovacuum would get there
            # later): the planner's choices for full-text and filtered queries depend on the statistics, and an
            # index-only scan (a count, a deep page's keys) reads the table too while its pages are not yet marked
            # all-visible, so the planner sorts whole tables instead. VACUUM cannot run inside a transaction (a
            # test's): there, statistics only.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        counts = {name: queryset.count() for name, queryset in bench_querysets().items()}
        self.stdout.write(self.style.SUCCESS(f"Generated: {counts}"))

    def _delete(self) -> None:
        querysets = bench_querysets()
        # Generated records are not curated knowledge: their removal needs no history row each (which would
        # be hundreds of thousands of single inserts).
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            for name in ("approvals", "outcomes", "trials", "drugs", "references"):
                querysets[name].delete()

    def _generate(self, rng: random.Random, options: dict) -> None:
        her2 = Target.objects.get(symbol="HER2")
        drugs = Drug.objects.bulk_create(
            Drug(
                name=f"benchmark drug {n}",
                slug=f"{BENCH_PREFIX}drug-{n}",
                brand_names=[f"Benchra{n}"],
                synonyms=[f"BNC-{n:04d}"],
                drug_class=rng.choice(DrugClass.values),
                mechanism=f"{MARK} {_words(rng, 12)}",
                notes=MARK,
            )
            for n in range(options["drugs"])
        )
        Drug.targets.through.objects.bulk_create(
            Drug.targets.through(drug_id=drug.pk, target_id=her2.pk) for drug in drugs
        )
        references = self._bulk(
            Reference,
            (
                Reference(
                    pmid=str(BENCH_PMID_START + n),
                    title=f"{_words(rng, 10).capitalize()} ({MARK})",
                    authors=[
                        {"last_name": f"Author{n % 997}", "initials": "B"},
                        {"last_name": "Bench", "initials": "M"},
                    ],
                    journal="Journal of Benchmarks",
                    journal_iso="J Bench",
                    pub_year=rng.randint(1998, 2026),
                    pub_month=rng.randint(1, 12),
                    volume=str(rng.randint(1, 400)),
                    pages=f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
                    abstract=f"{MARK} {_words(rng, 120)}",
                    publication_types=["Journal Article"],
                )
                for n in range(options["references"])
            ),
        )
        trials = self._bulk(
            Trial,
            (
                Trial(
                    nct_id=f"NCT{BENCH_NCT_START + n}",
                    slug=f"{BENCH_PREFIX}trial-{n}",
                    acronym=f"BENCH-{n}",
                    title=f"{_words(rng, 14).capitalize()} ({MARK})",
                    phase=rng.choice(TrialPhase.values),
                    status=rng.choice(TrialStatus.values),
                    enrollment=rng.randint(20, 5000),
                    tumour_type=rng.choice(TumourType.values),
                    her2_category=rng.choice(Her2Category.values),
                    arms=["benchmark drug", "comparator"],
                    primary_endpoint="Progression-free survival",
                    notes=MARK,
                )
                for n in range(options["trials"])
            ),
        )
        self._bulk(
            TrialDrug,
            (
                TrialDrug(trial_id=trial.pk, drug_id=drugs[n % len(drugs)].pk, role=DrugRole.EXPERIMENTAL)
                for n, trial in enumerate(trials)
            ),
        )
        self._bulk(
            Trial.references.through,
            (
                Trial.references.through(trial_id=trial.pk, reference_id=references[(n * 7) % len(references)].pk)
                for n, trial in enumerate(trials)
            ),
        )
        outcomes = self._bulk(
            Outcome,
            (self._outcome(rng, trials[n % len(trials)], n) for n in range(options["outcomes"])),
        )
        self._bulk(
            Outcome.references.through,
            (
                Outcome.references.through(
                    outcome_id=outcome.pk, reference_id=references[(n * 13) % len(references)].pk
                )
                for n, outcome in enumerate(outcomes)
            ),
        )
        start = datetime.date(1998, 1, 1)
        approvals = self._bulk(
            Approval,
            (
                Approval(
                    drug_id=drugs[n % len(drugs)].pk,
                    agency=rng.choice(Agency.values),
                    date=start + datetime.timedelta(days=rng.randint(0, 10_000)),
                    approval_type=rng.choice(ApprovalType.values),
                    indication=f"Benchmark indication {n} ({MARK})",
                    tumour_type=rng.choice(TumourType.values),
                    her2_category=rng.choice(Her2Category.values),
                    setting=rng.choice(TherapySetting.values),
                    sources=["https://example.org/benchmark"],
                    notes=MARK,
                )
                for n in range(options["approvals"])
            ),
        )
        self._bulk(
            Approval.pivotal_trials.through,
            (
                Approval.pivotal_trials.through(approval_id=approval.pk, trial_id=trials[(n * 3) % len(trials)].pk)
                for n, approval in enumerate(approvals)
            ),
        )

    @staticmethod
    def _outcome(rng: random.Random, trial: Trial, n: int) -> Outcome:
        lower = Decimal(rng.randint(30, 80)) / 100
        upper = lower + Decimal(rng.randint(10, 40)) / 100
        return Outcome(
            trial_id=trial.pk,
            endpoint=rng.choice([Endpoint.PFS, Endpoint.OS, Endpoint.IDFS]),
            population="ITT",
            analysis=f"benchmark analysis {n}",
            experimental_arm="benchmark drug",
            control_arm="comparator",
            experimental_value=Decimal(rng.randint(50, 400)) / 10,
            control_value=Decimal(rng.randint(30, 300)) / 10,
            value_unit=ValueUnit.MONTHS,
            hazard_ratio=(lower + upper) / 2,
            ci_lower=lower,
            ci_upper=upper,
            p_value="<0.001",
        )

    @staticmethod
    def _bulk(model, objects) -> list:
        created, batch = [], []
        for obj in objects:
            batch.append(obj)
            if len(batch) == BATCH:
                created += model.objects.bulk_create(batch)
                batch = []
        if batch:
            created += model.objects.bulk_create(batch)
        return created
