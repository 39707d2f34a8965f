"""Public pages for trials."""

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.views.generic import DetailView

from her2kb import charts
from her2kb.jsonld import jsonld_script, trial_jsonld
from her2kb.links import site_url
from her2kb.views import CachedContentMixin, FilteredListView

from .filtersets import TrialFilterSet
from .models import Trial, trial_detail_lookups


class TrialListView(FilteredListView):
    """Trials filtered by TrialFilterSet, 50 to a page."""

    queryset = Trial.objects.for_list()
    filterset_class = TrialFilterSet
    form_fields = ("q", "phase", "status", "tumour_type", "her2_category")
    paginate_by = 50


class TrialDetailView(CachedContentMixin, DetailView):
    """One trial, found by NCT number or slug: design, drugs, results with a forest plot, references. The content is
    kept per trial and data version (CachedContentMixin)."""

    model = Trial
    content_template_name = "includes/_trial_detail.html"

    def get_object(self, queryset=None) -> Trial:
        try:
            return Trial.objects.get_by_identifier(self.kwargs["identifier"])
        except Trial.DoesNotExist as missing:
            raise Http404("No trial with this NCT number or name.") from missing

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trial = self.object
        context["structured_data"] = jsonld_script(trial_jsonld(trial, url=site_url(trial.get_absolute_url())))
        return context

    def get_content_context(self):
        trial = self.object
        prefetch_related_objects([trial], *trial_detail_lookups())
        outcomes = list(trial.outcomes.all())
        return {
            "outcomes": outcomes,
            "forest_plot": charts.responsive_forest_plot(
                charts.forest_rows_from_outcomes(outcomes),
                title=f"Hazard ratios in {trial.acronym or trial.nct_id or trial.slug}, with 95% confidence intervals",
            ),
        }
