"""Every filter of the drug, approval and regulatory pages and API is answered by an index (EXPLAIN on PostgreSQL)."""

import pytest

from drugs.filtersets import (
    ApprovalFilterSet,
    CompanionDiagnosticFilterSet,
    DrugFilterSet,
    LabelFilterSet,
    LabelWarningFilterSet,
    ProductFilterSet,
    RegulatoryEventFilterSet,
)
from drugs.models import Approval, CompanionDiagnostic, Drug, Label, LabelWarning, Product, RegulatoryEvent
from her2kb.tests.explain import answered_by_index, filtered, index_lines, joined_fragment

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
    ({"target": "ERBB2"}, "upper((gene_symbol)::text) ="),
    ({"drugbank_id": "DB00072"}, "(drugbank_id)::text ="),
    ({"chembl_id": "CHEMBL1201585"}, "(chembl_id)::text ="),
    ({"unii": "P188ANX8CK"}, "(unii)::text ="),
    ({"ncit_code": "C1647"}, "(ncit_code)::text ="),
    ({"atc_code": "L01FD01"}, "(atc_code)::text ="),
    ({"rxnorm_cui": "224905"}, "(rxnorm_cui)::text ="),
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
    ({"year_min": "2022"}, "date >="),
    ({"year_max": "2022"}, "date <="),
    ({"pivotal_trial": "NCT03529110"}, "(nct_id)::text = 'NCT03529110'"),
    ({"pivotal_trial_phase": "phase_3"}, "(phase)::text ="),
    ({"pivotal_trial_endpoint": "os"}, "(endpoint)::text ="),
    ({"date_after": "2022-01-01", "date_before": "2022-12-31"}, "date >="),
    ({"designation": "breakthrough_therapy"}, "(designation)::text ="),
    ({"cdx": "ventana-her2-4b5"}, "(slug)::text = 'ventana-her2-4b5'"),
    ({"product": "enhertu-us"}, "(slug)::text = 'enhertu-us'"),
]
# The regulatory records: (filterset, queryset, parameters, condition).
REGULATORY_FILTERS = [
    (ProductFilterSet, Product.objects.for_api, {"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    (ProductFilterSet, Product.objects.for_api, {"agency": "EMA"}, "(agency)::text ="),
    (ProductFilterSet, Product.objects.for_api, {"brand_name": "Zercepac"}, "upper((brand_name)::text) ="),
    (CompanionDiagnosticFilterSet, CompanionDiagnostic.objects.for_api, {"agency": "FDA"}, "(agency)::text ="),
    (CompanionDiagnosticFilterSet, CompanionDiagnostic.objects.for_api, {"technology": "ihc"}, "(technology)::text ="),
    (
        CompanionDiagnosticFilterSet,
        CompanionDiagnostic.objects.for_api,
        {"scoring_rule": "her2_low"},
        "(scoring_rule)::text =",
    ),
    (CompanionDiagnosticFilterSet, CompanionDiagnostic.objects.for_api, {"drug": "trastuzumab"}, "(slug)::text ="),
    (LabelFilterSet, Label.objects.for_api, {"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    (LabelFilterSet, Label.objects.for_api, {"agency": "FDA"}, "(agency)::text ="),
    (LabelFilterSet, Label.objects.for_api, {"document": "dailymed_spl"}, "(document)::text ="),
    (LabelFilterSet, Label.objects.for_api, {"warning_kind": "boxed_warning"}, "(kind)::text ="),
    (LabelFilterSet, Label.objects.for_api, {"warning_topic": "cardiomyopathy"}, "(topic)::text ="),
    (LabelWarningFilterSet, LabelWarning.objects.all, {"drug": "trastuzumab"}, "(slug)::text = 'trastuzumab'"),
    (LabelWarningFilterSet, LabelWarning.objects.all, {"agency": "FDA"}, "(agency)::text ="),
    (LabelWarningFilterSet, LabelWarning.objects.all, {"kind": "boxed_warning"}, "(kind)::text ="),
    (LabelWarningFilterSet, LabelWarning.objects.all, {"topic": "cardiomyopathy"}, "(topic)::text ="),
    (RegulatoryEventFilterSet, RegulatoryEvent.objects.for_api, {"drug": "trastuzumab"}, "(slug)::text ="),
    (RegulatoryEventFilterSet, RegulatoryEvent.objects.for_api, {"agency": "EMA"}, "(agency)::text ="),
    (
        RegulatoryEventFilterSet,
        RegulatoryEvent.objects.for_api,
        {"event_type": "complete_response_letter"},
        "(event_type)::text =",
    ),
    (
        RegulatoryEventFilterSet,
        RegulatoryEvent.objects.for_api,
        {"date_after": "2020-01-01", "date_before": "2020-12-31"},
        "date >=",
    ),
]


@pytest.mark.parametrize(("params", "condition"), DRUG_FILTERS, ids=lambda value: str(value))
def test_drug_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(DrugFilterSet, params, Drug.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


@pytest.mark.parametrize(("params", "condition"), APPROVAL_FILTERS, ids=lambda value: str(value))
def test_approval_filter_is_answered_by_an_index(postgres, params, condition):
    queryset = filtered(ApprovalFilterSet, params, Approval.objects.for_api())

    assert answered_by_index(queryset, condition), index_lines(queryset)


@pytest.mark.parametrize(
    ("filterset_class", "queryset", "params", "condition"),
    REGULATORY_FILTERS,
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_regulatory_filter_is_answered_by_an_index(postgres, filterset_class, queryset, params, condition):
    filtered_queryset = filtered(filterset_class, params, queryset())

    assert answered_by_index(filtered_queryset, condition), index_lines(filtered_queryset)


def test_every_filter_is_covered_here():
    assert {name for params, _ in DRUG_FILTERS for name in params} == set(DrugFilterSet.base_filters)
    # The date range arrives as date_after/date_before.
    approval_params = {name.removesuffix("_after").removesuffix("_before") for p, _ in APPROVAL_FILTERS for name in p}
    assert approval_params == set(ApprovalFilterSet.base_filters)
    for filterset_class in (
        ProductFilterSet,
        CompanionDiagnosticFilterSet,
        LabelFilterSet,
        LabelWarningFilterSet,
        RegulatoryEventFilterSet,
    ):
        covered = {
            name.removesuffix("_after").removesuffix("_before")
            for klass, _, params, _ in REGULATORY_FILTERS
            if klass is filterset_class
            for name in params
        }
        assert covered == set(filterset_class.base_filters), filterset_class


@pytest.mark.parametrize(
    "fragment", ["search_document @@", joined_fragment("name"), joined_fragment("synonyms"), joined_fragment("slug")]
)
def test_search_is_answered_by_indexes(postgres, fragment):
    assert answered_by_index(Drug.objects.search("DS-8201"), fragment)


@pytest.mark.parametrize("fragment", ["upper((name)::text) ~~", "upper((brand_names)::text) ~~"])
def test_a_name_with_punctuation_is_matched_as_typed_through_indexes(postgres, fragment):
    assert answered_by_index(Drug.objects.search("pertuzumab, trastuzumab"), fragment)


@pytest.mark.parametrize("fragment", [joined_fragment("mechanism", text_column=True), joined_fragment("payload")])
def test_a_code_is_found_in_the_prose_through_indexes(postgres, fragment):
    # A code alone: its prose condition is an OR of its own, which a bitmap of both indexes answers. (With another
    # word beside it the planner may rightly read one index and test the rest on the few rows it finds.)
    assert answered_by_index(Drug.objects.search("DS8201"), fragment)


@pytest.mark.parametrize(
    "fragment",
    [
        "search_document @@",
        joined_fragment("indication", text_column=True),
        joined_fragment("line_of_therapy"),
    ],
)
def test_approval_search_reads_the_indication_through_indexes(postgres, fragment):
    assert answered_by_index(Approval.objects.search("HER2-low gastric"), fragment)
