"""`manage.py generate_bench_data`: the benchmark's records are marked, and `--delete` removes exactly them."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from curation.dataset import GENERATED_PMID_PATTERN
from curation.management.commands.generate_bench_data import bench_querysets
from curation.models import Proposal
from drugs.models import Drug, Target
from references.models import Reference
from references.tests.factories import ReferenceFactory
from trials.models import RegistrySyncRun, Trial

pytestmark = pytest.mark.django_db


def test_generate_bench_data_marks_its_records_and_delete_removes_exactly_them():
    curated = ReferenceFactory(pmid="35320644")
    sizes = ["--drugs=3", "--approvals=4", "--trials=5", "--outcomes=6", "--references=7"]

    call_command("generate_bench_data", *sizes, stdout=StringIO())

    counts = {name: queryset.count() for name, queryset in bench_querysets().items()}
    assert counts == {"drugs": 3, "approvals": 4, "trials": 5, "outcomes": 6, "references": 7}
    generated_pmids = bench_querysets()["references"].values_list("pmid", flat=True)
    assert all(re.fullmatch(GENERATED_PMID_PATTERN, pmid) for pmid in generated_pmids)
    history_before = Reference.history.count()

    call_command("generate_bench_data", "--delete", stdout=StringIO())

    assert all(queryset.count() == 0 for queryset in bench_querysets().values())
    assert list(Reference.objects.all()) == [curated]
    # Removing generated records writes no history (it would be one insert per record at full scale).
    assert Reference.history.count() == history_before


def test_the_watcher_benchmark_makes_the_minimum_requests_and_rolls_back(settings):
    settings.CTGOV_REQUESTS_PER_MINUTE = settings.OPENFDA_REQUESTS_PER_MINUTE = 6000.0
    settings.PUBMED_REQUESTS_PER_SECOND = 100.0
    out = StringIO()
    call_command("bench_watchers", "--trials", "150", "--searches", "3", "--fda", "30", "--json", stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {name: (r["requests_made"], r["requests_goal"]) for name, r in report.items()} == {
        "ClinicalTrials.gov sync": (2, 2),  # 150 trials in batches of 100
        "PubMed literature watch": (3, 3),  # one esearch per saved search
        "openFDA watch": (7, 7),  # 30 applications, drugs and labels in batches of 25, and one class
    }
    assert all(r["rate_limited"] == 0 and r["failed"] == 0 for r in report.values())
    assert not Trial.objects.exists() and not Drug.objects.exists() and not Proposal.objects.exists()
    assert not RegistrySyncRun.objects.exists()  # everything it wrote is rolled back


def test_bench_cold_urls_are_distinct_drawn_from_the_data_and_all_answer():
    from django.test import Client

    from curation.management.commands.bench_cold_urls import cold_urls, read_facts

    sizes = ["--drugs=4", "--approvals=30", "--trials=12", "--outcomes=12", "--references=60"]
    call_command("generate_bench_data", *sizes, stdout=StringIO())

    mixes = cold_urls(read_facts(), count=12)

    assert mixes["home"] == ["/"]  # a page without parameters has one URL
    generated_slugs = set(Drug.objects.values_list("slug", flat=True))
    assert {url.split("/")[2] for url in mixes["drug page"]} <= generated_slugs
    client = Client()
    for name, urls in mixes.items():
        assert len(urls) == len(set(urls)), name
        if name != "home":
            assert len(urls) > 1, name
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_zipf_draws_the_first_item_most_often():
    import random

    from curation.management.commands.bench_cold_urls import Zipf

    rng = random.Random(1)
    draws = [Zipf(["a", "b", "c", "d"]).draw(rng) for _ in range(2000)]

    counts = [draws.count(item) for item in "abcd"]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0


@pytest.mark.django_db(transaction=True)
def test_generated_data_is_vacuumed_as_autovacuum_would_have_it(postgres):
    # A page marked all-visible lets an index-only scan (a count, a deep page's keys) skip the table.
    # The migrations' HER2 target is gone when an earlier transactional test flushed the database.
    Target.objects.get_or_create(symbol="HER2", defaults={"name": "ERBB2 / HER2 receptor tyrosine kinase"})
    sizes = ["--drugs=3", "--approvals=4", "--trials=5", "--outcomes=6", "--references=7"]
    call_command("generate_bench_data", *sizes, stdout=StringIO())
    with postgres.cursor() as cursor:
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = %s", [Trial._meta.db_table])
        assert cursor.fetchone()[0] > 0
