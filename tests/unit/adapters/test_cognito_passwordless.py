"""Choice-based sign-in (`USER_AUTH`), the sign-up session and passkeys on the Cognito adapter, with
botocore's Stubber in place of the network: moto has none of these operations (`Gap.NO_CHOICE_BASED_SIGN_IN`,
`Gap.NO_PASSKEYS` in tests/pools.py). The requests are checked parameter by parameter against what AWS
documents, and the Stubber checks every request and answer against botocore's service model."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from adapters.cognito.identity_provider import CognitoIdentityProvider
from domain.errors import (
    CodeMismatch,
    DomainError,
    ExpiredCode,
    ExpiredSession,
    NotAuthorized,
    PasskeyNotFound,
    PasskeyRejected,
    ProviderUnavailable,
    TooManyRequests,
    UserNotConfirmed,
)
from domain.values import Challenge, ConfirmationCode, Passkey, Password, SignInFactor, TokenSet, Username
from tests.unit.adapters.test_cognito_error_mapping import (
    CLIENT_ID,
    PASSWORD,
    SECRET,
    SESSION,
    TOKENS,
    USERNAME,
    secret_hash,
    stub_error,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

ACCESS_TOKEN = "eyJraWQiOiJleGFtcGxlIn0.access"
NEXT_SESSION = "AYABeNextSessionStringThatIsLongEnough"
SIGNED_IN = TokenSet(access_token="access", id_token="id", refresh_token="refresh", expires_in=3600)
# What AWS documents for each: the code delivery of an OTP challenge, and a WebAuthn challenge's
# PublicKeyCredentialRequestOptionsJSON, which Cognito sends as a JSON string.
CODE_DELIVERY = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"}
REQUEST_OPTIONS = {
    "challenge": "h5pO1MXJ0v8Dn1oFwXgKqwr6Bd6mn1aI3M7xOq8eHfI",
    "timeout": 180000,
    "rpId": "auth.example.com",
    "allowCredentials": [{"type": "public-key", "id": "AVJt4TkxYqW2ZCJXmLkxAQ", "transports": ["internal"]}],
    "userVerification": "preferred",
}
# The attestation's and the assertion's toJSON(), as a browser hands them over.
ATTESTATION = {
    "id": "AVJt4TkxYqW2ZCJXmLkxAQ",
    "rawId": "AVJt4TkxYqW2ZCJXmLkxAQ",
    "type": "public-key",
    "response": {"clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0", "attestationObject": "o2NmbXRkbm9uZQ"},
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
}
ASSERTION = json.dumps(
    {
        "id": "AVJt4TkxYqW2ZCJXmLkxAQ",
        "rawId": "AVJt4TkxYqW2ZCJXmLkxAQ",
        "type": "public-key",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "signature": "MEUCIQDn",
        },
        "clientExtensionResults": {},
    }
)


@pytest.fixture
def provider(client: CognitoIdentityProviderClient) -> CognitoIdentityProvider:
    return CognitoIdentityProvider(client, client_id=CLIENT_ID, client_secret=SECRET)


def user_auth(parameters: dict[str, str], **request: str) -> dict[str, Any]:
    """InitiateAuth's exact request in choice-based sign-in, with the secret hash of `provider`."""
    return {
        "ClientId": CLIENT_ID,
        "AuthFlow": "USER_AUTH",
        "AuthParameters": {"USERNAME": USERNAME, **parameters, "SECRET_HASH": secret_hash(USERNAME)},
        **request,
    }


def answer(challenge_name: str, responses: dict[str, str], session: str = SESSION) -> dict[str, Any]:
    """RespondToAuthChallenge's exact request, with the secret hash of `provider`."""
    return {
        "ClientId": CLIENT_ID,
        "ChallengeName": challenge_name,
        "Session": session,
        "ChallengeResponses": {**responses, "USERNAME": USERNAME, "SECRET_HASH": secret_hash(USERNAME)},
    }


