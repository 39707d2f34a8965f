"""The base views of the public pages: every filtered list page, and the pages whose content is kept per record."""

from typing import Any

from django.forms import NullBooleanSelect, NumberInput, TextInput
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_filters.views import FilterView

from .cache import cached_for_data_version
from .paginators import DataVersionPaginator


class FilteredListView(FilterView):
    """
    A list page filtered by the app's FilterSet (the same one the API uses).

    Invalid filter values (an unknown class, a year that is not a number) show the form's errors, list
    nothing and answer 400, never 500. Templates are the usual `<app>/<model>_list.html`.
    """

    template_name_suffix = "_list"
    paginator_class = DataVersionPaginator
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
        # A number field re-shown with what was typed ("not-a-year") cannot stay type="number": that value is
        # invalid HTML there, and browsers would show it empty. A text field with a numeric keyboard keeps it.
        for name in form.errors:
            field = form.fields.get(name)
            if field is not None and isinstance(field.widget, NumberInput):
                attrs = {key: value for key, value in field.widget.attrs.items() if key not in ("min", "max", "step")}
                field.widget = TextInput(attrs={**attrs, "inputmode": "numeric"})
        # The form's fields in the page's order; those not listed still work from a URL, as in the API.
        context["filter_fields"] = [form[name] for name in self.form_fields] if self.form_fields else list(form)
        paginator = context.get("paginator")
        context["result_count"] = paginator.count if paginator else len(context["object_list"])
        # Whether any filter is set, so the page can offer "clear filters" and say what it shows.
        context["is_filtered"] = any(
            value not in ("", None) for name, value in self.request.GET.items() if name != self.page_kwarg
        )
        return context


class CachedContentMixin:
    """
    A page whose main content is rendered once per data version and kept in the cache (`cached_for_data_version`),
    under `content_key()`: the page's template shows it as `{{ content }}`.

    The response cache keys on the whole address, and a visit it has not seen (another query string, the benchmark's
    cold mode, the response cache off) renders everything again; the content is the same for every address of one
    record (a trial by NCT number or by slug), so it is kept per record. A curator's edit changes the data version,
    so an edited record shows at once, as with the response cache.

    The view's queryset fetches the record alone (what the page's title and structured data read);
    `get_content_context()` fetches and computes what the content shows, only when it is rendered.
    `content_template_name` is a partial (no `{% extends %}`) rendered with the page's context and that.
    """

    content_template_name: str = ""

    def content_key(self) -> str:
        """The content's name in the cache: the template and, on a record's page, the record."""
        record = getattr(self, "object", None)
        return f"content:{self.content_template_name}:{record.pk if record is not None else ''}"

    def get_content_context(self) -> dict[str, Any]:
        """What the content shows beyond the page's context: computed only when the content is rendered."""
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)

        def render() -> str:
            content_context = {**context, **self.get_content_context()}
            return render_to_string(self.content_template_name, content_context, request=self.request)

        context["content"] = cached_for_data_version(self.content_key(), render)
        return context
