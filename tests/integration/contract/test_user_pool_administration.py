"""The `UserPoolAdministration` port, once per provider, seen through what users can then do."""

from __future__ import annotations

import pytest

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from application.ports.code_sender import CodePurpose
from application.ports.user_pool_administration import UserPoolAdministration
from domain.errors import (
    GroupExists,
    GroupNotFound,
    InvalidPassword,
    NotAuthorized,
    PasswordResetRequired,
    ProviderUnavailable,
    UsernameExists,
    ValidationError,
)
from domain.values import (
    Attributes,
    Challenge,
    CodeDelivery,
    ConfirmationCode,
    FilterMatch,
    Group,
    GroupName,
    GroupPage,
    Password,
    PoolUser,
    SignUpOutcome,
    TokenSet,
    UserFilter,
    Username,
)
from tests.integration.contract.accounts import (
    ATTRIBUTES,
    MASKED_EMAIL,
    NEW_PASSWORD,
    PASSWORD,
    TEMPORARY_PASSWORD,
    USERNAME,
    payload,
    sign_in,
)
from tests.pools import Backend, CognitoBackend, EmbeddedBackend, Gap, skip_if, xfail_if


@pytest.fixture
def administration(backend: Backend) -> UserPoolAdministration:
    if isinstance(backend, EmbeddedBackend):
        return EmbeddedUserPoolAdministration(backend.provider)
    assert isinstance(backend, CognitoBackend)
    return CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)


@pytest.fixture
def created(administration: UserPoolAdministration) -> PoolUser:
    return administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES)


class TestCreateUser:
    def test_the_new_user_must_change_the_temporary_password(self, created: PoolUser):
        assert created.username == USERNAME
        assert created.status == "FORCE_CHANGE_PASSWORD"
        assert created.enabled
        assert created.sub
        assert created.attributes["given_name"] == "Ada"

    def test_the_temporary_password_gets_a_new_password_challenge(self, backend: Backend, created: PoolUser):
        result = backend.provider.initiate_auth(Username(USERNAME), Password(TEMPORARY_PASSWORD))

        assert isinstance(result, Challenge)
        assert result.name == "NEW_PASSWORD_REQUIRED"

    def test_refuses_a_taken_username(self, administration: UserPoolAdministration, created: PoolUser):
        with pytest.raises(UsernameExists):
            administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES)

    def test_applies_the_password_policy_to_the_temporary_password(
        self, backend: Backend, administration: UserPoolAdministration
    ):
        skip_if(backend, Gap.ADMIN_CREATE_SKIPS_PASSWORD_POLICY)
        with pytest.raises(InvalidPassword):
            administration.create_user(Username(USERNAME), Password("short"), ATTRIBUTES)


class TestGetUser:
    def test_shows_a_signed_up_user(self, administration: UserPoolAdministration, confirmed: SignUpOutcome):
        user = administration.get_user(Username(USERNAME))

        assert user.sub == confirmed.user_sub
        assert user.status == "CONFIRMED"
        assert user.enabled
        assert user.attributes["email"] == USERNAME

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.get_user(Username("nobody@example.com"))