def web_authn_challenge(options: str) -> dict[str, Any]:
    return {
        "ChallengeName": "WEB_AUTHN",
        "Session": NEXT_SESSION,
        "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options},
    }


SELECT = {
    "ChallengeName": "SELECT_CHALLENGE",
    "Session": SESSION,
    "ChallengeParameters": {},
    "AvailableChallenges": ["PASSWORD_SRP", "EMAIL_OTP", "PASSWORD", "WEB_AUTHN"],
}


class TestStartSignIn:
    @pytest.mark.parametrize(("factor", "medium"), [(SignInFactor.EMAIL_OTP, "EMAIL"), (SignInFactor.SMS_OTP, "SMS")])
    def test_a_one_time_code_says_where_it_went(
        self, stubber: Stubber, provider: CognitoIdentityProvider, factor: SignInFactor, medium: str
    ):
        delivery = {"CODE_DELIVERY_DELIVERY_MEDIUM": medium, "CODE_DELIVERY_DESTINATION": "+*******0199"}
        stubber.add_response(
            "initiate_auth",
            {"ChallengeName": factor.value, "Session": SESSION, "ChallengeParameters": delivery},
            user_auth({"PREFERRED_CHALLENGE": factor.value}),
        )

        result = provider.start_sign_in(Username(USERNAME), factor)

        assert result == Challenge(name=factor.value, session=SESSION, parameters=delivery)

    def test_a_passkey_comes_with_its_request_options_parsed(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "initiate_auth",
            web_authn_challenge(json.dumps(REQUEST_OPTIONS)),
            user_auth({"PREFERRED_CHALLENGE": "WEB_AUTHN"}),
        )

        result = provider.start_sign_in(Username(USERNAME), SignInFactor.WEB_AUTHN)

        assert result == Challenge(
            name="WEB_AUTHN", session=NEXT_SESSION, parameters={}, credential_request_options=REQUEST_OPTIONS
        )

    @pytest.mark.parametrize("options", ["{not json", "[]", '"options"', ""])
    def test_request_options_that_are_no_json_object_are_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider, options: str
    ):
        stubber.add_response("initiate_auth", web_authn_challenge(options))

        with pytest.raises(ProviderUnavailable):
            provider.start_sign_in(Username(USERNAME), SignInFactor.WEB_AUTHN)

    def test_without_a_preference_the_user_chooses_among_this_services_factors(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("initiate_auth", SELECT, user_auth({}))

        result = provider.start_sign_in(Username(USERNAME), None)

        # PASSWORD_SRP is left out: answering it needs the SRP exchange, which this service does not do.
        assert result == Challenge(
            name="SELECT_CHALLENGE", session=SESSION, available_challenges=("EMAIL_OTP", "PASSWORD", "WEB_AUTHN")
        )

    def test_a_preferred_factor_the_user_lacks_leaves_the_choice(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response(
            "initiate_auth",
            {**SELECT, "AvailableChallenges": ["PASSWORD"]},
            user_auth({"PREFERRED_CHALLENGE": "SMS_OTP"}),
        )

        result = provider.start_sign_in(Username(USERNAME), SignInFactor.SMS_OTP)

        assert isinstance(result, Challenge)
        assert (result.name, result.available_challenges) == ("SELECT_CHALLENGE", ("PASSWORD",))

    def test_a_password_is_sent_with_the_preference(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "initiate_auth",
            {"AuthenticationResult": TOKENS, "ChallengeParameters": {}},
            user_auth({"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD}),
        )

        assert provider.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD, Password(PASSWORD)) == SIGNED_IN

    def test_a_password_sign_in_may_still_owe_mfa(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "initiate_auth",
            {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": NEXT_SESSION, "ChallengeParameters": {}},
        )

        result = provider.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD, Password(PASSWORD))

        assert result == Challenge(name="SOFTWARE_TOKEN_MFA", session=NEXT_SESSION)

    def test_password_preferred_without_one_is_asked_for_through_the_choice(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        # Cognito takes PREFERRED_CHALLENGE PASSWORD only with the password beside it: no preference is
        # sent, and the choice is presented as the PASSWORD challenge...
        stubber.add_response("initiate_auth", SELECT, user_auth({}))
        # ...answered with PASSWORD chosen and the password in one step.
        stubber.add_response(
            "respond_to_auth_challenge",
            {"AuthenticationResult": TOKENS, "ChallengeParameters": {}},
            answer("SELECT_CHALLENGE", {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}),
        )

        challenge = provider.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD)
        assert challenge == Challenge(name="PASSWORD", session=SESSION)
        result = provider.respond_to_challenge(Username(USERNAME), challenge.name, {"PASSWORD": PASSWORD}, SESSION)

        assert result == SIGNED_IN

    def test_password_preferred_by_a_user_without_one_leaves_the_choice(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("initiate_auth", {**SELECT, "AvailableChallenges": ["EMAIL_OTP"]}, user_auth({}))

        result = provider.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD)

        assert result == Challenge(name="SELECT_CHALLENGE", session=SESSION, available_challenges=("EMAIL_OTP",))

    @pytest.mark.parametrize(
        ("code", "message", "expected"),
        [
            ("UserNotFoundException", "User does not exist.", NotAuthorized),
            ("NotAuthorizedException", "Incorrect username or password.", NotAuthorized),
            ("NotAuthorizedException", "User is disabled.", NotAuthorized),
            ("NotAuthorizedException", "Password attempts exceeded", TooManyRequests),
            ("UserNotConfirmedException", "User is not confirmed.", UserNotConfirmed),
            # The app client does not allow USER_AUTH, or the pool's feature plan has no choice-based sign-in.
            ("InvalidParameterException", "USER_AUTH flow not enabled for this client", ProviderUnavailable),
            ("FeatureUnavailableInTierException", "Feature not available", ProviderUnavailable),
        ],
    )
    def test_refusals(
        self,
        stubber: Stubber,
        provider: CognitoIdentityProvider,
        code: str,
        message: str,
        expected: type[DomainError],
    ):
        stub_error(stubber, code, message)

        with pytest.raises(DomainError) as raised:
            provider.start_sign_in(Username(USERNAME), SignInFactor.PASSWORD, Password(PASSWORD))

        assert type(raised.value) is expected
        assert isinstance(raised.value.__cause__, ClientError)


class TestSignUpSession:
    def test_confirmation_hands_back_cognitos_session(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("confirm_sign_up", {"Session": SESSION})

        assert provider.confirm_sign_up(Username(USERNAME), ConfirmationCode("123456")) == SESSION

    def test_a_pool_without_choice_based_sign_in_gives_none(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("confirm_sign_up", {})

        assert provider.confirm_sign_up(Username(USERNAME), ConfirmationCode("123456")) is None

    def test_the_session_is_traded_for_tokens(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "initiate_auth", {"AuthenticationResult": TOKENS, "ChallengeParameters": {}}, user_auth({}, Session=SESSION)
        )

        assert provider.sign_in_with_session(Username(USERNAME), SESSION) == SIGNED_IN

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("NotAuthorizedException", "Invalid session for the user, session is expired."),
            ("NotAuthorizedException", "Invalid session for the user, session can only be used once."),
            ("NotAuthorizedException", "Incorrect username or password."),
            ("UserNotFoundException", "User does not exist."),
        ],
    )
    def test_a_refused_session_is_an_expired_session(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str, message: str
    ):
        stub_error(stubber, code, message)

        with pytest.raises(ExpiredSession) as raised:
            provider.sign_in_with_session(Username(USERNAME), SESSION)

        assert isinstance(raised.value.__cause__, ClientError)


class TestChallengeAnswers:
    @pytest.mark.parametrize(("name", "key"), [("EMAIL_OTP", "EMAIL_OTP_CODE"), ("SMS_OTP", "SMS_OTP_CODE")])
    def test_a_one_time_code(self, stubber: Stubber, provider: CognitoIdentityProvider, name: str, key: str):
        stubber.add_response(
            "respond_to_auth_challenge",
            {"AuthenticationResult": TOKENS, "ChallengeParameters": {}},
            answer(name, {key: "12345678"}),
        )

        assert provider.respond_to_challenge(Username(USERNAME), name, {key: "12345678"}, SESSION) == SIGNED_IN

    def test_choosing_a_one_time_code_delivers_it(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "respond_to_auth_challenge",
            {"ChallengeName": "EMAIL_OTP", "Session": NEXT_SESSION, "ChallengeParameters": CODE_DELIVERY},
            answer("SELECT_CHALLENGE", {"ANSWER": "EMAIL_OTP"}),
        )

        result = provider.respond_to_challenge(Username(USERNAME), "SELECT_CHALLENGE", {"ANSWER": "EMAIL_OTP"}, SESSION)

        assert result == Challenge(name="EMAIL_OTP", session=NEXT_SESSION, parameters=CODE_DELIVERY)

    def test_choosing_a_passkey_brings_its_request_options(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "respond_to_auth_challenge",
            web_authn_challenge(json.dumps(REQUEST_OPTIONS)),
            answer("SELECT_CHALLENGE", {"ANSWER": "WEB_AUTHN"}),
        )

        result = provider.respond_to_challenge(Username(USERNAME), "SELECT_CHALLENGE", {"ANSWER": "WEB_AUTHN"}, SESSION)

        assert isinstance(result, Challenge)
        assert result.credential_request_options == REQUEST_OPTIONS

    def test_a_passkeys_assertion(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "respond_to_auth_challenge",
            {"AuthenticationResult": TOKENS, "ChallengeParameters": {}},
            answer("WEB_AUTHN", {"CREDENTIAL": ASSERTION}),
        )

        assert provider.respond_to_challenge(Username(USERNAME), "WEB_AUTHN", {"CREDENTIAL": ASSERTION}, SESSION) == (
            SIGNED_IN
        )

    @pytest.mark.parametrize(
        ("name", "responses"),
        [
            ("WEB_AUTHN", {"CREDENTIAL": ASSERTION}),
            ("SELECT_CHALLENGE", {"ANSWER": "WEB_AUTHN", "CREDENTIAL": ASSERTION}),
        ],
    )
    def test_an_assertion_cognito_refuses_is_a_rejected_passkey(
        self, stubber: Stubber, provider: CognitoIdentityProvider, name: str, responses: dict[str, str]
    ):
        stub_error(
            stubber, "NotAuthorizedException", "Incorrect username or password.", method="respond_to_auth_challenge"
        )

        with pytest.raises(PasskeyRejected) as raised:
            provider.respond_to_challenge(Username(USERNAME), name, responses, SESSION)

        assert isinstance(raised.value.__cause__, ClientError)

    def test_an_assertion_on_a_spent_session_is_an_expired_session(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stub_error(
            stubber,
            "NotAuthorizedException",
            "Invalid session for the user, session can only be used once.",
            method="respond_to_auth_challenge",
        )

        with pytest.raises(ExpiredSession):
            provider.respond_to_challenge(Username(USERNAME), "WEB_AUTHN", {"CREDENTIAL": ASSERTION}, SESSION)

    def test_a_wrong_password_stays_not_authorized(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(
            stubber, "NotAuthorizedException", "Incorrect username or password.", method="respond_to_auth_challenge"
        )

        with pytest.raises(NotAuthorized) as raised:
            provider.respond_to_challenge(Username(USERNAME), "PASSWORD", {"PASSWORD": "Wrong-h0rse"}, SESSION)

        assert type(raised.value) is NotAuthorized

    @pytest.mark.parametrize(
        ("code", "expected"), [("CodeMismatchException", CodeMismatch), ("ExpiredCodeException", ExpiredCode)]
    )
    @pytest.mark.parametrize(("name", "key"), [("EMAIL_OTP", "EMAIL_OTP_CODE"), ("SMS_OTP", "SMS_OTP_CODE")])
    def test_a_refused_code(
        self,
        stubber: Stubber,
        provider: CognitoIdentityProvider,
        name: str,
        key: str,
        code: str,
        expected: type[DomainError],
    ):
        stub_error(stubber, code, method="respond_to_auth_challenge")

        with pytest.raises(expected):
            provider.respond_to_challenge(Username(USERNAME), name, {key: "12345678"}, SESSION)


CREATION_OPTIONS = {
    "challenge": "x7Ps2rEBA9Ht0m3q1cYQvXvMdvpqwJd5sLBq3dXe7xk",
    "rp": {"id": "auth.example.com", "name": "auth.example.com"},
    "user": {"id": "NGY5YThlMWM", "name": USERNAME, "displayName": USERNAME},
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
    "timeout": 180000,
    "excludeCredentials": [],
    "authenticatorSelection": {"residentKey": "required", "userVerification": "preferred"},
}


def description(credential_id: str, created_at: datetime.datetime, **more: Any) -> dict[str, Any]:
    return {
        "CredentialId": credential_id,
        "FriendlyCredentialName": f"{credential_id}'s name",
        "RelyingPartyId": "auth.example.com",
        "AuthenticatorTransports": ["internal", "hybrid"],
        "CreatedAt": created_at,
        **more,
    }


class TestPasskeys:
    def test_registration_starts_with_cognitos_creation_options(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response(
            "start_web_authn_registration",
            {"CredentialCreationOptions": CREATION_OPTIONS},
            {"AccessToken": ACCESS_TOKEN},
        )

        assert provider.start_passkey_registration(ACCESS_TOKEN) == CREATION_OPTIONS

    def test_creation_options_that_are_no_json_object_are_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response("start_web_authn_registration", {"CredentialCreationOptions": "options"})

        with pytest.raises(ProviderUnavailable):
            provider.start_passkey_registration(ACCESS_TOKEN)

    def test_registration_completes_with_the_attestation_as_given(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stubber.add_response(
            "complete_web_authn_registration", {}, {"AccessToken": ACCESS_TOKEN, "Credential": ATTESTATION}
        )

        provider.complete_passkey_registration(ACCESS_TOKEN, ATTESTATION)

    @pytest.mark.parametrize(
        "code",
        [
            "WebAuthnChallengeNotFoundException",
            "WebAuthnClientMismatchException",
            "WebAuthnCredentialNotSupportedException",
            "WebAuthnOriginNotAllowedException",
            "WebAuthnRelyingPartyMismatchException",
            # The attestation is the user's only input there.
            "InvalidParameterException",
        ],
    )
    def test_an_attestation_cognito_refuses_is_a_rejected_passkey(
        self, stubber: Stubber, provider: CognitoIdentityProvider, code: str
    ):
        stub_error(stubber, code, method="complete_web_authn_registration")

        with pytest.raises(PasskeyRejected) as raised:
            provider.complete_passkey_registration(ACCESS_TOKEN, ATTESTATION)

        assert raised.value.message == PasskeyRejected.default_message
        assert isinstance(raised.value.__cause__, ClientError)

    @pytest.mark.parametrize("code", ["WebAuthnNotEnabledException", "WebAuthnConfigurationMissingException"])
    @pytest.mark.parametrize(
        ("method", "call"),
        [
            ("start_web_authn_registration", lambda p: p.start_passkey_registration(ACCESS_TOKEN)),
            ("complete_web_authn_registration", lambda p: p.complete_passkey_registration(ACCESS_TOKEN, ATTESTATION)),
        ],
    )
    def test_a_pool_not_set_up_for_passkeys_says_so(
        self,
        stubber: Stubber,
        provider: CognitoIdentityProvider,
        code: str,
        method: str,
        call: Callable[[CognitoIdentityProvider], object],
    ):
        stub_error(stubber, code, f"{code} {SECRET}", method=method)

        with pytest.raises(ProviderUnavailable) as raised:
            call(provider)

        assert raised.value.message == "Passkeys are not enabled on the identity provider."

    def test_the_list_follows_every_page_oldest_first(self, stubber: Stubber, provider: CognitoIdentityProvider):
        earlier = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
        later = datetime.datetime(2026, 5, 2, 17, 0, tzinfo=datetime.UTC)
        stubber.add_response(
            "list_web_authn_credentials",
            {"Credentials": [description("newer", later)], "NextToken": "page-2"},
            {"AccessToken": ACCESS_TOKEN},
        )
        stubber.add_response(
            "list_web_authn_credentials",
            {"Credentials": [description("older", earlier, AuthenticatorAttachment="platform")]},
            {"AccessToken": ACCESS_TOKEN, "NextToken": "page-2"},
        )

        passkeys = provider.list_passkeys(ACCESS_TOKEN)

        assert passkeys == (
            Passkey(
                credential_id="older",
                name="older's name",
                relying_party_id="auth.example.com",
                authenticator_attachment="platform",
                transports=("internal", "hybrid"),
                created_at=earlier,
            ),
            Passkey(
                credential_id="newer",
                name="newer's name",
                relying_party_id="auth.example.com",
                authenticator_attachment=None,
                transports=("internal", "hybrid"),
                created_at=later,
            ),
        )

    def test_a_user_without_passkeys_has_an_empty_list(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response("list_web_authn_credentials", {"Credentials": []})

        assert provider.list_passkeys(ACCESS_TOKEN) == ()

    def test_deleting_sends_the_credential_id(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stubber.add_response(
            "delete_web_authn_credential", {}, {"AccessToken": ACCESS_TOKEN, "CredentialId": "AVJt4TkxYqW2ZCJXmLkxAQ"}
        )

        provider.delete_passkey(ACCESS_TOKEN, "AVJt4TkxYqW2ZCJXmLkxAQ")

    def test_deleting_an_unknown_passkey_is_not_found(self, stubber: Stubber, provider: CognitoIdentityProvider):
        stub_error(stubber, "ResourceNotFoundException", method="delete_web_authn_credential")

        with pytest.raises(PasskeyNotFound):
            provider.delete_passkey(ACCESS_TOKEN, "AVJt4TkxYqW2ZCJXmLkxAQ")

    def test_a_missing_resource_elsewhere_is_the_pool_and_the_providers_failure(
        self, stubber: Stubber, provider: CognitoIdentityProvider
    ):
        stub_error(stubber, "ResourceNotFoundException", method="list_web_authn_credentials")

        with pytest.raises(ProviderUnavailable):
            provider.list_passkeys(ACCESS_TOKEN)

    @pytest.mark.parametrize(
        ("method", "call"),
        [
            ("start_web_authn_registration", lambda p: p.start_passkey_registration(ACCESS_TOKEN)),
            ("complete_web_authn_registration", lambda p: p.complete_passkey_registration(ACCESS_TOKEN, ATTESTATION)),
            ("list_web_authn_credentials", lambda p: p.list_passkeys(ACCESS_TOKEN)),
            ("delete_web_authn_credential", lambda p: p.delete_passkey(ACCESS_TOKEN, "AVJt4TkxYqW2ZCJXmLkxAQ")),
        ],
    )
    def test_an_expired_access_token_is_not_authorized(
        self,
        stubber: Stubber,
        provider: CognitoIdentityProvider,
        method: str,
        call: Callable[[CognitoIdentityProvider], object],
    ):
        stub_error(stubber, "NotAuthorizedException", "Access Token has expired", method=method)

        with pytest.raises(NotAuthorized) as raised:
            call(provider)

        assert raised.value.message == "Access Token has expired"
