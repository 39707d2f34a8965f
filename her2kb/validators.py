"""Identifier formats shared by the apps: one definition of what a valid PMID, NCT number or DOI is."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator

PMID_PATTERN = r"^[1-9][0-9]{0,8}$"
NCT_PATTERN = r"^NCT[0-9]{8}$"
DOI_PATTERN = r"^10\.[0-9]{4,9}/\S+$"
PMCID_PATTERN = r"^PMC[0-9]+$"

validate_pmid = RegexValidator(PMID_PATTERN, "A PMID is 1 to 9 digits with no leading zero, e.g. 38308374.")
validate_nct_id = RegexValidator(NCT_PATTERN, "An NCT number is 'NCT' followed by exactly 8 digits, e.g. NCT03529110.")
validate_doi = RegexValidator(
    DOI_PATTERN, "A DOI starts with '10.', a registrant code, '/', then a suffix, e.g. 10.1186/s40364-024-00565-1."
)
validate_pmcid = RegexValidator(PMCID_PATTERN, "A PMCID is 'PMC' followed by digits, e.g. PMC6022861.")

# Drug identifiers in other databases: (pattern, message). Checked in Drug.clean() so admin and loader agree.
DRUG_IDENTIFIER_RULES = {
    "drugbank_id": (re.compile(r"DB[0-9]{5}"), "A DrugBank ID is 'DB' followed by 5 digits (DB#####)."),
    "chembl_id": (re.compile(r"CHEMBL[0-9]+"), "A ChEMBL ID is 'CHEMBL' followed by digits (CHEMBL####)."),
    "unii": (re.compile(r"[A-Z0-9]{10}"), "A UNII is 10 capital letters or digits."),
    "ncit_code": (re.compile(r"C[0-9]+"), "An NCI Thesaurus code is 'C' followed by digits (C####)."),
}

_validate_url = URLValidator(schemes=["http", "https"])


def validate_source_urls(value: object) -> None:
    """`sources` fields hold web addresses of the documents a record was read from."""
    for position, url in enumerate(value if isinstance(value, list) else [], start=1):
        try:
            _validate_url(url)
        except ValidationError:
            raise ValidationError(
                f"Source {position} ({str(url)[:80]!r}) is not a web address; give the full URL starting with https://."
            ) from None
