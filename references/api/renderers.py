"""
Citation formats for references: BibTeX, RIS and CSL-JSON (what Zotero, EndNote, Mendeley and Pandoc read).

The formatters are pure functions of the API's serialized reference (a dict), so a single reference and
a filtered list are formatted the same way and the functions are testable without a database.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rest_framework import renderers

from her2kb.api.renderers import rows_of

BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Characters with a meaning in (La)TeX, escaped so that titles such as "HER2 & HER3: 50% …" survive.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(char) for char in _BIBTEX_ESCAPES))


def _one_line(text: Any) -> str:
    """Citation formats are line-based: collapse any newline or run of spaces into one space."""
    return " ".join(str(text or "").split())


def _bibtex_escape(text: Any) -> str:
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_ESCAPES[match.group()], _one_line(text))


# A word whose capitals a bibliography style must keep: a capital after its first character (HER2, T-DXd,
# DESTINY-Breast03, mAbs), not a word that is merely capitalised (Trastuzumab) or a single capital letter.
_CASE_SENSITIVE_WORD = re.compile(
    r"(?<![\w{])([A-Za-z0-9][\w\-/+.]*?[A-Z][\w\-/+]*|[0-9][\w\-/+]*[A-Z][\w\-/+]*)(?![\w}])"
)


def _protect_case(text: str, wrap: Any) -> str:
    """`text` with each case-sensitive word passed through `wrap` (BibTeX braces, CSL's nocase span)."""
    return _CASE_SENSITIVE_WORD.sub(lambda match: wrap(match.group(1)), text)


def bibtex_title(title: Any) -> str:
    """A BibTeX title: escaped, with acronyms braced ({HER2}) so styles that lower-case titles keep them."""
    return _protect_case(_bibtex_escape(title), lambda word: "{" + word + "}")


def csl_title(title: Any) -> str:
    """A CSL-JSON title: CSL's rich text (HTML-escaped), acronyms in <span class="nocase"> so citeproc and pandoc
    keep their case when a style changes the title's."""
    return _protect_case(html.escape(_one_line(title), quote=False), lambda word: f'<span class="nocase">{word}</span>')


class CitationKeys:
    """Citation keys unique within one file, handed out as the references are written (so that a long file can be
    streamed): a reference's own key (firstauthorYEARword), with its PMID appended when an earlier reference in the
    file already has that key."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, reference: Mapping[str, Any]) -> str:
        key = reference.get("citation_key") or f"pmid{reference['pmid']}"
        if key in self._taken:
            key = f"{key}-{reference['pmid']}"
        self._taken.add(key)
        return key


def citation_keys(references: list[Mapping[str, Any]]) -> list[str]:
    """The keys of `references` written in this order into one file."""
    key_for = CitationKeys()
    return [key_for(reference) for reference in references]


def _person(author: Mapping[str, Any]) -> tuple[str, str]:
    """(family, given) for a person; ("", collective name) is signalled by an empty family name."""
    return author.get("last_name") or "", author.get("fore_name") or author.get("initials") or ""


def _page_range(pages: str) -> tuple[str, str]:
    start, _, end = (pages or "").partition("-")
    return start.strip(), end.strip()


def bibtex_entry(reference: Mapping[str, Any], key: str | None = None) -> str:
    """One `@article` entry keyed by its citation key; collective authors are braced so BibTeX keeps them whole, and
    a list known to be incomplete ends with "and others" (BibTeX's et al.)."""
    authors = []
    for author in reference.get("authors") or []:
        if author.get("collective_name"):
            authors.append("{" + _bibtex_escape(author["collective_name"]) + "}")
        else:
            family, given = _person(author)
            authors.append(_bibtex_escape(f"{family}, {given}" if given else family))
    if authors and reference.get("authors_complete") is False:
        authors.append("others")
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(authors)),
        ("title", bibtex_title(reference.get("title")) if reference.get("title") else ""),
        ("journal", _bibtex_escape(reference.get("journal") or reference.get("journal_iso"))),
        ("year", str(reference.get("pub_year") or "")),
        ("volume", _bibtex_escape(reference.get("volume"))),
        ("number", _bibtex_escape(reference.get("issue"))),
        ("pages", _bibtex_escape((reference.get("pages") or "").replace("-", "--"))),
        ("doi", _bibtex_escape(reference.get("doi"))),
        ("pmid", str(reference.get("pmid") or "")),
        ("pmcid", _bibtex_escape(reference.get("pmcid"))),
        ("url", reference.get("pubmed_url") or ""),
    ]
    lines = [f"@article{{{key or citation_keys([reference])[0]},"]
    for name, value in fields:
        if value:
            lines.append(f"  {name} = {{{value}}},")
        if name == "year" and reference.get("pub_month"):
            # BibTeX's month macros (jan … dec) are unbraced so that styles can abbreviate them.
            lines.append(f"  month = {BIBTEX_MONTHS[reference['pub_month'] - 1]},")
    if reference.get("is_retracted"):
        lines.append("  note = {Retracted publication},")
    lines.append("}")
    return "\n".join(lines)


