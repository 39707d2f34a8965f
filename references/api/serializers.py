"""API representation of a reference: PubMed's bibliographic record plus what in her2kb cites it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from her2kb.api.fields import (
    ApiLinkField,
    ApiModelSerializer,
    DrugSummarySerializer,
    FastRepresentationMixin,
    HtmlLinkField,
    StringListField,
    TrialSummarySerializer,
    blank_as_null,
)
from references.models import Reference


class AuthorSerializer(serializers.Serializer):
    """One author as PubMed lists them: a person, or a collective (e.g. a trial's investigators)."""

    last_name = serializers.CharField(required=False)
    fore_name = serializers.CharField(required=False)
    initials = serializers.CharField(required=False)
    collective_name = serializers.CharField(required=False)

    class Meta:
        ref_name = "Author"


@extend_schema_field(AuthorSerializer(many=True))
class AuthorListField(serializers.JSONField):
    """The stored author list, described for the schema as a list of Author objects."""


class ReferenceSerializer(FastRepresentationMixin, ApiModelSerializer):
    url = ApiLinkField("reference-detail", "pmid", lambda reference: reference.pmid)
    html_url = HtmlLinkField()
    authors = AuthorListField(read_only=True, help_text="In the order PubMed lists them.")
    title = serializers.CharField(
        source="display_title", read_only=True, help_text="As PubMed gives it, without its closing full stop."
    )
    citation = serializers.CharField(read_only=True, help_text="Short Vancouver-style citation.")
    citation_key = serializers.CharField(
        read_only=True, help_text="A stable key for citing it: first author, year, first word of the title."
    )
    pubmed_url = serializers.URLField(read_only=True)
    doi_url = blank_as_null(serializers.URLField)(
        read_only=True, allow_null=True, help_text="Null when the DOI is unknown."
    )
    pmc_url = blank_as_null(serializers.URLField)(
        read_only=True, allow_null=True, help_text="PubMed Central's page; null when there is no PMCID."
    )
    publication_types = StringListField()
    mesh_terms = StringListField(help_text="MeSH descriptors PubMed indexed the article with.")
    retraction_notice_pmids = StringListField(help_text="PMIDs of retraction notices for this article.")
    erratum_pmids = StringListField(help_text="PMIDs of published errata.")
    drugs = DrugSummarySerializer(
        many=True, read_only=True, source="listed_drugs", help_text="Drugs in her2kb that cite this reference."
    )
    trials = TrialSummarySerializer(
        many=True, read_only=True, source="listed_trials", help_text="Trials in her2kb that cite it."
    )

    class Meta:
        model = Reference
        fields = [
            "pmid",
            "url",
            "html_url",
            "pubmed_url",
            "doi",
            "doi_url",
            "pmcid",
            "pmc_url",
            "title",
            "authors",
            "authors_complete",
            "citation_key",
            "journal",
            "journal_iso",
            "pub_year",
            "pub_month",
            "pub_day",
            "pub_date_text",
            "volume",
            "issue",
            "pages",
            "citation",
            "abstract",
            "publication_types",
            "mesh_terms",
            "is_retracted",
            "retraction_notice_pmids",
            "has_erratum",
            "erratum_pmids",
            "drugs",
            "trials",
            "last_synced_at",
            "updated_at",
        ]
