from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.jwt.verifier import JwksTokenVerifier
from application.ports.code_sender import CodePurpose
from domain.errors import (
    CodeMismatch,
    DomainError,
    ExpiredCode,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
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
    MfaPreference,
    Password,
    PasswordPolicy,
    TokenSet,
    Username,
)
from tests.fakes import ManualClock, RecordingCodeSender
from tests.totp import totp

ALICE = "alice@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"
CLIENT_ID = "test-client"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
DAY = 24 * 3600


def sign_up(
    provider: EmbeddedIdentityProvider,
    username: str = ALICE,
    password: str = PASSWORD,
    attributes: tuple[tuple[str, str], ...] = (("email", ALICE),),
) -> None:
    provider.sign_up(Username(username), Password(password), Attributes.from_pairs(attributes))


def confirm(provider: EmbeddedIdentityProvider, code: str, username: str = ALICE) -> None:
    provider.confirm_sign_up(Username(username), ConfirmationCode(code))


def sign_up_code(sender: RecordingCodeSender, username: str = ALICE) -> str:
    return sender.last_code(username, CodePurpose.SIGN_UP)


def reset_code(sender: RecordingCodeSender, username: str = ALICE) -> str:
    return sender.last_code(username, CodePurpose.PASSWORD_RESET)


def sign_in(provider: EmbeddedIdentityProvider, username: str = ALICE, password: str = PASSWORD) -> TokenSet:
    result = provider.initiate_auth(Username(username), Password(password))
    assert isinstance(result, TokenSet)
    return result


def wrong(code: str) -> str:
    """A six-digit code that is not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


def claims_of(token: str, provider: EmbeddedIdentityProvider) -> dict[str, Any]:
    """Decode with the pool's published key, time checks off: tests look at the claims themselves."""
    (key,) = provider.jwks()["keys"]
    options = {"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False}
    payload: dict[str, Any] = jwt.decode(token, jwt.PyJWK(key), algorithms=["RS256"], options=options)  # type: ignore[arg-type]
    return payload


def verifier_for(provider: EmbeddedIdentityProvider, clock: ManualClock) -> JwksTokenVerifier:
    return JwksTokenVerifier(issuer=provider.issuer, client_id=CLIENT_ID, jwks=provider.jwks, clock=clock)


MakeProvider = Callable[..., EmbeddedIdentityProvider]


@pytest.fixture
def make_provider(clock: ManualClock, code_sender: RecordingCodeSender, signing_key: rsa.RSAPrivateKey) -> MakeProvider:
    """Build pools like `embedded_provider` but with other options; `signing_key=None` makes the pool find its own."""

    def make(**options: Any) -> EmbeddedIdentityProvider:
        options.setdefault("signing_key", signing_key)
        return EmbeddedIdentityProvider(
            pool_id="eu-west-1_TestPool",
            client_id=CLIENT_ID,
            region="eu-west-1",
            code_sender=code_sender,
            clock=clock,
            **options,
        )

    return make


@pytest.fixture
def provider(embedded_provider: EmbeddedIdentityProvider) -> EmbeddedIdentityProvider:
    return embedded_provider


@pytest.fixture
def confirmed(provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender) -> EmbeddedIdentityProvider:
    """The pool with Alice signed up and confirmed."""
    sign_up(provider, attributes=(("email", ALICE), ("given_name", "Alice"), ("family_name", "Liddell")))
    confirm(provider, sign_up_code(code_sender))
    return provider


@pytest.fixture
def invited(provider: EmbeddedIdentityProvider) -> EmbeddedIdentityProvider:
    """The pool with Alice created by an administrator, so she must choose a new password."""
    provider.admin_create_user(Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE)]))
    return provider


def new_password_challenge(provider: EmbeddedIdentityProvider) -> Challenge:
    result = provider.initiate_auth(Username(ALICE), Password(PASSWORD))
    assert isinstance(result, Challenge)
    return result


class TestPool:
    def test_names_its_issuer_after_region_and_pool(self, provider: EmbeddedIdentityProvider) -> None:
        assert provider.issuer == ISSUER

    def test_publishes_one_rs256_signature_key(self, provider: EmbeddedIdentityProvider) -> None:
        (key,) = provider.jwks()["keys"]

        assert set(key) == {"kty", "alg", "use", "kid", "n", "e"}
        assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")

    def test_names_the_key_by_its_rfc_7638_thumbprint(self, provider: EmbeddedIdentityProvider) -> None:
        (key,) = provider.jwks()["keys"]

        canonical = json.dumps({"e": key["e"], "kty": "RSA", "n": key["n"]}, separators=(",", ":")).encode()
        thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
        assert key["kid"] == thumbprint

    def test_publishes_the_key_it_was_given(
        self, provider: EmbeddedIdentityProvider, signing_key: rsa.RSAPrivateKey
    ) -> None:
        (key,) = provider.jwks()["keys"]

        assert jwt.PyJWK(key).key.public_numbers() == signing_key.public_key().public_numbers()  # type: ignore[union-attr]

    def test_a_caller_cannot_change_the_published_key_set(self, provider: EmbeddedIdentityProvider) -> None:
        provider.jwks()["keys"][0]["kid"] = "tampered"

        assert provider.jwks()["keys"][0]["kid"] != "tampered"

    def test_pools_in_memory_are_separate(
        self, provider: EmbeddedIdentityProvider, make_provider: MakeProvider
    ) -> None:
        sign_up(provider)
        other = make_provider()

        with pytest.raises(NotAuthorized):
            other.resend_confirmation_code(Username(ALICE))


