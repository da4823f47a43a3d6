from __future__ import annotations

import pytest

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from adapters.memory.revocation_list import InMemoryRevocationList
from application.ports.code_sender import CodePurpose
from application.use_cases.administration import (
    AddUserToGroup,
    CreateGroup,
    CreateGroupCommand,
    CreateUser,
    CreateUserCommand,
    DeleteUser,
    DisableUser,
    EnableUser,
    GetUser,
    GroupMembershipCommand,
    ListGroups,
    ListGroupsCommand,
    ListUsers,
    ListUsersCommand,
    RemoveUserFromGroup,
    ResetUserPassword,
    SetAdministrator,
    SetAdministratorCommand,
    UserCommand,
)
from application.use_cases.revocation import LONGEST_ACCESS_TOKEN_SECONDS
from domain.errors import (
    GroupExists,
    GroupNotFound,
    NotAuthorized,
    PasswordResetRequired,
    ProviderUnavailable,
    UserNotFound,
    UserStatusConflict,
    ValidationError,
)
from domain.values import (
    Attributes,
    Challenge,
    Claims,
    CodeDelivery,
    ConfirmationCode,
    Password,
    ProfileImage,
    Username,
)
from tests.fakes import (
    InMemoryProfileImageStore,
    InMemoryUserDirectory,
    ManualClock,
    PartlyUnreachableRevocationList,
    RecordingCodeSender,
    access_token_claims,
)
from tests.images import PNG

TEMPORARY = "Temp0rary-pass"


@pytest.fixture
def administration(embedded_provider: EmbeddedIdentityProvider) -> EmbeddedUserPoolAdministration:
    return EmbeddedUserPoolAdministration(embedded_provider)


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
    def test_the_user_must_choose_a_password_at_first_sign_in(self, administration, embedded_provider):
        user = CreateUser(administration)(CreateUserCommand("dana@example.com", TEMPORARY))

        assert user.status == "FORCE_CHANGE_PASSWORD"
        assert user.attributes["email"] == "dana@example.com"
        result = embedded_provider.initiate_auth(Username("dana@example.com"), Password(TEMPORARY))
        assert isinstance(result, Challenge)
        assert result.name == "NEW_PASSWORD_REQUIRED"


def token_of(sub: str, clock: ManualClock, *, origin_jti: str = "origin-1") -> Claims:
    """The claims of an access token of `sub` issued now, by the pool's clock."""
    return access_token_claims(int(clock.now()), sub=sub, origin_jti=origin_jti)


@pytest.fixture
def revocations(clock: ManualClock) -> InMemoryRevocationList:
    return InMemoryRevocationList(clock)


@pytest.fixture
def disable(administration, directory, revocations, clock):
    return DisableUser(administration, directory, revocations, clock)


@pytest.fixture
def enable(administration, directory, clock):
    return EnableUser(administration, directory, clock)


@pytest.fixture
def delete(administration, directory, revocations, clock):
    return DeleteUser(administration, directory, InMemoryProfileImageStore(), revocations, clock)


