"""Log lines: one access line per request, the request's id on every line of it, JSON that parses and
holds no password or token."""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.clock import SystemClock
from adapters.memory.revocation_list import InMemoryRevocationList
from django_shell import logs
from django_shell.accounts.images import signed_image_url
from tests.integration.api.conftest import basic
from tests.live_server import running_service, service_environment

PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")

pytestmark = pytest.mark.django_db


class Captured:
    """What the service logged during a test, through the JSON formatter and the request filter."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def access_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "cognito_auth.access"]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Every line at every level, as `LOG_FORMAT=json` writes them."""
    capture = Captured()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.RequestContextFilter())
    root, service = logging.getLogger(), logging.getLogger("cognito_auth")
    levels = root.level, service.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    service.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(handler)
    root.setLevel(levels[0])
    service.setLevel(levels[1])


@pytest.fixture
def client() -> Client:
    return Client()


class TestAccessLine:
    def test_one_per_request_with_the_fields(self, client, captured):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a")

        [line] = captured.access_lines()
        assert response["X-Request-ID"] == "lb-7f3a"
        assert line["level"] == "INFO"
        assert line["message"].startswith("GET /healthz 200 ")
        assert (line["request_id"], line["method"], line["path"], line["status"]) == ("lb-7f3a", "GET", "/healthz", 200)
        assert isinstance(line["duration_ms"], float)
        assert datetime.datetime.fromisoformat(line["time"]).tzinfo is not None
        assert "user_sub" not in line

    def test_refused_requests_too_and_djangos_own_line_carries_the_id(self, client, captured):
        response = client.get("/no/such/path")

        lines = captured.lines()
        assert [line["status"] for line in captured.access_lines()] == [404]
        assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}
        assert [line["message"] for line in lines if line["logger"] == "django.request"] == ["Not Found: /no/such/path"]

    def test_leaves_the_token_of_a_signed_image_url_out(self, client, captured):
        url = signed_image_url("profile-images/some-sub/image.png", 300)
        token = url.rstrip("/").rsplit("/", 1)[1]

        client.get(url)

        assert captured.access_lines()[0]["path"] == "/media/profile-images/<token>"
        assert token not in captured.text

    def test_lines_outside_a_request_carry_no_request_fields(self, captured):
        logging.getLogger("cognito_auth").info("starting")

        [line] = captured.lines()
        assert line["message"] == "starting"
        assert not {"request_id", "method", "path", "user_sub"} & set(line)

    def test_text_shows_the_request_id_and_a_dash_outside_requests(self, client):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logs.text_formatter())
        handler.addFilter(logs.RequestContextFilter())
        logging.getLogger().addHandler(handler)
        try:
            client.get("/healthz", HTTP_X_REQUEST_ID="text-1")
            logging.getLogger("cognito_auth").warning("outside")
        finally:
            logging.getLogger().removeHandler(handler)

        inside, outside = stream.getvalue().splitlines()
        assert " INFO cognito_auth.access [text-1]: GET /healthz 200 " in inside
        assert outside.endswith(" WARNING cognito_auth [-]: outside")


class TestRequestId:
    @pytest.mark.parametrize(
        "sane", ["abc", str(uuid.uuid4()), "Root=1-67891233-abcdef012345678912345678", "a" * 128, "x.y:z/+=@_-"]
    )
    def test_a_sane_one_is_kept_and_echoed(self, client, sane):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=sane)["X-Request-ID"] == sane

    @pytest.mark.parametrize(
        "insane",
        [
            "",
            "a" * 129,
            "abc\r\nSet-Cookie: sessionid=stolen",
            "abc\nX-Admin: 1",
            "abc\x00def",
            "abc\x1b[31m",
            " leading-space",
            "two words",
            "ключ",
            "-starts-with-a-dash",
        ],
        ids=lambda value: repr(value)[:20],
    )
    def test_an_insane_one_is_replaced(self, client, insane):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=insane)

        assert GENERATED_ID.fullmatch(response["X-Request-ID"])
        assert not response.has_header("X-Admin")
        assert "sessionid" not in response.cookies

    def test_one_is_made_for_a_request_without_and_each_differs(self, client):
        first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]

        assert GENERATED_ID.fullmatch(first)
        assert GENERATED_ID.fullmatch(second)
        assert first != second

    @settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(header=st.text(max_size=200))
    def test_whatever_comes_the_echoed_id_is_sane(self, client, header):
        echoed = client.get("/healthz", HTTP_X_REQUEST_ID=header)["X-Request-ID"]

        assert echoed == logs.request_id_of(header) or GENERATED_ID.fullmatch(echoed)
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}", echoed)
        assert (echoed == header) == bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}", header))


