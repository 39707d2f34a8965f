"""Errors: every 4xx and 5xx of the API is an RFC 9457 problem (`application/problem+json`), with the problems of
each query parameter under `errors`; unknown URLs under /api/ too."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9457 §4.2.1: "about:blank" says the problem is what its HTTP status says; `title` is then the status phrase.
PROBLEM_TYPE = "about:blank"


def problem(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The body of a problem-details answer."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """A problem answered outside DRF (middleware, the JSON 404)."""
    return JsonResponse(problem(status, detail, errors), status=status, content_type=PROBLEM_MEDIA_TYPE)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (which sets Allow and Retry-After), reshaped to a problem with `errors` for invalid input."""
    # Imported here: rest_framework.views reads the renderer settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        first = next(iter(errors.values()), ["Invalid request."])
        message = first[0] if isinstance(first, list) and first else str(first)
        response.data = problem(response.status_code, f"Invalid request: {message}", errors)
    elif isinstance(data, dict) and "detail" in data:
        response.data = problem(response.status_code, str(data["detail"]))
    else:
        response.data = problem(response.status_code, str(data))
    return response


class ErrorSerializer(serializers.Serializer):
    """An RFC 9457 problem."""

    type = serializers.CharField(help_text='"about:blank": the problem is what the HTTP status says.')
    title = serializers.CharField(help_text="The HTTP status phrase, e.g. Bad Request.")
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid requests: the problems with each query parameter, by name.",
    )

    class Meta:
        ref_name = "Problem"


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown URLs under /api/ answer as problems like the rest of the API, not with the HTML 404 page."""
    return problem_response(404, f"No API endpoint at {request.path}. See /api/docs/.")
