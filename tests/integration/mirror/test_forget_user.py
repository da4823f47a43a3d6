"""Forgetting a deleted account's mirrored user."""

from __future__ import annotations

import pytest

from django_shell.accounts.models import User
from django_shell.accounts.users import DjangoUserDirectory, MirroredUsers
from tests.fakes import ManualClock
from tests.integration.mirror.conftest import claims

SUB = "3f1c0a52-0000-4000-8000-000000000002"


@pytest.fixture
def mirrored() -> MirroredUsers:
    return MirroredUsers(ManualClock(), ttl=60.0)


@pytest.fixture
def directory(mirrored: MirroredUsers) -> DjangoUserDirectory:
    directory = DjangoUserDirectory(ManualClock(), mirrored_users=mirrored)
    directory.record_sign_in(claims(SUB, "ada"))
    return directory


@pytest.mark.django_db
class TestForgetUser:
    def test_removes_the_row_and_answers_the_profile_image_key(self, directory):
        directory.replace_profile_image_key(SUB, "profile-images/a.png")

        assert directory.forget_user(SUB) == "profile-images/a.png"
        assert not User.objects.filter(sub=SUB).exists()

    def test_answers_none_without_an_image_or_a_user(self, directory):
        assert directory.forget_user(SUB) is None
        assert directory.forget_user(SUB) is None

    def test_drops_the_cached_user_of_the_process(self, directory, mirrored, django_assert_num_queries):
        access = claims(SUB, "ada", token_use="access")
        mirrored.for_claims(access)

        directory.forget_user(SUB)

        # Not served from the cache: the row is looked for, made again from the token and read back.
        with django_assert_num_queries(3):
            mirrored.for_claims(access)