class TestAWalkThroughTheAccountApi:
    """The embedded pool as `make run` wires it: codes are delivered as log lines."""

    @pytest.fixture(autouse=True)
    def _revocations_of_this_test(self):
        container = apps.get_app_config("cognito_auth").container
        with container.revocation_list.override(InMemoryRevocationList(SystemClock())):
            yield

    def test_logs_no_password_or_token_and_every_line_carries_its_requests_id(self, client, captured):
        username = f"log-{uuid.uuid4().hex[:8]}@example.com"
        post = lambda path, body=None, **meta: client.post(  # noqa: E731
            path, data="" if body is None else json.dumps(body), content_type="application/json", **meta
        )

        signed_up = post("/auth/signup", HTTP_AUTHORIZATION=basic(username, PASSWORD))
        assert signed_up.status_code == 201, signed_up.json()
        [code_line] = [line for line in captured.lines() if "confirmation code for" in line["message"]]
        assert code_line["request_id"] == signed_up["X-Request-ID"]
        assert code_line["path"] == "/auth/signup"
        code = code_line["message"].rsplit(" ", 1)[1]

        assert post("/auth/confirm_signup", {"username": username, "code": code}).status_code == 200
        logged_in = post("/auth/login", HTTP_AUTHORIZATION=basic(username, PASSWORD))
        assert logged_in.status_code == 200, logged_in.json()
        tokens = {name: logged_in[name] for name in ("AccessToken", "RefreshToken", "IdToken")}
        me = client.get("/auth/me", HTTP_ACCESSTOKEN=tokens["AccessToken"])
        assert me.status_code == 200
        refreshed = post(
            "/auth/refresh", HTTP_ACCESSTOKEN=tokens["AccessToken"], HTTP_REFRESHTOKEN=tokens["RefreshToken"]
        )
        assert refreshed.status_code == 200, refreshed.json()
        tokens["refreshed AccessToken"] = refreshed["AccessToken"]
        tokens["refreshed IdToken"] = refreshed["IdToken"]
        logged_out = post(
            "/auth/logout", HTTP_ACCESSTOKEN=refreshed["AccessToken"], HTTP_REFRESHTOKEN=tokens["RefreshToken"]
        )
        assert logged_out.status_code == 200, logged_out.json()
        assert post("/auth/forgot_password", {"email": username}).status_code == 200
        [reset_line] = [line for line in captured.lines() if "password reset code for" in line["message"]]
        reset = {"email": username, "new_password": NEW_PASSWORD, "code": reset_line["message"].rsplit(" ", 1)[1]}
        assert post("/auth/confirm_forgot_password", reset).status_code == 200

        lines = captured.lines()
        assert [line["path"] for line in captured.access_lines()] == [
            "/auth/signup",
            "/auth/confirm_signup",
            "/auth/login",
            "/auth/me",
            "/auth/refresh",
            "/auth/logout",
            "/auth/forgot_password",
            "/auth/confirm_forgot_password",
        ]
        assert all("request_id" in line for line in lines)
        assert [line["user_sub"] for line in captured.access_lines() if line["path"] == "/auth/me"] == [
            me.json()["sub"]
        ]
        for secret in (PASSWORD, NEW_PASSWORD, basic(username, PASSWORD).split()[1], *tokens.values()):
            assert secret not in captured.text


def test_a_served_process_with_log_format_json_writes_json_lines(tmp_path):
    environment = service_environment(
        LOG_FORMAT="json", LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"), SQLITE_PATH=str(tmp_path / "db")
    )
    with running_service(environment) as server:
        signed_up = server.post("/auth/signup", headers={"Authorization": basic("jo@example.com", PASSWORD)})
        assert signed_up.status == 201
        assert server.get("/readyz").status == 200
        output = server.log().splitlines()

    lines = [json.loads(line) for line in output if line.startswith("{")]
    # runserver prints a banner of its own to stdout, not through logging; everything logged is JSON.
    assert not [line for line in output if not line.startswith("{") and "cognito_auth" in line]
    assert any(line["message"].startswith("identity provider: embedded") for line in lines)
    [code_line] = [line for line in lines if "confirmation code for jo@example.com" in line["message"]]
    assert code_line["request_id"] == signed_up.headers["X-Request-ID"]
    assert [(line["path"], line["status"]) for line in lines if line["logger"] == "cognito_auth.access"] == [
        ("/auth/signup", 201),
        ("/readyz", 200),
    ]
    assert PASSWORD not in "\n".join(output)
