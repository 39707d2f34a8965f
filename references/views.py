"""Public pages for the literature."""

from django.db.models import prefetch_related_objects
from django.views.generic import DetailView

from her2kb.jsonld import jsonld_script, reference_jsonld
from her2kb.links import site_url
from her2kb.views import CachedContentMixin, FilteredListView

from .filtersets import ReferenceFilterSet
from .models import Reference, reference_detail_lookups


class ReferenceListView(FilteredListView):
    """The citation list, filtered by ReferenceFilterSet, 50 to a page."""

    queryset = Reference.objects.for_list()
    filterset_class = ReferenceFilterSet
    form_fields = ("q", "year", "journal", "retracted")
    paginate_by = 50


class ReferenceDetailView(CachedContentMixin, DetailView):
    """One publication: bibliographic record, abstract, links out, retraction/erratum, where it is cited. The content
    is kept per reference and data version (CachedContentMixin)."""

    model = Reference
    slug_field = "pmid"
    slug_url_kwarg = "pmid"
    content_template_name = "includes/_reference_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reference = self.object
        context["structured_data"] = jsonld_script(
            reference_jsonld(reference, url=site_url(reference.get_absolute_url()))
        )
        return context

    def get_content_context(self):
        prefetch_related_objects([self.object], *reference_detail_lookups())
        return {}
