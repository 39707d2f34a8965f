"""Project-wide pages (home, about, search, the health check) and the base view of every filtered list."""

from django.db.models import Count
from django.forms import NullBooleanSelect
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView
from django_filters.views import FilterView

from drugs.choices import DrugClass
from drugs.models import Approval, Drug
from references.models import Reference
from trials.models import Trial

from .search import search_everything


class FilteredListView(FilterView):
    """
    A list page filtered by the app's FilterSet (the same one the API uses).

    Invalid filter values (an unknown class, a year that is not a number) show the form's errors, list
    nothing and answer 400, never 500. Templates are the usual `<app>/<model>_list.html`.
    """

    template_name_suffix = "_list"
    # The filters the page's form shows, in this order (None: all of them).
    form_fields: tuple[str, ...] | None = None

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # "Any" rather than Django's "Unknown" for a yes/no filter that is not set (choice filters get
        # "Any" from settings.FILTERS_EMPTY_CHOICE_LABEL).
        for field in filterset.form.fields.values():
            if isinstance(field.widget, NullBooleanSelect):
                field.widget.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]
        return filterset

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if self.filterset.is_bound and not self.filterset.is_valid():
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        # The form's fields in the page's order; those not listed still work from a URL, as in the API.
        context["filter_fields"] = [form[name] for name in self.form_fields] if self.form_fields else list(form)
        paginator = context.get("paginator")
        context["result_count"] = paginator.count if paginator else len(context["object_list"])
        # Whether any filter is set, so the page can offer "clear filters" and say what it shows.
        context["is_filtered"] = any(
            value not in ("", None) for name, value in self.request.GET.items() if name != self.page_kwarg
        )
        return context


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = {
            "drugs": Drug.objects.count(),
            "approvals": Approval.objects.count(),
            "trials": Trial.objects.count(),
            "references": Reference.objects.count(),
        }
        class_counts = dict(Drug.objects.values_list("drug_class").annotate(n=Count("pk")).order_by())
        context["drug_classes"] = [
            (value, label, class_counts[value]) for value, label in DrugClass.choices if value in class_counts
        ]
        context["indications"] = Approval.objects.indications()
        context["latest_approvals"] = Approval.objects.for_list().latest_first()[:8]
        return context


class AboutView(TemplateView):
    template_name = "about.html"


class SearchView(TemplateView):
    """One search box across drugs, trials and references (the API's search uses the same service)."""

    template_name = "search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.request.GET.get("q", "")
        context["results"] = search_everything(context["query"])
        return context


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe that touches nothing: the framework's floor in the benchmark."""
    return HttpResponse("ok", content_type="text/plain")