class TestSignUp:
    def test_registers_an_unconfirmed_user_and_sends_a_code_to_the_email(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        outcome = provider.sign_up(Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE)]))

        assert outcome.user_confirmed is False
        (sent,) = code_sender.sent
        assert (sent.username, sent.destination, sent.purpose) == (ALICE, ALICE, CodePurpose.SIGN_UP)
        with pytest.raises(UserNotConfirmed):
            provider.initiate_auth(Username(ALICE), Password(PASSWORD))

    def test_reports_the_delivery_masked_as_cognito_does(self, provider: EmbeddedIdentityProvider) -> None:
        outcome = provider.sign_up(Username("bob"), Password(PASSWORD), Attributes.from_pairs([("email", ALICE)]))

        assert outcome.code_delivery == CodeDelivery(destination="a***@e***", medium="EMAIL", attribute_name="email")

    def test_without_an_email_still_sends_the_code_but_reports_no_delivery(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        outcome = provider.sign_up(Username("bob"), Password(PASSWORD), Attributes())

        assert outcome.code_delivery is None
        (sent,) = code_sender.sent
        assert (sent.username, sent.destination) == ("bob", None)

    def test_gives_each_user_a_distinct_uuid_sub(self, provider: EmbeddedIdentityProvider) -> None:
        subs = {provider.sign_up(Username(f"user{n}"), Password(PASSWORD), Attributes()).user_sub for n in range(3)}

        assert len(subs) == 3
        assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", sub) for sub in subs)

    def test_sends_six_random_digits(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        for n in range(5):
            sign_up(provider, f"user{n}", attributes=())

        codes = [sent.code for sent in code_sender.sent]
        assert all(re.fullmatch(r"\d{6}", code) for code in codes)
        assert len(set(codes)) > 1

    def test_rejects_a_taken_username_in_any_case(self, provider: EmbeddedIdentityProvider) -> None:
        sign_up(provider)

        with pytest.raises(UsernameExists):
            sign_up(provider, ALICE.upper())

    def test_rejects_a_password_that_breaks_the_policy_and_keeps_no_user(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        with pytest.raises(InvalidPassword):
            sign_up(provider, password="short")

        assert code_sender.sent == []
        sign_up(provider)

    def test_applies_the_pool_s_own_password_policy(self, make_provider: MakeProvider) -> None:
        lenient = make_provider(password_policy=PasswordPolicy(minimum_length=6, require_symbols=False))
        sign_up(lenient, password="Abcde1")

        with pytest.raises(InvalidPassword, match="at least 10 characters"):
            sign_up(make_provider(password_policy=PasswordPolicy(minimum_length=10)), password="Ab-1")

    @pytest.mark.parametrize("name", ["exp", "iss", "shoe_size", "cognito_username"])
    def test_rejects_attributes_outside_the_schema(self, provider: EmbeddedIdentityProvider, name: str) -> None:
        with pytest.raises(ValidationError) as error:
            sign_up(provider, attributes=((name, "x"),))

        assert error.value.fields == {
            "user_attributes": f"Attributes did not conform to the schema: Type for attribute {{{name}}} could not be "
            "determined"
        }

    @pytest.mark.parametrize("name", ["email_verified", "phone_number_verified"])
    def test_refuses_verified_flags_from_the_client(self, provider: EmbeddedIdentityProvider, name: str) -> None:
        with pytest.raises(ValidationError) as error:
            sign_up(provider, attributes=(("email", ALICE), (name, "true")))

        assert "user_attributes" in error.value.fields

    def test_keeps_custom_attributes(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider, attributes=(("email", ALICE), ("custom:team", "Hearts")))
        confirm(provider, sign_up_code(code_sender))

        assert claims_of(sign_in(provider).id_token, provider)["custom:team"] == "Hearts"


class TestConfirmSignUp:
    def test_confirms_the_user_with_the_delivered_code(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        confirm(provider, sign_up_code(code_sender))

        assert isinstance(sign_in(provider), TokenSet)

    def test_marks_the_email_verified(self, confirmed: EmbeddedIdentityProvider) -> None:
        assert claims_of(sign_in(confirmed).id_token, confirmed)["email_verified"] is True

    def test_finds_the_user_in_any_case(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        confirm(provider, sign_up_code(code_sender), username=ALICE.upper())

    def test_rejects_a_wrong_code_and_leaves_the_user_unconfirmed(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        with pytest.raises(CodeMismatch):
            confirm(provider, wrong(sign_up_code(code_sender)))
        with pytest.raises(UserNotConfirmed):
            sign_in(provider)

    def test_accepts_the_code_until_it_expires_after_24_hours(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        sign_up(provider)
        clock.advance(DAY - 1)

        confirm(provider, sign_up_code(code_sender))

    def test_rejects_an_expired_code(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        sign_up(provider)
        clock.advance(DAY)

        with pytest.raises(ExpiredCode):
            confirm(provider, sign_up_code(code_sender))

    def test_a_code_works_once(self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender) -> None:
        with pytest.raises(NotAuthorized, match="Current status is CONFIRMED"):
            confirm(confirmed, sign_up_code(code_sender))

    def test_refuses_an_unknown_user(self, provider: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            confirm(provider, "123456")

    def test_refuses_a_user_created_by_an_administrator(self, invited: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized, match="Current status is FORCE_CHANGE_PASSWORD"):
            confirm(invited, "123456")

    def test_kills_the_code_after_five_wrong_attempts(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)
        code = sign_up_code(code_sender)
        for _ in range(5):
            with pytest.raises(CodeMismatch):
                confirm(provider, wrong(code))

        with pytest.raises(TooManyRequests):
            confirm(provider, code)

    def test_a_new_code_lifts_the_attempt_limit(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)
        for _ in range(6):
            with pytest.raises((CodeMismatch, TooManyRequests)):
                confirm(provider, wrong(sign_up_code(code_sender)))

        provider.resend_confirmation_code(Username(ALICE))

        confirm(provider, sign_up_code(code_sender))

    def test_accepts_force_alias_creation(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        provider.confirm_sign_up(
            Username(ALICE), ConfirmationCode(sign_up_code(code_sender)), force_alias_creation=True
        )

        sign_in(provider)


class TestResendConfirmationCode:
    def test_sends_a_new_code_that_replaces_the_old(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)
        old = sign_up_code(code_sender)

        delivery = provider.resend_confirmation_code(Username(ALICE))

        assert delivery == CodeDelivery("a***@e***", "EMAIL", "email")
        new = sign_up_code(code_sender)
        if new != old:
            with pytest.raises(CodeMismatch):
                confirm(provider, old)
        confirm(provider, new)

    def test_restarts_the_expiry(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        sign_up(provider)
        clock.advance(DAY - 60)
        provider.resend_confirmation_code(Username(ALICE))
        clock.advance(120)

        confirm(provider, sign_up_code(code_sender))

    def test_reports_no_delivery_for_a_user_without_email(self, provider: EmbeddedIdentityProvider) -> None:
        sign_up(provider, "bob", attributes=())

        assert provider.resend_confirmation_code(Username("bob")) is None

    def test_refuses_an_unknown_user(self, provider: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            provider.resend_confirmation_code(Username(ALICE))

    def test_refuses_a_confirmed_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            confirmed.resend_confirmation_code(Username(ALICE))


class TestInitiateAuth:
    def test_signs_a_confirmed_user_in(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)

        assert tokens.expires_in == 3600
        assert tokens.refresh_token

    def test_finds_the_user_in_any_case(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed, ALICE.upper())

        assert claims_of(tokens.access_token, confirmed)["username"] == ALICE

    def test_answers_alike_for_a_wrong_password_and_an_unknown_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized) as wrong_password:
            sign_in(confirmed, password=NEW_PASSWORD)
        with pytest.raises(NotAuthorized) as unknown_user:
            sign_in(confirmed, "nobody@example.com")

        assert wrong_password.value.message == unknown_user.value.message == "Incorrect username or password."

    def test_tells_an_unconfirmed_user_with_the_right_password(self, provider: EmbeddedIdentityProvider) -> None:
        sign_up(provider)

        with pytest.raises(UserNotConfirmed):
            sign_in(provider)

    def test_tells_an_unconfirmed_user_nothing_without_the_right_password(
        self, provider: EmbeddedIdentityProvider
    ) -> None:
        sign_up(provider)

        with pytest.raises(NotAuthorized, match="Incorrect username or password"):
            sign_in(provider, password=NEW_PASSWORD)

    def test_refuses_a_disabled_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        confirmed.admin_disable_user(Username(ALICE))

        with pytest.raises(NotAuthorized, match="User is disabled"):
            sign_in(confirmed)

    def test_signs_a_user_in_again_once_enabled(self, confirmed: EmbeddedIdentityProvider) -> None:
        confirmed.admin_disable_user(Username(ALICE))
        confirmed.admin_enable_user(Username(ALICE))

        sign_in(confirmed)

    def test_tells_a_user_whose_password_was_reset_to_set_a_new_one(self, confirmed: EmbeddedIdentityProvider) -> None:
        confirmed.admin_reset_user_password(Username(ALICE))

        with pytest.raises(PasswordResetRequired):
            sign_in(confirmed)

    def test_asks_an_invited_user_for_a_new_password(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        assert challenge.name == "NEW_PASSWORD_REQUIRED"
        assert challenge.session
        assert challenge.parameters == {
            "USER_ID_FOR_SRP": ALICE,
            "requiredAttributes": "[]",
            "userAttributes": json.dumps({"email": ALICE, "email_verified": "false"}),
        }

    def test_checks_the_password_of_an_invited_user(self, invited: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            sign_in(invited, password=NEW_PASSWORD)


class TestTokens:
    def test_access_token_carries_exactly_cognito_s_claims(
        self, confirmed: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        claims = claims_of(sign_in(confirmed).access_token, confirmed)

        assert set(claims) == {
            "sub",
            "iss",
            "client_id",
            "origin_jti",
            "event_id",
            "token_use",
            "scope",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "username",
        }
        now = int(clock.now())
        assert claims["iss"] == ISSUER
        assert claims["client_id"] == CLIENT_ID
        assert claims["token_use"] == "access"
        assert claims["scope"] == "aws.cognito.signin.user.admin"
        assert claims["username"] == ALICE
        assert (claims["iat"], claims["auth_time"], claims["exp"]) == (now, now, now + 3600)

    def test_id_token_carries_the_user_s_attributes(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)
        claims = claims_of(tokens.id_token, confirmed)
        access = claims_of(tokens.access_token, confirmed)

        assert set(claims) == {
            "sub",
            "iss",
            "aud",
            "origin_jti",
            "event_id",
            "token_use",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "cognito:username",
            "email",
            "email_verified",
            "given_name",
            "family_name",
        }
        assert (claims["aud"], claims["token_use"], claims["cognito:username"]) == (CLIENT_ID, "id", ALICE)
        assert (claims["email"], claims["given_name"], claims["family_name"]) == (ALICE, "Alice", "Liddell")
        assert claims["sub"] == access["sub"]
        assert claims["origin_jti"] == access["origin_jti"]
        assert claims["event_id"] == access["event_id"]
        assert claims["jti"] != access["jti"]

    def test_header_names_the_key_and_algorithm_only(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)

        for token in (tokens.access_token, tokens.id_token):
            assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": confirmed.jwks()["keys"][0]["kid"]}

    def test_each_sign_in_starts_a_new_token_family(self, confirmed: EmbeddedIdentityProvider) -> None:
        first, second = sign_in(confirmed), sign_in(confirmed)

        assert first.refresh_token != second.refresh_token
        assert (
            claims_of(first.access_token, confirmed)["origin_jti"]
            != claims_of(second.access_token, confirmed)["origin_jti"]
        )

    def test_the_service_verifier_accepts_them(self, confirmed: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        tokens = sign_in(confirmed)
        verifier = verifier_for(confirmed, clock)

        assert verifier.verify_access_token(tokens.access_token).username == ALICE
        assert verifier.verify_id_token(tokens.id_token).email == ALICE

    def test_last_as_long_as_the_pool_says(
        self, clock: ManualClock, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        provider = make_provider(access_token_lifetime=300)
        sign_up(provider)
        confirm(provider, sign_up_code(code_sender))

        tokens = sign_in(provider)

        assert tokens.expires_in == 300
        assert claims_of(tokens.access_token, provider)["exp"] == int(clock.now()) + 300


class TestNewPasswordChallenge:
    def test_sets_the_password_confirms_the_user_and_signs_in(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        result = invited.respond_to_challenge(
            Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
        )

        assert isinstance(result, TokenSet)
        sign_in(invited, password=NEW_PASSWORD)
        with pytest.raises(NotAuthorized):
            sign_in(invited, password=PASSWORD)
        with pytest.raises(NotAuthorized, match="CONFIRMED"):
            confirm(invited, "123456")

    def test_sets_the_attributes_the_user_gives(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        result = invited.respond_to_challenge(
            Username(ALICE),
            challenge.name,
            {"NEW_PASSWORD": NEW_PASSWORD, "userAttributes.given_name": "Alice", "USERNAME": ALICE},
            challenge.session,
        )

        assert isinstance(result, TokenSet)
        assert claims_of(result.id_token, invited)["given_name"] == "Alice"

    def test_enforces_the_password_policy_and_lets_the_user_try_again(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        with pytest.raises(InvalidPassword):
            invited.respond_to_challenge(Username(ALICE), challenge.name, {"NEW_PASSWORD": "weak"}, challenge.session)
        result = invited.respond_to_challenge(
            Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
        )

        assert isinstance(result, TokenSet)

    def test_requires_a_new_password(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        with pytest.raises(ValidationError) as error:
            invited.respond_to_challenge(Username(ALICE), challenge.name, {}, challenge.session)

        assert "responses" in error.value.fields

    def test_refuses_attributes_outside_the_schema(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        with pytest.raises(ValidationError):
            invited.respond_to_challenge(
                Username(ALICE),
                challenge.name,
                {"NEW_PASSWORD": NEW_PASSWORD, "userAttributes.email_verified": "true"},
                challenge.session,
            )

    def test_a_session_works_once(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)
        invited.respond_to_challenge(Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session)

        with pytest.raises(ExpiredSession):
            invited.respond_to_challenge(
                Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
            )

    def test_a_session_expires_after_three_minutes(self, invited: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        challenge = new_password_challenge(invited)
        clock.advance(180)

        with pytest.raises(ExpiredSession):
            invited.respond_to_challenge(
                Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
            )

    def test_a_session_is_good_until_then(self, invited: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        challenge = new_password_challenge(invited)
        clock.advance(179)

        invited.respond_to_challenge(Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session)

    def test_refuses_an_unknown_session(self, invited: EmbeddedIdentityProvider) -> None:
        with pytest.raises(ExpiredSession):
            invited.respond_to_challenge(
                Username(ALICE), "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": NEW_PASSWORD}, "made-up"
            )

    def test_refuses_another_challenge_name_for_the_session(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)

        with pytest.raises(ValidationError) as error:
            invited.respond_to_challenge(Username(ALICE), "SMS_MFA", {"SMS_MFA_CODE": "123456"}, challenge.session)

        assert "challenge_name" in error.value.fields

    def test_refuses_another_user_s_session(self, invited: EmbeddedIdentityProvider) -> None:
        invited.admin_create_user(Username("bob"), Password(PASSWORD), Attributes())
        challenge = new_password_challenge(invited)

        with pytest.raises(NotAuthorized):
            invited.respond_to_challenge(
                Username("bob"), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
            )

    def test_refuses_a_user_disabled_meanwhile(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)
        invited.admin_disable_user(Username(ALICE))

        with pytest.raises(NotAuthorized, match="User is disabled"):
            invited.respond_to_challenge(
                Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
            )


class TestSmsMfa:
    @pytest.mark.parametrize(
        ("phone_number", "masked"), [("+15555550123", "+*******0123"), ("+4915112345678", "+*********5678")]
    )
    def test_says_where_the_code_went_as_cognito_does(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, phone_number: str, masked: str
    ) -> None:
        sign_up(provider, attributes=(("email", ALICE), ("phone_number", phone_number)))
        confirm(provider, sign_up_code(code_sender))
        provider.admin_set_user_mfa_preference(Username(ALICE), MfaPreference(sms=True))

        challenge = provider.initiate_auth(Username(ALICE), Password(PASSWORD))

        assert isinstance(challenge, Challenge)
        assert challenge.parameters["CODE_DELIVERY_DESTINATION"] == masked
        assert code_sender.sent[-1].destination == phone_number

    def test_an_administrator_cannot_set_the_preference_of_an_unknown_user(
        self, provider: EmbeddedIdentityProvider
    ) -> None:
        with pytest.raises(NotAuthorized):
            provider.admin_set_user_mfa_preference(Username(ALICE), MfaPreference(sms=True))


class TestAdminCreateUser:
    def test_returns_the_new_user_s_sub(self, invited: EmbeddedIdentityProvider) -> None:
        challenge = new_password_challenge(invited)
        result = invited.respond_to_challenge(
            Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
        )
        sub = invited.admin_create_user(Username("bob"), Password(PASSWORD), Attributes())

        assert isinstance(result, TokenSet)
        assert sub != claims_of(result.access_token, invited)["sub"]

    def test_rejects_a_taken_username(self, invited: EmbeddedIdentityProvider) -> None:
        with pytest.raises(UsernameExists):
            invited.admin_create_user(Username(ALICE.upper()), Password(PASSWORD), Attributes())

    def test_applies_the_password_policy_to_the_temporary_password(self, provider: EmbeddedIdentityProvider) -> None:
        with pytest.raises(InvalidPassword):
            provider.admin_create_user(Username(ALICE), Password("temporary"), Attributes())

    def test_may_mark_the_email_verified(self, provider: EmbeddedIdentityProvider) -> None:
        provider.admin_create_user(
            Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE), ("email_verified", "true")])
        )

        challenge = new_password_challenge(provider)

        assert json.loads(challenge.parameters["userAttributes"])["email_verified"] == "true"

    def test_unknown_users_cannot_be_administered(self, provider: EmbeddedIdentityProvider) -> None:
        for operation in (provider.admin_disable_user, provider.admin_enable_user, provider.admin_reset_user_password):
            with pytest.raises(NotAuthorized):
                operation(Username(ALICE))


class TestRefresh:
    def test_issues_fresh_tokens_of_the_same_family(
        self, confirmed: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        tokens = sign_in(confirmed)
        clock.advance(600)

        fresh = confirmed.refresh(tokens.refresh_token, None)

        assert fresh.refresh_token == tokens.refresh_token
        old, new = claims_of(tokens.access_token, confirmed), claims_of(fresh.access_token, confirmed)
        assert (new["origin_jti"], new["auth_time"]) == (old["origin_jti"], old["auth_time"])
        assert new["iat"] == old["iat"] + 600
        assert new["jti"] != old["jti"]
        assert claims_of(fresh.id_token, confirmed)["origin_jti"] == old["origin_jti"]

    def test_checks_the_username_in_any_case(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)

        confirmed.refresh(tokens.refresh_token, ALICE.upper())

    def test_refuses_another_user_s_name(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)

        with pytest.raises(NotAuthorized, match="Invalid Refresh Token"):
            confirmed.refresh(tokens.refresh_token, "bob")

    def test_refuses_an_unknown_token(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized, match="Invalid Refresh Token"):
            confirmed.refresh("made-up", None)

    def test_refuses_an_expired_token(self, confirmed: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        tokens = sign_in(confirmed)
        clock.advance(30 * DAY)

        with pytest.raises(NotAuthorized, match="Invalid Refresh Token"):
            confirmed.refresh(tokens.refresh_token, None)

    def test_a_token_lasts_as_long_as_the_pool_says(
        self, clock: ManualClock, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        provider = make_provider(refresh_token_lifetime=DAY)
        sign_up(provider)
        confirm(provider, sign_up_code(code_sender))
        tokens = sign_in(provider)
        clock.advance(DAY - 1)
        provider.refresh(tokens.refresh_token, None)
        clock.advance(1)

        with pytest.raises(NotAuthorized):
            provider.refresh(tokens.refresh_token, None)

    def test_refuses_a_disabled_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)
        confirmed.admin_disable_user(Username(ALICE))

        with pytest.raises(NotAuthorized, match="User is disabled"):
            confirmed.refresh(tokens.refresh_token, None)

    def test_refuses_a_token_after_global_sign_out(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)
        confirmed.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized, match="Invalid Refresh Token"):
            confirmed.refresh(tokens.refresh_token, None)


class TestGlobalSignOut:
    def test_revokes_every_refresh_token_of_the_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        laptop, phone = sign_in(confirmed), sign_in(confirmed)

        confirmed.global_sign_out(laptop.access_token)

        for tokens in (laptop, phone):
            with pytest.raises(NotAuthorized):
                confirmed.refresh(tokens.refresh_token, None)

    def test_leaves_other_users_signed_in(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(confirmed, "bob", attributes=())
        confirm(confirmed, sign_up_code(code_sender, "bob"), "bob")
        bob = sign_in(confirmed, "bob")

        confirmed.global_sign_out(sign_in(confirmed).access_token)

        confirmed.refresh(bob.refresh_token, None)
        confirmed.global_sign_out(bob.access_token)

    def test_revokes_the_access_tokens_too(self, confirmed: EmbeddedIdentityProvider) -> None:
        laptop, phone = sign_in(confirmed), sign_in(confirmed)
        refreshed = confirmed.refresh(phone.refresh_token, None)

        confirmed.global_sign_out(laptop.access_token)

        for access_token in (laptop.access_token, phone.access_token, refreshed.access_token):
            with pytest.raises(NotAuthorized, match="Access Token has been revoked"):
                confirmed.global_sign_out(access_token)

    def test_lets_the_user_sign_in_again_at_once(self, confirmed: EmbeddedIdentityProvider) -> None:
        confirmed.global_sign_out(sign_in(confirmed).access_token)

        tokens = sign_in(confirmed)

        confirmed.refresh(tokens.refresh_token, None)
        confirmed.global_sign_out(tokens.access_token)

    def test_refuses_an_expired_access_token(self, confirmed: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        tokens = sign_in(confirmed)
        clock.advance(3600)

        with pytest.raises(NotAuthorized, match="Access Token has expired"):
            confirmed.global_sign_out(tokens.access_token)

    def test_refuses_an_id_token(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized, match="Invalid Access Token"):
            confirmed.global_sign_out(sign_in(confirmed).id_token)

    def test_refuses_a_token_signed_with_another_key(
        self,
        confirmed: EmbeddedIdentityProvider,
        code_sender: RecordingCodeSender,
        other_signing_key: rsa.RSAPrivateKey,
        make_provider: MakeProvider,
    ) -> None:
        other = make_provider(signing_key=other_signing_key)
        sign_up(other)
        confirm(other, sign_up_code(code_sender))

        with pytest.raises(NotAuthorized, match="Invalid Access Token"):
            confirmed.global_sign_out(sign_in(other).access_token)

    def test_refuses_garbage(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized, match="Invalid Access Token"):
            confirmed.global_sign_out("not-a-token")

    def test_disabling_a_user_revokes_their_tokens(self, confirmed: EmbeddedIdentityProvider) -> None:
        tokens = sign_in(confirmed)
        confirmed.admin_disable_user(Username(ALICE))
        confirmed.admin_enable_user(Username(ALICE))

        with pytest.raises(NotAuthorized):
            confirmed.global_sign_out(tokens.access_token)
        with pytest.raises(NotAuthorized):
            confirmed.refresh(tokens.refresh_token, None)


class TestForgotPassword:
    def test_sends_a_reset_code_to_the_verified_email(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        delivery = confirmed.forgot_password(Username(ALICE.upper()))

        assert delivery == CodeDelivery("a***@e***", "EMAIL", "email")
        sent = code_sender.sent[-1]
        assert (sent.username, sent.destination, sent.purpose) == (ALICE, ALICE, CodePurpose.PASSWORD_RESET)
        assert re.fullmatch(r"\d{6}", sent.code)

    def test_refuses_an_unknown_user(self, provider: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            provider.forgot_password(Username(ALICE))

    def test_refuses_an_unconfirmed_user_whose_email_is_unverified(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        with pytest.raises(ValidationError) as error:
            provider.forgot_password(Username(ALICE))

        assert "no verified e-mail" in error.value.fields["username"]
        assert [sent.purpose for sent in code_sender.sent] == [CodePurpose.SIGN_UP]

    def test_refuses_a_user_without_email(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider, "bob", attributes=())
        confirm(provider, sign_up_code(code_sender, "bob"), "bob")

        with pytest.raises(ValidationError):
            provider.forgot_password(Username("bob"))

    def test_refuses_an_invited_user(self, invited: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized, match="cannot be reset in the current state"):
            invited.forgot_password(Username(ALICE))

    def test_refuses_a_disabled_user(self, confirmed: EmbeddedIdentityProvider) -> None:
        confirmed.admin_disable_user(Username(ALICE))

        with pytest.raises(NotAuthorized, match="User is disabled"):
            confirmed.forgot_password(Username(ALICE))


class TestConfirmForgotPassword:
    def reset(self, provider: EmbeddedIdentityProvider, code: str, password: str = NEW_PASSWORD) -> None:
        provider.confirm_forgot_password(Username(ALICE), ConfirmationCode(code), Password(password))

    def test_replaces_the_password(self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender) -> None:
        confirmed.forgot_password(Username(ALICE))

        self.reset(confirmed, reset_code(code_sender))

        sign_in(confirmed, password=NEW_PASSWORD)
        with pytest.raises(NotAuthorized):
            sign_in(confirmed)

    def test_a_code_works_once(self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender) -> None:
        confirmed.forgot_password(Username(ALICE))
        self.reset(confirmed, reset_code(code_sender))

        with pytest.raises(ExpiredCode):
            self.reset(confirmed, reset_code(code_sender), password="Another-Secret-3")

    def test_accepts_the_code_for_an_hour(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        confirmed.forgot_password(Username(ALICE))
        clock.advance(3599)

        self.reset(confirmed, reset_code(code_sender))

    def test_rejects_an_expired_code(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        confirmed.forgot_password(Username(ALICE))
        clock.advance(3600)

        with pytest.raises(ExpiredCode):
            self.reset(confirmed, reset_code(code_sender))

    def test_rejects_a_code_that_was_never_requested(self, confirmed: EmbeddedIdentityProvider) -> None:
        with pytest.raises(ExpiredCode):
            self.reset(confirmed, "123456")

    def test_a_sign_up_code_is_no_reset_code(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)

        with pytest.raises(ExpiredCode):
            self.reset(provider, sign_up_code(code_sender))

    def test_rejects_a_wrong_code_and_keeps_the_password(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        confirmed.forgot_password(Username(ALICE))

        with pytest.raises(CodeMismatch):
            self.reset(confirmed, wrong(reset_code(code_sender)))
        sign_in(confirmed)

    def test_kills_the_code_after_five_wrong_attempts(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        confirmed.forgot_password(Username(ALICE))
        code = reset_code(code_sender)
        for _ in range(5):
            with pytest.raises(CodeMismatch):
                self.reset(confirmed, wrong(code))

        with pytest.raises(TooManyRequests):
            self.reset(confirmed, code)
        confirmed.forgot_password(Username(ALICE))
        self.reset(confirmed, reset_code(code_sender))

    def test_a_new_code_replaces_the_old(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        confirmed.forgot_password(Username(ALICE))
        old = reset_code(code_sender)
        confirmed.forgot_password(Username(ALICE))
        new = reset_code(code_sender)

        if new != old:
            with pytest.raises(CodeMismatch):
                self.reset(confirmed, old)
        self.reset(confirmed, new)

    def test_enforces_the_policy_before_spending_the_code(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        confirmed.forgot_password(Username(ALICE))

        with pytest.raises(InvalidPassword):
            self.reset(confirmed, reset_code(code_sender), password="weak")
        self.reset(confirmed, reset_code(code_sender))

    def test_refuses_an_unknown_user(self, provider: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            self.reset(provider, "123456")

    def test_keeps_existing_refresh_tokens_valid(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        tokens = sign_in(confirmed)
        confirmed.forgot_password(Username(ALICE))

        self.reset(confirmed, reset_code(code_sender))

        confirmed.refresh(tokens.refresh_token, None)

    def test_lets_a_user_whose_password_was_reset_sign_in_again(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        delivery = confirmed.admin_reset_user_password(Username(ALICE))

        self.reset(confirmed, reset_code(code_sender))

        assert delivery == CodeDelivery("a***@e***", "EMAIL", "email")
        sign_in(confirmed, password=NEW_PASSWORD)

    def test_refuses_a_disabled_user(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        confirmed.forgot_password(Username(ALICE))
        confirmed.admin_disable_user(Username(ALICE))

        with pytest.raises(NotAuthorized, match="User is disabled"):
            self.reset(confirmed, reset_code(code_sender))


class TestUserAttributes:
    """What the contract suite cannot ask of moto's pool; the rest is in tests/integration/contract."""

    def test_a_new_phone_number_is_unverified_and_gets_no_code(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ):
        tokens = sign_in(confirmed)
        sent = len(code_sender.sent)

        deliveries = confirmed.update_user_attributes(
            tokens.access_token, Attributes.from_pairs([("phone_number", "+441234567890")])
        )

        assert deliveries == ()
        assert len(code_sender.sent) == sent
        attributes = confirmed.get_user(tokens.access_token).attributes
        assert (attributes["phone_number_verified"], attributes["email_verified"]) == ("false", "true")
        with pytest.raises(ValidationError) as raised:
            confirmed.get_user_attribute_verification_code(tokens.access_token, "phone_number")
        assert set(raised.value.fields) == {"attribute_name"}

    def test_the_code_goes_to_the_new_address_and_the_id_token_carries_the_change(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ):
        tokens = sign_in(confirmed)

        confirmed.update_user_attributes(tokens.access_token, Attributes.from_pairs([("email", "alys@example.org")]))

        assert (code_sender.sent[-1].destination, code_sender.sent[-1].purpose) == (
            "alys@example.org",
            CodePurpose.EMAIL_VERIFICATION,
        )
        refreshed = confirmed.refresh(tokens.refresh_token, ALICE)
        claims = claims_of(refreshed.id_token, confirmed)
        assert (claims["email"], claims["email_verified"]) == ("alys@example.org", False)

    def test_a_new_address_makes_the_code_for_the_old_one_useless(
        self, confirmed: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ):
        tokens = sign_in(confirmed)
        confirmed.update_user_attributes(tokens.access_token, Attributes.from_pairs([("email", "alys@example.org")]))
        first = code_sender.last_code(ALICE, CodePurpose.EMAIL_VERIFICATION)
        confirmed.update_user_attributes(tokens.access_token, Attributes.from_pairs([("email", "ally@example.org")]))
        second = code_sender.last_code(ALICE, CodePurpose.EMAIL_VERIFICATION)

        if first != second:
            with pytest.raises(CodeMismatch):
                confirmed.verify_user_attribute(tokens.access_token, "email", ConfirmationCode(first))
        confirmed.verify_user_attribute(tokens.access_token, "email", ConfirmationCode(second))
        attributes = confirmed.get_user(tokens.access_token).attributes
        assert (attributes["email"], attributes["email_verified"]) == ("ally@example.org", "true")

    def test_an_unverified_new_address_receives_no_reset_code(self, confirmed: EmbeddedIdentityProvider):
        tokens = sign_in(confirmed)
        confirmed.update_user_attributes(tokens.access_token, Attributes.from_pairs([("email", "alys@example.org")]))

        with pytest.raises(ValidationError):
            confirmed.forgot_password(Username(ALICE))


class TestConcurrency:
    def test_one_of_many_simultaneous_sign_ups_of_a_username_wins(self, provider: EmbeddedIdentityProvider) -> None:
        outcomes = race(20, lambda n: sign_up(provider, ALICE.upper() if n % 2 else ALICE))

        assert outcomes.count(None) == 1
        assert all(isinstance(outcome, UsernameExists) for outcome in outcomes if outcome is not None)

    def test_a_code_attempt_is_counted_once_per_guess(
        self, provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        sign_up(provider)
        code = sign_up_code(code_sender)

        outcomes = race(10, lambda n: confirm(provider, wrong(code)))

        assert sum(isinstance(outcome, CodeMismatch) for outcome in outcomes) == 5
        assert sum(isinstance(outcome, TooManyRequests) for outcome in outcomes) == 5


class TestPoolFile:
    @pytest.fixture
    def path(self, tmp_path: Path) -> str:
        return str(tmp_path / "pool.sqlite3")

    def test_keeps_users_and_key_across_a_restart(
        self, path: str, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        before = make_provider(database=path)
        sign_up(before)
        confirm(before, sign_up_code(code_sender))
        tokens = sign_in(before)

        after = make_provider(database=path, signing_key=None)

        assert after.jwks() == before.jwks()
        sign_in(after)
        after.refresh(tokens.refresh_token, ALICE)

    def test_instances_on_one_file_share_users_codes_and_tokens(
        self, path: str, clock: ManualClock, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        first, second = make_provider(database=path), make_provider(database=path, signing_key=None)

        sign_up(first)
        confirm(second, sign_up_code(code_sender))
        tokens = sign_in(first)
        second.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized):
            first.refresh(tokens.refresh_token, None)
        verifier_for(first, clock).verify_access_token(sign_in(second).access_token)

    def test_generates_one_key_per_file_when_none_is_given(self, path: str, make_provider: MakeProvider) -> None:
        first = make_provider(database=path, signing_key=None)
        second = make_provider(database=path, signing_key=None)

        assert first.jwks() == second.jwks()
        assert first.jwks() != make_provider().jwks()

    def test_uses_write_ahead_logging(self, path: str, make_provider: MakeProvider) -> None:
        make_provider(database=path)

        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_stores_no_password_refresh_token_or_session_in_clear(
        self, path: str, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        provider = make_provider(database=path)
        sign_up(provider)
        confirm(provider, sign_up_code(code_sender))
        tokens = sign_in(provider)
        provider.admin_create_user(Username("bob"), Password(PASSWORD), Attributes())
        challenge = provider.initiate_auth(Username("bob"), Password(PASSWORD))
        assert isinstance(challenge, Challenge)

        stored = b"".join(file.read_bytes() for file in Path(path).parent.iterdir())

        assert tokens.refresh_token.encode() not in stored
        assert challenge.session.encode() not in stored
        assert PASSWORD.encode() not in stored

    def test_a_file_from_before_sms_mfa_drops_its_sessions(self, path: str, make_provider: MakeProvider) -> None:
        old = sqlite3.connect(path)
        old.execute(
            "CREATE TABLE sessions (digest TEXT PRIMARY KEY, sub TEXT NOT NULL, challenge_name TEXT NOT NULL, "
            "expires_at REAL NOT NULL)"
        )
        old.commit()
        old.close()
        provider = make_provider(database=path)
        provider.admin_create_user(Username(ALICE), Password(PASSWORD), Attributes())
        challenge = new_password_challenge(provider)

        result = provider.respond_to_challenge(
            Username(ALICE), challenge.name, {"NEW_PASSWORD": NEW_PASSWORD}, challenge.session
        )

        assert isinstance(result, TokenSet)

    def test_a_totp_user_from_before_sms_mfa_is_still_asked_for_a_code(
        self, path: str, clock: ManualClock, code_sender: RecordingCodeSender, make_provider: MakeProvider
    ) -> None:
        provider = make_provider(database=path)
        sign_up(provider)
        confirm(provider, sign_up_code(code_sender))
        access_token = sign_in(provider).access_token
        secret = provider.associate_software_token(access_token)
        provider.verify_software_token(access_token, ConfirmationCode(totp(secret, clock.now())))
        provider.set_mfa_preference(access_token, MfaPreference(totp=True))
        # What a file written before SMS MFA holds: the authenticator's switch, and no preference.
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM mfa_preferences")

        challenge = provider.initiate_auth(Username(ALICE), Password(PASSWORD))

        assert isinstance(challenge, Challenge)
        assert challenge.name == "SOFTWARE_TOKEN_MFA"

    def test_instances_on_one_file_never_admit_a_username_twice(self, path: str, make_provider: MakeProvider) -> None:
        pools = [make_provider(database=path) for _ in range(2)]

        outcomes = race(10, lambda n: sign_up(pools[n % 2]))

        assert outcomes.count(None) == 1
        assert all(isinstance(outcome, UsernameExists) for outcome in outcomes if outcome is not None)

    def test_a_file_locked_too_long_makes_the_pool_unavailable(
        self, path: str, clock: ManualClock, code_sender: RecordingCodeSender, signing_key: rsa.RSAPrivateKey
    ) -> None:
        class ImpatientProvider(EmbeddedIdentityProvider):
            busy_timeout = 0.05

        provider = ImpatientProvider(
            pool_id="eu-west-1_TestPool",
            client_id=CLIENT_ID,
            region="eu-west-1",
            code_sender=code_sender,
            clock=clock,
            database=path,
            signing_key=signing_key,
        )
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ProviderUnavailable):
                sign_up(provider)
        finally:
            other_process.execute("ROLLBACK")

        sign_up(provider)


def race(count: int, action: Callable[[int], object]) -> list[DomainError | None]:
    """Run `action(n)` for n in range(count) on as many threads at once; each outcome is None or the domain error."""
    barrier = threading.Barrier(count)
    outcomes: list[DomainError | None] = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        try:
            action(n)
        except DomainError as error:
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
