"""The Cognito adapter's translation of Cognito's answers and failures, with botocore's Stubber in
place of the network: the error codes no emulator produces (throttling, delivery failures, 5xx),
connection failures, SECRET_HASH on every call, and what error messages may show."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from adapters.cognito.client import build_cognito_client
from adapters.cognito.identity_provider import CognitoIdentityProvider
from domain.errors import (
    CodeMismatch,
    DomainError,
    ExpiredCode,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasskeyRejected,
    PasswordResetRequired,
    ProviderUnavailable,
    TooManyRequests,
    UsernameExists,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import (
    Attributes,
    Challenge,
    CodeDelivery,
    ConfirmationCode,
    MfaFactor,
    MfaPreference,
    Password,
    SignInFactor,
    TokenSet,
    Username,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

CLIENT_ID = "6example0client0id0abcdefg"
SECRET = "app-client-secret/with+symbols-0123456789"
REQUEST_ID = "0f4c7a52-5a1b-4c8e-9d1e-3f2a6b7c8d9e"
USERNAME = "ada@example.com"
COGNITO_USERNAME = "4f9a8e1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
PASSWORD = "Correct-h0rse"
REFRESH_TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh"
SESSION = "AYABeExampleSessionStringThatIsLongEnough"

ERROR_TABLE = [
    ("UsernameExistsException", UsernameExists),
    ("AliasExistsException", UsernameExists),
    ("InvalidPasswordException", InvalidPassword),
    ("CodeMismatchException", CodeMismatch),
    ("ExpiredCodeException", ExpiredCode),
    ("NotAuthorizedException", NotAuthorized),
    ("UserNotFoundException", NotAuthorized),
    ("UserNotConfirmedException", UserNotConfirmed),
    ("PasswordResetRequiredException", PasswordResetRequired),
    ("TooManyRequestsException", TooManyRequests),
    ("LimitExceededException", TooManyRequests),
    ("TooManyFailedAttemptsException", TooManyRequests),
    ("InvalidParameterException", ValidationError),
    ("CodeDeliveryFailureException", ProviderUnavailable),
    ("EnableSoftwareTokenMFAException", CodeMismatch),
    ("SoftwareTokenMFANotFoundException", ValidationError),
    ("WebAuthnChallengeNotFoundException", PasskeyRejected),
    ("WebAuthnClientMismatchException", PasskeyRejected),
    ("WebAuthnCredentialNotSupportedException", PasskeyRejected),
    ("WebAuthnOriginNotAllowedException", PasskeyRejected),
    ("WebAuthnRelyingPartyMismatchException", PasskeyRejected),
]


def secret_hash(username: str, secret: str = SECRET, client_id: str = CLIENT_ID) -> str:
    """AWS's definition, computed here independently of the adapter."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_secret_hash_matches_a_known_vector():
    """Pins the test's own computation, so that both sides cannot drift together."""
    assert secret_hash("alice", "secret", "client") == "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="


@pytest.fixture
def provider(client: CognitoIdentityProviderClient) -> CognitoIdentityProvider:
    return CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=SECRET)


def log_in(provider: CognitoIdentityProvider) -> object:
    return provider.initiate_auth(Username(USERNAME), Password(PASSWORD))


def stub_error(
    stubber: Stubber,
    code: str,
    message: str = "Cognito's message",
    *,
    method: str = "initiate_auth",
    status: int = 400,
) -> None:
    stubber.add_client_error(
        method,
        service_error_code=code,
        service_message=message,
        http_status_code=status,
        response_meta={"RequestId": REQUEST_ID, "HTTPHeaders": {"x-amzn-requestid": REQUEST_ID}},
    )


