"""Pagination: numbered pages, and cursors for the long lists."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, pagination
from rest_framework.request import Request

from ..paginators import DataVersionPaginator
from .parameters import INTEGER_RE, MAX_PAGE_SIZE, PAGE_SIZE


class ApiPagination(pagination.PageNumberPagination):
    """Numbered pages of PAGE_SIZE rows; `page_size` can ask for up to MAX_PAGE_SIZE."""

    django_paginator_class = DataVersionPaginator  # counts per filter and data version; deep pages by key
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # `page=last` is not documented: the parameter is an integer
    invalid_page_message = "Page {page_number} does not exist: {message}"

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs


class ApiCursorPagination(pagination.CursorPagination):
    """
    Cursor pagination for long lists (references): stable under inserts and cheap at any depth.

    The first ordering field must be unique and integer-valued (see ReferenceViewSet), so a cursor's
    position is checked to be an integer before it reaches the database.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"
    invalid_cursor_message = "Invalid cursor: follow the `next` and `previous` links instead of building one."

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not INTEGER_RE.match(cursor.position):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs
