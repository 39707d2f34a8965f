"""
`manage.py bench_pubmed_sync --count 10000`: sync N synthetic PMIDs through a local fake E-utilities server.

Reports requests made against the goal ceil(N/batch), wall time against the rate-limit floor, and records per
second. The fake server enforces the same rate (it answers 429 above it, as NCBI does), so any 429 in the
report means the limiter let too much through. Everything it writes is rolled back unless --keep is given.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from her2kb.choices import SyncTrigger
from her2kb.ratelimit import interval_for, separate_limiter
from references.pubmed import client_from_settings
from references.services import references_sync_from_pubmed
from references.tests.fake_eutils import FakeEutils

FIRST_FAKE_PMID = 900_000_000  # far above any real PMID: nothing here can be mistaken for a paper


@dataclass
class BenchResult:
    count: int
    batch_size: int
    rate: float
    requests_made: int
    requests_goal: int
    rate_limited: int  # 429s the fake server had to send
    wall_seconds: float
    floor_seconds: float
    created: int
    failed: int

    @property
    def records_per_second(self) -> float:
        return self.count / self.wall_seconds if self.wall_seconds else float("inf")

    def lines(self) -> list[str]:
        return [
            f"PMIDs synced:          {self.count} (created {self.created}, failed {self.failed})",
            f"Requests made:         {self.requests_made} (goal ceil({self.count}/{self.batch_size}) = "
            f"{self.requests_goal}){'' if self.requests_made == self.requests_goal else '  <-- off goal'}",
            f"429s from the server:  {self.rate_limited}",
            f"Wall time:             {self.wall_seconds:.2f} s (rate-limit floor {self.floor_seconds:.2f} s "
            f"at {self.rate:g} requests/s, x{self.wall_seconds / self.floor_seconds if self.floor_seconds else 0:.2f})",
            f"Throughput:            {self.records_per_second:.0f} records/s",
        ]


def run_benchmark(*, count: int, rate: float, batch_size: int = 200, keep: bool = False) -> BenchResult:
    """Sync `count` synthetic PMIDs through a fresh fake server at `rate` requests/s; measure it."""
    limiter = separate_limiter(rate, label="bench")  # the production path (Redis) when REDIS_URL is set
    pmids = [str(FIRST_FAKE_PMID + n) for n in range(count)]
    with FakeEutils(synthetic=True, rate_limit=rate) as fake:
        client = client_from_settings(base_url=fake.base_url, limiter=limiter, api_key="", email="")
        started = time.perf_counter()
        with transaction.atomic():
            run = references_sync_from_pubmed(
                pmids=pmids, trigger=SyncTrigger.BENCHMARK, client=client, batch_size=batch_size
            )
            wall = time.perf_counter() - started
            if not keep:
                transaction.set_rollback(True)
        requests = fake.efetch_requests()
    goal = math.ceil(count / batch_size)
    return BenchResult(
        count=count,
        batch_size=batch_size,
        rate=rate,
        requests_made=len(requests),
        requests_goal=goal,
        rate_limited=sum(1 for r in requests if r.status == 429),
        wall_seconds=wall,
        # The first request goes at once; each later one waits its slot.
        floor_seconds=(goal - 1) * interval_for(rate),
        created=run.created,
        failed=run.failed,
    )


class Command(BaseCommand):
    help = "Benchmark the PubMed sync against a local fake E-utilities server (no network)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="How many PMIDs to sync (default 10000).")
        parser.add_argument("--rate", type=float, default=None, help="Requests/s (default PUBMED_REQUESTS_PER_SECOND).")
        parser.add_argument("--batch-size", type=int, default=200, help="PMIDs per request (at most 200).")
        parser.add_argument("--keep", action="store_true", help="Keep the synthetic references (default: roll back).")
        parser.add_argument("--json", action="store_true", help="Print the measurements as one JSON object.")

    def handle(self, *args, count: int, rate: float | None, batch_size: int, keep: bool, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if not 1 <= batch_size <= 200:
            raise CommandError("--batch-size must be between 1 and 200 (NCBI: POST batches of about 200).")
        rate = rate or settings.PUBMED_REQUESTS_PER_SECOND
        if rate <= 0:
            raise CommandError("--rate must be positive.")
        if not options["json"]:
            self.stdout.write(f"Benchmark: {count} PMIDs, batches of {batch_size}, {rate:g} requests/s ...")
        result = run_benchmark(count=count, rate=rate, batch_size=batch_size, keep=keep)
        if options["json"]:
            self.stdout.write(json.dumps({**asdict(result), "records_per_second": result.records_per_second}))
        else:
            for line in result.lines():
                self.stdout.write(line)
        if result.requests_made != result.requests_goal or result.rate_limited or result.failed:
            raise CommandError("The benchmark missed its goal (see above).")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("Benchmark met its goals."))
