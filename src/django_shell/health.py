"""Liveness and readiness, for load balancers and orchestrators: `/healthz` and `/readyz`."""

from __future__ import annotations

import logging

from dependency_injector.wiring import Provide, inject
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.readiness import CheckReadiness, Readiness
from django_shell import openapi
from django_shell.errors import error_body
from domain.errors import ProviderUnavailable

logger = logging.getLogger("cognito_auth.health")

# libpq's own bound on opening a connection, its least (it reads 1 as 2): the thread of a check of a
# database that hangs is free again after it, though /readyz has answered long before.
_DATABASE_CONNECT_TIMEOUT = 2


def check_database() -> None:
    """A `DependencyCheck`: a fresh connection to the default database answers `SELECT 1`.

    Fresh, because the check runs in a thread of its own, where Django would otherwise keep a
    connection open with nobody to close it; and because whether a new connection can be opened
    is what a request starting now needs to know."""
    settings_dict = dict(connections.settings[DEFAULT_DB_ALIAS])
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        settings_dict["OPTIONS"] = {"connect_timeout": _DATABASE_CONNECT_TIMEOUT, **settings_dict.get("OPTIONS", {})}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        wrapper.close()


class _ProbeApi(APIView):
    """Probes answer anyone: no token or session is looked at, whatever the request carries."""

    http_method_names = ["get", "head", "options"]
    handles_tokens_itself = True
    authentication_classes = ()
    permission_classes = ()


class HealthApi(_ProbeApi):
    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ok"])

    @openapi.operation(
        summary="Liveness: the process serves requests.",
        description="Touches no database, cache or identity provider, and needs no credentials.",
        responses={200: OutputSerializer},
        errors=(),
        security=openapi.NONE,
        operation_id="health",
        response_example={"status": "ok"},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class CheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "failed"])
    seconds = serializers.FloatField(help_text="How long the check took (the deadline, for one that timed out).")
    error = serializers.CharField(
        required=False, help_text="Why it failed: `Timeout`, or the name of the error the dependency's client raised."
    )


class ReadinessApi(_ProbeApi):
    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ready"])
        checks = serializers.DictField(
            child=CheckSerializer(),
            help_text="Each check by name: `database`, `cache` (Redis, when `REDIS_URL` is set) and `jwks` "
            "(the identity provider's signing keys).",
        )

    @openapi.operation(
        summary="Readiness: the database, the shared cache and the identity provider's signing keys answer.",
        description="Every check runs at once, and the answer comes within 2 s whatever a dependency does. "
        "When one fails, 503 `ProviderUnavailable` names it in `error` and carries `checks` as the 200 does.",
        responses={200: OutputSerializer},
        errors=("ProviderUnavailable",),
        security=openapi.NONE,
        operation_id="readiness",
        response_example={
            "status": "ready",
            "checks": {"database": {"status": "ok", "seconds": 0.002}, "jwks": {"status": "ok", "seconds": 0.041}},
        },
    )
    @inject
    def get(self, request: Request, check_readiness: CheckReadiness = Provide["check_readiness"]) -> Response:
        readiness = check_readiness()
        checks = _checks_body(readiness)
        if readiness.ready:
            return Response({"status": "ready", "checks": checks})
        for name in readiness.failed:
            logger.warning("not ready: %s failed (%s)", name, readiness.checks[name].detail)
        unavailable = ProviderUnavailable(f"Not ready: {', '.join(readiness.failed)}.")
        return Response(
            {**error_body(unavailable.message, unavailable.code), "checks": checks},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(unavailable.retry_after)},
        )


def _checks_body(readiness: Readiness) -> dict[str, dict[str, object]]:
    body: dict[str, dict[str, object]] = {}
    for name, result in readiness.checks.items():
        body[name] = {"status": "ok" if result.ok else "failed", "seconds": result.seconds}
        if result.error is not None:
            body[name]["error"] = result.error
    return body
