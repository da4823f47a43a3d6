"""The embedded pool's choice-based sign-in, where the pool's statuses, attributes and protections
decide: what each user is offered, where codes go, and the caps on them."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from application.ports.code_sender import CodePurpose
from domain.errors import NotAuthorized, PasswordResetRequired, TooManyRequests
from domain.values import (
    Attributes,
    AuthResult,
    Challenge,
    ConfirmationCode,
    Password,
    SignInFactor,
    TokenSet,
    Username,
)
from tests.fakes import ManualClock, RecordingCodeSender

IVY = Username("ivy@example.com")
PASSWORD = Password("Correct-Horse-9")


def challenge(result: AuthResult) -> Challenge:
    assert isinstance(result, Challenge)
    return result


def offered(provider: EmbeddedIdentityProvider, username: Username = IVY) -> tuple[str, ...]:
    return challenge(provider.start_sign_in(username, None)).available_challenges


@pytest.fixture
def signed_up(
    embedded_provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
) -> EmbeddedIdentityProvider:
    """Ivy, confirmed, with no password."""
    embedded_provider.sign_up(IVY, None, Attributes.from_pairs([("email", IVY.value)]))
    code = ConfirmationCode(code_sender.last_code(IVY.value, CodePurpose.SIGN_UP))
    embedded_provider.confirm_sign_up(IVY, code)
    return embedded_provider


class TestOffers:
    def test_a_password_reset_gives_a_passwordless_user_a_password(
        self, signed_up: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        assert offered(signed_up) == ("EMAIL_OTP",)
        signed_up.forgot_password(IVY)
        signed_up.confirm_forgot_password(
            IVY, ConfirmationCode(code_sender.last_code(IVY.value, CodePurpose.PASSWORD_RESET)), PASSWORD
        )
        assert offered(signed_up) == ("EMAIL_OTP", "PASSWORD")
        assert not isinstance(signed_up.initiate_auth(IVY, PASSWORD), Challenge)

    def test_an_unproved_address_gets_no_sign_in_code(
        self, signed_up: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        started = challenge(signed_up.start_sign_in(IVY, SignInFactor.EMAIL_OTP))
        code = code_sender.last_code(IVY.value, CodePurpose.SIGN_IN)
        tokens = signed_up.respond_to_challenge(IVY, "EMAIL_OTP", {"EMAIL_OTP_CODE": code}, started.session)
        assert isinstance(tokens, TokenSet)
        signed_up.update_user_attributes(tokens.access_token, Attributes.from_pairs([("email", "ivy@example.org")]))
        assert offered(signed_up) == ()

    def test_a_user_who_must_choose_a_password_is_offered_the_password_only(
        self, embedded_provider: EmbeddedIdentityProvider
    ) -> None:
        attributes = Attributes.from_pairs([("email", IVY.value), ("email_verified", "true")])
        embedded_provider.admin_create_user(IVY, PASSWORD, attributes)
        assert offered(embedded_provider) == ("PASSWORD",)
        answered = embedded_provider.respond_to_challenge(
            IVY, "SELECT_CHALLENGE", {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD.value}, _select(embedded_provider)
        )
        assert challenge(answered).name == "NEW_PASSWORD_REQUIRED"

    def test_a_withdrawn_password_asks_for_a_reset_and_codes_still_sign_in(
        self, signed_up: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        signed_up.forgot_password(IVY)
        signed_up.confirm_forgot_password(
            IVY, ConfirmationCode(code_sender.last_code(IVY.value, CodePurpose.PASSWORD_RESET)), PASSWORD
        )
        signed_up.admin_reset_user_password(IVY)
        with pytest.raises(PasswordResetRequired):
            signed_up.respond_to_challenge(
                IVY, "SELECT_CHALLENGE", {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD.value}, _select(signed_up)
            )
        started = challenge(signed_up.start_sign_in(IVY, SignInFactor.EMAIL_OTP))
        code = code_sender.last_code(IVY.value, CodePurpose.SIGN_IN)
        assert not isinstance(
            signed_up.respond_to_challenge(IVY, "EMAIL_OTP", {"EMAIL_OTP_CODE": code}, started.session), Challenge
        )


class TestCodes:
    def test_the_code_goes_to_the_address_as_a_sign_in_code(
        self, signed_up: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        signed_up.start_sign_in(IVY, SignInFactor.EMAIL_OTP)
        sent = code_sender.sent[-1]
        assert (sent.username, sent.destination, sent.purpose) == (IVY.value, IVY.value, CodePurpose.SIGN_IN)
        assert sent.code.isdigit() and len(sent.code) == 6

    @pytest.mark.parametrize("username", [IVY, Username("nobody@example.com")])
    def test_at_most_five_codes_an_hour_for_a_username_known_or_not(
        self, signed_up: EmbeddedIdentityProvider, clock: ManualClock, username: Username
    ) -> None:
        for _ in range(5):
            signed_up.start_sign_in(username, SignInFactor.EMAIL_OTP)
        with pytest.raises(TooManyRequests):
            signed_up.start_sign_in(username, SignInFactor.EMAIL_OTP)
        clock.advance(3600)
        signed_up.start_sign_in(username, SignInFactor.EMAIL_OTP)

    def test_no_password_signs_a_passwordless_user_in(self, signed_up: EmbeddedIdentityProvider) -> None:
        with pytest.raises(NotAuthorized):
            signed_up.initiate_auth(IVY, PASSWORD)


class TestStandIns:
    def test_a_made_up_address_is_the_pool_s_own(
        self, signed_up: EmbeddedIdentityProvider, other_signing_key: rsa.RSAPrivateKey, clock: ManualClock
    ) -> None:
        other = EmbeddedIdentityProvider(
            pool_id="eu-west-1_Other",
            client_id="test-client",
            region="eu-west-1",
            code_sender=RecordingCodeSender(),
            clock=clock,
            signing_key=other_signing_key,
        )
        names = [Username(f"someone-{n}") for n in range(8)]

        def destinations(provider: EmbeddedIdentityProvider) -> list[str]:
            return [
                challenge(provider.start_sign_in(name, SignInFactor.EMAIL_OTP)).parameters["CODE_DELIVERY_DESTINATION"]
                for name in names
            ]

        assert destinations(signed_up) == destinations(signed_up)
        assert destinations(signed_up) != destinations(other)


def _select(provider: EmbeddedIdentityProvider) -> str:
    return challenge(provider.start_sign_in(IVY, None)).session
