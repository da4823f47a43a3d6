from __future__ import annotations

import pytest

from application.use_cases.profile import (
    ResendAttributeCode,
    ResendAttributeCodeCommand,
    UpdateProfile,
    UpdateProfileCommand,
    VerifyAttribute,
    VerifyAttributeCommand,
)
from application.use_cases.sign_in import Login, LoginCommand
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import CodeMismatch, ExpiredCode, NotAuthorized, ProviderUnavailable, ValidationError
from domain.values import CodeDelivery
from tests.fakes import FailingIdentityProvider, InMemoryUserDirectory, ample_attempt_limiter

USERNAME = "gus@example.com"
PASSWORD = "Correct-Horse-9"
NEW_EMAIL = "augustus@example.org"


@pytest.fixture
def directory():
    return InMemoryUserDirectory()


def sign_up_and_in(pool, directory, username=USERNAME, attributes=(("given_name", "Gus"),)):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, PASSWORD, attributes))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, pool.sign_up_code(username)))
    return Login(pool.provider, pool.verifier, directory, ample_attempt_limiter())(LoginCommand(username, PASSWORD))


@pytest.fixture
def signed_in(pool, directory):
    return sign_up_and_in(pool, directory)


def update(pool, directory, signed_in, *pairs, provider=None):
    use_case = UpdateProfile(provider or pool.provider, pool.verifier, directory, ample_attempt_limiter())
    return use_case(UpdateProfileCommand(signed_in.tokens.access_token, pairs))


def verify(pool, directory, signed_in, code):
    use_case = VerifyAttribute(pool.provider, directory, pool.verifier, ample_attempt_limiter())
    return use_case(VerifyAttributeCommand(signed_in.tokens.access_token, "email", code))


class TestUpdateProfile:
    def test_changes_the_pool_and_mirrors_its_answer(self, pool, directory, signed_in):
        result = update(pool, directory, signed_in, ("given_name", "Augustus"), ("family_name", "Gander"))

        assert result.code_deliveries == ()
        assert pool.provider.get_user(signed_in.tokens.access_token) == result.profile
        assert directory.profiles[signed_in.claims.sub] == result.profile
        assert (result.profile.attributes["given_name"], result.profile.attributes["family_name"]) == (
            "Augustus",
            "Gander",
        )

    def test_a_new_email_is_mirrored_unverified_and_a_code_goes_to_it(self, pool, directory, signed_in):
        result = update(pool, directory, signed_in, ("email", NEW_EMAIL))

        assert result.code_deliveries == (CodeDelivery("a***@e***", "EMAIL", "email"),)
        assert pool.sender.sent[-1].destination == NEW_EMAIL
        mirrored = directory.profiles[signed_in.claims.sub].attributes
        assert (mirrored["email"], mirrored["email_verified"]) == (NEW_EMAIL, "false")

    def test_needs_an_attribute(self, pool, directory, signed_in):
        with pytest.raises(ValidationError) as raised:
            update(pool, directory, signed_in)
        assert set(raised.value.fields) == {"user_attributes"}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("sub", "someone-else"),
            ("email_verified", "true"),
            ("phone_number_verified", "true"),
            ("shoe_size", "44"),
            ("cognito:groups", "staff"),
        ],
    )
    def test_refuses_an_attribute_the_user_may_not_write_naming_it(self, pool, directory, signed_in, name, value):
        with pytest.raises(ValidationError) as raised:
            update(pool, directory, signed_in, ("given_name", "Augustus"), (name, value))

        assert name in raised.value.fields["user_attributes"]
        assert pool.provider.get_user(signed_in.tokens.access_token).attributes["given_name"] == "Gus"
        assert directory.profiles == {}

    def test_refuses_a_malformed_email_and_changes_nothing(self, pool, directory, signed_in):
        with pytest.raises(ValidationError):
            update(pool, directory, signed_in, ("email", "not-an-address"))
        assert pool.provider.get_user(signed_in.tokens.access_token).attributes["email"] == USERNAME

    def test_a_failing_pool_leaves_the_mirror_alone(self, pool, directory, signed_in):
        with pytest.raises(ProviderUnavailable):
            update(
                pool,
                directory,
                signed_in,
                ("given_name", "Augustus"),
                provider=FailingIdentityProvider(ProviderUnavailable()),
            )
        assert directory.profiles == {}

    def test_refuses_a_signed_out_token(self, pool, directory, signed_in):
        pool.provider.global_sign_out(signed_in.tokens.access_token)
        with pytest.raises(NotAuthorized):
            update(pool, directory, signed_in, ("given_name", "Augustus"))


class TestVerifyAttribute:
    @pytest.fixture
    def code(self, pool, directory, signed_in):
        update(pool, directory, signed_in, ("email", NEW_EMAIL))
        return pool.verification_code(USERNAME)

    def test_the_right_code_verifies_the_email_in_pool_and_mirror(self, pool, directory, signed_in, code):
        profile = verify(pool, directory, signed_in, code)

        assert profile.attributes["email_verified"] == "true"
        assert directory.profiles[signed_in.claims.sub] == profile

    def test_a_wrong_code_verifies_nothing(self, pool, directory, signed_in, code):
        with pytest.raises(CodeMismatch):
            verify(pool, directory, signed_in, "000000" if code != "000000" else "000001")

        assert directory.profiles[signed_in.claims.sub].attributes["email_verified"] == "false"

    def test_an_expired_code_is_refused(self, pool, directory, signed_in, code):
        pool.clock.advance(24 * 3600 + 1)
        refreshed = pool.provider.refresh(signed_in.tokens.refresh_token, USERNAME)

        with pytest.raises(ExpiredCode):
            VerifyAttribute(pool.provider, directory, pool.verifier, ample_attempt_limiter())(
                VerifyAttributeCommand(refreshed.access_token, "email", code)
            )

    def test_refuses_a_blank_code_before_asking_the_pool(self, pool, directory, signed_in):
        with pytest.raises(ValidationError) as raised:
            verify(pool, directory, signed_in, "")
        assert set(raised.value.fields) == {"code"}


class TestResendAttributeCode:
    def test_a_new_code_replaces_the_old_one(self, pool, directory, signed_in):
        update(pool, directory, signed_in, ("email", NEW_EMAIL))
        first = pool.verification_code(USERNAME)

        delivery = ResendAttributeCode(pool.provider, pool.verifier, ample_attempt_limiter())(
            ResendAttributeCodeCommand(signed_in.tokens.access_token, "email")
        )

        assert delivery == CodeDelivery("a***@e***", "EMAIL", "email")
        second = pool.verification_code(USERNAME)
        if first != second:
            with pytest.raises(CodeMismatch):
                verify(pool, directory, signed_in, first)
        assert verify(pool, directory, signed_in, second).attributes["email_verified"] == "true"

    def test_a_user_without_an_email_gets_a_validation_error(self, pool, directory):
        signed_in = sign_up_and_in(pool, directory, username="gus")

        with pytest.raises(ValidationError) as raised:
            ResendAttributeCode(pool.provider, pool.verifier, ample_attempt_limiter())(
                ResendAttributeCodeCommand(signed_in.tokens.access_token, "email")
            )

        assert set(raised.value.fields) == {"attribute_name"}

    def test_the_pool_sends_no_code_for_a_phone_number(self, pool, directory, signed_in):
        with pytest.raises(ValidationError):
            ResendAttributeCode(pool.provider, pool.verifier, ample_attempt_limiter())(
                ResendAttributeCodeCommand(signed_in.tokens.access_token, "phone_number")
            )
