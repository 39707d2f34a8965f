"""Every filter of the references page and API, and search, is answered by an index (EXPLAIN on PostgreSQL)."""

import pytest

from her2kb.tests.explain import answered_by_index, filtered, index_lines, joined_fragment, plan_without_seqscans
from references.filtersets import ReferenceFilterSet
from references.models import Reference

pytestmark = pytest.mark.django_db

# (query parameters, the condition an index must answer, as PostgreSQL prints it)
FILTERS = [
    ({"q": "trastuzumab cardiotoxicity"}, "search_document @@"),
    ({"pmid": "35320644"}, "(pmid)::text = '35320644'"),
    ({"doi": "10.1056/NEJMoa2115022"}, "upper((doi)::text) ="),
    ({"year": "2022"}, "pub_year ="),
    ({"year_min": "2022"}, "pub_year >="),
    ({"year_max": "2022"}, "pub_year <="),
    ({"pmcid": "PMC6022861"}, "(pmcid)::text ="),
    ({"journal": "Lancet"}, "upper((journal)::text) ~~"),
    ({"journal": "Lancet"}, "upper((journal_iso)::text) ~~"),
    ({"retracted": "true"}, "is_retracted ="),
    ({"trial": "NCT03529110"}, "(nct_id)::text = 'NCT03529110'"),
    ({"trial_acronym": "DESTINY"}, "upper((acronym)::text) ~~"),
    ({"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
]


@pytest.mark.parametrize(("params", "condition"), FILTERS, ids=lambda value: str(value))
def test_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(ReferenceFilterSet, params, Reference.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


def test_every_filter_is_covered_here():
    assert {name for params, _ in FILTERS for name in params} == set(ReferenceFilterSet.base_filters)


@pytest.mark.parametrize(
    "condition",
    [
        "search_document @@",
        "(pmid)::text = 'HER2'",
        "upper((doi)::text) = 'HER2'",
        joined_fragment("title", text_column=True),
        joined_fragment("abstract", text_column=True),
    ],
)
def test_search_is_answered_by_indexes(postgres, condition):
    assert answered_by_index(Reference.objects.search("HER2"), condition)


def test_api_cursor_order_reads_the_pmid_number_index(postgres):
    page = Reference.objects.for_api().order_by("-pmid_number")[:50]

    assert "reference_pmid_number_idx" in plan_without_seqscans(page)
