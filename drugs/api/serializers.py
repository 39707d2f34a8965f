"""API representations of drugs, approvals and their regulatory records: the records' fields, related records as
compact summaries."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drugs.choices import Agency, ApprovalType, Designation, Her2Category, TherapySetting, TumourType
from drugs.models import (
    Approval,
    ApprovalDesignation,
    CompanionDiagnostic,
    Drug,
    Label,
    LabelWarning,
    Product,
    RegulatoryEvent,
    Target,
)
from her2kb.api.fields import (
    ApiLinkField,
    ApiModelSerializer,
    DrugSummarySerializer,
    FastRepresentationMixin,
    HtmlLinkField,
    IdentifierLinksField,
    ReferenceSummarySerializer,
    StringListField,
    TrialSummarySerializer,
    model_choices,
    optional_choice,
    optional_text,
)
from her2kb.links import site_url


class ApprovalSummarySerializer(FastRepresentationMixin, ApiModelSerializer):
    """An approval as it appears inside a drug."""

    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)

    class Meta:
        model = Approval
        fields = ["id", "agency", "date", "approval_type", "tumour_type", "her2_category", "setting", "url"]


class ProductSummarySerializer(ApiModelSerializer):
    """A product (a brand as one agency authorised it) as it appears inside another record."""

    url = ApiLinkField("product-detail", "slug", lambda product: product.slug)

    class Meta:
        model = Product
        fields = ["slug", "brand_name", "agency", "url"]


class CompanionDiagnosticSummarySerializer(ApiModelSerializer):
    """A companion diagnostic as it appears inside an approval."""

    url = ApiLinkField("diagnostic-detail", "slug", lambda diagnostic: diagnostic.slug)

    class Meta:
        model = CompanionDiagnostic
        fields = ["slug", "name", "agency", "decision_number", "date", "scoring_rule", "url"]


class DesignationSerializer(ApiModelSerializer):
    """An expedited programme of an approval, with the source that states it."""

    class Meta:
        model = ApprovalDesignation
        fields = ["designation", "source"]


class LabelSummarySerializer(ApiModelSerializer):
    """A drug's label at one agency, as it appears inside the drug."""

    url = ApiLinkField("label-detail", "pk", lambda label: label.pk)
    document_url = serializers.URLField(source="url", read_only=True, help_text="The label document itself.")

    class Meta:
        model = Label
        fields = ["id", "agency", "document", "document_url", "revised", "url"]


class RegulatoryEventSummarySerializer(ApiModelSerializer):
    """A regulatory event as it appears inside the drug."""

    url = ApiLinkField("event-detail", "pk", lambda event: event.pk)

    class Meta:
        model = RegulatoryEvent
        fields = ["id", "agency", "date", "event_type", "url"]


class DrugTrialSerializer(FastRepresentationMixin, serializers.Serializer):
    """A trial a drug is studied in, with the drug's role there."""

    trial = TrialSummarySerializer(read_only=True)
    role = serializers.ChoiceField(choices=model_choices("trials.TrialDrug", "role"), read_only=True)

    class Meta:
        ref_name = "DrugTrial"


class TargetSerializer(FastRepresentationMixin, ApiModelSerializer):
    """A receptor a drug binds, with its gene's identifiers and their resolvers' links (her2kb.identifiers)."""

    identifier_links = IdentifierLinksField(help_text="The gene's HGNC ID and Entrez Gene ID, each with its URL.")

    class Meta:
        model = Target
        fields = ["symbol", "name", "gene_symbol", "hgnc_id", "entrez_gene_id", "identifier_links"]


class DrugSerializer(FastRepresentationMixin, ApiModelSerializer):
    url = ApiLinkField("drug-detail", "slug", lambda drug: drug.slug)
    html_url = HtmlLinkField()
    brand_names = StringListField()
    synonyms = StringListField(help_text="Development codes, US suffixed names and abbreviations.")
    targets = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="symbol", help_text="Receptors the drug binds, e.g. HER2."
    )
    target_genes = TargetSerializer(
        source="targets", many=True, read_only=True, help_text="The targets with their genes' HGNC and Entrez IDs."
    )
    biosimilar_of = DrugSummarySerializer(read_only=True, allow_null=True)
    components = DrugSummarySerializer(many=True, read_only=True, help_text="Fixed-dose combinations only.")
    approvals = ApprovalSummarySerializer(many=True, read_only=True)
    products = ProductSummarySerializer(many=True, read_only=True, help_text="Every brand, with its agency.")
    labels = LabelSummarySerializer(many=True, read_only=True)
    events = RegulatoryEventSummarySerializer(many=True, read_only=True, help_text="Decisions other than approvals.")
    trials = DrugTrialSerializer(source="trial_roles", many=True, read_only=True)
    references = ReferenceSummarySerializer(many=True, read_only=True)
    sources = StringListField(help_text="URLs the curated facts were read in.")
    identifier_links = IdentifierLinksField()

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
            "target_genes",
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
            "atc_code",
            "rxnorm_cui",
            "identifier_links",
            "approvals",
            "products",
            "labels",
            "events",
            "trials",
            "references",
            "sources",
            "notes",
            "updated_at",
        ]


