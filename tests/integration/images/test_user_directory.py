"""Where the profile image key is remembered: the mirrored user's row, replaced in one atomic step."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from django_shell.accounts.models import User
from django_shell.accounts.users import DjangoUserDirectory, MirroredUsers
from domain.errors import NotAuthorized
from tests.fakes import ManualClock
from tests.integration.mirror.conftest import claims

SUB = "3f1c0a52-0000-4000-8000-000000000001"
CONCURRENCY = 20


@pytest.fixture
def mirrored() -> MirroredUsers:
    return MirroredUsers(ManualClock(), ttl=60.0)


@pytest.fixture
def directory(mirrored: MirroredUsers) -> DjangoUserDirectory:
    directory = DjangoUserDirectory(ManualClock(), mirrored_users=mirrored)
    directory.record_sign_in(claims(SUB, "ada"))
    return directory


@pytest.mark.django_db
class TestReplaceProfileImageKey:
    def test_answers_the_key_it_replaced(self, directory):
        assert directory.replace_profile_image_key(SUB, "profile-images/a.png") is None
        assert directory.replace_profile_image_key(SUB, "profile-images/b.png") == "profile-images/a.png"
        assert User.objects.get(sub=SUB).profile_image_key == "profile-images/b.png"

    def test_none_removes_the_key(self, directory):
        directory.replace_profile_image_key(SUB, "profile-images/a.png")

        assert directory.replace_profile_image_key(SUB, None) == "profile-images/a.png"
        assert directory.replace_profile_image_key(SUB, None) is None

    def test_refuses_a_user_the_mirror_does_not_know(self, directory):
        with pytest.raises(NotAuthorized):
            directory.replace_profile_image_key("not-mirrored", "profile-images/a.png")

    def test_the_next_request_of_the_process_sees_the_new_key(self, directory, mirrored):
        access = claims(SUB, "ada", token_use="access")
        assert mirrored.for_claims(access).profile_image_key == ""

        directory.replace_profile_image_key(SUB, "profile-images/a.png")

        assert mirrored.for_claims(access).profile_image_key == "profile-images/a.png"


@pytest.mark.django_db(transaction=True)
class TestConcurrentReplacements:
    def test_tell_each_superseded_key_to_exactly_one_caller_on_postgresql(self, directory):
        if connection.vendor != "postgresql":
            reason = f"needs PostgreSQL (set DB_NAME, DB_USERNAME, DB_HOST), not {connection.vendor}"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        directory.replace_profile_image_key(SUB, "initial")
        keys = [f"key-{index}" for index in range(CONCURRENCY)]
        start = threading.Barrier(CONCURRENCY)

        def replace(key: str) -> str | None:
            try:
                start.wait()
                return directory.replace_profile_image_key(SUB, key)
            finally:
                connections.close_all()

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            previous = list(pool.map(replace, keys))

        final = User.objects.get(sub=SUB).profile_image_key
        assert sorted(previous) == sorted({"initial", *keys} - {final})
