"""`manage.py sync_pubmed` and `bench_pubmed_sync` against the fake E-utilities server."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from references.models import Reference, SyncRun
from references.tests.fake_eutils import DATA_REFERENCES_DIR

from .factories import ReferenceFactory

pytestmark = pytest.mark.django_db

SEED_PMID = "38308374"
SEED_FILE = Path(DATA_REFERENCES_DIR) / f"{SEED_PMID}.yaml"


def sync(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sync_pubmed", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.skipif(not SEED_FILE.exists(), reason=f"{SEED_FILE} is not in the dataset yet")
def test_sync_pubmed_fills_the_seed_review_from_a_fake_server(pubmed_settings, fake_eutils):
    # The fake server's record for the seed review carries only what the curated file states.
    assert fake_eutils.add_curated(SEED_PMID)
    curated = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    out, _ = sync(SEED_PMID)
    assert "created 1" in out and "PubMed sync finished." in out
    reference = Reference.objects.get(pmid=SEED_PMID)
    for name in ["doi", "pmcid", "title", "journal", "journal_iso", "pub_year", "pub_month", "pub_day"]:
        assert getattr(reference, name) == curated[name], name
    for name in ["volume", "issue", "pages", "abstract", "publication_types"]:
        assert getattr(reference, name) == curated[name], name
    assert reference.authors == curated["authors"]
    assert reference.first_author == "Zhu K"
    request = fake_eutils.efetch_requests()[0]
    assert request.listed("id") == [SEED_PMID]
    assert request.params["email"] == "sync-tests@example.org" and request.params["api_key"].startswith("test-key-")
    out, _ = sync(SEED_PMID)
    assert "unchanged 1" in out


def test_stale_and_all_select_from_the_database(pubmed_settings, fake_eutils):
    fresh = ReferenceFactory(pmid="800001", last_synced_at=datetime.datetime.now(datetime.UTC))
    ReferenceFactory(pmid="800002")  # never synced
    out, _ = sync("--stale")
    assert "requested 1" in out
    assert fake_eutils.efetch_requests()[-1].listed("id") == ["800002"]
    out, _ = sync("--all", "800003")
    assert "requested 3" in out
    assert sorted(fake_eutils.efetch_requests()[-1].listed("id")) == ["800001", "800002", "800003"]
    fresh.refresh_from_db()
    assert fresh.title.startswith("Synthetic test record")


def test_summary_names_missing_and_retracted_pmids(pubmed_settings, fake_eutils):
    fake_eutils.missing = {"800009"}
    out, _ = sync("800009", "9500320")
    assert "Not found in PubMed: 800009" in out
    assert "Newly retracted: 9500320" in out
    assert Reference.objects.get(pmid="9500320").is_retracted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give PMIDs, --stale or --all"),
        (("12a",), "Not PMIDs"),
        (("0123",), "Not PMIDs"),
        (("--stale", "--older-than-days", "-1"), "zero or more"),
    ],
)
def test_bad_input_fails_with_a_message_and_writes_nothing(pubmed_settings, fake_eutils, args, message):
    with pytest.raises(CommandError, match=message):
        sync(*args)
    assert SyncRun.objects.count() == 0 and fake_eutils.efetch_requests() == []


def test_an_upstream_failure_exits_non_zero_after_the_summary(pubmed_settings, fake_eutils):
    fake_eutils.add_fault(*["503"] * 4)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 PMID"):
        call_command("sync_pubmed", "800001", "--no-progress", stdout=out, stderr=err)
    assert "failed 1" in out.getvalue() and "HTTP 503" in err.getvalue()
    assert not Reference.objects.exists()


def test_benchmark_makes_exactly_one_request_per_200_pmids_and_rolls_back(pubmed_settings):
    out = StringIO()
    call_command("bench_pubmed_sync", "--count", "450", "--rate", "100", stdout=out)
    report = out.getvalue()
    assert "Requests made:         3 (goal ceil(450/200) = 3)" in report
    assert "429s from the server:  0" in report
    assert "Benchmark met its goals." in report
    assert not Reference.objects.exists()  # synthetic records are rolled back
