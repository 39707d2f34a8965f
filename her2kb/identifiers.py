"""
The one mapping from an identifier the data holds to its resolver's URL: DrugBank, ChEMBL, UNII, NCIt, ATC,
RxNorm, HGNC, NCBI Gene, NCT, PMID, PMCID and DOI. Models, templates, JSON-LD and the API all link through it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

RESOLVERS: dict[str, tuple[str, str]] = {
    # scheme: (label, URL template)
    "drugbank": ("DrugBank", "https://go.drugbank.com/drugs/{}"),
    "chembl": ("ChEMBL", "https://www.ebi.ac.uk/chembl/compound_report_card/{}/"),
    "unii": ("UNII (FDA GSRS)", "https://gsrs.ncats.nih.gov/ginas/app/beta/substances/{}"),
    "ncit": ("NCI Thesaurus", "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/{}"),
    "atc": ("WHO ATC", "https://atcddd.fhi.no/atc_ddd_index/?code={}"),
    "rxnorm": ("RxNorm", "https://mor.nlm.nih.gov/RxNav/search?searchBy=RXCUI&searchTerm={}"),
    "hgnc": ("HGNC", "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{}"),
    "ncbigene": ("NCBI Gene", "https://www.ncbi.nlm.nih.gov/gene/{}"),
    "nct": ("ClinicalTrials.gov", "https://clinicaltrials.gov/study/{}"),
    "pmid": ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    "pmcid": ("PubMed Central", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
    "doi": ("DOI", "https://doi.org/{}"),
}
# A DOI's "/" (and HGNC's "HGNC:") belong in the resolver's URL as they are.
SAFE_CHARACTERS = {"doi": "/():;", "hgnc": ":"}


# What `quote` leaves as it is whatever `safe` says (urllib.parse's always-safe characters), per scheme with its own
# safe characters: an identifier made of these alone is its own quoted form.
_UNQUOTED = {
    scheme: re.compile(rf"[A-Za-z0-9_.~{re.escape(SAFE_CHARACTERS.get(scheme, ''))}-]+\Z") for scheme in RESOLVERS
}


def identifier_url(scheme: str, value: object) -> str:
    """The resolver URL of `value` in `scheme` (a key of RESOLVERS), or "" when there is no value.
    Quoted: identifiers are curated text, and a stray character must not break out of the URL."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return ""
    if not _UNQUOTED[scheme].match(text):  # most are plain (a PMID, a DOI): quoting them would give them back
        text = quote(text, safe=SAFE_CHARACTERS.get(scheme, ""))
    return RESOLVERS[scheme][1].format(text)


def identifier_links(pairs: list[tuple[str, object]]) -> list[tuple[str, str, str]]:
    """(label, identifier, URL) for each (scheme, value) pair with a value, in the order given."""
    return [
        (RESOLVERS[scheme][0], str(value).strip(), identifier_url(scheme, value)) for scheme, value in pairs if value
    ]
