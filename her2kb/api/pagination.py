"""Pagination: numbered pages, and cursors for the long lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db.models import QuerySet
from rest_framework import exceptions, pagination
from rest_framework.request import Request
from rest_framework.response import Response

from ..paginators import DataVersionPaginator, filter_matches
from .parameters import INTEGER_RE, MAX_PAGE_SIZE, PAGE_SIZE

COUNT_UP_TO = 10_000


class ApiPagination(pagination.PageNumberPagination):
    """Numbered pages of PAGE_SIZE rows; `page_size` can ask for up to MAX_PAGE_SIZE."""

    django_paginator_class = DataVersionPaginator  # counts per filter and data version; deep pages by key
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # `page=last` is not documented: the parameter is an integer
    invalid_page_message = "Page {page_number} does not exist: {message}"

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                # The next page's number as a field, so a client need not parse it out of `next`.
                "next_page": self.page.next_page_number() if self.page.has_next() else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _page_schema(
            schema,
            {"next_page": {"type": ["integer", "null"], "description": "The next page's `page`, or null."}},
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs


def _page_schema(results: dict[str, Any], position: dict[str, Any]) -> dict[str, Any]:
    """A page's shape: the total, links to the neighbouring pages, their position as fields, and the records."""
    link = {"type": ["string", "null"], "format": "uri"}  # OpenAPI 3.1: null is a type
    properties = {
        "count": {"type": "integer", "description": "How many records match, on every page together."},
        "next": {**link, "description": "The next page, or null on the last."},
        "previous": {**link, "description": "The previous page, or null on the first."},
        **position,
        "results": results,
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def _cursor_of(url: str | None) -> str | None:
    return parse_qs(urlsplit(url).query).get("cursor", [None])[0] if url else None


class ApiCursorPagination(pagination.CursorPagination):
    """
    Cursor pagination for long lists (references): stable under inserts and cheap at any depth.

    The first ordering field must be unique and integer-valued (see ReferenceViewSet), so a cursor's
    position is checked to be an integer before it reaches the database.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # A filter matching more is counted up to here (`count_exact` false): a cursor needs no total to find its page,
    # and counting every match of a broad filter over 200,000 references would cost more than the page itself.
    count_up_to = COUNT_UP_TO
    ordering = "-pk"
    invalid_cursor_message = "Invalid cursor: follow the `next` and `previous` links instead of building one."

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list | None:
        # The total (and a filter's few keys), found once per filter and data version like the numbered lists'.
        self.matches = filter_matches(queryset, count_up_to=self.count_up_to)
        return super().paginate_queryset(self.matches.narrow(queryset), request, view)

    def get_paginated_response(self, data: list) -> Response:
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "count": self.matches.count,
                # Whether `count` is every match, or the bound counting stopped at (a broad filter).
                "count_exact": self.matches.exact,
                "next": next_link,
                "previous": previous_link,
                # The cursors as fields, so a client need not parse them out of the links.
                "next_cursor": _cursor_of(next_link),
                "previous_cursor": _cursor_of(previous_link),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        cursor = {"type": ["string", "null"]}
        return _page_schema(
            schema,
            {
                "count_exact": {
                    "type": "boolean",
                    "description": f"False when more than {self.count_up_to:,} records match: `count` is then "
                    f"{self.count_up_to:,}, and counting stopped there (the pages still hold every match).",
                },
                "next_cursor": {**cursor, "description": "The `cursor` of the next page, or null on the last."},
                "previous_cursor": {**cursor, "description": "The `cursor` of the previous page, or null."},
            },
        )

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not INTEGER_RE.match(cursor.position):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs
