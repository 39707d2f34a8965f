"""Every filter of the drug and approval pages and API is answered by an index (EXPLAIN on PostgreSQL)."""

import pytest

from drugs.filtersets import ApprovalFilterSet, DrugFilterSet
from drugs.models import Approval, Drug
from her2kb.tests.explain import answered_by_index, filtered, index_lines

pytestmark = pytest.mark.django_db

# (query parameters, the condition an index must answer, as PostgreSQL prints it)
DRUG_FILTERS = [
    ({"q": "DS-8201"}, "upper((name)::text) ~~"),
    ({"q": "DS-8201"}, "upper((synonyms)::text) ~~"),
    ({"q": "enhertu"}, "upper((brand_names)::text) ~~"),
    ({"drug_class": "adc"}, "(drug_class)::text ="),
    ({"target": "HER2"}, "upper((symbol)::text) ="),
    ({"development_status": "approved"}, "(development_status)::text ="),
    ({"approved": "true"}, "drugs_approval_drug_id"),
    ({"tumour_type": "breast"}, "(tumour_type)::text ="),
]
APPROVAL_FILTERS = [
    ({"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    ({"drug_class": "adc"}, "(drug_class)::text ="),
    ({"agency": "FDA"}, "(agency)::text ="),
    ({"approval_type": "accelerated"}, "(approval_type)::text ="),
    ({"tumour_type": "breast"}, "(tumour_type)::text ="),
    ({"her2_category": "low"}, "(her2_category)::text ="),
    ({"her2_status": "low"}, "(her2_category)::text = ANY"),
    ({"setting": "metastatic"}, "(setting)::text ="),
    ({"year": "2022"}, "date >="),
    ({"date_after": "2022-01-01", "date_before": "2022-12-31"}, "date >="),
]


@pytest.mark.parametrize(("params", "condition"), DRUG_FILTERS, ids=lambda value: str(value))
def test_drug_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(DrugFilterSet, params, Drug.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


@pytest.mark.parametrize(("params", "condition"), APPROVAL_FILTERS, ids=lambda value: str(value))
def test_approval_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(ApprovalFilterSet, params, Approval.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


def test_every_filter_is_covered_here():
    assert {name for params, _ in DRUG_FILTERS for name in params} == set(DrugFilterSet.base_filters)
    # The date range arrives as date_after/date_before.
    approval_params = {name.removesuffix("_after").removesuffix("_before") for p, _ in APPROVAL_FILTERS for name in p}
    assert approval_params == set(ApprovalFilterSet.base_filters)


@pytest.mark.parametrize("fragment", ["search_document @@", "upper((name)::text) ~~", "upper((synonyms)::text) ~~"])
def test_search_is_answered_by_indexes(postgres, fragment):
    assert answered_by_index(Drug.objects.search("DS-8201"), fragment)
