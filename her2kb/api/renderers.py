"""Renderers: CSV for every list (the reference formats live with references)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from rest_framework import renderers, serializers

from .errors import PROBLEM_MEDIA_TYPE

# How a related object is named in a CSV cell: the first of these keys it has.
IDENTIFIER_KEYS = ("identifier", "slug", "pmid", "id")


def _label(item: Mapping[str, Any]) -> Any:
    """The short name of a nested object: an identifier, or an author as 'Last Initials'."""
    if "last_name" in item or "collective_name" in item:
        return item.get("collective_name") or f"{item.get('last_name', '')} {item.get('initials', '')}".strip()
    for key in IDENTIFIER_KEYS:
        if key in item:
            return item[key]
    # e.g. {"drug": {...}, "role": ...}: named by its first part (JSON from the database has no key order,
    # but serializers' summaries do).
    return next(iter(item.values()), "")


# OWASP's CSV injection guidance: a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _scalar(value: Any) -> Any:
    """A list item as a CSV cell's JSON array holds it: a related object as its identifier."""
    while isinstance(value, dict):
        value = _label(value)
    return value


def csv_cell(value: Any) -> str:
    """
    One CSV cell, safe to open in a spreadsheet. A related object appears as its identifier; a list (of texts, or
    of related objects as their identifiers) is a JSON array, `["a; b","c"]`, so no value containing a comma,
    "; " or a quote ever splits, and an empty list (`[]`) differs from an unknown value (an empty cell).

    The rule: a number (int, float or Decimal — what the serializers give for a numeric column) is written as the
    number, so a negative value stays `-2.5`; any other text starting with =, +, -, @, tab or carriage return gets
    an apostrophe in front (`'-1+cmd|…`), which spreadsheets show but never run. Every CSV the project writes
    goes through this function.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list):
        # A cell starting with "[" is never a formula, so the items are written as they are.
        return json.dumps([_scalar(item) for item in value], ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return csv_cell(_label(value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def serializer_columns(serializer: serializers.BaseSerializer) -> list[str]:
    """CSV columns of a serializer: its fields, with a nested single object spread as `parent.child`."""
    serializer = getattr(serializer, "child", serializer)
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns += [f"{name}.{child}" for child in field.fields]
        else:
            columns.append(name)
    return columns


def flatten_row(row: Mapping[str, Any], columns: Iterable[str]) -> list[str]:
    cells = []
    for column in columns:
        parent, _, child = column.partition(".")
        value = row.get(parent)
        if child:
            value = value.get(child) if isinstance(value, dict) else None
        cells.append(csv_cell(value))
    return cells


def rows_of(data: Any) -> list[Mapping[str, Any]]:
    """The records in a response body: an unpaginated list, a page's `results`, or one object."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    return [data] if isinstance(data, dict) else []


class ProblemJSONRenderer(renderers.JSONRenderer):
    """Errors: JSON as RFC 9457 names it, whatever format the request asked for."""

    media_type = PROBLEM_MEDIA_TYPE
    format = "problem"


class JSONLDRenderer(renderers.JSONRenderer):
    """A record's schema.org JSON-LD (detail answers of views with a `jsonld_builder`): what its page embeds."""

    media_type = "application/ld+json"
    format = "jsonld"
    response_schema = {
        "type": "object",
        "additionalProperties": True,
        "description": "schema.org JSON-LD: the same document the record's web page embeds.",
    }


class CSVRenderer(renderers.BaseRenderer):
    """Any list or object as CSV: one row per record, one column per field (see `serializer_columns`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    response_schema = {
        "type": "string",
        "description": "CSV with a header row; a list holds every matching row (no pagination). A cell holding a "
        "list is a JSON array.",
    }

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        rows = rows_of(data)
        return "".join(self.render_pieces([rows], renderer_context, first_row=rows[0] if rows else None)).encode(
            self.charset
        )

    def render_pieces(
        self, chunks: Iterable[list], renderer_context: dict | None, *, first_row: Mapping | None = None
    ) -> Iterator[str]:
        """The CSV of rows arriving in chunks (a whole-list download, her2kb.api.downloads): the header, then each
        chunk's rows; the same text as `render` of all of them at once."""
        view = (renderer_context or {}).get("view")
        if view is not None and hasattr(view, "get_serializer"):
            columns = serializer_columns(view.get_serializer())
        else:
            columns = list(first_row) if first_row else []
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for rows in chunks:
            for row in rows:
                writer.writerow(flatten_row(row, columns))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
