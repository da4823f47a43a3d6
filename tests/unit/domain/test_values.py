from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidPassword, ValidationError
from domain.values import Attributes, Claims, MfaFactor, MfaPreference, Password, PasswordPolicy, Username, UserProfile


class TestUsername:
    def test_compares_case_insensitively_through_its_key(self):
        assert Username("Alice@Example.com").key == Username("alice@example.com").key

    @pytest.mark.parametrize("text", ["", " ", "a b", "a\x00b", "a" * 129])
    def test_refuses_what_cognito_refuses(self, text):
        with pytest.raises(ValidationError):
            Username(text)

    @given(st.text(max_size=200))
    def test_any_text_is_a_username_or_a_validation_error(self, text):
        try:
            username = Username(text)
        except ValidationError as error:
            assert set(error.fields) == {"username"}
        else:
            assert 0 < len(username.value) <= 128
            assert not any(char.isspace() for char in username.value)

    def test_takes_128_characters_and_refuses_129(self):
        assert Username("a" * 128).value == "a" * 128
        with pytest.raises(ValidationError) as raised:
            Username("a" * 129)
        assert raised.value.fields == {"username": "must be at most 128 characters"}


class TestPassword:
    def test_keeps_the_secret_out_of_its_repr(self):
        assert "Secret-1" not in repr(Password("Secret-1"))

    def test_refuses_an_empty_password(self):
        with pytest.raises(ValidationError) as raised:
            Password("")
        assert raised.value.fields == {"password": "must not be empty"}

    def test_takes_256_characters_and_refuses_257(self):
        assert Password("a" * 256).value == "a" * 256
        with pytest.raises(ValidationError) as raised:
            Password("a" * 257)
        assert raised.value.fields == {"password": "must be at most 256 characters"}

    @pytest.mark.parametrize("control", ["\x00", "\n", "\t", "\x7f", "\u2028"])
    def test_refuses_control_characters(self, control):
        with pytest.raises(ValidationError) as raised:
            Password(f"Abcdef1!{control}")
        assert raised.value.fields == {"password": "must not contain control characters"}


class TestPasswordPolicy:
    def test_names_every_rule_a_password_breaks(self):
        with pytest.raises(InvalidPassword) as raised:
            PasswordPolicy().check(Password("abc"))
        for rule in ("8 characters", "uppercase", "digit", "symbol"):
            assert rule in raised.value.message

    def test_accepts_a_password_with_every_kind_of_character(self):
        PasswordPolicy().check(Password("Abcdef1!"))

    def test_needs_a_lowercase_letter(self):
        with pytest.raises(InvalidPassword) as raised:
            PasswordPolicy().check(Password("ABCDEF1!"))
        assert raised.value.message == "The password needs a lowercase letter."

    @pytest.mark.parametrize("symbol", ["~", " "])
    def test_counts_the_symbols_cognito_allows(self, symbol):
        PasswordPolicy().check(Password(f"Abcdef1{symbol}"))

    @given(st.text(min_size=1, max_size=40).filter(str.isprintable))
    def test_what_it_accepts_satisfies_every_rule(self, text):
        try:
            PasswordPolicy().check(Password(text))
        except InvalidPassword:
            return
        assert len(text) >= 8
        assert any(c.isupper() for c in text)
        assert any(c.islower() for c in text)
        assert any(c.isdigit() for c in text)
        assert any(c in PasswordPolicy.SYMBOLS for c in text)


class TestAttributes:
    def test_replaces_an_attribute_by_name(self):
        attributes = Attributes.from_pairs([("email", "a@example.com")]).with_attribute("email", "b@example.com")
        assert attributes.as_dict() == {"email": "b@example.com"}

    @pytest.mark.parametrize(
        "pairs",
        [[("sub", "x")], [("a b", "x")], [("email", "not-an-email")], [("x", "1"), ("x", "2")], [("x", "\x00")]],
    )
    def test_refuses_what_the_pool_would(self, pairs):
        with pytest.raises(ValidationError):
            Attributes.from_pairs(pairs)


factor_settings = st.sampled_from([None, True, False])


class TestMfaPreference:
    def test_the_one_factor_turned_on_is_the_preferred_one(self):
        preference = MfaPreference(sms=True, totp=False)
        assert preference.preferred_factor is MfaFactor.SMS
        assert preference.changes() == {MfaFactor.SMS: True, MfaFactor.TOTP: False}

    def test_naming_the_preferred_factor_turns_it_on(self):
        assert MfaPreference(preferred=MfaFactor.TOTP).changes() == {MfaFactor.TOTP: True}

    def test_turning_factors_off_only_prefers_none(self):
        assert MfaPreference(totp=False).preferred_factor is None

    @pytest.mark.parametrize(
        "arguments",
        [{}, {"sms": True, "totp": True}, {"totp": False, "preferred": MfaFactor.TOTP}],
        ids=["nothing named", "both on, none preferred", "preferring a factor turned off"],
    )
    def test_refuses_a_change_that_makes_no_sense(self, arguments):
        with pytest.raises(ValidationError) as refused:
            MfaPreference(**arguments)
        assert set(refused.value.fields) == {"preferred"}

    @given(sms=factor_settings, totp=factor_settings, preferred=st.sampled_from([None, *MfaFactor]))
    def test_a_valid_change_leaves_no_factor_on_without_a_preferred_one(self, sms, totp, preferred):
        try:
            preference = MfaPreference(sms=sms, totp=totp, preferred=preferred)
        except ValidationError:
            return
        turned_on = [factor for factor, on in preference.changes().items() if on]
        assert preference.changes()
        assert (preference.preferred_factor in turned_on) if turned_on else preference.preferred_factor is None


ID_TOKEN_PAYLOAD = {
    "sub": "sub-1",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
    "aud": "client",
    "token_use": "id",
    "iat": 1_800_000_000,
    "exp": 1_800_003_600,
    "auth_time": 1_800_000_000,
    "jti": "jti-1",
    "origin_jti": "origin-1",
    "event_id": "event-1",
    "cognito:username": "ada",
    "cognito:groups": ["staff"],
    "email": "ada@example.com",
    "email_verified": True,
    "phone_number_verified": False,
    "updated_at": 1_700_000_000,
    "address": {"formatted": "12 St James's Square"},
    "custom:team": "Engines",
}


class TestClaimsAttributes:
    def test_an_id_tokens_attributes_are_the_strings_the_pool_keeps(self):
        claims = Claims.from_payload(ID_TOKEN_PAYLOAD)

        assert claims.attributes == {
            "email": "ada@example.com",
            "email_verified": "true",
            "phone_number_verified": "false",
            "updated_at": "1700000000",
            "address": "12 St James's Square",
            "custom:team": "Engines",
        }

    def test_an_access_token_carries_none(self):
        payload = {key: ID_TOKEN_PAYLOAD[key] for key in ("sub", "iss", "iat", "exp", "jti", "origin_jti")}

        assert Claims.from_payload({**payload, "token_use": "access", "username": "ada"}).attributes == {}


class TestUserProfile:
    def test_keeps_the_sub_apart_from_the_attributes(self):
        profile = UserProfile.from_attributes("ada", {"sub": "sub-1", "email": "ada@example.com"})

        assert (profile.sub, profile.attributes) == ("sub-1", {"email": "ada@example.com"})
