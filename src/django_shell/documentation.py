"""The service's documentation: the OpenAPI schema and Swagger UI over it (see docs/openapi.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response

from django_shell import openapi


class SchemaApi(SpectacularAPIView):
    """spectacular's schema view, documented as the service's own operations are."""

    # Documents only: OPTIONS would render DRF's metadata as an OpenAPI document.
    http_method_names = ["get", "head"]

    @openapi.operation(
        summary="This OpenAPI document.",
        description="YAML by default; JSON with `?format=json` or `Accept: application/vnd.oai.openapi+json`.",
        responses={200: OpenApiTypes.OBJECT},
        errors=(),
        security=openapi.NONE,
        operation_id="get_schema",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # spectacular's views are untyped.
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        return response


class SwaggerUi(SpectacularSwaggerView):
    # A page only: OPTIONS would render DRF's metadata with Swagger UI's HTML template, and fail.
    http_method_names = ["get", "head"]
    url_name = "schema"