class TestErrorCodes:
    @pytest.mark.parametrize(("code", "expected"), ERROR_TABLE)
    def test_maps_each_cognito_error_code_to_its_domain_error(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, expected: type[DomainError]
    ):
        stub_error(stubber, code)

        with pytest.raises(DomainError) as raised:
            log_in(provider)

        assert type(raised.value) is expected
        assert isinstance(raised.value.__cause__, ClientError)

    def test_an_unknown_user_gets_the_wrong_password_answer(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(stubber, "UserNotFoundException", "User does not exist.")

        with pytest.raises(NotAuthorized) as raised:
            log_in(provider)

        assert raised.value.message == "Incorrect username or password."

    @pytest.mark.parametrize(
        "message",
        [
            "Invalid session for the user, session is expired.",
            "Invalid session for the user, session can only be used once.",
        ],
    )
    def test_a_refused_challenge_session_is_an_expired_session(
        self, stubber: Stubber, provider: CognitoIdentityProvider, message: str
    ):
        stub_error(stubber, "NotAuthorizedException", message, method="respond_to_auth_challenge")

        with pytest.raises(ExpiredSession):
            provider.respond_to_challenge(Username(USERNAME), "SMS_MFA", {"SMS_MFA_CODE": "123456"}, SESSION)

    def test_a_wrong_challenge_answer_stays_not_authorized(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(
            stubber, "NotAuthorizedException", "Incorrect username or password.", method="respond_to_auth_challenge"
        )

        with pytest.raises(NotAuthorized) as raised:
            provider.respond_to_challenge(Username(USERNAME), "NEW_PASSWORD_REQUIRED", {}, SESSION)

        assert type(raised.value) is NotAuthorized

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            (
                "InvalidPasswordException",
                "Password did not conform with policy: Password must have uppercase characters",
            ),
            ("InvalidPasswordException", "Password does not conform to policy: Password not long enough"),
            ("NotAuthorizedException", "Refresh Token has been revoked"),
            ("NotAuthorizedException", "Invalid Refresh Token"),
            ("NotAuthorizedException", "Access Token has expired"),
        ],
    )
    def test_keeps_cognito_messages_meant_for_users(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, message: str
    ):
        stub_error(stubber, code, message)

        with pytest.raises(DomainError) as raised:
            log_in(provider)

        assert raised.value.message == message

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("NotAuthorizedException", "User is disabled."),
            ("NotAuthorizedException", REFRESH_TOKEN),  # moto names the refused token
            ("NotAuthorizedException", f"Unable to verify secret hash for client {CLIENT_ID}"),
            ("UsernameExistsException", USERNAME),
            ("InvalidPasswordException", "The provided password does not confirm to the configured password policy"),
        ],
    )
    def test_replaces_every_other_message_by_the_domain_default(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, message: str
    ):
        stub_error(stubber, code, message)

        with pytest.raises(DomainError) as raised:
            log_in(provider)

        assert raised.value.message == type(raised.value).default_message


