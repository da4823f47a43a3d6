from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from django_shell.accounts.backends import IdentityProviderBackend
from django_shell.accounts.models import User
from domain.errors import ProviderUnavailable
from domain.values import Attributes, Password, Username
from tests.fakes import FailingIdentityProvider
from tests.integration.mirror.conftest import PASSWORD

USERNAME = "ada@example.com"


@pytest.mark.django_db
class TestIdentityProviderBackend:
    def test_signs_in_a_confirmed_user_of_the_pool_and_mirrors_them(self, confirmed_user):
        sub = confirmed_user(USERNAME)

        user = authenticate(None, username=USERNAME, password=PASSWORD)

        assert isinstance(user, User)
        assert (user.sub, user.username, user.email, user.given_name) == (sub, USERNAME, USERNAME, "Ada")
        assert user.last_login is not None

    def test_keeps_a_staff_user_staff(self, confirmed_user):
        sub = confirmed_user(USERNAME)
        User.objects.create_superuser(sub, USERNAME)

        user = authenticate(None, username=USERNAME, password=PASSWORD)

        assert user is not None
        assert (user.is_staff, user.is_superuser, user.given_name) == (True, True, "Ada")

    def test_refuses_a_wrong_password(self, confirmed_user):
        confirmed_user(USERNAME)

        assert authenticate(None, username=USERNAME, password=PASSWORD + "!") is None

    def test_refuses_an_unknown_user(self, pool):
        assert authenticate(None, username=USERNAME, password=PASSWORD) is None

    def test_refuses_an_unconfirmed_user(self, pool):
        pool.provider.sign_up(Username(USERNAME), Password(PASSWORD), Attributes())

        assert authenticate(None, username=USERNAME, password=PASSWORD) is None

    def test_refuses_a_user_who_owes_a_new_password(self, pool):
        pool.admin_create_user(USERNAME, PASSWORD)

        assert authenticate(None, username=USERNAME, password=PASSWORD) is None

    def test_refuses_a_deactivated_user(self, confirmed_user):
        User.objects.create_user(confirmed_user(USERNAME), USERNAME, is_active=False)

        assert authenticate(None, username=USERNAME, password=PASSWORD) is None

    @pytest.mark.parametrize("password", ["", None])
    def test_refuses_a_missing_password_without_asking_the_pool(self, container, password):
        pool = FailingIdentityProvider(ProviderUnavailable())
        with container.identity_provider.override(pool):
            assert authenticate(None, username=USERNAME, password=password) is None
        assert pool.calls == 0

    def test_refuses_and_logs_when_the_pool_is_unreachable(self, container, caplog):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable())):
            assert authenticate(None, username=USERNAME, password=PASSWORD) is None
        assert "ProviderUnavailable" in caplog.text

    def test_finds_the_session_user_by_primary_key(self, confirmed_user):
        user = User.objects.create_user(confirmed_user(USERNAME), USERNAME)

        assert IdentityProviderBackend().get_user(user.pk) == user