class TestDisableAndEnable:
    def test_a_disabled_user_is_refused_at_sign_in(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.disable_user(Username(USERNAME))

        assert not administration.get_user(Username(USERNAME)).enabled
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_an_enabled_user_signs_in_again(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.disable_user(Username(USERNAME))
        administration.enable_user(Username(USERNAME))

        assert administration.get_user(Username(USERNAME)).enabled
        assert isinstance(sign_in(backend), TokenSet)

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.disable_user(Username("nobody@example.com"))
        with pytest.raises(NotAuthorized):
            administration.enable_user(Username("nobody@example.com"))


class TestDeleteUser:
    def test_a_deleted_user_is_gone_and_cannot_sign_in(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.delete_user(Username(USERNAME))

        with pytest.raises(NotAuthorized):
            administration.get_user(Username(USERNAME))
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_the_username_is_free_again(self, administration: UserPoolAdministration, confirmed: SignUpOutcome):
        administration.delete_user(Username(USERNAME))

        assert administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES).sub

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.delete_user(Username("nobody@example.com"))


class TestInvitation:
    def test_says_where_the_invitation_went(self, administration: UserPoolAdministration):
        created = administration.create_user(
            Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES, send_invitation=True
        )

        assert created.invitation == CodeDelivery(destination=MASKED_EMAIL, medium="EMAIL", attribute_name="email")
        assert created.status == "FORCE_CHANGE_PASSWORD"

    def test_the_invitation_carries_the_temporary_password(
        self, backend: Backend, administration: UserPoolAdministration
    ):
        skip_if(backend, Gap.NO_INVITATIONS)
        assert isinstance(backend, EmbeddedBackend)
        administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES, send_invitation=True)

        assert backend.sender.last_code(USERNAME, CodePurpose.INVITATION) == TEMPORARY_PASSWORD

    def test_no_invitation_unless_asked(self, backend: Backend, administration: UserPoolAdministration):
        created = administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES)

        assert created.invitation is None
        if isinstance(backend, EmbeddedBackend):
            assert backend.sender.sent == []

    def test_an_invitation_needs_an_email_address(self, administration: UserPoolAdministration):
        with pytest.raises(ValidationError) as raised:
            administration.create_user(
                Username("lee"), Password(TEMPORARY_PASSWORD), Attributes.from_pairs([]), send_invitation=True
            )

        assert "send_invitation" in raised.value.fields
        with pytest.raises(NotAuthorized):
            administration.get_user(Username("lee"))


NAMES = ("ann@example.com", "anna@example.com", "bob@example.com", "cy@example.com", "dee@example.com")


def every_page(administration: UserPoolAdministration, user_filter: UserFilter | None, limit: int) -> list[str]:
    """The usernames of every page, following the page tokens; a page may be short, even empty."""
    usernames: list[str] = []
    token: str | None = None
    for _ in range(len(NAMES) + 2):
        page = administration.list_users(user_filter, limit, token)
        assert len(page.users) <= limit
        usernames.extend(user.username for user in page.users)
        token = page.next_page_token
        if token is None:
            return usernames
    raise AssertionError("the pages never end")


@pytest.fixture
def population(administration: UserPoolAdministration) -> None:
    for name in NAMES:
        attributes = Attributes.from_pairs([("email", name), ("given_name", name.split("@")[0].title())])
        administration.create_user(Username(name), Password(TEMPORARY_PASSWORD), attributes)
    administration.disable_user(Username("bob@example.com"))


@pytest.mark.usefixtures("population")
class TestListUsers:
    def test_lists_every_user_without_a_filter(self, administration: UserPoolAdministration):
        page = administration.list_users(None, 60, None)

        assert sorted(user.username for user in page.users) == sorted(NAMES)
        assert page.next_page_token is None
        listed = next(user for user in page.users if user.username == "ann@example.com")
        assert (listed.status, listed.enabled, listed.attributes["given_name"]) == (
            "FORCE_CHANGE_PASSWORD",
            True,
            "Ann",
        )
        assert listed.sub == listed.attributes["sub"]
        assert listed.groups is None

    @pytest.mark.parametrize(
        ("attribute", "match", "value", "expected"),
        [
            ("email", FilterMatch.PREFIX, "ann", {"ann@example.com", "anna@example.com"}),
            ("email", FilterMatch.EXACT, "ann@example.com", {"ann@example.com"}),
            ("email", FilterMatch.EXACT, "ann", set()),
            ("username", FilterMatch.EXACT, "cy@example.com", {"cy@example.com"}),
            ("given_name", FilterMatch.PREFIX, "D", {"dee@example.com"}),
            ("status", FilterMatch.EXACT, "Disabled", {"bob@example.com"}),
            ("status", FilterMatch.EXACT, "Enabled", set(NAMES) - {"bob@example.com"}),
            ("cognito:user_status", FilterMatch.EXACT, "FORCE_CHANGE_PASSWORD", set(NAMES)),
            ("phone_number", FilterMatch.PREFIX, "+1", set()),
        ],
    )
    def test_filters_on_one_attribute(
        self, administration: UserPoolAdministration, attribute: str, match: FilterMatch, value: str, expected: set
    ):
        assert set(every_page(administration, UserFilter(attribute, match, value), 60)) == expected

    def test_filters_on_the_sub(self, administration: UserPoolAdministration):
        sub = administration.get_user(Username("cy@example.com")).sub

        assert every_page(administration, UserFilter("sub", FilterMatch.EXACT, sub), 60) == ["cy@example.com"]

    def test_the_user_status_ignores_case(self, request, backend: Backend, administration: UserPoolAdministration):
        xfail_if(request, backend, Gap.USER_STATUS_FILTER_CASE_SENSITIVE)
        user_filter = UserFilter("cognito:user_status", FilterMatch.EXACT, "force_change_password")

        assert set(every_page(administration, user_filter, 60)) == set(NAMES)

    @pytest.mark.parametrize("limit", [1, 2, 4])
    def test_pages_through_every_user_once(self, administration: UserPoolAdministration, limit: int):
        usernames = every_page(administration, None, limit)

        assert sorted(usernames) == sorted(NAMES)

    def test_pages_through_a_filtered_list(self, administration: UserPoolAdministration):
        user_filter = UserFilter("email", FilterMatch.PREFIX, "ann")

        assert sorted(every_page(administration, user_filter, 1)) == ["ann@example.com", "anna@example.com"]

    @pytest.mark.parametrize("token", ["garbage", "eyJ4IjoxfQ==", "not base64 at all!"])
    def test_refuses_a_page_token_it_did_not_issue(
        self, request, backend: Backend, administration: UserPoolAdministration, token: str
    ):
        xfail_if(request, backend, Gap.FOREIGN_PAGE_TOKEN_WRONG_CODE, raises=ProviderUnavailable)
        with pytest.raises(ValidationError) as raised:
            administration.list_users(None, 2, token)

        assert set(raised.value.fields) == {"page_token"}


