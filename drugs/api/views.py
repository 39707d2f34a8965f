"""Read-only API endpoints for drugs and approvals."""

from rest_framework import viewsets

from drugs.filtersets import ApprovalFilterSet, DrugFilterSet
from drugs.models import Approval, Drug
from her2kb.api.pagination import ApiPagination
from her2kb.api.views import ApiViewMixin

from .serializers import ApprovalSerializer, DrugSerializer


class DrugViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    HER2-targeted drugs: antibodies, bispecifics, antibody–drug conjugates and kinase inhibitors, with
    their approvals, the trials they are studied in and the literature behind them.
    """

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
    `/api/v1/approvals/?agency=FDA&drug_class=adc&date_after=2019-01-01&format=csv`.
    """

    queryset = Approval.objects.for_api()
    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilterSet
    pagination_class = ApiPagination
    lookup_value_regex = "[^/]+"
    search_fields = ["indication", "drug__name", "line_of_therapy"]
    ordering_fields = {"date": "date", "drug": "drug__name", "agency": "agency"}
    ordering = ["-date", "drug__name"]