class TestDisableAndEnable:
    def test_disabling_refuses_sign_in_and_marks_the_mirror_inactive(
        self, administration, embedded_provider, directory, disable
    ):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")

        disabled = disable(UserCommand("dana"))

        assert not disabled.enabled
        assert user.sub in directory.inactive
        with pytest.raises(NotAuthorized):
            embedded_provider.initiate_auth(Username("dana"), Password(TEMPORARY))

    def test_disabling_refuses_every_token_issued_up_to_now(self, administration, revocations, clock, disable):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        earlier = token_of(user.sub, clock, origin_jti="earlier")
        clock.advance(0.5)
        this_second = token_of(user.sub, clock, origin_jti="this-second")

        disable(UserCommand("dana"))

        assert revocations.is_revoked(earlier)
        assert revocations.is_revoked(this_second)
        assert not revocations.is_revoked(token_of("someone-else", clock))
        # With no token in hand, the entry outlives the longest access token Cognito allows.
        clock.advance(LONGEST_ACCESS_TOKEN_SECONDS - 1)
        assert revocations.is_revoked(earlier)
        clock.advance(1)
        assert not revocations.is_revoked(earlier)

    def test_enabling_makes_the_mirror_active_again(self, administration, directory, disable, enable):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        disable(UserCommand("dana"))

        assert enable(UserCommand("dana")).enabled
        assert user.sub not in directory.inactive

    def test_enabling_revives_no_token_yet_a_sign_in_right_after_works(
        self, administration, revocations, clock, disable, enable
    ):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        before = token_of(user.sub, clock, origin_jti="before")
        disable(UserCommand("dana"))

        enable(UserCommand("dana"))

        assert revocations.is_revoked(before)
        # The enable waited for the next second, so a token issued now is past the disable's.
        assert not revocations.is_revoked(token_of(user.sub, clock, origin_jti="after"))

    def test_a_revocation_the_other_processes_miss_is_reported_and_a_retry_completes_it(
        self, administration, embedded_provider, directory, clock
    ):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        token = token_of(user.sub, clock)

        with pytest.raises(ProviderUnavailable):
            DisableUser(administration, directory, PartlyUnreachableRevocationList(clock), clock)(UserCommand("dana"))
        assert user.sub in directory.inactive
        assert not GetUser(administration)(UserCommand("dana")).enabled

        retried = InMemoryRevocationList(clock)
        DisableUser(administration, directory, retried, clock)(UserCommand("dana"))
        assert retried.is_revoked(token)


class TestDeleteUser:
    def test_removes_the_user_from_the_pool_and_the_mirror(self, administration, directory, delete):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")

        delete(UserCommand("dana"))

        assert user.sub not in directory.users
        with pytest.raises(UserNotFound):
            GetUser(administration)(UserCommand("dana"))

    def test_refuses_every_token_of_the_user(self, administration, revocations, clock, delete):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        earlier = token_of(user.sub, clock, origin_jti="earlier")

        delete(UserCommand("dana"))

        assert revocations.is_revoked(earlier)
        clock.advance(600)
        assert revocations.is_revoked(token_of(user.sub, clock, origin_jti="stamped-later"))
        assert not revocations.is_revoked(token_of("someone-else", clock))

    def test_a_revocation_the_other_processes_miss_deletes_nothing(self, administration, directory, clock):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        use_case = DeleteUser(
            administration, directory, InMemoryProfileImageStore(), PartlyUnreachableRevocationList(clock), clock
        )

        with pytest.raises(ProviderUnavailable):
            use_case(UserCommand("dana"))

        assert user.sub in directory.users
        assert GetUser(administration)(UserCommand("dana")).sub == user.sub

    def test_deletes_the_profile_image_too(self, administration, directory, revocations, clock):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        images = InMemoryProfileImageStore()
        key = images.put(user.sub, ProfileImage(PNG))
        directory.replace_profile_image_key(user.sub, key)

        DeleteUser(administration, directory, images, revocations, clock)(UserCommand("dana"))

        assert images.images == {}


class TestUnknownUsers:
    @pytest.mark.parametrize("name", ["get", "disable", "enable", "delete"])
    def test_an_administrator_is_told_the_user_does_not_exist(self, request, administration, name):
        built = GetUser(administration) if name == "get" else request.getfixturevalue(name)
        with pytest.raises(UserNotFound):
            built(UserCommand("nobody"))


class TestInvitation:
    def test_sends_the_temporary_password_to_the_email_address(self, administration, code_sender):
        user = CreateUser(administration)(CreateUserCommand("dana@example.com", TEMPORARY, send_invitation=True))

        assert user.invitation == CodeDelivery(destination="d***@e***", medium="EMAIL", attribute_name="email")
        assert [(sent.destination, sent.purpose, sent.code) for sent in code_sender.sent] == [
            ("dana@example.com", CodePurpose.INVITATION, TEMPORARY)
        ]

    def test_sends_nothing_by_default(self, administration, code_sender: RecordingCodeSender):
        user = CreateUser(administration)(CreateUserCommand("dana@example.com", TEMPORARY))

        assert user.invitation is None
        assert code_sender.sent == []

    def test_refuses_an_invitation_with_nowhere_to_go_and_creates_nobody(self, administration, code_sender):
        with pytest.raises(ValidationError) as raised:
            CreateUser(administration)(CreateUserCommand("dana", TEMPORARY, send_invitation=True))

        assert set(raised.value.fields) == {"send_invitation"}
        assert code_sender.sent == []
        with pytest.raises(UserNotFound):
            GetUser(administration)(UserCommand("dana"))


