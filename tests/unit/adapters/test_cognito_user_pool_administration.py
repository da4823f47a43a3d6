"""What the Cognito administration adapter sends and how it reads the answers that moto does not give
(invitations, Cognito's own error codes for page tokens and groups), with botocore's Stubber."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration, _cognito_filter
from domain.errors import GroupExists, GroupNotFound, ProviderUnavailable, ValidationError
from domain.values import (
    FILTER_VALUE_MAX_LENGTH,
    FILTERABLE_ATTRIBUTES,
    Attributes,
    CodeDelivery,
    FilterMatch,
    Group,
    GroupName,
    Password,
    UserFilter,
    Username,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

POOL_ID = "us-east-1_Example"
USERNAME = "ada@example.com"
TEMPORARY = "Temp0rary-pass"
ATTRIBUTES = Attributes.from_pairs([("email", USERNAME)])
CREATED = {
    "User": {
        "Username": USERNAME,
        "Attributes": [{"Name": "email", "Value": USERNAME}, {"Name": "sub", "Value": "4f9a8e1c"}],
        "Enabled": True,
        "UserStatus": "FORCE_CHANGE_PASSWORD",
    }
}
# Cognito's filter grammar, as far as ListUsers documents it: one attribute, one operator, one quoted value.
COGNITO_FILTER = re.compile(r'(?P<attribute>[\w:]+) (?P<operator>=|\^=) "(?P<value>[^"\\]*)"')


@pytest.fixture
def administration(client: CognitoIdentityProviderClient) -> CognitoUserPoolAdministration:
    return CognitoUserPoolAdministration(client, user_pool_id=POOL_ID)


def stub_error(stubber: Stubber, method: str, code: str, message: str, expected: dict[str, Any] | None = None) -> None:
    stubber.add_client_error(
        method, service_error_code=code, service_message=message, http_status_code=400, expected_params=expected
    )


class TestInvitation:
    def test_asks_cognito_to_e_mail_the_invitation(self, stubber: Stubber, administration):
        expected = {
            "UserPoolId": POOL_ID,
            "Username": USERNAME,
            "TemporaryPassword": TEMPORARY,
            "UserAttributes": [{"Name": "email", "Value": USERNAME}],
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        stubber.add_response("admin_create_user", CREATED, expected)

        created = administration.create_user(Username(USERNAME), Password(TEMPORARY), ATTRIBUTES, send_invitation=True)

        assert created.invitation == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")
        assert (created.sub, created.groups) == ("4f9a8e1c", ())

    def test_suppresses_the_invitation_by_default(self, stubber: Stubber, administration):
        expected = {
            "UserPoolId": POOL_ID,
            "Username": USERNAME,
            "TemporaryPassword": TEMPORARY,
            "UserAttributes": [{"Name": "email", "Value": USERNAME}],
            "MessageAction": "SUPPRESS",
        }
        stubber.add_response("admin_create_user", CREATED, expected)

        assert administration.create_user(Username(USERNAME), Password(TEMPORARY), ATTRIBUTES).invitation is None


class TestListUsers:
    def test_sends_the_filter_limit_and_token_and_returns_the_next_token(self, stubber: Stubber, administration):
        expected = {"UserPoolId": POOL_ID, "Limit": 2, "Filter": 'email ^= "ann"', "PaginationToken": "page-2"}
        stubber.add_response("list_users", {"Users": [CREATED["User"]], "PaginationToken": "page-3"}, expected)

        page = administration.list_users(UserFilter("email", FilterMatch.PREFIX, "ann"), 2, "page-2")

        assert [user.username for user in page.users] == [USERNAME]
        assert page.next_page_token == "page-3"

    def test_the_last_page_has_no_next_token(self, stubber: Stubber, administration):
        stubber.add_response("list_users", {"Users": []}, {"UserPoolId": POOL_ID, "Limit": 60})

        assert administration.list_users(None, 60, None).next_page_token is None

    def test_a_refused_page_token_is_a_validation_error_on_it(self, stubber: Stubber, administration):
        stub_error(stubber, "list_users", "InvalidParameterException", "Paging marker X is invalid for request 1")

        with pytest.raises(ValidationError) as raised:
            administration.list_users(None, 60, "X")

        assert set(raised.value.fields) == {"page_token"}

    @given(
        attribute=st.sampled_from(FILTERABLE_ATTRIBUTES),
        match=st.sampled_from(FilterMatch),
        value=st.text(max_size=FILTER_VALUE_MAX_LENGTH + 5),
    )
    def test_a_filter_value_can_never_extend_the_filter(self, attribute: str, match: FilterMatch, value: str):
        """Whatever value passes validation, Cognito reads back one attribute, one operator and that value."""
        try:
            user_filter = UserFilter(attribute, match, value)
        except ValidationError:
            return
        rendered = _cognito_filter(user_filter)

        parsed = COGNITO_FILTER.fullmatch(rendered)
        assert parsed is not None, rendered
        assert parsed.group("attribute", "value") == (attribute, value)
        assert len(rendered) <= 256


class TestErrors:
    def test_a_missing_group_is_not_found(self, stubber: Stubber, administration):
        stub_error(stubber, "admin_add_user_to_group", "ResourceNotFoundException", "Group not found.")

        with pytest.raises(GroupNotFound):
            administration.add_user_to_group(Username(USERNAME), GroupName("admins"))

    def test_a_missing_pool_is_the_provider_s_fault_not_the_group_s(self, stubber: Stubber, administration):
        message = f"User pool {POOL_ID} does not exist."
        stub_error(stubber, "admin_remove_user_from_group", "ResourceNotFoundException", message)

        with pytest.raises(ProviderUnavailable):
            administration.remove_user_from_group(Username(USERNAME), GroupName("admins"))

    def test_a_taken_group_name_exists(self, stubber: Stubber, administration):
        expected = {"UserPoolId": POOL_ID, "GroupName": "admins", "Description": "Pool administrators"}
        stub_error(stubber, "create_group", "GroupExistsException", "A group with the name already exists.", expected)

        with pytest.raises(GroupExists):
            administration.create_group(Group(GroupName("admins"), "Pool administrators"))

    def test_a_reset_without_a_verified_address_names_the_user(self, stubber: Stubber, administration):
        message = "Cannot reset password for the user as there is no registered/verified email or phone_number"
        stub_error(stubber, "admin_reset_user_password", "InvalidParameterException", message)

        with pytest.raises(ValidationError) as raised:
            administration.reset_user_password(Username(USERNAME))

        assert set(raised.value.fields) == {"username"}
