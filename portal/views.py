"""The site-wide pages: home, about, search across every kind of record, and the health check."""

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from drugs.choices import DrugClass
from drugs.models import Approval, Drug, FdaWatchRun
from her2kb.cache import cached_for_data_version
from her2kb.missing import missing_list, missing_list_names
from her2kb.models import SourceCheck
from her2kb.validators import SEARCH_MAX_LENGTH, search_text_problem
from her2kb.views import CachedContentMixin
from references.models import LiteratureWatchRun, Reference, SyncRun
from trials.models import RegistrySyncRun, Trial

from .search import search_everything


class HomeView(CachedContentMixin, TemplateView):
    """The front page: what the knowledge base holds, approvals by indication, drug classes, the latest approvals.
    Its content is kept per data version (CachedContentMixin): nothing on it depends on the address."""

    template_name = "home.html"
    content_template_name = "includes/_home.html"

    def get_content_context(self):
        # Counting every table is the page's dearest part: done once per data version, not per request, and shared
        # with whatever else shows the counts.
        return {
            **cached_for_data_version("home:summary", home_summary),
            "latest_approvals": Approval.objects.select_related("drug").latest_first()[:8],
            "source_checks": site_source_checks(),
        }


def home_summary() -> dict:
    """The home page's counts: records of each kind, drugs per class, approvals per indication."""
    class_counts = dict(Drug.objects.values_list("drug_class").annotate(n=Count("pk")).order_by())
    return {
        "counts": {
            "drugs": Drug.objects.count(),
            "approvals": Approval.objects.count(),
            "trials": Trial.objects.count(),
            "references": Reference.objects.count(),
        },
        "drug_classes": [
            (value, label, class_counts[value]) for value, label in DrugClass.choices if value in class_counts
        ],
        "indications": Approval.objects.indications(),
    }


def site_source_checks() -> list[SourceCheck]:
    """When each upstream last answered a sync or watcher run (the latest that reached it), for the whole site."""
    pubmed = [checked for checked in (SyncRun.last_checked_at(), LiteratureWatchRun.last_checked_at()) if checked]
    return [
        SourceCheck("Registry", RegistrySyncRun.last_checked_at()),
        SourceCheck("PubMed", max(pubmed) if pubmed else None),
        SourceCheck("FDA", FdaWatchRun.last_checked_at()),
    ]


class AboutView(TemplateView):
    template_name = "about.html"


class MissingListView(TemplateView):
    """What the dataset is known to lack for one agency or area, as its curators listed it in data/missing/."""

    template_name = "missing.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listed = missing_list(kwargs["name"])
        if listed is None:
            raise Http404("No list of missing records by that name.")
        context.update(missing=listed, names=missing_list_names())
        return context


class SearchView(TemplateView):
    """One search box across drugs, trials and references (the API's search uses the same service)."""

    template_name = "search.html"
    # What the page cache may key on (her2kb.middleware.known_query_parameters): any other parameter is not cached.
    cached_query_parameters = ("q",)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        query = request.GET.get("q", "")
        problem = search_text_problem(query)
        if problem is not None:
            # Too long or too many words: say so with the form to try again, and search nothing.
            return self.render_to_response({"query": query[:SEARCH_MAX_LENGTH], "problem": problem}, status=400)
        return self.render_to_response({"query": query, "results": search_everything(query)})


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe that touches nothing: the framework's floor in the benchmark."""
    return HttpResponse("ok", content_type="text/plain")
