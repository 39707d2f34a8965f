"""The OpenAPI schema of the API: each endpoint's query parameters and error responses, from one source."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .errors import PROBLEM_MEDIA_TYPE, ErrorSerializer
from .parameters import query_parameter_specs
from .views import ApiViewMixin

ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid query parameter: the message says which and why."),
    404: OpenApiResponse(ErrorSerializer, description="No such record, page or cursor."),
    405: OpenApiResponse(ErrorSerializer, description="The API is read-only: only GET, HEAD and OPTIONS."),
    406: OpenApiResponse(ErrorSerializer, description="None of the formats in the Accept header is available."),
    429: OpenApiResponse(
        ErrorSerializer, description="Too many requests: wait the seconds in the Retry-After header, or use a token."
    ),
}


class ApiAutoSchema(AutoSchema):
    """Publishes each endpoint's `query_parameter_specs` and the shared error responses."""

    def get_override_parameters(self) -> list[OpenApiParameter]:
        parameters = super().get_override_parameters()
        if not isinstance(self.view, ApiViewMixin):
            return parameters
        for name, spec in query_parameter_specs(self.view).items():
            # A list is comma-separated in one parameter (style form, not exploded); repeating it works too.
            shape = {"style": "form", "explode": False} if spec.get("list") else {}
            parameters.append(
                OpenApiParameter(
                    name,
                    spec["schema"],
                    OpenApiParameter.QUERY,
                    description=spec["description"],
                    required=spec.get("required", False),
                    **shape,
                )
            )
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if isinstance(self.view, ApiViewMixin):
            # File formats are not the JSON shape: each renderer may describe its own body.
            for media_type, content in responses.get("200", {}).get("content", {}).items():
                for renderer in self.view.get_renderers():
                    if renderer.media_type == media_type and hasattr(renderer, "response_schema"):
                        content["schema"] = renderer.response_schema
            for code, response in ERROR_RESPONSES.items():
                responses.setdefault(
                    str(code), self._get_response_for_code(response, str(code), media_types=[PROBLEM_MEDIA_TYPE])
                )
        return responses

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        if isinstance(self.view, ApiViewMixin):
            return []  # described from query_parameter_specs in get_override_parameters
        return super()._get_filter_parameters()
