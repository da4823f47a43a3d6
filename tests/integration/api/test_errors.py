"""The error handler: every failure a client can cause answers its own 4xx in the one body."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import exceptions as django
from django.http import Http404
from django.test import RequestFactory
from django.urls import Resolver404
from rest_framework import exceptions

from django_shell import errors, urls


def _subclasses(kind: type) -> set[type]:
    return {sub for direct in kind.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def answer(exc: Exception) -> tuple[int, dict]:
    response = errors.exception_handler(exc, {"view": None})
    return response.status_code, json.loads(response.content)


class TestDrfFailures:
    @pytest.mark.parametrize("kind", sorted(_subclasses(exceptions.APIException), key=lambda kind: kind.__name__))
    def test_each_answers_its_own_status_under_a_listed_code(self, kind):
        try:
            exc = kind()
        except TypeError:  # the method or media type that was refused
            exc = kind("GET")
        status, body = answer(exc)
        assert status == kind.status_code
        assert errors.ERROR_STATUSES[body["code"]] == status, body
        assert set(body) <= {"error", "code", "fields"}

    def test_throttling_says_when_to_come_back(self):
        response = errors.exception_handler(exceptions.Throttled(wait=2.5), {"view": None})
        assert (response.status_code, response["Retry-After"]) == (429, "3")
        assert json.loads(response.content)["code"] == "TooManyRequests"

    def test_one_outside_the_table_is_named_after_its_status(self):
        class Withdrawn(exceptions.APIException):
            status_code = 410
            default_detail = "The feature was withdrawn."

        assert answer(Withdrawn()) == (410, {"error": "The feature was withdrawn.", "code": "Gone"})

    def test_a_validation_error_lists_its_fields(self):
        status, body = answer(exceptions.ValidationError({"email": ["This field is required."]}))
        assert (status, body["fields"]) == (400, {"email": "This field is required."})


class TestDjangoFailures:
    @pytest.mark.parametrize(
        ("exc", "status", "code"),
        [
            (django.RequestDataTooBig(), 413, "PayloadTooLarge"),
            (django.TooManyFieldsSent(), 400, "BadRequest"),
            (django.TooManyFilesSent(), 400, "BadRequest"),
            (django.DisallowedHost("evil.example"), 400, "BadRequest"),
            (django.SuspiciousFileOperation("../../etc/passwd"), 400, "BadRequest"),
            (django.BadRequest("bad"), 400, "BadRequest"),
            (Http404("no renderer for xml"), 404, "NotFound"),
            (Resolver404(), 404, "NotFound"),
            (django.PermissionDenied(), 403, "PermissionDenied"),
        ],
    )
    def test_each_answers_a_4xx_in_a_drf_view_and_in_django_s_handlers(self, exc, status, code):
        handler = {400: urls.handler400, 403: urls.handler403, 404: urls.handler404}[400 if status == 413 else status]
        from_django = handler(RequestFactory().get("/"), exception=exc)
        for response in (errors.exception_handler(exc, {"view": None}), from_django):
            body = json.loads(response.content)
            assert (response.status_code, body["code"]) == (status, code)
            assert set(body) == {"error", "code"}
            # Django's messages may quote the request (a host, a path); the answer quotes none of it.
            assert "evil" not in body["error"]
            assert "passwd" not in body["error"]
            assert "xml" not in body["error"]

    def test_a_suspicious_request_met_in_a_view_is_logged_as_django_logs_its_own(self, caplog):
        with caplog.at_level(logging.ERROR, logger="django.security"):
            answer(django.DisallowedHost("evil.example"))
        assert [record.name for record in caplog.records] == ["django.security.DisallowedHost"]


class TestDefects:
    def test_anything_else_is_a_500_that_reveals_nothing(self, caplog):
        with caplog.at_level(logging.ERROR, logger="cognito_auth.errors"):
            status, body = answer(KeyError("secret-internal-name"))
        assert (status, body) == (500, {"error": "Internal error.", "code": "InternalError"})
        assert "KeyError" in caplog.text

    def test_django_s_500_handler_answers_the_same(self):
        response = urls.handler500(RequestFactory().get("/"))
        assert (response.status_code, json.loads(response.content)["code"]) == (500, "InternalError")
