"""Display filters for the public pages: numbers as clinicians read them. Load with {% load her2kb %}."""

from decimal import Decimal, InvalidOperation

from django import template

from her2kb.charts import format_ratio
from her2kb.languages import mark_languages
from her2kb.missing import missing_list_url as _missing_list_url
from her2kb.sources import ClassifiedSource, classified_sources

register = template.Library()


@register.filter
def number(value: object) -> str:
    """A stored decimal without padding zeros: 10.10 → "10.1", 12.00 → "12"; blanks stay blank."""
    if value in (None, ""):
        return ""
    try:
        text = f"{Decimal(str(value)):f}"
    except InvalidOperation:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def ratio(value: object) -> str:
    """A hazard ratio with two decimals, or three when published so: 0.5 → "0.50", 0.625 → "0.625"."""
    if value in (None, ""):
        return ""
    try:
        return format_ratio(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.filter
def http_url(value: object) -> str:
    """`value` if it is an http(s) URL, else "": curated source URLs must not become javascript: links."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@register.filter
def sources_by_kind(urls: object) -> dict[str, list[ClassifiedSource]]:
    """Source URLs with their kinds: {"documents": agency and label first …, "news": press}. See her2kb.sources."""
    classified = classified_sources(urls if isinstance(urls, list | tuple) else [])
    return {
        "documents": [source for source in classified if not source.is_news],
        "news": [source for source in classified if source.is_news],
    }


@register.filter
def primary_source(urls: object) -> ClassifiedSource | None:
    """The source a page links first: the agency's own page or label when there is one, news only as a last resort."""
    classified = classified_sources(urls if isinstance(urls, list | tuple) else [])
    return classified[0] if classified else None


@register.filter
def classified(url: object) -> ClassifiedSource | None:
    """One source URL with its kind."""
    sources = classified_sources([str(url)]) if url else []
    return sources[0] if sources else None


@register.filter
def missing_list_url(agency: object) -> str:
    """The page listing what the dataset is known to lack for an agency ("FDA" → "/missing/fda/"), or ""."""
    return _missing_list_url(str(agency or ""))


@register.filter
def lang_marked(value: object) -> str:
    """Chinese or Japanese text in a `<span lang>` (her2kb.languages); a list is joined with ", " first."""
    if isinstance(value, list | tuple):
        return mark_languages(", ".join(str(item) for item in value))
    return mark_languages(value)
