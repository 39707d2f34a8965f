"""Read-only API endpoints for drugs and approvals."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, renderers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drugs.filtersets import (
    ApprovalFilterSet,
    CompanionDiagnosticFilterSet,
    DrugFilterSet,
    LabelFilterSet,
    LabelWarningFilterSet,
    LandscapeForm,
    ProductFilterSet,
    RegulatoryEventFilterSet,
)
from drugs.landscape import treatment_landscape
from drugs.models import Approval, CompanionDiagnostic, Drug, Label, LabelWarning, Product, RegulatoryEvent
from her2kb.api.pagination import ApiPagination
from her2kb.api.views import ApiViewMixin, JSONLDDetailMixin
from her2kb.jsonld import drug_jsonld

from .serializers import (
    ApprovalSerializer,
    CompanionDiagnosticSerializer,
    DrugSerializer,
    LabelSerializer,
    LandscapeSerializer,
    ProductSerializer,
    RegulatoryEventSerializer,
    WarningSerializer,
)


class DrugViewSet(JSONLDDetailMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    HER2-targeted drugs: antibodies, bispecifics, antibody–drug conjugates and kinase inhibitors, with
    their approvals, the trials they are studied in and the literature behind them.
    """

    jsonld_builder = drug_jsonld
    queryset = Drug.objects.for_api()
    serializer_class = DrugSerializer
    filterset_class = DrugFilterSet
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    search_fields = ["name", "brand_names", "synonyms", "mechanism"]
    ordering_fields = {"name": "name", "drug_class": "drug_class", "development_status": "development_status"}
    ordering = ["name"]


class ApprovalViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    Regulatory approvals: one agency authorising one drug for one indication on one date.

    Example: every FDA approval of an antibody–drug conjugate since 2019, as CSV —
    `/api/v1/approvals/?agency=FDA&drug_class=adc&date_after=2019-01-01&format=csv`; the approvals a companion
    diagnostic selects patients for — `?cdx=<diagnostic slug>`; those granted breakthrough therapy designation —
    `?designation=breakthrough_therapy`.
    """

    queryset = Approval.objects.for_api()
    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["indication", "drug__name", "line_of_therapy"]
    ordering_fields = {"date": "date", "drug": "drug__name", "agency": "agency"}
    ordering = ["-date", "drug__name"]


class ProductViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    Products: one molecule under each brand an agency authorised, with its marketing-authorisation holder.

    Example: every brand of trastuzumab-strf — `/api/v1/products/?drug=trastuzumab-strf`.
    """

    queryset = Product.objects.for_api()
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    search_fields = ["brand_name", "drug__name", "holder"]
    ordering_fields = {"brand_name": "brand_name", "agency": "agency", "drug": "drug__name"}
    ordering = ["brand_name", "agency"]


class CompanionDiagnosticViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    Companion diagnostics: each agency decision authorising a test, the rule it scores patients by, and the
    approvals whose patients it selects.

    Example: the tests that select HER2-ultralow breast cancer — `/api/v1/diagnostics/?scoring_rule=her2_ultralow`.
    """

    queryset = CompanionDiagnostic.objects.for_api()
    serializer_class = CompanionDiagnosticSerializer
    filterset_class = CompanionDiagnosticFilterSet
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    search_fields = ["name", "manufacturer", "specimen", "decision_number", "scoring_rule_text"]
    ordering_fields = {"name": "name", "date": "date", "agency": "agency"}
    ordering = ["name", "agency", "date"]


class LabelViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    Labels: each drug's current label / product information at each agency, with its revision and the boxed
    warnings, warnings and contraindications it states (quoted, with section and source).
    """

    queryset = Label.objects.for_api()
    serializer_class = LabelSerializer
    filterset_class = LabelFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["drug__name", "warnings__statement"]
    ordering_fields = {"drug": "drug__name", "agency": "agency"}
    ordering = ["drug__name", "agency"]


class LabelWarningViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    The labels' warnings one by one (a row each in CSV).

    Example: trastuzumab's boxed warnings — `/api/v1/warnings/?drug=trastuzumab&kind=boxed_warning`.
    """

    queryset = LabelWarning.objects.select_related("label__drug")
    serializer_class = WarningSerializer
    filterset_class = LabelWarningFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["statement", "label__drug__name"]
    ordering_fields = {"drug": "label__drug__name", "kind": "kind", "topic": "topic"}
    ordering = ["label__drug__name", "label__agency", "position"]


class RegulatoryEventViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    The regulatory life beyond approvals: complete response letters, negative opinions and refusals, withdrawals,
    interchangeability designations, label and boxed-warning changes.

    Example: every complete response letter — `/api/v1/events/?event_type=complete_response_letter`.
    """

    queryset = RegulatoryEvent.objects.for_api()
    serializer_class = RegulatoryEventSerializer
    filterset_class = RegulatoryEventFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["description", "indication", "drug__name"]
    ordering_fields = {"date": "date", "drug": "drug__name", "agency": "agency"}
    ordering = ["-date", "drug__name"]


def _choice_parameter(form_field, description: str) -> dict:
    return {
        "schema": {"type": "string", "enum": [value for value, _label in form_field.choices if value]},
        "description": description,
        "required": form_field.required,
    }


class LandscapeView(ApiViewMixin, APIView):
    """
    The treatment landscape: for one tumour type and HER2 status, every approved drug (one row per drug and
    setting) with a cell per agency — each approval's date, type, designations and companion diagnostics — and the
    pivotal trials with their primary results. An empty cell means no approval is on record (which is not the same
    as "not approved"); it links the agency's list of what is known to be missing.

    Example: HER2-low breast cancer — `/api/v1/landscape/?tumour=breast&her2=low`.
    """

    renderer_classes = [renderers.JSONRenderer]
    extra_query_parameters = {
        "tumour": _choice_parameter(LandscapeForm.base_fields["tumour"], "Tumour type (required)."),
        "her2": _choice_parameter(
            LandscapeForm.base_fields["her2"],
            "The patient's HER2 status (required): `low` includes approvals for HER2-low or HER2-ultralow.",
        ),
        "setting": _choice_parameter(LandscapeForm.base_fields["setting"], "Only this setting (optional)."),
    }

    @extend_schema(responses=LandscapeSerializer)
    def get(self, request: Request) -> Response:
        form = LandscapeForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        landscape = treatment_landscape(
            tumour_type=form.cleaned_data["tumour"],
            her2_status=form.cleaned_data["her2"],
            setting=form.cleaned_data["setting"],
        )
        return Response(LandscapeSerializer(landscape, context={"request": request}).data)
