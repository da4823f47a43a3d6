"""The Cognito adapter against a moto server over HTTP. Where moto does not model Cognito (see
shared/MOTO.md), a test asserts what the adapter makes of moto's answer, or is an expected failure
naming the gap, so that a moto upgrade that closes it shows up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import jwt
import pytest

from adapters.cognito.identity_provider import CognitoIdentityProvider
from adapters.cognito.local_pool import LocalPool
from domain.errors import (
    CodeMismatch,
    ExpiredCode,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    ProviderUnavailable,
    UsernameExists,
    UserNotConfirmed,
)
from domain.values import (
    Attributes,
    Challenge,
    CodeDelivery,
    ConfirmationCode,
    Password,
    SignInFactor,
    TokenSet,
    Username,
)
from tests.moto_server import ForgotPasswordCodes, capturing_forgot_password_codes

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.moto

EMAIL = "ada@example.com"
PASSWORD = "Correct-h0rse"
NEW_PASSWORD = "Battery-st4ple"
# moto's ConfirmSignUp accepts any code.
ANY_CODE = ConfirmationCode("123456")


@pytest.fixture
def client(cognito_pool: tuple[CognitoIdentityProviderClient, LocalPool]) -> CognitoIdentityProviderClient:
    return cognito_pool[0]


@pytest.fixture
def pool(cognito_pool: tuple[CognitoIdentityProviderClient, LocalPool]) -> LocalPool:
    return cognito_pool[1]


@pytest.fixture
def provider(client: CognitoIdentityProviderClient, pool: LocalPool) -> CognitoIdentityProvider:
    return CognitoIdentityProvider(client, client_id=pool.client_id, client_secret=pool.client_secret)


@pytest.fixture
def reset_codes(client: CognitoIdentityProviderClient) -> Iterator[ForgotPasswordCodes]:
    with capturing_forgot_password_codes(client) as codes:
        yield codes


def sign_up(provider: CognitoIdentityProvider, username: str = EMAIL, password: str = PASSWORD) -> None:
    provider.sign_up(Username(username), Password(password), Attributes.from_pairs([("email", username)]))


def confirmed_user(provider: CognitoIdentityProvider, username: str = EMAIL) -> Username:
    sign_up(provider, username)
    provider.confirm_sign_up(Username(username), ANY_CODE)
    return Username(username)


def log_in(provider: CognitoIdentityProvider, username: str = EMAIL, password: str = PASSWORD) -> TokenSet:
    result = provider.initiate_auth(Username(username), Password(password))
    assert isinstance(result, TokenSet)
    return result


def cognito_username(tokens: TokenSet) -> str:
    """What the use-case reads from the (verified) access token; the signature is not this test's subject."""
    username: str = jwt.decode(tokens.access_token, options={"verify_signature": False})["username"]
    return username


class TestSignUp:
    def test_registers_an_unconfirmed_user_and_says_where_the_code_went(self, provider: CognitoIdentityProvider):
        outcome = provider.sign_up(
            Username(EMAIL), Password(PASSWORD), Attributes.from_pairs([("email", EMAIL), ("given_name", "Ada")])
        )

        assert outcome.user_sub
        assert outcome.user_confirmed is False
        assert outcome.code_delivery == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")

    def test_rejects_a_password_the_policy_refuses(self, provider: CognitoIdentityProvider):
        with pytest.raises(InvalidPassword):
            sign_up(provider, password="alllowercase")

    def test_rejects_a_taken_username(self, provider: CognitoIdentityProvider):
        sign_up(provider)

        with pytest.raises(UsernameExists) as raised:
            sign_up(provider, password="An0ther-password")

        assert EMAIL not in raised.value.message


class TestConfirmSignUp:
    def test_a_confirmed_user_can_sign_in(self, provider: CognitoIdentityProvider):
        sign_up(provider)

        provider.confirm_sign_up(Username(EMAIL), ANY_CODE, force_alias_creation=True)

        assert log_in(provider).access_token

    @pytest.mark.xfail(strict=True, reason="moto's ConfirmSignUp accepts any code")
    def test_refuses_a_wrong_code(self, provider: CognitoIdentityProvider):
        sign_up(provider)

        with pytest.raises(CodeMismatch):
            provider.confirm_sign_up(Username(EMAIL), ConfirmationCode("000000"))


class TestResendConfirmationCode:
    def test_is_unavailable_on_moto(self, provider: CognitoIdentityProvider):
        """moto does not implement ResendConfirmationCode and answers HTTP 500, which must read as
        an unavailable provider; resending proper is tested against the in-memory provider."""
        sign_up(provider)

        with pytest.raises(ProviderUnavailable):
            provider.resend_confirmation_code(Username(EMAIL))


