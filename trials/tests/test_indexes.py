"""Every filter of the trial and outcome pages and API, and search, is answered by an index (EXPLAIN on PostgreSQL)."""

import pytest
from rest_framework.request import Request

from her2kb.api.parameters import StrictOrderingFilter, ordering_terms
from her2kb.tests.explain import answered_by_index, filtered, index_lines, joined_fragment, plan_in_index_order
from trials.api.views import TrialViewSet
from trials.filtersets import OutcomeFilterSet, TrialFilterSet
from trials.models import Outcome, Trial

pytestmark = pytest.mark.django_db

# (query parameters, the condition an index must answer, as PostgreSQL prints it)
TRIAL_FILTERS = [
    ({"q": "trastuzumab"}, "search_document @@"),
    ({"q": "DESTINY-B"}, joined_fragment("acronym")),
    ({"q": "NCT0352"}, joined_fragment("nct_id")),
    ({"nct_id": "NCT03529110"}, "(nct_id)::text = 'NCT03529110'"),
    ({"phase": "phase_3"}, "(phase)::text ="),
    ({"status": "completed"}, "(status)::text ="),
    ({"tumour_type": "breast"}, "(tumour_type)::text ="),
    ({"her2_category": "low"}, "(her2_category)::text ="),
    ({"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    ({"drug_class": "adc"}, "(drug_class)::text ="),
    ({"drug_role": "comparator"}, "(role)::text ="),
    ({"has_outcome": "os"}, "(endpoint)::text ="),
    ({"start_date_after": "2020-01-01"}, "start_date >="),
    ({"primary_completion_date_before": "2020-01-01"}, "primary_completion_date <="),
    ({"enrollment_min": "100"}, "enrollment >="),
]
OUTCOME_FILTERS = [
    ({"trial": "NCT03529110"}, "(nct_id)::text = 'NCT03529110'"),
    ({"endpoint": "pfs"}, "(endpoint)::text ="),
    ({"is_primary": "true"}, "is_primary ="),
    ({"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    ({"drug_class": "adc"}, "(drug_class)::text ="),
    ({"trial_phase": "phase_3"}, "(phase)::text ="),
    ({"hazard_ratio_max": "0.7"}, "hazard_ratio <="),
    ({"data_cutoff_after": "2020-01-01"}, "data_cutoff >="),
]


@pytest.mark.parametrize(("params", "condition"), TRIAL_FILTERS, ids=lambda value: str(value))
def test_trial_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(TrialFilterSet, params, Trial.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


@pytest.mark.parametrize(("params", "condition"), OUTCOME_FILTERS, ids=lambda value: str(value))
def test_outcome_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(OutcomeFilterSet, params, Outcome.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


def test_every_filter_is_covered_here():
    assert {_filter_of(name) for params, _ in TRIAL_FILTERS for name in params} == set(TrialFilterSet.base_filters)
    assert {_filter_of(name) for params, _ in OUTCOME_FILTERS for name in params} == set(OutcomeFilterSet.base_filters)


def _filter_of(parameter: str) -> str:
    """The filter a range's parameter belongs to: enrollment_min → enrollment."""
    for suffix in ("_after", "_before", "_min", "_max"):
        if parameter.endswith(suffix):
            return parameter.removesuffix(suffix)
    return parameter


@pytest.mark.parametrize(
    "condition",
    [
        "search_document @@",
        joined_fragment("acronym"),
        joined_fragment("nct_id"),
        joined_fragment("title", text_column=True),
        joined_fragment("conditions"),
    ],
)
def test_search_is_answered_by_indexes(postgres, condition):
    assert answered_by_index(Trial.objects.search("DESTINY-Breast03"), condition)


def test_a_filter_without_an_index_is_reported(postgres):
    # The check above can fail: the sponsor has no index (no page or API filters by it).
    assert not answered_by_index(Trial.objects.filter(sponsor="Daiichi Sankyo"), "(sponsor)::text =")


@pytest.mark.parametrize("term", ["", *ordering_terms(TrialViewSet)])
def test_a_deep_pages_keys_come_from_one_index_in_every_order_the_api_offers(postgres, rf, term):
    request = Request(rf.get("/api/v1/trials/", {"ordering": term} if term else {}))
    ordering = StrictOrderingFilter().get_ordering(request, Trial.objects.all(), TrialViewSet())
    keys = Trial.objects.order_by(*ordering).values_list("pk", flat=True)[15000:15050]  # as her2kb.paginators asks

    plan = plan_in_index_order(keys)
    assert "Index Only Scan" in plan and "Sort" not in plan, plan
