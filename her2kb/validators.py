"""Identifier formats shared by the apps: one definition of what a valid PMID, NCT number or DOI is."""

from django.core.validators import RegexValidator

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
