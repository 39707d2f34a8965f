"""Public pages for drugs and approvals."""

import csv
from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.views.generic import DetailView, TemplateView

from her2kb import charts
from her2kb.api.renderers import csv_cell
from her2kb.cache import cached_for_data_version, cached_many_for_data_version
from her2kb.jsonld import drug_jsonld, jsonld_script
from her2kb.links import site_url
from her2kb.views import CachedContentMixin, FilteredListView

from .choices import Agency
from .filtersets import ApprovalFilterSet, CompanionDiagnosticFilterSet, DrugFilterSet, LandscapeForm
from .landscape import landscape_csv_rows, treatment_landscape
from .models import Approval, CompanionDiagnostic, Drug, drug_detail_lookups


class DrugListView(FilteredListView):
    """All drugs, grouped by class in the template, filtered by DrugFilterSet."""

    queryset = Drug.objects.for_list().by_class()
    filterset_class = DrugFilterSet


class DrugDetailView(CachedContentMixin, DetailView):
    """One drug: identity, mechanism, approvals (table and timeline), trials with results, references. The content
    is kept per drug and data version (CachedContentMixin)."""

    queryset = Drug.objects.all()
    content_template_name = "includes/_drug_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        drug = self.object
        context["structured_data"] = jsonld_script(drug_jsonld(drug, url=site_url(drug.get_absolute_url())))
        return context

    def get_content_context(self):
        drug = self.object
        prefetch_related_objects([drug], *drug_detail_lookups())
        approvals = sorted(drug.approvals.all(), key=lambda approval: (approval.date, approval.agency))
        rows = approval_rows([approval.pk for approval in approvals], per_drug=False)
        events = sorted(drug.events.all(), key=lambda event: (event.date, event.agency))
        agency_order = {agency: position for position, agency in enumerate(Agency.values)}
        labels = sorted(drug.labels.all(), key=lambda label: agency_order.get(label.agency, len(agency_order)))
        # A drug may play several roles in a trial only once (unique constraint), so no duplicates here.
        trial_roles = sorted(drug.trial_roles.all(), key=lambda role: (str(role.trial), role.role))
        return {
            "approvals": approvals,
            "approval_rows": rows,
            "events": events,
            "labels": labels,
            "boxed_labels": [label for label in labels if label.boxed_warnings],
            "brands": drug.brands,
            "trial_roles": trial_roles,
            "timeline": charts.responsive_timeline(
                [row.point for row in rows] + charts.timeline_points_from_events(events, row="agency"),
                title=f"Approvals and other regulatory decisions on {drug.name} over time, by agency",
            ),
        }


class ApprovalListView(FilteredListView):
    """Every approval across drugs, filtered by ApprovalFilterSet, 25 to a page (a card each on a phone: a hundred
    were some eighty screens long), with a timeline of the ones shown."""

    # The page's keys only: its rows and their dots on the timeline come from approval_rows, kept per data version.
    queryset = Approval.objects.only("pk").latest_first()
    filterset_class = ApprovalFilterSet
    form_fields = ("tumour_type", "her2_status", "agency", "setting", "drug_class", "approval_type", "year")
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # The agency filter says which agencies have nothing on record, instead of offering an empty list silently.
        self.agency_counts = cached_for_data_version(
            "approvals:count_by_agency", Approval.objects.count_by_agency, in_process=True
        )
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
        rows = approval_rows([approval.pk for approval in approvals], per_drug=True)
        context["approvals"] = approvals
        context["approval_rows"] = rows
        context["agencies_without_records"] = [
            (code, label) for code, label in Agency.choices if not self.agency_counts.get(code)
        ]
        chosen = self.request.GET.get("agency", "")
        context["chosen_agency"] = (chosen, dict(Agency.choices)[chosen]) if chosen in Agency.values else None
        context["timeline"] = charts.responsive_timeline(
            [row.point for row in rows], title="Approvals over time, one row per drug, coloured by agency"
        )
        return context


@dataclass(frozen=True)
class ApprovalRow:
    """One approval as the approvals table and its timeline show it: the table's row and the timeline's dot."""

    html: str
    point: charts.TimelinePoint


def approval_rows(pks: list[int], *, per_drug: bool) -> list[ApprovalRow]:
    """
    The approvals `pks`, in that order, as rows of the approvals table (`includes/_approval_row.html`) with their dots
    on the timeline: `per_drug` for the list of every approval (a drug column, a timeline row per drug), else as a
    drug's page shows them (a timeline row per agency).

    Each is rendered once per data version and kept in the cache: the approvals a page shares with others (the newest
    of each filter, a drug's on its page and in the list) are not fetched and rendered again for every filter, order
    and page. Those not in the cache are fetched together (`for_table_rows()`): constant queries.
    """
    template = get_template("includes/_approval_row.html")

    def render(positions: list[int]) -> list[ApprovalRow | None]:
        wanted = [pks[position] for position in positions]
        fetched = Approval.objects.for_table_rows().in_bulk(wanted)
        rows: list[ApprovalRow | None] = []
        for pk in wanted:
            approval = fetched.get(pk)
            if approval is None:  # deleted since the page found it: the edit has changed the data version
                rows.append(None)
                continue
            (point,) = charts.timeline_points_from_approvals([approval], row="drug" if per_drug else "agency")
            rows.append(ApprovalRow(template.render({"approval": approval, "show_drug": per_drug}), point))
        return rows

    names = [f"approval-row:{pk}:{'per-drug' if per_drug else 'per-agency'}" for pk in pks]
    return [row for row in cached_many_for_data_version(names, render) if row is not None]


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