class TestInitiateAuth:
    def test_hands_out_tokens_for_the_right_password(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)

        tokens = log_in(provider)

        assert tokens.access_token and tokens.id_token and tokens.refresh_token
        assert tokens.expires_in == 3600
        assert cognito_username(tokens) == EMAIL

    def test_refuses_an_unconfirmed_user(self, provider: CognitoIdentityProvider):
        sign_up(provider)

        with pytest.raises(UserNotConfirmed):
            provider.initiate_auth(Username(EMAIL), Password(PASSWORD))

    def test_answers_a_wrong_password_and_an_unknown_user_alike(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)

        with pytest.raises(NotAuthorized) as wrong_password:
            provider.initiate_auth(Username(EMAIL), Password("Wrong-passw0rd"))
        with pytest.raises(NotAuthorized) as unknown_user:
            provider.initiate_auth(Username("nobody@example.com"), Password(PASSWORD))

        assert wrong_password.value.message == unknown_user.value.message == NotAuthorized.default_message


class TestNewPasswordChallenge:
    @pytest.fixture
    def challenge(self, client: CognitoIdentityProviderClient, pool: LocalPool, provider: CognitoIdentityProvider):
        client.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=EMAIL,
            TemporaryPassword="Temp0rary-pass",
            UserAttributes=[{"Name": "email", "Value": EMAIL}],
            MessageAction="SUPPRESS",
        )
        result = provider.initiate_auth(Username(EMAIL), Password("Temp0rary-pass"))
        assert isinstance(result, Challenge)
        return result

    def test_sign_in_with_a_temporary_password_asks_for_a_new_one(self, challenge: Challenge):
        assert challenge.name == "NEW_PASSWORD_REQUIRED"
        assert challenge.session

    def test_the_new_password_signs_the_user_in(self, provider: CognitoIdentityProvider, challenge: Challenge):
        result = provider.respond_to_challenge(
            Username(EMAIL), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
        )

        assert isinstance(result, TokenSet)
        assert log_in(provider, password=NEW_PASSWORD).access_token

    def test_refuses_a_new_password_the_policy_refuses(self, provider: CognitoIdentityProvider, challenge: Challenge):
        with pytest.raises(InvalidPassword):
            provider.respond_to_challenge(Username(EMAIL), challenge.name, {"NEW_PASSWORD": "short"}, challenge.session)

    @pytest.mark.xfail(
        strict=True,
        raises=ProviderUnavailable,
        reason="moto answers a used session with ResourceNotFoundException, not Cognito's NotAuthorizedException",
    )
    def test_a_session_serves_once(self, provider: CognitoIdentityProvider, challenge: Challenge):
        answer = {"NEW_PASSWORD": NEW_PASSWORD}
        provider.respond_to_challenge(Username(EMAIL), challenge.name, answer, challenge.session)

        with pytest.raises(ExpiredSession):
            provider.respond_to_challenge(Username(EMAIL), challenge.name, answer, challenge.session)