def ris_record(reference: Mapping[str, Any]) -> str:
    """One RIS record (TY JOUR … ER); the PMID goes in AN (accession number), as PubMed exports it."""
    tags: list[tuple[str, Any]] = [("TY", "JOUR")]
    for author in reference.get("authors") or []:
        if author.get("collective_name"):
            tags.append(("AU", author["collective_name"]))
        else:
            family, given = _person(author)
            tags.append(("AU", f"{family}, {given}" if given else family))
    if reference.get("authors_complete") is False:
        tags.append(("AU", "et al."))  # what RIS readers print for a truncated list
    start, end = _page_range(reference.get("pages") or "")
    year, month, day = reference.get("pub_year"), reference.get("pub_month"), reference.get("pub_day")
    tags += [
        ("TI", reference.get("title")),
        ("T2", reference.get("journal")),
        ("J2", reference.get("journal_iso")),
        ("PY", year),
        # RIS dates are YYYY/MM/DD/ with unknown parts left empty.
        ("DA", f"{year}/{f'{month:02d}' if month else ''}/{f'{day:02d}' if day else ''}/" if year else ""),
        ("VL", reference.get("volume")),
        ("IS", reference.get("issue")),
        ("SP", start),
        ("EP", end),
        ("DO", reference.get("doi")),
        ("AN", reference.get("pmid")),
        ("ID", reference.get("citation_key")),
        ("UR", reference.get("pubmed_url")),
        ("AB", reference.get("abstract")),
    ]
    if reference.get("is_retracted"):
        tags.append(("N1", "Retracted publication"))
    lines = [f"{tag}  - {_one_line(value)}" for tag, value in tags if value not in (None, "")]
    lines.append("ER  - ")
    return "\n".join(lines)


def csl_item(reference: Mapping[str, Any]) -> dict[str, Any]:
    """One CSL-JSON item (the format citeproc, Zotero and Pandoc use)."""
    authors = []
    for author in reference.get("authors") or []:
        if author.get("collective_name"):
            authors.append({"literal": author["collective_name"]})
        else:
            family, given = _person(author)
            authors.append({"family": family, "given": given} if given else {"family": family})
    item: dict[str, Any] = {
        "id": reference.get("citation_key") or f"pmid{reference['pmid']}",
        "citation-key": reference.get("citation_key"),
        "type": "article-journal",
        "title": csl_title(reference.get("title")) if reference.get("title") else None,
        "author": authors,
        "container-title": reference.get("journal"),
        "container-title-short": reference.get("journal_iso"),
        "volume": reference.get("volume"),
        "issue": reference.get("issue"),
        "page": reference.get("pages"),
        "DOI": reference.get("doi"),
        "PMID": reference.get("pmid"),
        "PMCID": reference.get("pmcid"),
        "URL": reference.get("pubmed_url"),
        "abstract": reference.get("abstract"),
        # CSL has no "et al." marker in its data: the note says the list is incomplete.
        "note": "Author list incomplete (et al.)" if reference.get("authors_complete") is False else None,
    }
    date_parts = [reference.get(part) for part in ("pub_year", "pub_month", "pub_day")]
    if date_parts[0]:
        # CSL wants the leading known parts only: [year], [year, month] or [year, month, day].
        known = date_parts[: next((i for i, part in enumerate(date_parts) if not part), 3)]
        item["issued"] = {"date-parts": [known]}
    elif reference.get("pub_date_text"):
        item["issued"] = {"literal": reference["pub_date_text"]}
    return {key: value for key, value in item.items() if value not in (None, "", [])}


def _references_in(data: Any) -> Iterable[Mapping[str, Any]]:
    return [row for row in rows_of(data) if isinstance(row, Mapping) and "pmid" in row]


def _entries_apart(entry: Any, chunks: Iterable[list]) -> Iterator[str]:
    """Entries (BibTeX, RIS) of every chunk's references, a blank line between them, a newline at the end."""
    first = True
    for rows in chunks:
        entries = [entry(reference) for reference in _references_in(rows)]
        if entries:
            yield ("" if first else "\n\n") + "\n\n".join(entries)
            first = False
    yield "\n"


class BibTeXRenderer(renderers.BaseRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"
    charset = "utf-8"
    response_schema = {
        "type": "string",
        "description": "BibTeX @article entries keyed firstauthorYEARword (the PMID appended if two share one).",
    }

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        return "".join(self.render_pieces([rows_of(data)], renderer_context)).encode(self.charset)

    def render_pieces(self, chunks: Iterable[list], renderer_context: dict | None = None) -> Iterator[str]:
        key_for = CitationKeys()
        return _entries_apart(lambda reference: bibtex_entry(reference, key_for(reference)), chunks)


class RISRenderer(renderers.BaseRenderer):
    media_type = "application/x-research-info-systems"
    format = "ris"
    charset = "utf-8"
    response_schema = {"type": "string", "description": "RIS records (TY  - JOUR … ER  - )."}

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        return "".join(self.render_pieces([rows_of(data)], renderer_context)).encode(self.charset)

    def render_pieces(self, chunks: Iterable[list], renderer_context: dict | None = None) -> Iterator[str]:
        return _entries_apart(ris_record, chunks)


class CSLJSONRenderer(renderers.BaseRenderer):
    media_type = "application/vnd.citationstyles.csl+json"
    format = "csljson"
    charset = "utf-8"
    response_schema = {
        "type": "array",
        "description": "CSL-JSON items (citeproc, Zotero, Pandoc); a single reference is a one-item list.",
        "items": {"type": "object", "required": ["id", "type"]},
    }

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        return "".join(self.render_pieces([rows_of(data)], renderer_context)).encode(self.charset)

    def render_pieces(self, chunks: Iterable[list], renderer_context: dict | None = None) -> Iterator[str]:
        """`json.dumps(items, ensure_ascii=False, indent=2)` of every chunk's items, written a chunk at a time."""
        first, key_for = True, CitationKeys()
        for rows in chunks:
            for reference in _references_in(rows):
                # One item as json.dumps(indent=2) writes it inside a list: each line two spaces further in (JSON
                # strings hold no raw newline, so every newline is between tokens).
                item = json.dumps(
                    csl_item(reference) | {"id": key_for(reference)}, ensure_ascii=False, indent=2
                ).replace("\n", "\n  ")
                yield ("[\n  " if first else ",\n  ") + item
                first = False
        yield "[]" if first else "\n]"
