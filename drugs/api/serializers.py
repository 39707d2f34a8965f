"""API representations of drugs and approvals: the records' fields, related records as compact summaries."""

from rest_framework import serializers

from drugs.models import Approval, Drug
from her2kb.api.fields import (
    ApiLinkField,
    DrugSummarySerializer,
    FastRepresentationMixin,
    HtmlLinkField,
    ReferenceSummarySerializer,
    StringListField,
    TrialSummarySerializer,
)


class ApprovalSummarySerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """An approval as it appears inside a drug."""

    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)

    class Meta:
        model = Approval
        fields = ["id", "agency", "date", "approval_type", "tumour_type", "her2_category", "setting", "url"]


class DrugTrialSerializer(FastRepresentationMixin, serializers.Serializer):
    """A trial a drug is studied in, with the drug's role there."""

    trial = TrialSummarySerializer(read_only=True)
    role = serializers.CharField(read_only=True, help_text="experimental, comparator or background")

    class Meta:
        ref_name = "DrugTrial"


class DrugSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    url = ApiLinkField("drug-detail", "slug", lambda drug: drug.slug)
    html_url = HtmlLinkField()
    brand_names = StringListField()
    synonyms = StringListField(help_text="Development codes, US suffixed names and abbreviations.")
    targets = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="symbol", help_text="Receptors the drug binds, e.g. HER2."
    )
    biosimilar_of = DrugSummarySerializer(read_only=True, allow_null=True)
    components = DrugSummarySerializer(many=True, read_only=True, help_text="Fixed-dose combinations only.")
    approvals = ApprovalSummarySerializer(many=True, read_only=True)
    trials = DrugTrialSerializer(source="trial_roles", many=True, read_only=True)
    references = ReferenceSummarySerializer(many=True, read_only=True)
    sources = StringListField(help_text="URLs the curated facts were read in.")

    class Meta:
        model = Drug
        fields = [
            "slug",
            "name",
            "display_name",
            "url",
            "html_url",
            "brand_names",
            "synonyms",
            "drug_class",
            "targets",
            "mechanism",
            "binding_site",
            "kinase_binding",
            "payload",
            "linker",
            "drug_antibody_ratio",
            "route",
            "originator",
            "development_status",
            "biosimilar_of",
            "components",
            "drugbank_id",
            "chembl_id",
            "unii",
            "ncit_code",
            "approvals",
            "trials",
            "references",
            "sources",
            "notes",
            "updated_at",
        ]


class ApprovalSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(read_only=True)
    combination_partners = StringListField(help_text="Other drugs given with it, plain names.")
    pivotal_trials = TrialSummarySerializer(source="listed_pivotal_trials", many=True, read_only=True)
    references = ReferenceSummarySerializer(source="listed_references", many=True, read_only=True)
    sources = StringListField(help_text="URLs of the agency's announcement or label.")
    source_url = serializers.URLField(read_only=True, help_text="The primary source: the first of `sources`.")

    class Meta:
        model = Approval
        fields = [
            "id",
            "url",
            "html_url",
            "drug",
            "agency",
            "date",
            "approval_type",
            "indication",
            "tumour_type",
            "her2_category",
            "setting",
            "line_of_therapy",
            "combination_partners",
            "pivotal_trials",
            "no_pivotal_trial_reason",
            "references",
            "source_url",
            "sources",
            "notes",
            "updated_at",
        ]
