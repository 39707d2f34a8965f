"""
schema.org structured data (JSON-LD) for the detail pages: Drug, MedicalTrial, ScholarlyArticle.

The builders take already-fetched model instances (no queries) and return plain dicts; `jsonld_script`
renders one inside a <script type="application/ld+json"> with the same escaping as Django's
`json_script`, so an abstract containing "</script>" cannot end the element.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

# The characters json_script escapes: inside <script>, "<" could open "</script>", "&" an entity.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld_script(data: dict[str, Any]) -> SafeString:
    """`data` as a JSON-LD script element, safe to place in HTML."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # payload escaped above


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values: schema.org consumers prefer an absent property to an empty one."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def drug_jsonld(drug, *, url: str) -> dict[str, Any]:
    """A schema.org Drug for `drug` (brand names and codes as alternate names, links out as sameAs)."""
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Drug",
            "name": drug.name,
            "url": url,
            "alternateName": [*drug.brand_names, *drug.synonyms],
            "drugClass": {"@type": "DrugClass", "name": drug.get_drug_class_display()},
            "mechanismOfAction": drug.mechanism,
            "administrationRoute": drug.get_route_display() if drug.route else "",
            "manufacturer": {"@type": "Organization", "name": drug.originator} if drug.originator else None,
            "sameAs": [link for _label, _value, link in drug.identifier_links],
        }
    )


def trial_jsonld(trial, *, url: str) -> dict[str, Any]:
    """A schema.org MedicalTrial for `trial`, identified by its NCT number when it has one."""
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "MedicalTrial",
            "name": trial.acronym or trial.title or str(trial),
            "description": trial.title,
            "url": url,
            "identifier": trial.nct_id or "",
            "phase": trial.get_phase_display(),
            "healthCondition": [{"@type": "MedicalCondition", "name": name} for name in trial.conditions],
            "sponsor": {"@type": "Organization", "name": trial.sponsor} if trial.sponsor else None,
            "sameAs": trial.clinicaltrials_gov_url,
        }
    )


def reference_jsonld(reference, *, url: str) -> dict[str, Any]:
    """A schema.org ScholarlyArticle for `reference`, with its PMID and DOI as identifiers."""
    authors = []
    for author in reference.authors:
        if author.get("collective_name"):
            authors.append({"@type": "Organization", "name": author["collective_name"]})
        else:
            name = " ".join(part for part in [author.get("fore_name", ""), author.get("last_name", "")] if part)
            authors.append({"@type": "Person", "name": name})
    identifiers = [{"@type": "PropertyValue", "propertyID": "PMID", "value": reference.pmid}]
    if reference.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": reference.doi})
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "headline": reference.title,
            "url": url,
            "author": authors,
            "datePublished": str(reference.pub_year) if reference.pub_year else "",
            "isPartOf": {"@type": "Periodical", "name": reference.journal} if reference.journal else None,
            "abstract": reference.abstract,
            "identifier": identifiers,
            "sameAs": [link for link in [reference.pubmed_url, reference.doi_url] if link],
        }
    )
