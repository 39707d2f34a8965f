"""
`manage.py bench_watchers`: each watcher through its local fake upstream (ClinicalTrials.gov, PubMed, openFDA).

For each it reports the requests made against the minimum the batching allows, and the wall time against the
rate-limit floor (the first request goes at once, each later one waits its slot at the upstream's rate). The fakes
hold the same rates (they answer 429 above them, as the upstreams do), so a 429 in the report means the limiter let
too much through. The records it makes (marked `bench-`, fake NCT numbers, applications and set ids) are rolled back.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from drugs import openfda
from drugs.models import Drug
from drugs.openfda import TrackedApplication, TrackedLabel
from drugs.services import BATCH_SIZE as FDA_BATCH_SIZE
from drugs.services import fda_watch
from drugs.tests.fake_openfda import FakeOpenFda
from her2kb.choices import SyncTrigger
from her2kb.ratelimit import interval_for, separate_limiter
from her2kb.tests.fake_upstream import FakeUpstream
from references import pubmed
from references.choices import SearchKind
from references.models import LiteratureSearch
from references.services import literature_watch
from references.tests.fake_eutils import FakeEutils
from trials import ctgov
from trials.choices import TrialPhase
from trials.models import Trial
from trials.services import trials_sync_from_ctgov
from trials.tests.fake_ctgov import FakeCtGov

FIRST_FAKE_NCT = 99_000_000  # NCT99000000 onwards: fake numbers for the benchmark's trials


@dataclass
class WatcherBench:
    watcher: str
    items: int
    rate_per_second: float
    requests_made: int
    requests_goal: int
    rate_limited: int  # 429s the fake had to send
    wall_seconds: float
    floor_seconds: float
    failed: int

    @property
    def met_goal(self) -> bool:
        return self.requests_made == self.requests_goal and not self.rate_limited and not self.failed

    def line(self) -> str:
        times = self.wall_seconds / self.floor_seconds if self.floor_seconds else 0
        return (
            f"{self.watcher:<22} {self.items:>6} items  requests {self.requests_made} (goal {self.requests_goal})  "
            f"429s {self.rate_limited}  wall {self.wall_seconds:.2f} s (floor {self.floor_seconds:.2f} s at "
            f"{self.rate_per_second:g}/s, x{times:.2f})  failed {self.failed}"
            + ("" if self.met_goal else "  <-- off goal")
        )


def _measure(
    watcher: str, fake: FakeUpstream, items: int, rate: float, goal: int, run: Callable[[str], object]
) -> WatcherBench:
    """Run one watcher against `fake` (started here) inside a transaction that is rolled back."""
    with fake:
        with transaction.atomic():
            started = time.perf_counter()
            result = run(fake.base_url)
            wall = time.perf_counter() - started
            transaction.set_rollback(True)
        served = fake.requests
    return WatcherBench(
        watcher=watcher,
        items=items,
        rate_per_second=rate,
        requests_made=len(served),
        requests_goal=goal,
        rate_limited=sum(1 for r in served if r.status == 429),
        wall_seconds=wall,
        floor_seconds=max(0, goal - 1) * interval_for(rate),
        failed=result.failed,
    )


def bench_ctgov(count: int) -> WatcherBench:
    rate = settings.CTGOV_REQUESTS_PER_MINUTE / 60
    fake = FakeCtGov(rate_limit=settings.CTGOV_REQUESTS_PER_MINUTE, rate_window=60)
    nct_ids = [f"NCT{FIRST_FAKE_NCT + n}" for n in range(count)]
    for nct_id in nct_ids:
        fake.add_study(nct_id, overallStatus="ACTIVE_NOT_RECRUITING")

    def run(base_url: str):
        Trial.objects.bulk_create(
            Trial(nct_id=nct_id, slug=f"bench-ctgov-{nct_id.lower()}", phase=TrialPhase.PHASE_3) for nct_id in nct_ids
        )
        client = ctgov.client_from_settings(base_url=base_url, limiter=separate_limiter(rate, label="bench-ctgov"))
        return trials_sync_from_ctgov(nct_ids=nct_ids, trigger=SyncTrigger.BENCHMARK, client=client)

    goal = math.ceil(count / settings.CTGOV_BATCH_SIZE)
    return _measure("ClinicalTrials.gov sync", fake, count, rate, goal, run)


def bench_pubmed_watch(count: int) -> WatcherBench:
    rate = settings.PUBMED_REQUESTS_PER_SECOND
    fake = FakeEutils(rate_limit=rate)

    def run(base_url: str):
        trials = Trial.objects.bulk_create(
            Trial(nct_id=None, slug=f"bench-watch-{n}", acronym=f"BENCH-{n}", phase=TrialPhase.PHASE_3)
            for n in range(count)
        )
        searches = LiteratureSearch.objects.bulk_create(
            LiteratureSearch(kind=SearchKind.ACRONYM, term=f'"{trial.acronym}"[tiab]', trial=trial) for trial in trials
        )
        client = pubmed.client_from_settings(
            base_url=base_url, limiter=separate_limiter(rate, label="bench-eutils"), api_key="", email=""
        )
        return literature_watch(trigger=SyncTrigger.BENCHMARK, client=client, searches=searches)

    return _measure("PubMed literature watch", fake, count, rate, count, run)


def bench_openfda_watch(count: int) -> WatcherBench:
    rate = settings.OPENFDA_REQUESTS_PER_MINUTE / 60
    fake = FakeOpenFda(rate_limit=settings.OPENFDA_REQUESTS_PER_MINUTE, rate_window=60)
    numbers = [f"NDA{990000 + n}" for n in range(count)]
    set_ids = [str(uuid.UUID(int=n + 1)) for n in range(count)]
    original = {"submission_type": "ORIG", "submission_number": "1", "submission_status": "AP"}
    for number in numbers:
        fake.add_application(
            number, substance="BENCH SUBSTANCE", submissions=[{**original, "submission_status_date": "20200101"}]
        )
    for set_id in set_ids:
        fake.add_label(set_id, effective_time="20200101")

    def run(base_url: str):
        drugs = Drug.objects.bulk_create(
            Drug(name=f"bench-openfda-drug-{n}", slug=f"bench-openfda-drug-{n}", drug_class="other")
            for n in range(count)
        )
        applications = [
            TrackedApplication(number, drugs[n].pk, drugs[n].name, frozenset({openfda._date("20200101")}))
            for n, number in enumerate(numbers)
        ]
        labels = [TrackedLabel(set_id, 0, drugs[n].pk, drugs[n].name, "2020-01-01") for n, set_id in enumerate(set_ids)]
        client = openfda.client_from_settings(
            base_url=base_url, limiter=separate_limiter(rate, label="bench-openfda"), api_key=""
        )
        return fda_watch(
            trigger=SyncTrigger.BENCHMARK,
            client=client,
            drugs=drugs,
            applications=applications,
            labels=labels,
            classes=list(settings.OPENFDA_PHARM_CLASSES),
        )

    batches = math.ceil(count / FDA_BATCH_SIZE)
    goal = 3 * batches + len(settings.OPENFDA_PHARM_CLASSES)  # applications, substances, labels; each class
    return _measure("openFDA watch", fake, count * 3, rate, goal, run)


class Command(BaseCommand):
    help = "Benchmark each watcher against its local fake upstream (no network): requests and wall time."

    def add_arguments(self, parser):
        parser.add_argument("--trials", type=int, default=1000, help="Trials for the ClinicalTrials.gov sync.")
        parser.add_argument("--searches", type=int, default=30, help="Saved searches for the PubMed watcher.")
        parser.add_argument(
            "--fda", type=int, default=100, help="openFDA: applications, labels and drugs (each this many)."
        )
        parser.add_argument("--json", action="store_true", help="Print the measurements as one JSON object.")

    def handle(self, *args, trials: int, searches: int, fda: int, **options):
        if min(trials, searches, fda) < 1:
            raise CommandError("--trials, --searches and --fda must be at least 1.")
        if not options["json"]:
            self.stdout.write("Benchmark: each watcher through its fake upstream, at the configured rates ...")
        results = [bench_ctgov(trials), bench_pubmed_watch(searches), bench_openfda_watch(fda)]
        if options["json"]:
            self.stdout.write(json.dumps({result.watcher: asdict(result) for result in results}))
        else:
            for result in results:
                self.stdout.write(result.line())
        if not all(result.met_goal for result in results):
            raise CommandError("A watcher missed its goal (see above).")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("Every watcher met its goals."))