class TestCognitosOwnProtections:
    """Cognito's lock-outs and caps are limits to wait out (429 + Retry-After), not wrong input."""

    def test_a_sign_in_during_the_password_lock_out_is_too_many_requests(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stub_error(stubber, "NotAuthorizedException", "Password attempts exceeded")

        with pytest.raises(TooManyRequests) as raised:
            log_in(provider)

        assert raised.value.message == "Password attempts exceeded"
        assert raised.value.retry_after > 0
        assert isinstance(raised.value.__cause__, ClientError)

    def test_a_wrong_password_stays_not_authorized(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(stubber, "NotAuthorizedException", "Incorrect username or password.")

        with pytest.raises(NotAuthorized) as raised:
            log_in(provider)

        assert type(raised.value) is NotAuthorized

    @pytest.mark.parametrize(
        ("method", "call"),
        [
            ("forgot_password", lambda provider: provider.forgot_password(Username(USERNAME))),
            ("resend_confirmation_code", lambda provider: provider.resend_confirmation_code(Username(USERNAME))),
            (
                "get_user_attribute_verification_code",
                lambda provider: provider.get_user_attribute_verification_code("access", "email"),
            ),
        ],
    )
    def test_too_many_code_requests_is_too_many_requests(
        self, stubber: Stubber, provider: CognitoIdentityProvider, method: str, call: Callable[..., object]
    ):
        stub_error(
            stubber, "LimitExceededException", "Attempt limit exceeded, please try after some time.", method=method
        )

        with pytest.raises(TooManyRequests) as raised:
            call(provider)

        assert raised.value.message == "Attempt limit exceeded, please try after some time."

    def test_too_many_wrong_mfa_codes_is_too_many_requests(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(
            stubber, "TooManyFailedAttemptsException", "Too many failed attempts.", method="respond_to_auth_challenge"
        )

        with pytest.raises(TooManyRequests):
            provider.respond_to_challenge(Username(USERNAME), "SMS_MFA", {"SMS_MFA_CODE": "123456"}, SESSION)

    @pytest.mark.parametrize(
        ("method", "call"),
        [
            ("forgot_password", lambda provider: provider.forgot_password(Username(USERNAME))),
            (
                "sign_up",
                lambda provider: provider.sign_up(
                    Username(USERNAME), Password(PASSWORD), Attributes.from_pairs([("email", USERNAME)])
                ),
            ),
        ],
    )
    def test_a_code_that_cannot_be_delivered_is_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider, method: str, call: Callable[..., object]
    ):
        stub_error(stubber, "CodeDeliveryFailureException", "Unable to deliver message", method=method)

        with pytest.raises(ProviderUnavailable):
            call(provider)


class TestInvalidParameters:
    @pytest.mark.parametrize(
        ("message", "field"),
        [
            (
                "1 validation error detected: Value at 'username' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
                "username",
            ),
            ("Username should be an email.", "username"),
            ("Invalid email address format.", "user_attributes"),
            ("Attributes did not conform to the schema: given_name: The attribute is required", "user_attributes"),
            (
                "1 validation error detected: Value at 'password' failed to satisfy constraint: "
                "Member must have length greater than or equal to 6",
                "password",
            ),
            ("Missing required parameter REFRESH_TOKEN", "refresh_token"),
            ("A parameter is specified incorrectly.", "request"),
        ],
    )
    def test_names_the_refused_field_without_cognitos_words(
        self, stubber: Stubber, provider: CognitoIdentityProvider, message: str, field: str
    ):
        stub_error(stubber, "InvalidParameterException", message)

        with pytest.raises(ValidationError) as raised:
            log_in(provider)

        assert raised.value.fields == {field: "was rejected by the identity provider"}
        assert raised.value.message == ValidationError.default_message

    @pytest.mark.parametrize(
        "message",
        [
            "USER_PASSWORD_AUTH flow not enabled for this client",
            "Initiate Auth method not supported",
            # moto's answer to USER_AUTH, which it does not implement.
            "1 validation error detected: Value 'USER_AUTH' at 'authFlow' failed to satisfy constraint: "
            "Member must satisfy enum value set: ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'USER_PASSWORD_AUTH']",
        ],
    )
    def test_a_misconfigured_app_client_is_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider, message: str
    ):
        stub_error(stubber, "InvalidParameterException", message)

        with pytest.raises(ProviderUnavailable):
            log_in(provider)

    def test_resending_a_code_to_a_confirmed_user_is_not_authorized(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stub_error(
            stubber, "InvalidParameterException", "User is already confirmed.", method="resend_confirmation_code"
        )

        with pytest.raises(NotAuthorized):
            provider.resend_confirmation_code(Username(USERNAME))

    def test_a_value_botocore_refuses_before_sending_names_its_field(self, provider: CognitoIdentityProvider):
        secret_answer = "Secret-answer-1"

        with pytest.raises(ValidationError) as raised:
            provider.respond_to_challenge(
                Username(USERNAME), "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": secret_answer}, "short"
            )

        assert raised.value.fields == {"session": "was rejected by the identity provider"}
        assert isinstance(raised.value.__cause__, ParamValidationError)
        assert secret_answer not in str(raised.value)


class TestProviderUnavailable:
    @pytest.mark.parametrize(
        "code", ["ResourceNotFoundException", "InternalErrorException", "SomeExceptionAddedNextYear", ""]
    )
    def test_unknown_error_codes(self, stubber: Stubber, provider: CognitoIdentityProvider, code: str):
        stub_error(stubber, code)

        with pytest.raises(ProviderUnavailable) as raised:
            log_in(provider)

        assert isinstance(raised.value.__cause__, ClientError)

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    @pytest.mark.parametrize("code", ["InternalErrorException", "NotAuthorizedException", "500"])
    def test_every_server_error(self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, status: int):
        stub_error(stubber, code, "Internal Server Error", status=status)

        with pytest.raises(ProviderUnavailable) as raised:
            log_in(provider)

        assert isinstance(raised.value.__cause__, ClientError)

    @pytest.mark.parametrize(
        "failure", [EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError]
    )
    def test_connection_failures(
        self, client: CognitoIdentityProviderClient, provider: CognitoIdentityProvider, failure
    ):
        def fail(**kwargs: Any) -> None:
            raise failure(endpoint_url="http://127.0.0.1:9")

        client.meta.events.register("before-send.cognito-identity-provider", fail)
        try:
            with pytest.raises(ProviderUnavailable) as raised:
                log_in(provider)
        finally:
            client.meta.events.unregister("before-send.cognito-identity-provider", fail)

        assert isinstance(raised.value.__cause__, failure)

    def test_a_closed_port(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        provider = self._provider_at(f"http://127.0.0.1:{port}")

        with pytest.raises(ProviderUnavailable) as raised:
            log_in(provider)

        assert isinstance(raised.value.__cause__, EndpointConnectionError)

    def test_a_server_that_never_answers(self):
        with socket.socket() as silent:
            # Listening without ever accepting: the kernel completes the handshake, nobody replies.
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            provider = self._provider_at(f"http://127.0.0.1:{silent.getsockname()[1]}")

            with pytest.raises(ProviderUnavailable) as raised:
                log_in(provider)

        assert isinstance(raised.value.__cause__, ReadTimeoutError)

    @staticmethod
    def _provider_at(endpoint_url: str) -> CognitoIdentityProvider:
        client = build_cognito_client(
            region="us-east-1",
            endpoint_url=endpoint_url,
            access_key_id="testing",
            secret_access_key="testing",
            connect_timeout=0.2,
            read_timeout=0.2,
            max_attempts=1,
        )
        return CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=SECRET)


TOKENS = {"AccessToken": "access", "IdToken": "id", "RefreshToken": "refresh", "ExpiresIn": 3600, "TokenType": "Bearer"}
# What REFRESH_TOKEN_AUTH answers: no new refresh token.
REFRESHED = {key: value for key, value in TOKENS.items() if key != "RefreshToken"}
DELIVERY = {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def calls(
    hashed: bool,
) -> list[tuple[str, Callable[[CognitoIdentityProvider], object], dict[str, Any], dict[str, Any]]]:
    """(method, call through the port, the exact parameters Cognito must receive, Cognito's answer)."""

    def secret(username: str) -> dict[str, str]:
        return {"SecretHash": secret_hash(username)} if hashed else {}

    def secret_parameter(username: str) -> dict[str, str]:
        return {"SECRET_HASH": secret_hash(username)} if hashed else {}

    return [
        (
            "sign_up",
            lambda p: p.sign_up(Username(USERNAME), Password(PASSWORD), Attributes.from_pairs([("email", USERNAME)])),
            {
                "ClientId": CLIENT_ID,
                "Username": USERNAME,
                "Password": PASSWORD,
                "UserAttributes": [{"Name": "email", "Value": USERNAME}],
                **secret(USERNAME),
            },
            {"UserConfirmed": False, "UserSub": "sub-1", "CodeDeliveryDetails": DELIVERY},
        ),
        (
            "confirm_sign_up",
            lambda p: p.confirm_sign_up(Username(USERNAME), ConfirmationCode("123456"), force_alias_creation=True),
            {
                "ClientId": CLIENT_ID,
                "Username": USERNAME,
                "ConfirmationCode": "123456",
                "ForceAliasCreation": True,
                **secret(USERNAME),
            },
            {},
        ),
        (
            "resend_confirmation_code",
            lambda p: p.resend_confirmation_code(Username(USERNAME)),
            {"ClientId": CLIENT_ID, "Username": USERNAME, **secret(USERNAME)},
            {"CodeDeliveryDetails": DELIVERY},
        ),
        (
            "initiate_auth",
            lambda p: p.initiate_auth(Username(USERNAME), Password(PASSWORD)),
            {
                "ClientId": CLIENT_ID,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": USERNAME, "PASSWORD": PASSWORD, **secret_parameter(USERNAME)},
            },
            {"AuthenticationResult": TOKENS},
        ),
        (
            "respond_to_auth_challenge",
            lambda p: p.respond_to_challenge(
                Username(USERNAME), "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": "Battery-st4ple"}, SESSION
            ),
            {
                "ClientId": CLIENT_ID,
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": SESSION,
                "ChallengeResponses": {
                    "NEW_PASSWORD": "Battery-st4ple",
                    "USERNAME": USERNAME,
                    **secret_parameter(USERNAME),
                },
            },
            {"AuthenticationResult": TOKENS},
        ),
        (
            "initiate_auth",
            lambda p: p.start_sign_in(Username(USERNAME), SignInFactor.EMAIL_OTP),
            {
                "ClientId": CLIENT_ID,
                "AuthFlow": "USER_AUTH",
                "AuthParameters": {
                    "USERNAME": USERNAME,
                    "PREFERRED_CHALLENGE": "EMAIL_OTP",
                    **secret_parameter(USERNAME),
                },
            },
            {"ChallengeName": "EMAIL_OTP", "Session": SESSION, "ChallengeParameters": {}},
        ),
        (
            "initiate_auth",
            lambda p: p.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD, Password(PASSWORD)),
            {
                "ClientId": CLIENT_ID,
                "AuthFlow": "USER_AUTH",
                "AuthParameters": {
                    "USERNAME": USERNAME,
                    "PREFERRED_CHALLENGE": "PASSWORD",
                    "PASSWORD": PASSWORD,
                    **secret_parameter(USERNAME),
                },
            },
            {"AuthenticationResult": TOKENS},
        ),
        (
            "initiate_auth",
            lambda p: p.sign_in_with_session(Username(USERNAME), SESSION),
            {
                "ClientId": CLIENT_ID,
                "AuthFlow": "USER_AUTH",
                "AuthParameters": {"USERNAME": USERNAME, **secret_parameter(USERNAME)},
                "Session": SESSION,
            },
            {"AuthenticationResult": TOKENS},
        ),
        (
            "respond_to_auth_challenge",
            lambda p: p.respond_to_challenge(Username(USERNAME), "EMAIL_OTP", {"EMAIL_OTP_CODE": "12345678"}, SESSION),
            {
                "ClientId": CLIENT_ID,
                "ChallengeName": "EMAIL_OTP",
                "Session": SESSION,
                "ChallengeResponses": {
                    "EMAIL_OTP_CODE": "12345678",
                    "USERNAME": USERNAME,
                    **secret_parameter(USERNAME),
                },
            },
            {"AuthenticationResult": TOKENS},
        ),
        (
            "initiate_auth",
            lambda p: p.refresh(REFRESH_TOKEN, COGNITO_USERNAME),
            {
                "ClientId": CLIENT_ID,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                # Over the Cognito username passed in, never over the alias the user signed in with.
                "AuthParameters": {"REFRESH_TOKEN": REFRESH_TOKEN, **secret_parameter(COGNITO_USERNAME)},
            },
            {"AuthenticationResult": REFRESHED},
        ),
        (
            "forgot_password",
            lambda p: p.forgot_password(Username(USERNAME)),
            {"ClientId": CLIENT_ID, "Username": USERNAME, **secret(USERNAME)},
            {"CodeDeliveryDetails": DELIVERY},
        ),
        (
            "confirm_forgot_password",
            lambda p: p.confirm_forgot_password(
                Username(USERNAME), ConfirmationCode("654321"), Password("Battery-st4ple")
            ),
            {
                "ClientId": CLIENT_ID,
                "Username": USERNAME,
                "ConfirmationCode": "654321",
                "Password": "Battery-st4ple",
                **secret(USERNAME),
            },
            {},
        ),
        (
            "global_sign_out",
            lambda p: p.global_sign_out("access"),
            {"AccessToken": "access"},
            {},
        ),
    ]


