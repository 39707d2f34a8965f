"""Display filters for the public pages: numbers as clinicians read them. Load with {% load her2kb %}."""

from decimal import Decimal, InvalidOperation

from django import template

from her2kb.charts import format_ratio

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
