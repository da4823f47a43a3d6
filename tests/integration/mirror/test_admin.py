from __future__ import annotations

import pytest

from django_shell.accounts.models import User
from tests.integration.mirror.conftest import PASSWORD

USERNAME = "ada@example.com"
CHANGELIST = "/admin/cognito_auth/user/"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.mirror.urls")]


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("3f1c0a52-0000-4000-8000-000000000001", "root")


class TestUserAdmin:
    def test_lists_the_mirrored_users(self, client, superuser):
        User.objects.create_user("3f1c0a52-0000-4000-8000-000000000002", "grace", email="grace@example.com")
        client.force_login(superuser)

        response = client.get(CHANGELIST, {"q": "grace"})

        assert response.status_code == 200
        assert b"grace@example.com" in response.content

    def test_shows_what_the_pool_owns_read_only(self, client, superuser):
        client.force_login(superuser)

        response = client.get(f"{CHANGELIST}{superuser.pk}/change/")

        assert response.status_code == 200
        assert b'name="is_staff"' in response.content
        assert b'name="email"' not in response.content
        assert b'name="password"' not in response.content

    def test_adds_no_user_of_its_own(self, client, superuser):
        client.force_login(superuser)

        assert client.get(f"{CHANGELIST}add/").status_code == 403

    def test_lets_staff_sign_in_with_their_pool_password(self, client, confirmed_user):
        User.objects.create_superuser(confirmed_user(USERNAME), USERNAME)

        response = client.post("/admin/login/", {"username": USERNAME, "password": PASSWORD, "next": "/admin/"})

        assert (response.status_code, response["Location"]) == (302, "/admin/")
        assert client.get(CHANGELIST).status_code == 200

    def test_asks_for_the_pool_username_at_its_full_length(self, client):
        page = client.get("/admin/login/").content.decode()

        assert '<label for="id_username" class="required">Username:</label>' in page
        assert 'maxlength="128"' in page

    def test_keeps_out_a_user_who_is_not_staff(self, client, confirmed_user):
        confirmed_user(USERNAME)

        response = client.post("/admin/login/", {"username": USERNAME, "password": PASSWORD, "next": "/admin/"})

        assert response.status_code == 200
        assert b"correct username and password for a staff account" in response.content
        assert User.objects.get(username=USERNAME).last_login is not None
        assert client.get(CHANGELIST).status_code == 302