def _ids(cases: list[tuple[str, Any, Any, Any]]) -> list[str]:
    return [f"{method}-{index}" for index, (method, *_) in enumerate(cases)]


class TestSecretHash:
    @pytest.mark.parametrize(("method", "call", "expected", "response"), calls(hashed=True), ids=_ids(calls(True)))
    def test_every_call_that_names_a_user_carries_it(
        self, stubber: Stubber, provider: CognitoIdentityProvider, method: str, call, expected, response
    ):
        stubber.add_response(method, response, expected)

        call(provider)

    @pytest.mark.parametrize(("method", "call", "expected", "response"), calls(hashed=False), ids=_ids(calls(False)))
    def test_no_call_carries_it_without_a_secret(
        self, client: CognitoIdentityProviderClient, stubber: Stubber, method: str, call, expected, response
    ):
        stubber.add_response(method, response, expected)

        call(CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=None))

    def test_refreshing_without_a_username_is_refused_before_calling_cognito(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        with pytest.raises(ValidationError) as raised:
            provider.refresh(REFRESH_TOKEN, None)

        assert raised.value.fields == {"access_token": "needed to refresh with this app client"}

    def test_refreshing_without_secret_needs_no_username(self, client: CognitoIdentityProviderClient, stubber: Stubber):
        stubber.add_response("initiate_auth", {"AuthenticationResult": TOKENS})

        tokens = CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=None).refresh(REFRESH_TOKEN, None)

        assert tokens.access_token == "access"