class ApprovalSerializer(FastRepresentationMixin, ApiModelSerializer):
    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(read_only=True)
    product = ProductSummarySerializer(read_only=True, allow_null=True, help_text="The brand this agency authorised.")
    designations = DesignationSerializer(
        source="designation_list", many=True, read_only=True, help_text="Expedited programmes, each sourced."
    )
    companion_diagnostics = CompanionDiagnosticSummarySerializer(
        many=True, read_only=True, help_text="The tests of this agency that select the approval's patients."
    )
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
            "product",
            "agency",
            "date",
            "approval_type",
            "application_number",
            "designations",
            "indication",
            "tumour_type",
            "her2_category",
            "setting",
            "line_of_therapy",
            "combination_partners",
            "companion_diagnostics",
            "pivotal_trials",
            "no_pivotal_trial_reason",
            "references",
            "source_url",
            "sources",
            "notes",
            "updated_at",
        ]


class ProductSerializer(ApiModelSerializer):
    url = ApiLinkField("product-detail", "slug", lambda product: product.slug)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(read_only=True)
    sources = StringListField()

    class Meta:
        model = Product
        fields = [
            "slug",
            "url",
            "html_url",
            "drug",
            "brand_name",
            "agency",
            "holder",
            "authorisation_number",
            "sources",
            "notes",
            "updated_at",
        ]


class DiagnosticApprovalSerializer(ApiModelSerializer):
    """An approval whose patients a companion diagnostic selects."""

    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)
    drug = DrugSummarySerializer(read_only=True)
    product = ProductSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Approval
        fields = ["id", "drug", "product", "agency", "date", "tumour_type", "her2_category", "indication", "url"]


class CompanionDiagnosticSerializer(ApiModelSerializer):
    url = ApiLinkField("diagnostic-detail", "slug", lambda diagnostic: diagnostic.slug)
    html_url = HtmlLinkField()
    approvals = DiagnosticApprovalSerializer(many=True, read_only=True, help_text="The approvals it selects for.")
    sources = StringListField()

    class Meta:
        model = CompanionDiagnostic
        fields = [
            "slug",
            "url",
            "html_url",
            "name",
            "manufacturer",
            "technology",
            "specimen",
            "agency",
            "decision_number",
            "date",
            "scoring_rule",
            "scoring_rule_text",
            "approvals",
            "sources",
            "notes",
            "updated_at",
        ]


class LabelWarningSerializer(ApiModelSerializer):
    """A warning as it appears inside its label: the label's words, section and source."""

    class Meta:
        model = LabelWarning
        fields = ["kind", "topic", "statement", "section", "date_added", "source"]


class LabelSerializer(ApiModelSerializer):
    url = ApiLinkField("label-detail", "pk", lambda label: label.pk)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(read_only=True)
    product = ProductSummarySerializer(read_only=True, allow_null=True)
    document_url = serializers.URLField(source="url", read_only=True, help_text="The label document itself.")
    warnings = LabelWarningSerializer(many=True, read_only=True, help_text="Boxed warnings first, in label order.")
    sources = StringListField()

    class Meta:
        model = Label
        fields = [
            "id",
            "url",
            "html_url",
            "drug",
            "agency",
            "product",
            "document",
            "document_url",
            "set_id",
            "revised",
            "warnings",
            "sources",
            "notes",
            "updated_at",
        ]


class WarningSerializer(ApiModelSerializer):
    """One warning of a label with its drug and agency: one row each in CSV."""

    url = ApiLinkField("warning-detail", "pk", lambda warning: warning.pk)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(source="label.drug", read_only=True)
    agency = serializers.CharField(source="label.agency", read_only=True)
    label = ApiLinkField("label-detail", "pk", lambda warning: warning.label_id)

    class Meta:
        model = LabelWarning
        fields = [
            "id",
            "url",
            "html_url",
            "drug",
            "agency",
            "label",
            "kind",
            "topic",
            "statement",
            "section",
            "date_added",
            "source",
            "updated_at",
        ]


