"""The embedded pool's model of Cognito's protections, as a client meets them: 429 with Retry-After."""

from __future__ import annotations

import pytest

from domain.values import Attributes, ConfirmationCode, Password, Username
from tests.integration.api.conftest import basic

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "alice@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def confirmed(backend):
    backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), Attributes.from_pairs([("email", USERNAME)]))
    backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))


def test_a_login_during_the_password_lock_out_is_told_when_to_try_again(api, backend, confirmed):
    for _ in range(5):
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Wrong-Horse-99")).status_code == 401

    refused = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))

    assert (refused.status_code, refused.json()["code"]) == (429, "TooManyRequests")
    assert int(refused["Retry-After"]) >= 1
    backend.let_time_pass(int(refused["Retry-After"]))
    assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 200


def test_a_resend_past_the_hourly_cap_is_told_when_to_try_again(api, backend):
    backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), Attributes.from_pairs([("email", USERNAME)]))
    for _ in range(5):
        assert api.post("/auth/resend_code", {"username": USERNAME}).status_code == 200

    refused = api.post("/auth/resend_code", {"username": USERNAME})

    assert (refused.status_code, refused.json()["code"]) == (429, "TooManyRequests")
    assert int(refused["Retry-After"]) == 3600
