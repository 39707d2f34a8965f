"""
What the dataset is known to lack: the curated lists in `data/missing/` (one markdown file per agency or area), read
for the pages that say where the data has gaps.

    missing_list_url("EMA")   # "/missing/ema/" when data/missing/ema.md exists, else ""
    missing_list("ema")       # MissingList(name="ema", title=..., html=...) or None
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt

MISSING_DIR = Path(settings.BASE_DIR) / "data" / "missing"
# A list's name is its file's stem: lower-case letters only (fda, ema, trials …), so no path can be built from it.
LIST_NAME_RE = re.compile(r"^[a-z]{2,20}\Z")

# CommonMark without raw HTML: the files are curated, but a page never passes HTML through from a data file.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class MissingList:
    name: str
    title: str
    html: str


def _path(name: str) -> Path | None:
    if not LIST_NAME_RE.match(name):
        return None
    path = MISSING_DIR / f"{name}.md"
    return path if path.is_file() else None


def missing_list_url(agency_or_name: str) -> str:
    """The page of the agency's (or area's) missing list, or "" when the dataset has none for it."""
    name = agency_or_name.lower()
    return reverse("missing_list", kwargs={"name": name}) if _path(name) else ""


def missing_list(name: str) -> MissingList | None:
    """The missing list `name` rendered as HTML, its first heading as title; None when there is no such list."""
    path = _path(name)
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    first_line = text.lstrip().splitlines()[0] if text.strip() else ""
    title = first_line.lstrip("#").strip() if first_line.startswith("#") else name.upper()
    body = text.lstrip()[len(first_line) :] if first_line.startswith("#") else text
    # Links between the lists ("see fda.md") point at their pages.
    body = re.sub(r"\]\(([a-z]{2,20})\.md\)", lambda match: f"](../{match.group(1)}/)", body)
    return MissingList(name=name, title=title, html=_MARKDOWN.render(body))


def missing_list_names() -> list[str]:
    """Every list in data/missing/ but its README, by name."""
    return sorted(path.stem for path in MISSING_DIR.glob("*.md") if LIST_NAME_RE.match(path.stem))
