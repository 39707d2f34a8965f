"""The base view of every filtered list page (each app's list pages build on it)."""

from django.forms import NullBooleanSelect, NumberInput, TextInput
from django.http import HttpRequest, HttpResponse
from django_filters.views import FilterView

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