@pytest.fixture
def resettable(backend: Backend, confirmed: SignUpOutcome) -> SignUpOutcome:
    """`USERNAME` is confirmed, with the verified e-mail address a reset code goes to."""
    backend.mark_email_verified(USERNAME)
    return confirmed


class TestResetUserPassword:
    def test_the_user_must_reset_their_password(
        self, administration: UserPoolAdministration, resettable: SignUpOutcome
    ):
        administration.reset_user_password(Username(USERNAME))

        assert administration.get_user(Username(USERNAME)).status == "RESET_REQUIRED"

    def test_the_old_password_no_longer_signs_in(
        self, request, backend: Backend, administration: UserPoolAdministration, resettable: SignUpOutcome
    ):
        xfail_if(request, backend, Gap.RESET_PASSWORD_STILL_SIGNS_IN)
        administration.reset_user_password(Username(USERNAME))

        with pytest.raises(PasswordResetRequired):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_the_delivered_code_sets_a_new_password(
        self, backend: Backend, administration: UserPoolAdministration, resettable: SignUpOutcome
    ):
        skip_if(backend, Gap.NO_ADMIN_RESET_CODE)
        administration.reset_user_password(Username(USERNAME))

        code = ConfirmationCode(backend.reset_code(USERNAME))
        backend.provider.confirm_forgot_password(Username(USERNAME), code, Password(NEW_PASSWORD))

        assert administration.get_user(Username(USERNAME)).status == "CONFIRMED"
        assert isinstance(sign_in(backend, password=NEW_PASSWORD), TokenSet)

    def test_a_code_asked_for_afterwards_sets_a_new_password(
        self, request, backend: Backend, administration: UserPoolAdministration, resettable: SignUpOutcome
    ):
        administration.reset_user_password(Username(USERNAME))
        backend.provider.forgot_password(Username(USERNAME))

        code = ConfirmationCode(backend.reset_code(USERNAME))
        backend.provider.confirm_forgot_password(Username(USERNAME), code, Password(NEW_PASSWORD))

        assert isinstance(sign_in(backend, password=NEW_PASSWORD), TokenSet)
        xfail_if(request, backend, Gap.RESET_STATUS_KEPT)
        assert administration.get_user(Username(USERNAME)).status == "CONFIRMED"

    def test_a_user_who_never_chose_a_password_cannot_be_reset(
        self, administration: UserPoolAdministration, created: PoolUser
    ):
        with pytest.raises(NotAuthorized):
            administration.reset_user_password(Username(USERNAME))

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.reset_user_password(Username("nobody@example.com"))


ADMINS = GroupName("admins")


