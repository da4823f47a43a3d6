"""The signed-in user's attributes through the port: reading them, changing them, and verifying a
changed e-mail address with the code sent to it."""

from __future__ import annotations

import pytest

from domain.errors import CodeMismatch, ExpiredCode, NotAuthorized, TooManyRequests, ValidationError
from domain.values import Attributes, CodeDelivery, ConfirmationCode, SignUpOutcome, TokenSet
from tests.integration.contract.accounts import USERNAME, altered
from tests.pools import Backend, Gap, skip_if, xfail_if

NEW_EMAIL = "countess@example.org"
# How Cognito masks `NEW_EMAIL`.
MASKED_NEW_EMAIL = "c***@e***"
WRONG_CODE_ATTEMPTS = 5


def update(backend: Backend, tokens: TokenSet, *pairs: tuple[str, str]) -> tuple[CodeDelivery, ...]:
    return backend.provider.update_user_attributes(tokens.access_token, Attributes.from_pairs(pairs))


def attributes(backend: Backend, tokens: TokenSet) -> dict[str, str]:
    return backend.provider.get_user(tokens.access_token).attributes


def verify(backend: Backend, tokens: TokenSet, code: str) -> None:
    backend.provider.verify_user_attribute(tokens.access_token, "email", ConfirmationCode(code))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


class TestGetUser:
    def test_names_the_user_with_every_attribute(self, backend: Backend, tokens: TokenSet, confirmed: SignUpOutcome):
        profile = backend.provider.get_user(tokens.access_token)

        assert (profile.username, profile.sub) == (USERNAME, confirmed.user_sub)
        assert profile.attributes | {"given_name": "Ada", "family_name": "Lovelace", "email": USERNAME} == (
            profile.attributes
        )
        assert "sub" not in profile.attributes

    def test_a_confirmed_sign_up_verified_the_email(self, request, backend: Backend, tokens: TokenSet):
        xfail_if(request, backend, Gap.CONFIRMATION_LEAVES_EMAIL_UNVERIFIED)
        assert attributes(backend, tokens)["email_verified"] == "true"

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.get_user(altered(tokens.access_token))

    def test_refuses_a_signed_out_access_token(self, backend: Backend, tokens: TokenSet):
        backend.provider.global_sign_out(tokens.access_token)
        with pytest.raises(NotAuthorized):
            backend.provider.get_user(tokens.access_token)


class TestUpdateUserAttributes:
    def test_changes_the_attributes_named_and_no_other(self, backend: Backend, tokens: TokenSet):
        deliveries = update(backend, tokens, ("given_name", "Augusta"), ("locale", "en-GB"))

        assert deliveries == ()
        changed = attributes(backend, tokens)
        assert (changed["given_name"], changed["locale"]) == ("Augusta", "en-GB")
        assert (changed["family_name"], changed["email"]) == ("Lovelace", USERNAME)

    def test_a_new_email_is_unverified_and_gets_a_code(self, request, backend: Backend, tokens: TokenSet):
        xfail_if(request, backend, Gap.EMAIL_CHANGE_STAYS_VERIFIED)

        deliveries = update(backend, tokens, ("email", NEW_EMAIL))

        assert deliveries == (CodeDelivery(destination=MASKED_NEW_EMAIL, medium="EMAIL", attribute_name="email"),)
        changed = attributes(backend, tokens)
        assert (changed["email"], changed["email_verified"]) == (NEW_EMAIL, "false")

    def test_the_same_email_again_sends_no_code(self, backend: Backend, tokens: TokenSet):
        assert update(backend, tokens, ("email", USERNAME)) == ()

    @pytest.mark.parametrize("name", ["shoe_size", "email_verified"])
    def test_refuses_an_attribute_outside_the_schema_or_not_writable_naming_it(
        self, request, backend: Backend, tokens: TokenSet, name: str
    ):
        xfail_if(request, backend, Gap.ATTRIBUTE_SCHEMA_UNCHECKED)

        with pytest.raises(ValidationError) as raised:
            update(backend, tokens, ("given_name", "Augusta"), (name, "true"))

        assert name in raised.value.fields["user_attributes"]
        assert attributes(backend, tokens)["given_name"] == "Ada"

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.update_user_attributes(
                altered(tokens.access_token), Attributes.from_pairs([("given_name", "Mallory")])
            )
        assert attributes(backend, tokens)["given_name"] == "Ada"


class TestVerifyUserAttribute:
    @pytest.fixture
    def code(self, backend: Backend, tokens: TokenSet) -> str:
        """`USERNAME` has changed the e-mail address to `NEW_EMAIL`; the code sent there."""
        skip_if(backend, Gap.NO_ATTRIBUTE_VERIFICATION)
        update(backend, tokens, ("email", NEW_EMAIL))
        return backend.verification_code(USERNAME)

    def test_the_code_sent_to_the_new_address_verifies_it(self, backend: Backend, tokens: TokenSet, code: str):
        verify(backend, tokens, code)
        assert attributes(backend, tokens)["email_verified"] == "true"

    def test_a_wrong_code_is_refused_and_the_right_one_still_works(self, backend: Backend, tokens: TokenSet, code: str):
        with pytest.raises(CodeMismatch):
            verify(backend, tokens, wrong(code))
        assert attributes(backend, tokens)["email_verified"] == "false"

        verify(backend, tokens, code)
        assert attributes(backend, tokens)["email_verified"] == "true"

    def test_a_code_verifies_once(self, backend: Backend, tokens: TokenSet, code: str):
        verify(backend, tokens, code)
        with pytest.raises(ExpiredCode):
            verify(backend, tokens, code)

    def test_too_many_wrong_codes_spend_the_code(self, backend: Backend, tokens: TokenSet, code: str):
        for _ in range(WRONG_CODE_ATTEMPTS):
            with pytest.raises(CodeMismatch):
                verify(backend, tokens, wrong(code))

        with pytest.raises(TooManyRequests):
            verify(backend, tokens, code)

    def test_a_code_expires_after_a_day(self, backend: Backend, tokens: TokenSet, code: str):
        backend.let_time_pass(24 * 3600 + 1)
        # The tokens expired too: a fresh sign-in's token is used, since only the code is under test.
        fresh = backend.provider.refresh(tokens.refresh_token, USERNAME)
        with pytest.raises(ExpiredCode):
            verify(backend, fresh, code)

    def test_a_new_code_replaces_the_one_sent_before(self, backend: Backend, tokens: TokenSet, code: str):
        delivery = backend.provider.get_user_attribute_verification_code(tokens.access_token, "email")
        resent = backend.verification_code(USERNAME)

        assert delivery == CodeDelivery(destination=MASKED_NEW_EMAIL, medium="EMAIL", attribute_name="email")
        if resent != code:
            with pytest.raises(CodeMismatch):
                verify(backend, tokens, code)
        verify(backend, tokens, resent)
        assert attributes(backend, tokens)["email_verified"] == "true"

    def test_without_a_code_sent_any_code_is_expired(self, backend: Backend, tokens: TokenSet):
        skip_if(backend, Gap.NO_ATTRIBUTE_VERIFICATION)
        with pytest.raises(ExpiredCode):
            verify(backend, tokens, "123456")

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet, code: str):
        with pytest.raises(NotAuthorized):
            backend.provider.verify_user_attribute(altered(tokens.access_token), "email", ConfirmationCode(code))
        verify(backend, tokens, code)
