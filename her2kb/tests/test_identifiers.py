"""her2kb.identifiers: every identifier scheme the data holds resolves to its database's page, quoted safely."""

import pytest

from her2kb.identifiers import RESOLVERS, identifier_links, identifier_url


@pytest.mark.parametrize(
    ("scheme", "value", "expected"),
    [
        ("drugbank", "DB00072", "https://go.drugbank.com/drugs/DB00072"),
        ("chembl", "CHEMBL1201585", "https://www.ebi.ac.uk/chembl/compound_report_card/CHEMBL1201585/"),
        ("unii", "P188ANX8CK", "https://gsrs.ncats.nih.gov/ginas/app/beta/substances/P188ANX8CK"),
        ("ncit", "C1647", "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/C1647"),
        ("atc", "L01FD01", "https://atcddd.fhi.no/atc_ddd_index/?code=L01FD01"),
        ("rxnorm", "224905", "https://mor.nlm.nih.gov/RxNav/search?searchBy=RXCUI&searchTerm=224905"),
        ("hgnc", "HGNC:3430", "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:3430"),
        ("ncbigene", 2064, "https://www.ncbi.nlm.nih.gov/gene/2064"),
        ("nct", "NCT03734029", "https://clinicaltrials.gov/study/NCT03734029"),
        ("pmid", "12345678", "https://pubmed.ncbi.nlm.nih.gov/12345678/"),
        ("pmcid", "PMC42", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC42/"),
        ("doi", "10.1000/abc(1)", "https://doi.org/10.1000/abc(1)"),
    ],
)
def test_each_scheme_resolves(scheme, value, expected):
    assert identifier_url(scheme, value) == expected


def test_every_scheme_is_tested_and_missing_values_give_no_link():
    tested = {"drugbank", "chembl", "unii", "ncit", "atc", "rxnorm", "hgnc", "ncbigene", "nct", "pmid", "pmcid", "doi"}
    assert set(RESOLVERS) == tested
    assert identifier_url("doi", "") == identifier_url("ncbigene", None) == ""


def test_stray_characters_are_quoted_and_empty_pairs_dropped():
    assert identifier_url("drugbank", "DB1/../x y") == "https://go.drugbank.com/drugs/DB1%2F..%2Fx%20y"
    assert identifier_links([("chembl", ""), ("atc", " L01FD01 ")]) == [
        ("WHO ATC", "L01FD01", "https://atcddd.fhi.no/atc_ddd_index/?code=L01FD01")
    ]
