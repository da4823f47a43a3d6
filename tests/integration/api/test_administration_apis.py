"""The staff-only administration endpoints, walked against each identity provider."""

from __future__ import annotations

import pytest

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.memory.user_pool_administration import InMemoryUserPoolAdministration
from application.ports.user_pool_administration import UserPoolAdministration
from django_shell.accounts.models import User
from tests.integration.api.conftest import basic
from tests.pools import Backend, CognitoBackend, MemoryBackend

ADMIN, ADMIN_PASSWORD = "root@example.com", "Correct-Horse-9"
USERNAME, TEMPORARY, NEW_PASSWORD = "lee@example.com", "Temp0rary-pass", "Battery-st4ple"


@pytest.fixture
def administration(backend: Backend, container):
    built: UserPoolAdministration
    if isinstance(backend, MemoryBackend):
        built = InMemoryUserPoolAdministration(backend.provider)
    else:
        assert isinstance(backend, CognitoBackend)
        built = CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)
    with container.user_pool_administration.override(built):
        yield built


def signed_in(api, backend, username, password, *, staff=False):
    """The access token of a fresh confirmed user; `staff` as set in Django's admin."""
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(username, password))
    api.post("/auth/confirm_signup", {"username": username, "code": backend.sign_up_code(username)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, password))
    assert response.status_code == 200, response.json()
    User.objects.filter(username=username).update(is_staff=staff)
    api.client.cookies.clear()
    return response["AccessToken"]


def sign_in_again(api, username, password):
    """The access token of another sign-in of an existing user, as from a second device."""
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, password))
    assert response.status_code == 200, response.json()
    api.client.cookies.clear()
    return response["AccessToken"]


def me(api, token):
    return api.client.get("/auth/me", HTTP_ACCESSTOKEN=token)


@pytest.fixture
def admin_token(api, backend, administration):
    return signed_in(api, backend, ADMIN, ADMIN_PASSWORD, staff=True)


def create(api, token, username=USERNAME):
    return api.post(
        "/admin-api/users",
        {
            "username": username,
            "temporary_password": TEMPORARY,
            "user_attributes": [{"Name": "given_name", "Value": "Lee"}],
        },
        HTTP_ACCESSTOKEN=token,
    )


class TestStaffOnly:
    def test_refuses_a_request_without_a_token(self, api, administration):
        response = api.client.get(f"/admin-api/users/{USERNAME}")
        assert response.status_code == 401
        assert response.json()["code"] == "NotAuthenticated"

    def test_refuses_a_user_who_is_not_staff(self, api, backend, administration):
        token = signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        response = create(api, token)
        assert response.status_code == 403
        assert response.json()["code"] == "PermissionDenied"


class TestUserLifecycle:
    def test_a_created_user_signs_in_only_after_setting_a_new_password(self, api, admin_token):
        created = create(api, admin_token)
        assert created.status_code == 201, created.json()
        assert created.json()["status"] == "FORCE_CHANGE_PASSWORD"
        assert created.json()["attributes"]["given_name"] == "Lee"

        challenge = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, TEMPORARY)).json()
        assert challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
        answered = api.post(
            "/auth/confirm_login",
            {
                "username": USERNAME,
                "challenge_name": "NEW_PASSWORD_REQUIRED",
                "responses": {"NEW_PASSWORD": NEW_PASSWORD},
                "session": challenge["session"],
            },
        )
        assert answered.status_code == 200, answered.json()
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD)).status_code == 200
        shown = api.client.get(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token).json()
        assert shown["status"] == "CONFIRMED"

    def test_a_disabled_user_is_refused_at_login_and_every_sign_in_at_once(self, api, backend, admin_token):
        first = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        second = sign_in_again(api, USERNAME, NEW_PASSWORD)
        for token in (first, second):
            assert me(api, token).status_code == 200

        disabled = api.post(f"/admin-api/users/{USERNAME}/disable", HTTP_ACCESSTOKEN=admin_token)

        assert disabled.status_code == 200, disabled.json()
        assert disabled.json()["enabled"] is False
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD)).status_code == 401
        for token in (first, second):
            refused = me(api, token)
            assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert not User.objects.get(username=USERNAME).is_active

    def test_an_enabled_user_signs_in_again_but_the_old_tokens_stay_refused(self, api, backend, admin_token):
        token = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        api.post(f"/admin-api/users/{USERNAME}/disable", HTTP_ACCESSTOKEN=admin_token)

        enabled = api.post(f"/admin-api/users/{USERNAME}/enable", HTTP_ACCESSTOKEN=admin_token)

        assert enabled.json()["enabled"] is True
        fresh = sign_in_again(api, USERNAME, NEW_PASSWORD)
        assert me(api, fresh).status_code == 200
        refused = me(api, token)
        assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")

    def test_a_deleted_user_leaves_the_pool_and_the_mirror(self, api, backend, admin_token):
        signed_in(api, backend, USERNAME, NEW_PASSWORD)

        deleted = api.client.delete(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token)

        assert deleted.status_code == 204
        assert not User.objects.filter(username=USERNAME).exists()
        missing = api.client.get(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token)
        assert missing.status_code == 404
        assert missing.json()["code"] == "UserNotFound"

    def test_a_deleted_users_every_sign_in_is_refused_and_no_mirrored_user_comes_back(self, api, backend, admin_token):
        first = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        second = sign_in_again(api, USERNAME, NEW_PASSWORD)
        assert me(api, second).status_code == 200

        assert api.client.delete(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token).status_code == 204

        for token in (first, second):
            refused = me(api, token)
            assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert not User.objects.filter(username=USERNAME).exists()

    def test_a_taken_username_is_a_conflict(self, api, admin_token):
        create(api, admin_token)
        assert create(api, admin_token).status_code == 409