class TestListUsers:
    @pytest.mark.parametrize(
        ("command", "field"),
        [
            (ListUsersCommand(attribute="email"), "value"),
            (ListUsersCommand(value="ann"), "attribute"),
            (ListUsersCommand(match="prefix"), "match"),
            (ListUsersCommand(attribute="email", match="suffix", value="ann"), "match"),
            (ListUsersCommand(attribute="custom:team", value="ann"), "attribute"),
            (ListUsersCommand(attribute="email", value='ann" or email ^= "'), "value"),
            (ListUsersCommand(attribute="email", value="ann\\"), "value"),
            (ListUsersCommand(attribute="email", value=""), "value"),
            (ListUsersCommand(attribute="email", value="a" * 201), "value"),
            (ListUsersCommand(limit=0), "limit"),
            (ListUsersCommand(limit=61), "limit"),
            (ListUsersCommand(page_token=""), "page_token"),
            (ListUsersCommand(page_token="not-a-token"), "page_token"),
        ],
    )
    def test_refuses_a_bad_query_by_its_field(self, administration, command, field):
        with pytest.raises(ValidationError) as raised:
            ListUsers(administration)(command)

        assert set(raised.value.fields) == {field}

    def test_matches_exactly_by_default(self, administration):
        for name in ("ann@example.com", "anna@example.com"):
            CreateUser(administration)(CreateUserCommand(name, TEMPORARY))

        page = ListUsers(administration)(ListUsersCommand(attribute="email", value="ann@example.com"))

        assert [user.username for user in page.users] == ["ann@example.com"]


class TestResetUserPassword:
    def test_withdraws_the_password_and_sends_a_reset_code(self, pool):
        email = Attributes.from_pairs([("email", "dana@example.com")])
        pool.provider.sign_up(Username("dana@example.com"), Password(TEMPORARY), email)
        pool.provider.confirm_sign_up(
            Username("dana@example.com"), ConfirmationCode(pool.sign_up_code("dana@example.com"))
        )

        user = ResetUserPassword(EmbeddedUserPoolAdministration(pool.provider))(UserCommand("dana@example.com"))

        assert user.status == "RESET_REQUIRED"
        with pytest.raises(PasswordResetRequired):
            pool.provider.initiate_auth(Username("dana@example.com"), Password(TEMPORARY))
        code = ConfirmationCode(pool.reset_code("dana@example.com"))
        pool.provider.confirm_forgot_password(Username("dana@example.com"), code, Password("Battery-st4ple"))
        assert pool.provider.initiate_auth(Username("dana@example.com"), Password("Battery-st4ple"))

    def test_a_user_who_never_chose_a_password_is_a_conflict(self, administration):
        CreateUser(administration)(CreateUserCommand("dana@example.com", TEMPORARY))

        with pytest.raises(UserStatusConflict):
            ResetUserPassword(administration)(UserCommand("dana@example.com"))

    def test_an_unknown_user_is_not_found(self, administration):
        with pytest.raises(UserNotFound):
            ResetUserPassword(administration)(UserCommand("nobody"))


