"""Account self-service over HTTP: changing the password and deleting the account."""

from __future__ import annotations

import pytest

from django_shell.accounts.models import User
from domain.errors import ProviderUnavailable
from tests.fakes import FailingIdentityProvider
from tests.integration.api.conftest import basic
from tests.pools import Gap, skip_if

USERNAME = "lee@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"


@pytest.fixture
def signed_in(api, backend):
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    api.client.cookies.clear()  # each test sends the tokens as headers
    return {"HTTP_ACCESSTOKEN": response["AccessToken"], "HTTP_REFRESHTOKEN": response["RefreshToken"]}


def login(api, password):
    return api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, password))


class TestChangePassword:
    def change(self, api, tokens, old=PASSWORD, new=NEW_PASSWORD):
        return api.post("/auth/me/password", {"old_password": old, "new_password": new}, **tokens)

    def test_the_new_password_signs_in_and_the_old_one_no_longer(self, api, signed_in):
        response = self.change(api, signed_in)

        assert response.status_code == 200, response.json()
        assert login(api, NEW_PASSWORD).status_code == 200
        assert (login(api, PASSWORD).status_code, login(api, PASSWORD).json()["code"]) == (401, "NotAuthorized")

    def test_refuses_a_wrong_old_password_with_401(self, api, signed_in):
        response = self.change(api, signed_in, old="Wrong-Horse-9")
        assert (response.status_code, response.json()["code"]) == (401, "NotAuthorized")

    def test_refuses_a_weak_new_password_with_400(self, api, signed_in):
        response = self.change(api, signed_in, new="weak")
        assert (response.status_code, response.json()["code"]) == (400, "InvalidPassword")

    def test_refuses_a_missing_field(self, api, signed_in):
        response = api.post("/auth/me/password", {"old_password": PASSWORD}, **signed_in)
        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")

    def test_needs_a_token(self, api, backend):
        response = self.change(api, {})
        assert (response.status_code, response.json()["code"]) == (401, "NotAuthenticated")


class TestDeleteAccount:
    def test_refuses_the_tokens_at_once_and_the_login_afterwards(self, api, backend, signed_in):
        skip_if(backend, Gap.NO_DELETE_USER)

        response = api.client.delete("/auth/me", **signed_in)

        assert response.status_code == 200, response.json()
        assert response.cookies["access_token"]["max-age"] == 0
        refused = api.client.get("/auth/me", **signed_in)
        assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert (login(api, PASSWORD).status_code, login(api, PASSWORD).json()["code"]) == (401, "NotAuthorized")

    def test_refuses_every_other_sign_in_at_once_and_no_mirrored_user_comes_back(self, api, backend, signed_in):
        skip_if(backend, Gap.NO_DELETE_USER)
        other_device = login(api, PASSWORD)
        api.client.cookies.clear()
        other_tokens = {
            "HTTP_ACCESSTOKEN": other_device["AccessToken"],
            "HTTP_REFRESHTOKEN": other_device["RefreshToken"],
        }
        assert api.client.get("/auth/me", **other_tokens).status_code == 200

        assert api.client.delete("/auth/me", **signed_in).status_code == 200

        refused = api.client.get("/auth/me", **other_tokens)
        assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert not User.objects.filter(username=USERNAME).exists()

    def test_removes_the_mirrored_user(self, api, backend, signed_in):
        skip_if(backend, Gap.NO_DELETE_USER)
        assert User.objects.filter(username=USERNAME).exists()

        api.client.delete("/auth/me", **signed_in)

        assert not User.objects.filter(username=USERNAME).exists()

    def test_needs_a_token(self, api, backend):
        response = api.client.delete("/auth/me")
        assert (response.status_code, response.json()["code"]) == (401, "NotAuthenticated")

    def test_a_failing_pool_deletes_no_mirrored_user(self, api, container, signed_in):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable())):
            response = api.client.delete("/auth/me", **signed_in)

        assert (response.status_code, response.json()["code"]) == (503, "ProviderUnavailable")
        assert User.objects.filter(username=USERNAME).exists()
        assert login(api, PASSWORD).status_code == 200
