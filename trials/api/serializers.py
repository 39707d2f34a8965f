"""API representations of trials and outcomes: the records' fields, related records as compact summaries."""

from typing import Any

from rest_framework import serializers

from drugs.api.serializers import LandscapeResultSerializer
from drugs.choices import Agency, Her2Category, TherapySetting, TumourType
from her2kb.api.fields import (
    ApiLinkField,
    ApiModelSerializer,
    DrugSummarySerializer,
    FastRepresentationMixin,
    HtmlLinkField,
    ReferenceSummarySerializer,
    StringListField,
    TrialSummarySerializer,
    blank_as_null,
    optional_choice,
    optional_text,
    trial_identifier,
)
from trials.choices import TrialPhase
from trials.models import Outcome, OutcomeSource, Trial, TrialDrug


class TrialDrugSerializer(FastRepresentationMixin, ApiModelSerializer):
    """A drug studied in a trial, with its role there."""

    drug = DrugSummarySerializer(read_only=True)

    class Meta:
        model = TrialDrug
        fields = ["drug", "role"]


class OutcomeSummarySerializer(FastRepresentationMixin, ApiModelSerializer):
    """An outcome as it appears inside a trial."""

    url = ApiLinkField("outcome-detail", "pk", lambda outcome: outcome.pk)

    class Meta:
        model = Outcome
        fields = ["id", "endpoint", "endpoint_label", "is_primary", "population", "analysis", "url"]


class SupportedApprovalSerializer(FastRepresentationMixin, serializers.Serializer):
    """An approval a trial was pivotal for."""

    id = serializers.IntegerField(read_only=True)
    drug = serializers.CharField(source="drug.slug", read_only=True, help_text="The approved drug's slug.")
    agency = serializers.CharField(read_only=True)
    date = serializers.DateField(read_only=True)
    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)

    class Meta:
        ref_name = "SupportedApproval"


class TrialSerializer(FastRepresentationMixin, ApiModelSerializer):
    identifier = serializers.SerializerMethodField(help_text="NCT number, or the slug for trials without one.")
    url = ApiLinkField("trial-detail", "identifier", trial_identifier)
    html_url = HtmlLinkField()
    clinicaltrials_gov_url = blank_as_null(serializers.URLField)(
        read_only=True, allow_null=True, help_text="Null for trials without an NCT number."
    )
    conditions = StringListField()
    arms = StringListField()
    drugs = TrialDrugSerializer(source="listed_trial_drugs", many=True, read_only=True)
    outcomes = OutcomeSummarySerializer(source="listed_outcomes", many=True, read_only=True)
    supported_approvals = SupportedApprovalSerializer(source="listed_supported_approvals", many=True, read_only=True)
    references = ReferenceSummarySerializer(source="listed_references", many=True, read_only=True)
    sources = StringListField()

    class Meta:
        model = Trial
        fields = [
            "identifier",
            "nct_id",
            "slug",
            "acronym",
            "url",
            "html_url",
            "clinicaltrials_gov_url",
            "title",
            "phase",
            "status",
            "start_date",
            "primary_completion_date",
            "completion_date",
            "sponsor",
            "conditions",
            "enrollment",
            "tumour_type",
            "her2_category",
            "design",
            "arms",
            "drugs",
            "primary_endpoint",
            "outcomes",
            "supported_approvals",
            "references",
            "sources",
            "notes",
            "updated_at",
        ]

    def get_identifier(self, trial: Trial) -> str:
        return trial_identifier(trial)


class OutcomeSourceSerializer(ApiModelSerializer):
    """Evidence for an outcome that is not a PubMed article: a label section, an assessment report, a conference
    abstract or a registry results page."""

    class Meta:
        model = OutcomeSource
        fields = ["kind", "url", "title", "section", "meeting", "abstract_number", "doi"]


class OutcomeSerializer(FastRepresentationMixin, ApiModelSerializer):
    url = ApiLinkField("outcome-detail", "pk", lambda outcome: outcome.pk)
    html_url = HtmlLinkField()
    trial = TrialSummarySerializer(read_only=True)
    references = ReferenceSummarySerializer(source="listed_references", many=True, read_only=True)
    sources = OutcomeSourceSerializer(many=True, read_only=True, help_text="Evidence other than PubMed articles.")

    class Meta:
        model = Outcome
        fields = [
            "id",
            "url",
            "html_url",
            "trial",
            "endpoint",
            "endpoint_label",
            "is_primary",
            "population",
            "analysis",
            "data_cutoff",
            "experimental_arm",
            "control_arm",
            "experimental_value",
            "control_value",
            "value_unit",
            "timepoint",
            "hazard_ratio",
            "ci_lower",
            "ci_upper",
            "p_value",
            "references",
            "sources",
            "notes",
            "updated_at",
        ]


class EvidenceRowSerializer(FastRepresentationMixin, LandscapeResultSerializer):
    """One approval × one of its pivotal trials × that trial's primary outcome, flat (OutcomeQuerySet.evidence_for):
    the result's fields as on the landscape, then the approval's and the trial's."""

    approval_id = serializers.IntegerField(source="approval_pk", read_only=True)
    approval_agency = serializers.ChoiceField(choices=Agency.choices, read_only=True)
    approval_date = serializers.DateField(read_only=True)
    approval_drug = serializers.CharField(read_only=True, help_text="The drug's slug.")
    approval_tumour_type = serializers.ChoiceField(choices=TumourType.choices, read_only=True)
    approval_her2_category = optional_choice(Her2Category.choices)
    approval_setting = serializers.ChoiceField(choices=TherapySetting.choices, read_only=True)
    trial_nct_id = optional_text(source="trial.nct_id")
    trial_acronym = optional_text(source="trial.acronym")
    trial_phase = serializers.ChoiceField(choices=TrialPhase.choices, source="trial.phase", read_only=True)
    outcome_id = serializers.IntegerField(source="pk", read_only=True)
    reference_pmids = serializers.SerializerMethodField(help_text="PMIDs of the publications reporting the outcome.")
    source_urls = serializers.SerializerMethodField(help_text="URLs of the outcome's other sources (labels, EPARs…).")

    class Meta:
        ref_name = "EvidenceRow"

    def get_reference_pmids(self, outcome: Any) -> list[str]:
        return [reference.pmid for reference in outcome.listed_references]

    def get_source_urls(self, outcome: Any) -> list[str]:
        return [source.url for source in outcome.sources.all()]
