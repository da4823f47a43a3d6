"""`manage make_admin`: the first administrator, made before or after their first sign-in, with each provider."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from adapters.memory.revocation_list import InMemoryRevocationList
from django_shell.accounts.models import User
from django_shell.containers import Container
from tests.pools import Backend, EmbeddedBackend

USERNAME, PASSWORD = "ada@example.com", "Correct-h0rse"

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(backend: Backend, container: Container) -> Iterator[Backend]:
    """The service, and the command, wired to a fresh pool of each provider in turn, as in production."""
    container.user_directory()
    administration = (
        EmbeddedUserPoolAdministration(backend.provider)
        if isinstance(backend, EmbeddedBackend)
        else CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)  # type: ignore[attr-defined]
    )
    with (
        container.identity_provider.override(backend.provider),
        container.token_verifier.override(backend.verifier),
        container.clock.override(backend.token_clock),
        container.revocation_list.override(InMemoryRevocationList(backend.token_clock)),
        container.user_pool_administration.override(administration),
    ):
        yield backend


def sign_up(client: Client, pool: Backend) -> None:
    assert client.post("/auth/signup", content_type="application/json", HTTP_AUTHORIZATION=basic()).status_code == 201
    confirmed = client.post(
        "/auth/confirm_signup",
        {"username": USERNAME, "code": pool.sign_up_code(USERNAME)},
        content_type="application/json",
    )
    assert confirmed.status_code == 200


def sign_in(client: Client) -> str:
    response = client.post("/auth/login", content_type="application/json", HTTP_AUTHORIZATION=basic())
    assert response.status_code == 200, response.json()
    client.cookies.clear()
    return str(response["AccessToken"])


def basic() -> str:
    return "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()


def make_admin(*args: str) -> str:
    out = StringIO()
    call_command("make_admin", *args, stdout=out)
    return out.getvalue()


def administers(client: Client, token: str) -> bool:
    status = client.get("/admin-api/users", HTTP_ACCESSTOKEN=token).status_code
    assert status in (200, 403)
    return status == 200


class TestMakeAdmin:
    def test_before_the_first_sign_in(self, client, pool):
        sign_up(client, pool)
        assert not User.objects.filter(username=USERNAME).exists()

        said = make_admin(USERNAME)

        user = User.objects.get(username=USERNAME)
        assert (user.is_staff, user.is_superuser, user.last_login) == (True, True, None)
        assert f"{USERNAME} is an administrator" in said
        token = sign_in(client)
        user.refresh_from_db()
        assert (user.is_staff, user.is_superuser, user.email) == (True, True, USERNAME)
        assert user.last_login is not None
        assert administers(client, token)
        assert client.get("/auth/me", HTTP_ACCESSTOKEN=token).json()["is_staff"] is True

    def test_after_the_first_sign_in(self, client, pool):
        sign_up(client, pool)
        token = sign_in(client)
        assert not administers(client, token)

        make_admin(USERNAME)

        user = User.objects.get(username=USERNAME)
        assert (user.is_staff, user.is_superuser) == (True, True)
        assert User.objects.count() == 1
        # A sign-in in the serving process sees the row as the command left it, cache or not.
        assert administers(client, sign_in(client))

    def test_revoke_makes_an_ordinary_user_again(self, client, pool):
        sign_up(client, pool)
        make_admin(USERNAME)

        said = make_admin(USERNAME, "--revoke")

        user = User.objects.get(username=USERNAME)
        assert (user.is_staff, user.is_superuser) == (False, False)
        assert "no longer an administrator" in said
        assert not administers(client, sign_in(client))

    def test_an_unknown_user_is_refused_and_nothing_is_written(self, pool):
        with pytest.raises(CommandError, match=re.escape("the pool has no user 'nobody@example.com'")):
            make_admin("nobody@example.com")

        assert not User.objects.exists()

    def test_a_sign_in_sees_what_another_process_made_of_the_user(self, client, pool):
        """The command runs in a process of its own: the server's cache of the user must not hide it
        from the user's next sign-in."""
        sign_up(client, pool)
        assert not administers(client, sign_in(client))

        User.objects.filter(username=USERNAME).update(is_staff=True)  # as `make_admin` in another process

        assert administers(client, sign_in(client))
