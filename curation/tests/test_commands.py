"""`manage.py generate_bench_data`: the benchmark's records are marked, and `--delete` removes exactly them."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from curation.dataset import GENERATED_PMID_PATTERN
from curation.management.commands.generate_bench_data import bench_querysets
from references.models import Reference
from references.tests.factories import ReferenceFactory

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
