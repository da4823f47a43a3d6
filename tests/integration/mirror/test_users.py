from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import OperationalError, connection, connections

from django_shell.accounts.models import User
from django_shell.accounts.users import DjangoUserDirectory, MirroredUsers
from domain.values import UserProfile
from tests.fakes import ManualClock
from tests.integration.mirror.conftest import claims

SUB = "3f1c0a52-0000-4000-8000-000000000001"
CONCURRENCY = 50


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def directory(clock: ManualClock) -> DjangoUserDirectory:
    return DjangoUserDirectory(clock)


@pytest.fixture
def mirrored(clock: ManualClock) -> MirroredUsers:
    return MirroredUsers(clock, ttl=60.0)


def signed_in_at(clock: ManualClock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


@pytest.mark.django_db
class TestRecordSignIn:
    def test_mirrors_a_new_user_from_the_id_token(self, directory, clock):
        directory.record_sign_in(
            claims(SUB, "ada", email="ada@example.com", given_name="Ada", family_name="Lovelace", groups=("admins",))
        )

        user = User.objects.get(sub=SUB)
        assert (user.username, user.email, user.given_name, user.family_name) == (
            "ada",
            "ada@example.com",
            "Ada",
            "Lovelace",
        )
        assert user.cognito_groups == ["admins"]
        assert user.last_login == signed_in_at(clock)
        assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
        assert not user.has_usable_password()

    def test_refreshes_the_user_at_the_next_sign_in(self, directory, clock):
        directory.record_sign_in(claims(SUB, "ada", given_name="Ada", groups=("admins",)))
        first = User.objects.get(sub=SUB)
        clock.advance(3600)

        directory.record_sign_in(claims(SUB, "ada", given_name="Augusta", groups=()))

        user = User.objects.get(sub=SUB)
        assert (user.pk, user.given_name, user.cognito_groups) == (first.pk, "Augusta", [])
        assert user.last_login == signed_in_at(clock)
        assert user.date_joined == first.date_joined

    def test_keeps_what_the_service_decided_about_the_user(self, directory):
        directory.record_sign_in(claims(SUB))
        User.objects.filter(sub=SUB).update(is_staff=True, is_superuser=True, is_active=False)

        directory.record_sign_in(claims(SUB, given_name="Ada"))

        user = User.objects.get(sub=SUB)
        assert (user.is_staff, user.is_superuser, user.is_active, user.given_name) == (True, True, False, "Ada")

    def test_a_missing_attribute_blanks_the_mirrored_one(self, directory):
        directory.record_sign_in(claims(SUB, email="ada@example.com"))

        directory.record_sign_in(claims(SUB))

        assert User.objects.get(sub=SUB).email == ""

    def test_keeps_every_attribute_of_the_id_token(self, directory):
        attributes = {"email": "ada@example.com", "email_verified": "true", "phone_number": "+441234567890"}
        directory.record_sign_in(claims(SUB, email="ada@example.com", attributes=attributes))

        user = User.objects.get(sub=SUB)
        assert user.attributes == attributes
        assert (user.email_verified, user.phone_number) == (True, "+441234567890")

    def test_takes_one_statement_to_create_or_update(self, directory, django_assert_num_queries):
        with django_assert_num_queries(1):
            directory.record_sign_in(claims(SUB))
        with django_assert_num_queries(1):
            directory.record_sign_in(claims(SUB))


@pytest.mark.django_db
class TestUpdateProfile:
    PROFILE = UserProfile(
        username="ada",
        sub=SUB,
        attributes={"email": "countess@example.org", "email_verified": "false", "given_name": "Augusta"},
    )

    def test_takes_the_pools_answer_and_keeps_the_services_own(self, directory):
        directory.record_sign_in(claims(SUB, "ada", email="ada@example.com", given_name="Ada", family_name="Lovelace"))
        User.objects.filter(sub=SUB).update(is_staff=True, profile_image_key="profile-images/x.png")

        directory.update_profile(self.PROFILE)

        user = User.objects.get(sub=SUB)
        assert (user.email, user.given_name, user.family_name) == ("countess@example.org", "Augusta", "")
        assert (user.attributes, user.email_verified) == (self.PROFILE.attributes, False)
        assert (user.is_staff, user.profile_image_key) == (True, "profile-images/x.png")

    def test_a_user_not_in_the_mirror_stays_out(self, directory):
        directory.update_profile(self.PROFILE)
        assert not User.objects.filter(sub=SUB).exists()

    def test_this_process_sees_the_change_at_once(self, clock, mirrored, django_assert_num_queries):
        directory = DjangoUserDirectory(clock, mirrored_users=mirrored)
        directory.record_sign_in(claims(SUB, "ada", given_name="Ada"))
        assert mirrored.for_claims(claims(SUB)).given_name == "Ada"

        directory.update_profile(self.PROFILE)

        assert mirrored.for_claims(claims(SUB)).given_name == "Augusta"


@pytest.mark.django_db
class TestMirroredUsers:
    def test_finds_a_warm_user_without_a_query(self, directory, mirrored, django_assert_num_queries):
        directory.record_sign_in(claims(SUB, "ada"))
        with django_assert_num_queries(1):
            user = mirrored.for_claims(claims(SUB, "ada", token_use="access"))

        with django_assert_num_queries(0):
            assert mirrored.for_claims(claims(SUB, "ada", token_use="access")) is user

    def test_reads_the_user_again_once_the_entry_expires(self, directory, mirrored, clock, django_assert_num_queries):
        directory.record_sign_in(claims(SUB))
        assert mirrored.for_claims(claims(SUB)).is_active
        User.objects.filter(sub=SUB).update(is_active=False)

        clock.advance(59)
        assert mirrored.for_claims(claims(SUB)).is_active
        clock.advance(1)
        with django_assert_num_queries(1):
            assert not mirrored.for_claims(claims(SUB)).is_active

    def test_serves_an_expired_entry_while_the_database_fails(self, directory, mirrored, clock):
        directory.record_sign_in(claims(SUB))
        user = mirrored.for_claims(claims(SUB))
        clock.advance(60)

        down = DatabaseDown()
        with connection.execute_wrapper(down):
            assert mirrored.for_claims(claims(SUB)) is user
            # The failure is remembered: for a while the database is not asked again.
            clock.advance(4)
            assert mirrored.for_claims(claims(SUB)) is user
        assert down.queries == 1

    def test_asks_the_database_again_once_it_has_had_time_to_recover(
        self, directory, mirrored, clock, django_assert_num_queries
    ):
        directory.record_sign_in(claims(SUB))
        mirrored.for_claims(claims(SUB))
        clock.advance(60)
        with connection.execute_wrapper(DatabaseDown()):
            mirrored.for_claims(claims(SUB))
        User.objects.filter(sub=SUB).update(is_active=False)

        clock.advance(5)
        with django_assert_num_queries(1):
            assert not mirrored.for_claims(claims(SUB)).is_active

    def test_a_user_it_never_saw_gets_the_failure(self, directory, mirrored):
        directory.record_sign_in(claims(SUB))
        with connection.execute_wrapper(DatabaseDown()), pytest.raises(OperationalError):
            mirrored.for_claims(claims(SUB))

    def test_mirrors_a_user_never_seen_from_the_access_token(self, mirrored, django_assert_num_queries):
        with django_assert_num_queries(3):
            user = mirrored.for_claims(claims(SUB, "ada", token_use="access", groups=("readers",)))

        assert (user.pk, user.sub, user.username, user.cognito_groups) == (
            User.objects.get(sub=SUB).pk,
            SUB,
            "ada",
            ["readers"],
        )
        assert (user.email, user.last_login, user.is_staff) == ("", None, False)
        assert not user.has_usable_password()

    def test_forgets_a_user_on_demand(self, directory, mirrored, django_assert_num_queries):
        directory.record_sign_in(claims(SUB))
        mirrored.for_claims(claims(SUB))

        mirrored.forget(SUB)

        with django_assert_num_queries(1):
            mirrored.for_claims(claims(SUB))

    def test_makes_room_by_dropping_the_entry_that_expires_first(self, clock, django_assert_num_queries):
        mirrored = MirroredUsers(clock, ttl=60.0, max_entries=2)
        for index in range(3):
            mirrored.for_claims(claims(f"sub-{index}"))
            clock.advance(1)

        with django_assert_num_queries(0):
            mirrored.for_claims(claims("sub-1"))
            mirrored.for_claims(claims("sub-2"))
        with django_assert_num_queries(1):
            mirrored.for_claims(claims("sub-0"))


def all_at_once(first_contact: Callable[[], object]) -> None:
    """Run `first_contact` in `CONCURRENCY` threads released together, each on its own connection."""
    start = threading.Barrier(CONCURRENCY)

    def contact() -> None:
        try:
            start.wait()
            first_contact()
        finally:
            # Each thread opened its own connection; left open, it would keep the test database from being dropped.
            connections.close_all()

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for future in [pool.submit(contact) for _ in range(CONCURRENCY)]:
            future.result()


@pytest.mark.django_db
class TestSetGroups:
    def test_replaces_the_groups_and_drops_the_cached_user(self, clock, mirrored):
        directory = DjangoUserDirectory(clock, mirrored_users=mirrored)
        directory.record_sign_in(claims(SUB, groups=("readers",)))
        assert mirrored.for_claims(claims(SUB)).cognito_groups == ["readers"]

        directory.set_groups(SUB, ("admins", "editors"))

        assert mirrored.for_claims(claims(SUB)).cognito_groups == ["admins", "editors"]

    def test_leaves_a_user_who_is_not_mirrored_to_their_first_sign_in(self, directory):
        directory.set_groups(SUB, ("admins",))

        assert not User.objects.filter(sub=SUB).exists()


FIRST_CONTACTS = {
    "sign-in": lambda: DjangoUserDirectory().record_sign_in(claims(SUB, "ada")),
    "request": lambda: MirroredUsers(ManualClock()).for_claims(claims(SUB, "ada", token_use="access")),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_contact", FIRST_CONTACTS.values(), ids=FIRST_CONTACTS.keys())
class TestConcurrentFirstContacts:
    """Fifty threads meeting a user the mirror does not know yet: one row, and no error."""

    def test_leave_one_row_on_postgresql(self, postgresql, first_contact):
        all_at_once(first_contact)

        assert User.objects.filter(sub=SUB).count() == 1


class DatabaseDown:
    """A database that fails every query, as an unreachable one does; counts what was asked."""

    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        raise OperationalError("server closed the connection unexpectedly")
