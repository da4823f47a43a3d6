from __future__ import annotations

import pytest

from adapters.memory.identity_provider import InMemoryIdentityProvider
from adapters.memory.user_pool_administration import InMemoryUserPoolAdministration
from application.use_cases.administration import (
    CreateUser,
    CreateUserCommand,
    DeleteUser,
    DisableUser,
    EnableUser,
    GetUser,
    UserCommand,
)
from domain.errors import NotAuthorized, UserNotFound
from domain.values import Challenge, Claims, Password, ProfileImage, Username
from tests.fakes import InMemoryProfileImageStore, InMemoryUserDirectory
from tests.images import PNG

TEMPORARY = "Temp0rary-pass"


@pytest.fixture
def administration(memory_provider: InMemoryIdentityProvider) -> InMemoryUserPoolAdministration:
    return InMemoryUserPoolAdministration(memory_provider)


@pytest.fixture
def directory() -> InMemoryUserDirectory:
    return InMemoryUserDirectory()


def mirrored(directory: InMemoryUserDirectory, sub: str, username: str) -> None:
    directory.record_sign_in(
        Claims(
            sub=sub,
            username=username,
            token_use="id",
            client_id="test-client",
            issued_at=0,
            expires_at=1,
            auth_time=0,
            jti="j",
        )
    )


class TestCreateUser:
    def test_the_user_must_choose_a_password_at_first_sign_in(self, administration, memory_provider):
        user = CreateUser(administration)(CreateUserCommand("dana@example.com", TEMPORARY))

        assert user.status == "FORCE_CHANGE_PASSWORD"
        assert user.attributes["email"] == "dana@example.com"
        result = memory_provider.initiate_auth(Username("dana@example.com"), Password(TEMPORARY))
        assert isinstance(result, Challenge)
        assert result.name == "NEW_PASSWORD_REQUIRED"


class TestDisableAndEnable:
    def test_disabling_refuses_sign_in_and_marks_the_mirror_inactive(self, administration, memory_provider, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")

        disabled = DisableUser(administration, directory)(UserCommand("dana"))

        assert not disabled.enabled
        assert user.sub in directory.inactive
        with pytest.raises(NotAuthorized):
            memory_provider.initiate_auth(Username("dana"), Password(TEMPORARY))

    def test_enabling_makes_the_mirror_active_again(self, administration, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        DisableUser(administration, directory)(UserCommand("dana"))

        assert EnableUser(administration, directory)(UserCommand("dana")).enabled
        assert user.sub not in directory.inactive


class TestDeleteUser:
    def test_removes_the_user_from_the_pool_and_the_mirror(self, administration, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")

        DeleteUser(administration, directory, InMemoryProfileImageStore())(UserCommand("dana"))

        assert user.sub not in directory.users
        with pytest.raises(UserNotFound):
            GetUser(administration)(UserCommand("dana"))

    def test_deletes_the_profile_image_too(self, administration, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        images = InMemoryProfileImageStore()
        key = images.put(user.sub, ProfileImage(PNG))
        directory.replace_profile_image_key(user.sub, key)

        DeleteUser(administration, directory, images)(UserCommand("dana"))

        assert images.images == {}


class TestUnknownUsers:
    @pytest.mark.parametrize("use_case", [GetUser, DisableUser, EnableUser, DeleteUser])
    def test_an_administrator_is_told_the_user_does_not_exist(self, administration, directory, use_case):
        built = {
            GetUser: lambda: GetUser(administration),
            DeleteUser: lambda: DeleteUser(administration, directory, InMemoryProfileImageStore()),
        }.get(use_case, lambda: use_case(administration, directory))()
        with pytest.raises(UserNotFound):
            built(UserCommand("nobody"))
