"""A user in a hundred groups of long names: tokens of about 18 KiB, accepted in headers; too large for cookies."""

from __future__ import annotations

import pytest

from domain.values import Group, GroupName, Username
from tests.integration.api.conftest import basic

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "many.groups@example.com"
PASSWORD = "Correct-Horse-9"
GROUPS = [f"group-{index:03d}-" + "g" * 118 for index in range(100)]


@pytest.fixture
def signed_in(api, backend):
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    for name in GROUPS:
        backend.provider.admin_create_group(Group(GroupName(name)))
        backend.provider.admin_add_user_to_group(Username(USERNAME), GroupName(name))
    return api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))


def test_the_tokens_come_as_headers_and_authenticate(api, signed_in):
    access = signed_in["AccessToken"]

    me = api.client.get("/auth/me", HTTP_ACCESSTOKEN=access)

    assert len(access) > 16 * 1024
    assert me.status_code == 200
    assert sorted(me.json()["groups"]) == GROUPS


def test_no_cookie_holds_a_part_of_a_token_and_the_answer_says_so(signed_in):
    token_cookies = {name: signed_in.cookies[name].value for name in ("access_token", "refresh_token", "id_token")}

    assert signed_in["Cookie-Session"] == "unavailable"
    assert token_cookies == {"access_token": "", "refresh_token": "", "id_token": ""}


def test_a_small_token_still_makes_a_cookie_session(api, backend):
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic("few.groups@example.com", PASSWORD))
    api.post(
        "/auth/confirm_signup",
        {"username": "few.groups@example.com", "code": backend.sign_up_code("few.groups@example.com")},
    )

    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic("few.groups@example.com", PASSWORD))

    assert "Cookie-Session" not in response
    assert response.cookies["access_token"].value == response["AccessToken"]
