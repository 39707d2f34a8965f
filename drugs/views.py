"""Public pages for drugs and approvals."""

import csv

from django.http import HttpRequest, HttpResponse
from django.views.generic import DetailView, TemplateView

from her2kb import charts
from her2kb.api.renderers import csv_cell
from her2kb.cache import cached_for_data_version
from her2kb.jsonld import drug_jsonld, jsonld_script
from her2kb.links import site_url
from her2kb.views import FilteredListView

from .choices import Agency
from .filtersets import ApprovalFilterSet, CompanionDiagnosticFilterSet, DrugFilterSet, LandscapeForm
from .landscape import landscape_csv_rows, treatment_landscape
from .models import Approval, CompanionDiagnostic, Drug


class DrugListView(FilteredListView):
    """All drugs, grouped by class in the template, filtered by DrugFilterSet."""

    queryset = Drug.objects.for_list().by_class()
    filterset_class = DrugFilterSet


class DrugDetailView(DetailView):
    """One drug: identity, mechanism, approvals (table and timeline), trials with results, references."""

    queryset = Drug.objects.for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        drug = self.object
        approvals = sorted(drug.approvals.all(), key=lambda approval: (approval.date, approval.agency))
        events = sorted(drug.events.all(), key=lambda event: (event.date, event.agency))
        agency_order = {agency: position for position, agency in enumerate(Agency.values)}
        labels = sorted(drug.labels.all(), key=lambda label: agency_order.get(label.agency, len(agency_order)))
        # A drug may play several roles in a trial only once (unique constraint), so no duplicates here.
        trial_roles = sorted(drug.trial_roles.all(), key=lambda role: (str(role.trial), role.role))
        context.update(
            approvals=approvals,
            events=events,
            labels=labels,
            boxed_labels=[label for label in labels if label.boxed_warnings],
            brands=drug.brands,
            trial_roles=trial_roles,
            timeline=charts.responsive_timeline(
                charts.timeline_points_from_approvals(approvals, row="agency")
                + charts.timeline_points_from_events(events, row="agency"),
                title=f"Approvals and other regulatory decisions on {drug.name} over time, by agency",
            ),
            structured_data=jsonld_script(drug_jsonld(drug, url=site_url(drug.get_absolute_url()))),
        )
        return context


class ApprovalListView(FilteredListView):
    """Every approval across drugs, filtered by ApprovalFilterSet, 25 to a page (a card each on a phone: a hundred
    were some eighty screens long), with a timeline of the ones shown."""

    queryset = Approval.objects.for_list().with_pivotal_results().latest_first()
    filterset_class = ApprovalFilterSet
    form_fields = ("tumour_type", "her2_status", "agency", "setting", "drug_class", "approval_type", "year")
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # The agency filter says which agencies have nothing on record, instead of offering an empty list silently.
        self.agency_counts = cached_for_data_version("approvals:count_by_agency", Approval.objects.count_by_agency)
        field = filterset.form.fields["agency"]
        field.choices = [
            (code, label if not code else f"{label} ({self.agency_counts.get(code, 0)})")
            if not code or self.agency_counts.get(code)
            else (code, f"{label}: no approval on record")
            for code, label in field.choices
        ]
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        approvals = list(context["object_list"])
        context["approvals"] = approvals
        context["agencies_without_records"] = [
            (code, label) for code, label in Agency.choices if not self.agency_counts.get(code)
        ]
        chosen = self.request.GET.get("agency", "")
        context["chosen_agency"] = (chosen, dict(Agency.choices)[chosen]) if chosen in Agency.values else None
        context["timeline"] = charts.responsive_timeline(
            charts.timeline_points_from_approvals(approvals, row="drug"),
            title="Approvals over time, one row per drug, coloured by agency",
        )
        return context


class CompanionDiagnosticListView(FilteredListView):
    """Every companion diagnostic decision, with the approvals whose patients it selects."""

    queryset = CompanionDiagnostic.objects.for_list()
    filterset_class = CompanionDiagnosticFilterSet
    form_fields = ("scoring_rule", "technology", "agency")


class LandscapeView(TemplateView):
    """The treatment landscape (drugs/landscape.py) of the tumour and HER2 status chosen in the address's GET
    parameters; without a choice, the form and the indications on record. `?format=csv` downloads the table."""

    template_name = "drugs/landscape.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        chosen = any(request.GET.get(name) for name in LandscapeForm.base_fields)
        form = LandscapeForm(request.GET if chosen else None)
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        landscape = None
        if form.is_bound:
            landscape = treatment_landscape(
                tumour_type=form.cleaned_data["tumour"],
                her2_status=form.cleaned_data["her2"],
                setting=form.cleaned_data["setting"],
            )
            if request.GET.get("format") == "csv":
                return landscape_csv_response(landscape)
        return self.render_to_response(self.get_context_data(form=form, landscape=landscape))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["indications"] = Approval.objects.indications()
        return context


def landscape_csv_response(landscape) -> HttpResponse:
    """The landscape as a CSV download, every cell through the project's one CSV-cell rule (`csv_cell`)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "-".join(
        part for part in ("landscape", landscape.tumour_type, landscape.her2_status, landscape.setting) if part
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    for row in landscape_csv_rows(landscape):
        writer.writerow([csv_cell(value) for value in row])
    return response
