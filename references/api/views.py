"""Read-only API endpoints for the literature, with citation downloads (BibTeX, RIS, CSL-JSON)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, renderers, viewsets

from her2kb.api.pagination import ApiCursorPagination
from her2kb.api.parameters import python_pattern
from her2kb.api.renderers import CSVRenderer
from her2kb.api.views import ApiViewMixin, JSONLDDetailMixin
from her2kb.jsonld import reference_jsonld
from her2kb.validators import PMID_PATTERN
from references.filtersets import ReferenceFilterSet
from references.models import Reference

from .renderers import BibTeXRenderer, CSLJSONRenderer, RISRenderer
from .serializers import ReferenceSerializer

PMID_RE = python_pattern(PMID_PATTERN)
PMID_PARAMETER = OpenApiParameter(
    "pmid", {"type": "string", "pattern": PMID_PATTERN}, OpenApiParameter.PATH, description="PubMed identifier."
)


@extend_schema_view(retrieve=extend_schema(parameters=[PMID_PARAMETER]))
class ReferenceViewSet(JSONLDDetailMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """
    The publications behind every claim, kept true to PubMed (retractions and errata included).

    Citations download with `?format=bibtex`, `ris` or `csljson`, on a single reference or on any
    filtered list — e.g. every reference of one trial: `/api/v1/references/?trial=NCT01234567&format=bibtex`.
    The list is cursor-paginated (follow `next`); file formats hold every matching reference.
    """

    jsonld_builder = reference_jsonld
    queryset = Reference.objects.for_api()
    serializer_class = ReferenceSerializer
    filterset_class = ReferenceFilterSet
    pagination_class = ApiCursorPagination
    renderer_classes = [renderers.JSONRenderer, CSVRenderer, BibTeXRenderer, RISRenderer, CSLJSONRenderer]
    lookup_field = "pmid"
    lookup_value_regex = "[^/]+"
    search_fields = ["title", "abstract", "journal"]
    # Cursor pagination needs a unique ordering key: the PMID as a number (roughly newest first).
    ordering_fields = {"pmid": "pmid_number"}
    ordering = ["-pmid_number"]
    ordering_tiebreaker = "pmid_number"

    def get_object(self) -> Reference:
        if not PMID_RE.search(self.kwargs["pmid"]):
            raise exceptions.ValidationError({"pmid": ["A PMID is 1 to 9 digits with no leading zero, e.g. 12345678."]})
        return super().get_object()