class TestGroups:
    def test_membership_reaches_the_pool_and_the_mirror(self, administration, directory, revocations, clock):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")
        CreateGroup(administration)(CreateGroupCommand("admins", "Pool administrators"))

        added = AddUserToGroup(administration, directory)(GroupMembershipCommand("dana", "admins"))

        assert added.groups == ("admins",)
        assert directory.groups[user.sub] == ("admins",)

        removed = RemoveUserFromGroup(administration, directory, revocations, clock)(
            GroupMembershipCommand("dana", "admins")
        )

        assert removed.groups == ()
        assert directory.groups[user.sub] == ()

    def test_a_removal_refuses_every_token_that_names_the_group(self, administration, directory, revocations, clock):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        CreateGroup(administration)(CreateGroupCommand("admins"))
        AddUserToGroup(administration, directory)(GroupMembershipCommand("dana", "admins"))
        earlier = token_of(user.sub, clock)
        clock.advance(0.5)

        RemoveUserFromGroup(administration, directory, revocations, clock)(GroupMembershipCommand("dana", "admins"))

        assert revocations.is_revoked(earlier)
        assert not revocations.is_revoked(token_of("someone-else", clock))
        clock.advance(1)
        assert not revocations.is_revoked(token_of(user.sub, clock, origin_jti="refreshed-later"))

    def test_a_group_is_created_once(self, administration):
        created = CreateGroup(administration)(CreateGroupCommand("admins"))

        assert (created.name.value, created.description) == ("admins", None)
        with pytest.raises(GroupExists):
            CreateGroup(administration)(CreateGroupCommand("admins"))

    @pytest.mark.parametrize("name", ["", "two words", "a" * 129, "tab\there"])
    def test_refuses_a_name_cognito_refuses(self, administration, name):
        with pytest.raises(ValidationError) as raised:
            CreateGroup(administration)(CreateGroupCommand(name))

        assert set(raised.value.fields) == {"group"}

    @pytest.fixture(params=["add", "remove"])
    def membership_change(self, request, administration, directory, revocations, clock):
        if request.param == "add":
            return AddUserToGroup(administration, directory)
        return RemoveUserFromGroup(administration, directory, revocations, clock)

    def test_an_unknown_group_is_not_found(self, administration, membership_change):
        CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))

        with pytest.raises(GroupNotFound):
            membership_change(GroupMembershipCommand("dana", "nobody-made-me"))

    def test_an_unknown_user_is_not_found(self, administration, membership_change):
        CreateGroup(administration)(CreateGroupCommand("admins"))

        with pytest.raises(UserNotFound):
            membership_change(GroupMembershipCommand("nobody", "admins"))


class TestSetAdministrator:
    def test_makes_a_user_who_has_not_signed_in_yet_an_administrator(self, administration, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))

        made = SetAdministrator(administration, directory)(SetAdministratorCommand("dana"))

        assert made.sub == user.sub
        assert directory.administrators == {user.sub: "dana"}

    def test_makes_a_mirrored_user_an_administrator_by_their_sub(self, administration, directory):
        user = CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        mirrored(directory, user.sub, "dana")

        SetAdministrator(administration, directory)(SetAdministratorCommand("dana"))

        assert directory.administrators == {user.sub: "dana"}

    def test_revoking_makes_an_ordinary_user_again(self, administration, directory):
        CreateUser(administration)(CreateUserCommand("dana", TEMPORARY))
        SetAdministrator(administration, directory)(SetAdministratorCommand("dana"))

        SetAdministrator(administration, directory)(SetAdministratorCommand("dana", administrator=False))

        assert directory.administrators == {}

    def test_an_unknown_user_is_not_found_and_nobody_is_made_one(self, administration, directory):
        with pytest.raises(UserNotFound):
            SetAdministrator(administration, directory)(SetAdministratorCommand("nobody"))

        assert directory.administrators == {}


class TestListGroups:
    def test_lists_the_groups_a_page_at_a_time(self, administration):
        for name in ("readers", "admins", "editors"):
            CreateGroup(administration)(CreateGroupCommand(name, "" if name == "editors" else f"The {name}"))

        first = ListGroups(administration)(ListGroupsCommand(limit=2))
        second = ListGroups(administration)(ListGroupsCommand(limit=2, page_token=first.next_page_token))

        assert [(group.name.value, group.description) for group in first.groups + second.groups] == [
            ("admins", "The admins"),
            ("editors", None),
            ("readers", "The readers"),
        ]
        assert second.next_page_token is None

    @pytest.mark.parametrize(
        ("command", "field"),
        [
            (ListGroupsCommand(limit=0), "limit"),
            (ListGroupsCommand(limit=61), "limit"),
            (ListGroupsCommand(page_token=""), "page_token"),
        ],
    )
    def test_refuses_a_bad_query_by_its_field(self, administration, command, field):
        with pytest.raises(ValidationError) as raised:
            ListGroups(administration)(command)

        assert set(raised.value.fields) == {field}
