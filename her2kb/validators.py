"""Identifier formats shared by the apps: one definition of what a valid PMID, NCT number or DOI is."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.utils import timezone

PMID_PATTERN = r"^[1-9][0-9]{0,8}$"
NCT_PATTERN = r"^NCT[0-9]{8}$"
# `[^\s\x1c-\x1f\x85]` is Python's `\S`, spelled so that JSON Schema's (ECMAScript) regexes, which do not count
# those separators as spaces, mean the same when the API publishes the pattern.
DOI_PATTERN = r"^10\.[0-9]{4,9}/[^\s\x1c-\x1f\x85]+$"
PMCID_PATTERN = r"^PMC[0-9]+$"

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
validate_slug_value = RegexValidator(
    SLUG_PATTERN, "A slug is letters, digits, hyphens and underscores, e.g. trastuzumab."
)
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
    "atc_code": (
        re.compile(r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}"),
        "A WHO ATC code of a substance is 7 characters: letter, 2 digits, 2 letters, 2 digits (e.g. L01FD01).",
    ),
    "rxnorm_cui": (re.compile(r"[1-9][0-9]*"), "An RxNorm concept ID (RxCUI) is digits without a leading zero."),
}

# The same rules as validators of one value (the API's identifier filters, with their pattern in the schema).
DRUG_IDENTIFIER_VALIDATORS = {
    name: RegexValidator(f"^{pattern.pattern}$", message) for name, (pattern, message) in DRUG_IDENTIFIER_RULES.items()
}

validate_hgnc_id = RegexValidator(r"^HGNC:[1-9][0-9]*$", "An HGNC ID is 'HGNC:' followed by digits, e.g. HGNC:3430.")

# FDA device decisions: a PMA (P + 6 digits, with /S + 3 digits for a supplement), a 510(k) (K + 6 digits) or a
# De Novo (DEN + 6 digits). Companion diagnostics are mostly PMAs.
FDA_DEVICE_DECISION_PATTERN = re.compile(r"P[0-9]{6}(/S[0-9]{3})?|K[0-9]{6}|DEN[0-9]{6}")
FDA_DEVICE_DECISION_MESSAGE = (
    "An FDA device decision is a PMA number P###### (a supplement P######/S###), a 510(k) K###### or a "
    "De Novo DEN######, e.g. P990081/S047."
)
validate_dailymed_set_id = RegexValidator(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "A DailyMed set ID is a lowercase UUID, e.g. 7e67e73e-ddf4-4e4d-8b50-09d7514910b6.",
)

_validate_url = URLValidator(schemes=["http", "https"])


def validate_source_url(value: str) -> None:
    """One source's web address (a label document, the source of a designation or a warning)."""
    try:
        _validate_url(value)
    except ValidationError:
        raise ValidationError(
            f"{str(value)[:80]!r} is not a web address; give the full URL starting with https://."
        ) from None


def validate_source_urls(value: object) -> None:
    """`sources` fields hold web addresses of the documents a record was read from."""
    for position, url in enumerate(value if isinstance(value, list) else [], start=1):
        try:
            _validate_url(url)
        except ValidationError:
            raise ValidationError(
                f"Source {position} ({str(url)[:80]!r}) is not a web address; give the full URL starting with https://."
            ) from None


# ---------------------------------------------------------------------------------------------
# Search text (the `q` filters, the API's `search`, the search page). Bounded because each word becomes a clause
# of the SQL: thousands of one-letter words made a statement of hundreds of kilobytes that took seconds.
# ---------------------------------------------------------------------------------------------
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 12
# A word is a run of anything but whitespace and commas (what the searches split on, quoted phrases aside, so this
# count is never below theirs). The whitespace is spelt out, exactly Python's (str.isspace): `\s` means other sets
# in JavaScript and in schema-driven generators. The pattern says "at most SEARCH_MAX_WORDS words" for the
# published schema; each of its repeats takes one whole word, so it matches in linear time.
_SEPARATORS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,"
SEARCH_WORD_RE = re.compile(rf"[^{_SEPARATORS}]+")
SEARCH_TEXT_PATTERN = (
    rf"^[{_SEPARATORS}]*(?:[^{_SEPARATORS}]+[{_SEPARATORS}]+){{0,{SEARCH_MAX_WORDS - 1}}}"
    rf"(?:[^{_SEPARATORS}]+[{_SEPARATORS}]*)?$"
)


class SearchTextValidator(RegexValidator):
    """At most SEARCH_MAX_WORDS words, with a message that says so (the pattern is what the schema publishes)."""

    def __init__(self) -> None:
        super().__init__(SEARCH_TEXT_PATTERN, code="too_many_words")

    def __call__(self, value: object) -> None:
        words = len(SEARCH_WORD_RE.findall(str(value)))
        if words > SEARCH_MAX_WORDS:
            raise ValidationError(
                f"Search for at most {SEARCH_MAX_WORDS} words at a time (this has {words}).", code=self.code
            )


validate_search_words = SearchTextValidator()
# Everything a search text must satisfy, in the order the messages are given.
SEARCH_TEXT_VALIDATORS = [validate_search_words, MaxLengthValidator(SEARCH_MAX_LENGTH)]


def search_text_problem(text: str) -> str | None:
    """Why `text` cannot be searched (too long, too many words), or None."""
    for validator in SEARCH_TEXT_VALIDATORS:
        try:
            validator(text)
        except ValidationError as invalid:
            return invalid.messages[0]
    return None


def source_url_errors(sources: object, *, required: str = "") -> list[str]:
    """What is wrong with a record's `sources`: none given when `required` (the message says which document is
    wanted), or entries that are not web addresses. Empty when they are fine."""
    if not sources:
        return [required] if required else []
    try:
        validate_source_urls(sources)
    except ValidationError as error:
        return error.messages
    return []


def validate_not_in_future(value: datetime.date) -> None:
    """Decisions, label revisions and data cut-offs have happened: a date after today is a typing error."""
    if value and value > timezone.localdate():
        raise ValidationError(f"{value:%Y-%m-%d} is in the future; give the date the source states.")


LABEL_REVISION_RE = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")


def validate_label_revision(value: str) -> None:
    """A label's revision as the document states it: YYYY-MM, or YYYY-MM-DD when it gives the day."""
    match = LABEL_REVISION_RE.fullmatch(value or "")
    try:
        if not match:
            raise ValueError
        year, month, day = (int(part) if part else 1 for part in match.groups())
        first_day = datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(f"{value!r} is not a revision date: write YYYY-MM or YYYY-MM-DD, e.g. 2024-11.") from None
    validate_not_in_future(first_day)