class TestResults:
    def test_sign_up_outcome(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("sign_up", {"UserConfirmed": False, "UserSub": "sub-1", "CodeDeliveryDetails": DELIVERY})

        outcome = provider.sign_up(Username(USERNAME), Password(PASSWORD), Attributes())

        assert outcome.user_sub == "sub-1"
        assert outcome.user_confirmed is False
        assert outcome.code_delivery == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")

    def test_sign_up_without_delivery(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("sign_up", {"UserConfirmed": True, "UserSub": "sub-1"})

        assert provider.sign_up(Username(USERNAME), Password(PASSWORD), Attributes()).code_delivery is None

    def test_tokens(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("initiate_auth", {"AuthenticationResult": TOKENS, "ChallengeParameters": {}})

        assert log_in(provider) == TokenSet(
            access_token="access", id_token="id", refresh_token="refresh", expires_in=3600
        )

    def test_a_challenge(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "initiate_auth",
            {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION, "ChallengeParameters": {"USERNAME": "ada"}},
        )

        assert log_in(provider) == Challenge(
            name="NEW_PASSWORD_REQUIRED", session=SESSION, parameters={"USERNAME": "ada"}
        )

    def test_refresh_hands_back_the_refresh_token_it_was_given(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("initiate_auth", {"AuthenticationResult": REFRESHED})

        assert provider.refresh(REFRESH_TOKEN, COGNITO_USERNAME).refresh_token == REFRESH_TOKEN

    @pytest.mark.parametrize("response", [{}, {"AuthenticationResult": {"AccessToken": "access"}}])
    def test_an_answer_without_tokens_or_challenge_is_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider, response: dict[str, Any]
    ):
        stubber.add_response("initiate_auth", response)

        with pytest.raises(ProviderUnavailable):
            log_in(provider)


class TestNothingLeaks:
    @pytest.mark.parametrize("code", [code for code, _ in ERROR_TABLE] + ["InternalErrorException"])
    def test_no_message_shows_the_request_id_the_secret_or_a_token(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str
    ):
        stub_error(stubber, code, f"{code} {REQUEST_ID} {SECRET} {REFRESH_TOKEN} {secret_hash(USERNAME)}")

        with pytest.raises(DomainError) as raised:
            log_in(provider)

        shown = " ".join([str(raised.value), repr(raised.value), *getattr(raised.value, "fields", {}).values()])
        for secret in (REQUEST_ID, SECRET, REFRESH_TOKEN, secret_hash(USERNAME), PASSWORD):
            assert secret not in shown

    @given(
        code=st.one_of(st.sampled_from([code for code, _ in ERROR_TABLE]), st.text(max_size=40)),
        status=st.integers(min_value=400, max_value=599),
        message=st.text(max_size=80),
    )
    def test_any_cognito_error_becomes_a_domain_error(
        self, client: CognitoIdentityProviderClient, code: str, status: int, message: str
    ):
        provider = CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=SECRET)
        with Stubber(client) as stubber:
            # A message ending in the secret can never pass for one of Cognito's user-facing messages.
            stub_error(stubber, code, f"{message} {REQUEST_ID} {SECRET}", status=status)

            with pytest.raises(DomainError) as raised:
                log_in(provider)

        assert isinstance(raised.value.__cause__, ClientError)
        if status >= 500:
            assert isinstance(raised.value, ProviderUnavailable)
        assert REQUEST_ID not in str(raised.value)
        assert SECRET not in str(raised.value)


class TestSoftwareToken:
    def test_a_verification_answered_with_status_error_is_a_code_mismatch(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("verify_software_token", {"Status": "ERROR"})

        with pytest.raises(CodeMismatch):
            provider.verify_software_token("access-token", ConfirmationCode("123456"))


class TestMfaPreference:
    """What SetUserMFAPreference is sent: Cognito's settings per factor, the preferred one flagged."""

    def test_turning_both_on_flags_the_preferred_one(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "set_user_mfa_preference",
            {},
            {
                "AccessToken": "access-token",
                "SMSMfaSettings": {"Enabled": True, "PreferredMfa": True},
                "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": False},
            },
        )

        provider.set_mfa_preference("access-token", MfaPreference(sms=True, totp=True, preferred=MfaFactor.SMS))

    def test_turning_a_factor_off_prefers_the_one_left_on(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "get_user",
            {"Username": USERNAME, "UserAttributes": [], "UserMFASettingList": ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]},
            {"AccessToken": "access-token"},
        )
        stubber.add_response(
            "set_user_mfa_preference",
            {},
            {
                "AccessToken": "access-token",
                "SMSMfaSettings": {"Enabled": True, "PreferredMfa": True},
                "SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False},
            },
        )

        provider.set_mfa_preference("access-token", MfaPreference(totp=False))

    def test_turning_the_last_factor_off_prefers_none(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "get_user", {"Username": USERNAME, "UserAttributes": [], "UserMFASettingList": ["SMS_MFA"]}
        )
        stubber.add_response(
            "set_user_mfa_preference",
            {},
            {"AccessToken": "access-token", "SMSMfaSettings": {"Enabled": False, "PreferredMfa": False}},
        )

        provider.set_mfa_preference("access-token", MfaPreference(sms=False))


class TestUserAttributes:
    def test_an_update_sends_the_attributes_and_says_where_codes_went(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response(
            "update_user_attributes",
            {"CodeDeliveryDetailsList": [DELIVERY]},
            {"AccessToken": "access", "UserAttributes": [{"Name": "email", "Value": "new@example.org"}]},
        )

        deliveries = provider.update_user_attributes("access", Attributes.from_pairs([("email", "new@example.org")]))

        assert deliveries == (CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email"),)

    def test_an_update_without_a_code_delivers_nothing(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("update_user_attributes", {})

        assert provider.update_user_attributes("access", Attributes.from_pairs([("given_name", "Ada")])) == ()

    def test_writing_an_attribute_the_client_may_not_is_a_validation_error(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stub_error(
            stubber,
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute",
            method="update_user_attributes",
        )

        with pytest.raises(ValidationError) as raised:
            provider.update_user_attributes("access", Attributes.from_pairs([("nickname", "Ada")]))

        assert raised.value.fields == {"user_attributes": "was rejected by the identity provider"}

    @pytest.mark.parametrize(
        "message",
        [
            "Attributes did not conform to the schema: Type for attribute {custom:shoe_size} could not be determined",
            "Invalid user attributes: user.custom:shoe_size: Attribute does not exist in the schema.",
        ],
    )
    def test_a_refused_attribute_is_named_when_cognito_names_it(
        self, stubber: Stubber, provider: CognitoIdentityProvider, message: str
    ):
        stub_error(stubber, "InvalidParameterException", message, method="update_user_attributes")

        with pytest.raises(ValidationError) as raised:
            provider.update_user_attributes(
                "access", Attributes.from_pairs([("given_name", "Ada"), ("custom:shoe_size", "38")])
            )

        assert raised.value.fields == {
            "user_attributes": "attribute 'custom:shoe_size' was rejected by the identity provider"
        }
        assert isinstance(raised.value.__cause__, ClientError)

    def test_only_a_name_that_was_sent_is_shown(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(
            stubber,
            "InvalidParameterException",
            "Type for attribute {custom:not_sent} could not be determined",
            method="update_user_attributes",
        )

        with pytest.raises(ValidationError) as raised:
            provider.update_user_attributes("access", Attributes.from_pairs([("given_name", "Ada")]))

        assert raised.value.fields == {"user_attributes": "was rejected by the identity provider"}

    def test_the_profile_keeps_the_sub_apart(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "get_user",
            {
                "Username": COGNITO_USERNAME,
                "UserAttributes": [
                    {"Name": "sub", "Value": "sub-1"},
                    {"Name": "email", "Value": USERNAME},
                    {"Name": "email_verified", "Value": "false"},
                ],
            },
            {"AccessToken": "access"},
        )

        profile = provider.get_user("access")

        assert (profile.username, profile.sub) == (COGNITO_USERNAME, "sub-1")
        assert profile.attributes == {"email": USERNAME, "email_verified": "false"}

    def test_a_resent_code_says_where_it_went(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "get_user_attribute_verification_code",
            {"CodeDeliveryDetails": DELIVERY},
            {"AccessToken": "access", "AttributeName": "email"},
        )

        delivery = provider.get_user_attribute_verification_code("access", "email")

        assert delivery == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")

    def test_a_resend_answered_without_a_delivery_is_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("get_user_attribute_verification_code", {})

        with pytest.raises(ProviderUnavailable):
            provider.get_user_attribute_verification_code("access", "email")

    def test_verification_sends_the_code(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "verify_user_attribute", {}, {"AccessToken": "access", "AttributeName": "email", "Code": "123456"}
        )

        provider.verify_user_attribute("access", "email", ConfirmationCode("123456"))

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("CodeMismatchException", CodeMismatch),
            ("ExpiredCodeException", ExpiredCode),
            ("LimitExceededException", TooManyRequests),
        ],
    )
    def test_a_refused_code(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, expected: type[DomainError]
    ):
        stub_error(stubber, code, method="verify_user_attribute")

        with pytest.raises(expected):
            provider.verify_user_attribute("access", "email", ConfirmationCode("123456"))