class TestRefresh:
    def test_trades_the_refresh_token_for_fresh_tokens(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        tokens = log_in(provider)

        fresh = provider.refresh(tokens.refresh_token, cognito_username(tokens))

        assert fresh.access_token != tokens.access_token
        assert fresh.refresh_token == tokens.refresh_token
        assert cognito_username(fresh) == EMAIL

    def test_a_secret_hash_over_another_username_is_refused(self, provider: CognitoIdentityProvider):
        """moto checks SECRET_HASH on refresh, which proves that the hash goes over `username`."""
        confirmed_user(provider)
        tokens = log_in(provider)

        with pytest.raises(NotAuthorized):
            provider.refresh(tokens.refresh_token, "someone-else")

    def test_an_app_client_without_secret_needs_no_username(
        self, client: CognitoIdentityProviderClient, pool: LocalPool, provider: CognitoIdentityProvider
    ):
        public_client_id = client.create_user_pool_client(
            UserPoolId=pool.pool_id,
            ClientName="public",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        public = CognitoIdentityProvider(client, client_id=public_client_id, client_secret=None)
        confirmed_user(provider)
        tokens = log_in(public)

        assert public.refresh(tokens.refresh_token, None).access_token

    def test_refuses_an_unknown_refresh_token(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)

        with pytest.raises(NotAuthorized) as raised:
            provider.refresh("not-a-refresh-token", EMAIL)

        assert "not-a-refresh-token" not in raised.value.message


class TestGlobalSignOut:
    def test_revokes_the_refresh_token(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        tokens = log_in(provider)

        provider.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized):
            provider.refresh(tokens.refresh_token, cognito_username(tokens))

    def test_refuses_a_revoked_access_token_without_repeating_it(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        tokens = log_in(provider)
        provider.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized) as raised:
            provider.global_sign_out(tokens.access_token)

        # moto puts the refused token into its message.
        assert tokens.access_token not in raised.value.message


class TestForgotPassword:
    def test_the_delivered_code_sets_a_new_password(
        self, provider: CognitoIdentityProvider, reset_codes: ForgotPasswordCodes
    ):
        username = confirmed_user(provider)

        delivery = provider.forgot_password(username)
        provider.confirm_forgot_password(username, ConfirmationCode(reset_codes.last), Password(NEW_PASSWORD))

        assert delivery == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")
        assert log_in(provider, password=NEW_PASSWORD).access_token
        with pytest.raises(NotAuthorized):
            provider.initiate_auth(username, Password(PASSWORD))

    def test_refuses_a_wrong_code(self, provider: CognitoIdentityProvider):
        username = confirmed_user(provider)
        provider.forgot_password(username)
        # moto checks only codes with its prefix, and draws the digits from 100000-999999.
        wrong = "moto-confirmation-code:000000"

        # Cognito says CodeMismatchException here, moto ExpiredCodeException; the mapping of the
        # former is covered by the unit tests.
        with pytest.raises(ExpiredCode):
            provider.confirm_forgot_password(username, ConfirmationCode(wrong), Password(NEW_PASSWORD))

    @pytest.mark.xfail(strict=True, reason="moto's ForgotPassword answers 200 for an unknown user")
    def test_refuses_an_unknown_user(self, provider: CognitoIdentityProvider):
        with pytest.raises(NotAuthorized):
            provider.forgot_password(Username("nobody@example.com"))


class TestUserAttributes:
    def test_reads_the_users_attributes_with_the_sub_apart(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        tokens = log_in(provider)

        profile = provider.get_user(tokens.access_token)

        assert profile.username == EMAIL
        assert profile.sub == jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"]
        assert profile.attributes["email"] == EMAIL
        assert "sub" not in profile.attributes

    def test_a_change_reads_back(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        tokens = log_in(provider)

        provider.update_user_attributes(tokens.access_token, Attributes.from_pairs([("given_name", "Augusta")]))

        assert provider.get_user(tokens.access_token).attributes["given_name"] == "Augusta"

    def test_verification_is_unavailable_on_moto(self, provider: CognitoIdentityProvider):
        """moto implements neither GetUserAttributeVerificationCode nor VerifyUserAttribute and answers
        HTTP 500, which must read as an unavailable provider; verification proper is tested against the
        in-memory provider."""
        confirmed_user(provider)
        tokens = log_in(provider)

        with pytest.raises(ProviderUnavailable):
            provider.get_user_attribute_verification_code(tokens.access_token, "email")
        with pytest.raises(ProviderUnavailable):
            provider.verify_user_attribute(tokens.access_token, "email", ANY_CODE)


class TestPasswordlessOnMoto:
    """moto implements neither choice-based sign-in nor passkeys, gives ConfirmSignUp no session and fails
    a sign-up without a password (`Gap.NO_CHOICE_BASED_SIGN_IN`, `Gap.NO_PASSKEYS`, `Gap.NO_SIGN_UP_SESSION`,
    `Gap.PASSWORDLESS_SIGN_UP_FAILS`). What the adapter makes of those answers is checked here; the
    operations proper are checked with botocore's Stubber (tests/unit/adapters/test_cognito_passwordless.py)."""

    def test_a_sign_up_without_a_password_is_unavailable(self, provider: CognitoIdentityProvider):
        with pytest.raises(ProviderUnavailable):
            provider.sign_up(Username(EMAIL), None, Attributes.from_pairs([("email", EMAIL)]))

    def test_confirmation_gives_no_session(self, provider: CognitoIdentityProvider):
        sign_up(provider)

        assert provider.confirm_sign_up(Username(EMAIL), ANY_CODE) is None

    @pytest.mark.parametrize("preferred", [None, *SignInFactor])
    def test_choice_based_sign_in_is_unavailable(
        self, provider: CognitoIdentityProvider, preferred: SignInFactor | None
    ):
        username = confirmed_user(provider)

        with pytest.raises(ProviderUnavailable):
            provider.start_sign_in(username, preferred, Password(PASSWORD))

    def test_passkeys_are_unavailable(self, provider: CognitoIdentityProvider):
        confirmed_user(provider)
        access_token = log_in(provider).access_token

        with pytest.raises(ProviderUnavailable):
            provider.start_passkey_registration(access_token)
        with pytest.raises(ProviderUnavailable):
            provider.complete_passkey_registration(access_token, {"id": "AVJt4TkxYqW2ZCJXmLkxAQ", "type": "public-key"})
        with pytest.raises(ProviderUnavailable):
            provider.list_passkeys(access_token)
        with pytest.raises(ProviderUnavailable):
            provider.delete_passkey(access_token, "AVJt4TkxYqW2ZCJXmLkxAQ")
