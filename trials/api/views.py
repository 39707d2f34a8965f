"""Read-only API endpoints for trials and outcomes."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, viewsets

from drugs.filtersets import ApprovalFilterSet
from drugs.models import Approval
from her2kb.api.pagination import ApiCursorPagination, ApiPagination
from her2kb.api.views import ApiViewMixin, JSONLDDetailMixin
from her2kb.jsonld import trial_jsonld
from her2kb.validators import validate_nct_id
from trials.filtersets import OutcomeFilterSet, TrialFilterSet
from trials.models import Outcome, Trial

from .serializers import EvidenceRowSerializer, OutcomeSerializer, TrialSerializer

IDENTIFIER_PARAMETER = OpenApiParameter(
    "identifier",
    str,
    OpenApiParameter.PATH,
    description="The trial's NCT number (e.g. NCT01234567, any case), or its slug for trials without one.",
)


@extend_schema_view(retrieve=extend_schema(parameters=[IDENTIFIER_PARAMETER]))
class TrialViewSet(JSONLDDetailMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    Clinical trials of HER2-targeted drugs: design, drugs and their roles, outcomes, the approvals
    they supported and their publications.
    """

    jsonld_builder = trial_jsonld
    queryset = Trial.objects.for_api()
    serializer_class = TrialSerializer
    filterset_class = TrialFilterSet
    pagination_class = ApiPagination
    lookup_field = "identifier"
    lookup_value_regex = "[^/]+"
    search_fields = ["acronym", "title", "nct_id", "sponsor"]
    ordering_fields = {"acronym": "acronym", "nct_id": "nct_id", "start_date": "start_date", "phase": "phase"}
    ordering = ["acronym", "nct_id"]

    def get_object(self) -> Trial:
        identifier = self.kwargs["identifier"]
        if identifier.upper().startswith("NCT"):
            try:
                validate_nct_id(identifier.upper())
            except DjangoValidationError as invalid:
                # A 404 rather than a 400: any text is a valid identifier in the URL (a slug), it just
                # names no trial — but say why, since it was probably meant as an NCT number.
                raise exceptions.NotFound(f"No trial '{identifier}'. {invalid.messages[0]}") from invalid
        try:
            trial = self.get_queryset().get_by_identifier(identifier)
        except Trial.DoesNotExist as missing:
            raise exceptions.NotFound(f"No trial with the NCT number or slug '{identifier}'.") from missing
        self.check_object_permissions(self.request, trial)
        return trial


class OutcomeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Published results of trial endpoints: medians or rates per arm, hazard ratios with 95% CIs."""

    queryset = Outcome.objects.for_api()
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["endpoint_label", "population", "analysis", "trial__acronym"]
    ordering_fields = {"trial": "trial__acronym", "endpoint": "endpoint", "hazard_ratio": "hazard_ratio"}
    ordering = ["trial__acronym", "-is_primary", "endpoint", "population", "analysis"]


class EvidenceCursorPagination(ApiCursorPagination):
    # Rows are ordered by approval, then outcome: DRF's cursor keeps its place among rows of one approval.
    ordering = ("approval_pk", "pk")


class EvidenceView(ApiViewMixin, generics.ListAPIView):
    """
    Evidence rows: one flat row per approval × pivotal trial × primary outcome, filtered with the approvals' filters.

    Example: HER2-low approvals since 2022 with the pivotal trial's primary hazard ratio, in one call —
    `/api/v1/evidence/?her2_category=low_or_ultralow&date_after=2022-01-01`.
    """

    basename = "evidence"
    queryset = Approval.objects.all()
    serializer_class = EvidenceRowSerializer
    filterset_class = ApprovalFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    pagination_class = EvidenceCursorPagination

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return Outcome.objects.evidence_for(super().filter_queryset(queryset))