@pytest.fixture
def admins(administration: UserPoolAdministration) -> GroupName:
    administration.create_group(Group(ADMINS, "Administer the pool's users"))
    return ADMINS


class TestGroups:
    def test_a_member_is_shown_in_the_group(
        self, administration: UserPoolAdministration, created: PoolUser, admins: GroupName
    ):
        assert administration.get_user(Username(USERNAME)).groups == ()

        administration.add_user_to_group(Username(USERNAME), admins)
        administration.add_user_to_group(Username(USERNAME), admins)

        assert administration.get_user(Username(USERNAME)).groups == ("admins",)

    def test_a_removed_member_is_not(
        self, administration: UserPoolAdministration, created: PoolUser, admins: GroupName
    ):
        administration.add_user_to_group(Username(USERNAME), admins)

        administration.remove_user_from_group(Username(USERNAME), admins)
        administration.remove_user_from_group(Username(USERNAME), admins)

        assert administration.get_user(Username(USERNAME)).groups == ()

    def test_tokens_name_the_groups(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome, admins: GroupName
    ):
        assert "cognito:groups" not in payload(sign_in(backend).access_token)
        administration.create_group(Group(GroupName("editors")))
        administration.add_user_to_group(Username(USERNAME), admins)
        administration.add_user_to_group(Username(USERNAME), GroupName("editors"))

        tokens = sign_in(backend)

        # Cognito orders the groups by precedence, moto as it pleases: only membership is the contract.
        assert sorted(backend.verifier.verify_access_token(tokens.access_token).groups) == ["admins", "editors"]
        assert sorted(payload(tokens.id_token)["cognito:groups"]) == ["admins", "editors"]

    def test_a_group_is_created_once(self, administration: UserPoolAdministration, admins: GroupName):
        with pytest.raises(GroupExists):
            administration.create_group(Group(admins))

    def test_an_unknown_group_is_not_found(self, administration: UserPoolAdministration, created: PoolUser):
        with pytest.raises(GroupNotFound):
            administration.add_user_to_group(Username(USERNAME), GroupName("nobody-made-me"))
        with pytest.raises(GroupNotFound):
            administration.remove_user_from_group(Username(USERNAME), GroupName("nobody-made-me"))

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration, admins: GroupName):
        with pytest.raises(NotAuthorized):
            administration.add_user_to_group(Username("nobody@example.com"), admins)
        with pytest.raises(NotAuthorized):
            administration.remove_user_from_group(Username("nobody@example.com"), admins)


def every_group_page(administration: UserPoolAdministration, limit: int) -> list[Group]:
    groups: list[Group] = []
    token = None
    for _ in range(20):
        page = administration.list_groups(limit, token)
        assert len(page.groups) <= limit
        groups.extend(page.groups)
        token = page.next_page_token
        if token is None:
            return groups
    raise AssertionError("the pages never end")


class TestListGroups:
    def test_a_pool_without_groups_lists_none(self, administration: UserPoolAdministration):
        assert administration.list_groups(60, None) == GroupPage(())

    def test_lists_every_group_with_its_description_or_none(
        self, administration: UserPoolAdministration, admins: GroupName
    ):
        administration.create_group(Group(GroupName("editors")))

        groups = sorted(every_group_page(administration, 60), key=lambda group: group.name.value)

        assert groups == [Group(admins, "Administer the pool's users"), Group(GroupName("editors"), None)]

    @pytest.mark.parametrize("limit", [1, 2, 3])
    def test_pages_through_every_group_once(self, administration: UserPoolAdministration, limit: int):
        names = ["admins", "editors", "readers"]
        for name in names:
            administration.create_group(Group(GroupName(name)))

        assert sorted(group.name.value for group in every_group_page(administration, limit)) == names

    @pytest.mark.parametrize("token", ["garbage", "not base64 at all!"])
    def test_refuses_a_page_token_it_did_not_issue(
        self, request, backend: Backend, administration: UserPoolAdministration, token: str
    ):
        xfail_if(request, backend, Gap.FOREIGN_PAGE_TOKEN_WRONG_CODE, raises=ProviderUnavailable)
        administration.create_group(Group(GroupName("admins")))

        with pytest.raises(ValidationError) as raised:
            administration.list_groups(2, token)

        assert set(raised.value.fields) == {"page_token"}