class RegulatoryEventSerializer(ApiModelSerializer):
    url = ApiLinkField("event-detail", "pk", lambda event: event.pk)
    html_url = HtmlLinkField()
    drug = DrugSummarySerializer(read_only=True)
    product = ProductSummarySerializer(read_only=True, allow_null=True)
    sources = StringListField()

    class Meta:
        model = RegulatoryEvent
        fields = [
            "id",
            "url",
            "html_url",
            "drug",
            "agency",
            "date",
            "event_type",
            "product",
            "indication",
            "description",
            "sources",
            "notes",
            "updated_at",
        ]


class LandscapeApprovalSerializer(FastRepresentationMixin, serializers.Serializer):
    """One approval in a landscape cell: when, what kind, its designations and companion tests."""

    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField(read_only=True)
    approval_type = optional_choice(ApprovalType.choices, help_text="Null when the agency's announcement does not say.")
    indication = serializers.CharField(read_only=True)
    product = ProductSummarySerializer(read_only=True, allow_null=True)
    designations = serializers.SerializerMethodField(help_text="Designation values, e.g. breakthrough_therapy.")
    companion_diagnostics = CompanionDiagnosticSummarySerializer(many=True, read_only=True)
    url = ApiLinkField("approval-detail", "pk", lambda approval: approval.pk)
    html_url = HtmlLinkField()

    class Meta:
        ref_name = "LandscapeApproval"

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Designation.choices)))
    def get_designations(self, approval: Approval) -> list[str]:
        return [designation.designation for designation in approval.designation_list]


AGENCY_LIST = serializers.ListField(child=serializers.ChoiceField(choices=Agency.choices))


class LandscapeCellSerializer(serializers.Serializer):
    """One agency's approvals of a row; none means no approval on record (which is not "not approved")."""

    agency = serializers.ChoiceField(choices=Agency.choices, read_only=True)
    approvals = LandscapeApprovalSerializer(many=True, read_only=True)
    missing_list_url = serializers.SerializerMethodField(
        help_text="Without approvals: the page listing what is known to be missing for this agency; else null."
    )

    class Meta:
        ref_name = "LandscapeCell"

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_missing_list_url(self, cell) -> str | None:
        return site_url(cell.missing_url) if cell.missing_url else None


class LandscapeResultSerializer(serializers.Serializer):
    """A pivotal trial's primary result, as published."""

    # Outcomes are the trials app's records: their vocabularies are named by reference (drugs imports no trials).
    endpoint = serializers.ChoiceField(choices=model_choices("trials.Outcome", "endpoint"), read_only=True)
    endpoint_label = optional_text()
    population = optional_text()
    experimental_value = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    control_value = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    value_unit = optional_choice(model_choices("trials.Outcome", "value_unit"))
    hazard_ratio = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True, allow_null=True)
    ci_lower = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True, allow_null=True)
    ci_upper = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True, allow_null=True)
    p_value = optional_text(help_text="As published, e.g. '<0.001'.")
    url = ApiLinkField("outcome-detail", "pk", lambda outcome: outcome.pk)

    class Meta:
        ref_name = "LandscapeResult"


class LandscapeTrialSerializer(TrialSummarySerializer):
    """A pivotal trial of a row, with its primary results."""

    primary_results = LandscapeResultSerializer(source="primary_outcomes", many=True, read_only=True)

    class Meta:
        ref_name = "LandscapeTrial"


class LandscapeRowSerializer(serializers.Serializer):
    """One drug in one setting, with a cell per agency (FDA, EMA, NMPA, PMDA, MHRA, HC, TGA, always in that order)."""

    drug = DrugSummarySerializer(read_only=True)
    setting = serializers.ChoiceField(choices=TherapySetting.choices, read_only=True)
    cells = LandscapeCellSerializer(many=True, read_only=True)
    pivotal_trials = LandscapeTrialSerializer(many=True, read_only=True)
    no_pivotal_trial_reasons = StringListField()

    class Meta:
        ref_name = "LandscapeRow"


class LandscapeSerializer(serializers.Serializer):
    tumour_type = serializers.ChoiceField(choices=TumourType.choices, read_only=True)
    her2_status = serializers.ChoiceField(choices=Her2Category.choices, read_only=True)
    setting = optional_choice(TherapySetting.choices, help_text="Null: every setting.")
    agencies = serializers.SerializerMethodField(help_text="The columns: agency codes in the order of the cells.")
    agencies_without_records = serializers.SerializerMethodField(
        help_text="Agencies with no approval on record in any row."
    )
    rows = LandscapeRowSerializer(many=True, read_only=True)

    class Meta:
        ref_name = "Landscape"

    @extend_schema_field(AGENCY_LIST)
    def get_agencies(self, landscape) -> list[str]:
        return [code for code, _label in landscape.agencies]

    @extend_schema_field(AGENCY_LIST)
    def get_agencies_without_records(self, landscape) -> list[str]:
        return [code for code, _label in landscape.agencies_without_records]
