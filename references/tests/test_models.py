import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from references.models import Reference

from .factories import ReferenceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["abc", "0123", "1234567890", "12 34", ""])
def test_pmid_must_be_digits(bad):
    with pytest.raises(ValidationError):
        ReferenceFactory.build(pmid=bad).full_clean()


def test_database_refuses_a_non_numeric_pmid():
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.bulk_create([ReferenceFactory.build(pmid="12a")])


def test_pmid_is_unique():
    ReferenceFactory(pmid="1000")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferenceFactory(pmid="1000")


@pytest.mark.parametrize("bad", ["doi:10.1/x", "11.1000/x", "10.12/x y"])
def test_doi_format_is_checked(bad):
    with pytest.raises(ValidationError, match="DOI"):
        ReferenceFactory.build(doi=bad).full_clean()


def test_publication_date_display_handles_partial_dates():
    assert ReferenceFactory.build(pub_year=2022, pub_month=7, pub_day=7).publication_date_display == "2022 Jul 7"
    assert ReferenceFactory.build(pub_year=2022, pub_month=7, pub_day=None).publication_date_display == "2022 Jul"
    assert ReferenceFactory.build(pub_year=2022, pub_month=None).publication_date_display == "2022"
    assert (
        ReferenceFactory.build(pub_year=None, pub_date_text="1998 Dec-1999 Jan").publication_date_display
        == "1998 Dec-1999 Jan"
    )


def test_month_out_of_range_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.bulk_create([ReferenceFactory.build(pub_month=13)])


def test_citation_reads_like_vancouver():
    reference = ReferenceFactory.build(
        authors=[{"last_name": "Doe", "initials": "J"}, {"last_name": "Roe", "initials": "R"}],
        journal_iso="J Tests",
        pub_year=2020,
        volume="10",
        issue="2",
        pages="100-110",
    )
    assert reference.citation == "Doe J, et al. J Tests. 2020;10(2):100-110."


def test_authors_must_be_named():
    with pytest.raises(ValidationError, match="Author 2"):
        ReferenceFactory.build(authors=[{"last_name": "Doe"}, {"initials": "X"}]).full_clean()


def test_links_out():
    reference = ReferenceFactory.build(pmid="42", doi="10.1000/x", pmcid="PMC42")
    assert reference.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/42/"
    assert reference.doi_url == "https://doi.org/10.1000/x"
    assert reference.pmc_url.endswith("/PMC42/")


def test_stale_selects_never_synced_and_old_syncs():
    never = ReferenceFactory(last_synced_at=None)
    old = ReferenceFactory(last_synced_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    ReferenceFactory(last_synced_at=datetime.datetime.now(datetime.UTC))
    stale = Reference.objects.stale(older_than=datetime.timedelta(days=30))
    assert set(stale) == {never, old}


def test_bulk_update_rows_writes_what_bulk_update_writes():
    """The sync's bulk UPDATE (her2kb.models.bulk_update_rows; a VALUES list on PostgreSQL): every kind of field the
    sync writes, nulls and "" included, read back as bulk_update would leave them; other fields untouched."""
    from her2kb.models import bulk_update_rows

    references = ReferenceFactory.create_batch(3, curator_note="Curated: untouched")
    changes = [
        {"title": "Ünïcode – title", "authors": [{"last_name": "Müller", "initials": "K"}], "pub_year": 2021},
        {"doi": "", "pub_month": None, "is_retracted": True, "retraction_notice_pmids": ["900000001"]},
        {
            "pubmed_revised_on": datetime.date(2024, 2, 29),
            "last_synced_at": datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.UTC),
        },
    ]
    for reference, change in zip(references, changes, strict=True):
        for name, value in change.items():
            setattr(reference, name, value)
        reference.curator_note = "Changed in memory only"
    fields = sorted({name for change in changes for name in change})
    bulk_update_rows(references, fields, batch_size=2)
    stored = {r.pk: r for r in Reference.objects.filter(pk__in=[r.pk for r in references])}
    for reference in references:
        assert {name: getattr(stored[reference.pk], name) for name in fields} == {
            name: getattr(reference, name) for name in fields
        }
        assert stored[reference.pk].curator_note == "Curated: untouched"
    bulk_update_rows([], fields)  # nothing to write: no statement
