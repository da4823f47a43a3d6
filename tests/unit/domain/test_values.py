from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidPassword, ValidationError
from domain.values import (
    Attribute,
    Attributes,
    Claims,
    ConfirmationCode,
    FilterMatch,
    Group,
    GroupName,
    MfaFactor,
    MfaPreference,
    Password,
    PasswordPolicy,
    UserFilter,
    Username,
    UserProfile,
)

# What each value object refuses, and the `fields` of its refusal: each field's text reaches the client in
# the error body, so it is asserted whole. The longest values each check lets through are in VALID.
REFUSALS = {
    "empty username": (lambda: Username(""), {"username": "must not be empty"}),
    "username with a space": (lambda: Username("a b"), {"username": "must not contain spaces or control characters"}),
    "username of 129": (lambda: Username("a" * 129), {"username": "must be at most 128 characters"}),
    "empty code": (lambda: ConfirmationCode(""), {"code": "must not be empty"}),
    "code of 2049": (lambda: ConfirmationCode("1" * 2049), {"code": "must be at most 2048 characters"}),
    "code with a space": (lambda: ConfirmationCode("12 34"), {"code": "must not contain spaces or control characters"}),
    "empty attribute name": (lambda: Attribute("", "x"), {"user_attributes": "attribute names must not be empty"}),
    "attribute name of 33": (
        lambda: Attribute("custom:" + "a" * 26, "x"),
        {"user_attributes": "attribute names are at most 32 characters"},
    ),
    "attribute name with a space": (
        lambda: Attribute("a b", "x"),
        {"user_attributes": "attribute name 'a b' has characters Cognito refuses"},
    ),
    "read-only attribute": (lambda: Attribute("sub", "x"), {"user_attributes": "attribute 'sub' cannot be set"}),
    "attribute value of 2049": (
        lambda: Attribute("name", "a" * 2049),
        {"user_attributes": "attribute values are at most 2048 characters"},
    ),
    "attribute value with a control character": (
        lambda: Attribute("name", "a\x00"),
        {"user_attributes": "attribute values must not contain control characters"},
    ),
    "51 attributes": (
        lambda: Attributes.from_pairs((f"custom:a{n}", "x") for n in range(51)),
        {"user_attributes": "at most 50 attributes"},
    ),
    "an attribute twice": (
        lambda: Attributes.from_pairs([("name", "a"), ("name", "b")]),
        {"user_attributes": "each attribute may appear once"},
    ),
    "email that is no address": (
        lambda: Attributes.from_pairs([("email", "alice")]),
        {"user_attributes": "email must be an e-mail address"},
    ),
    "no factor named": (lambda: MfaPreference(), {"preferred": "name a factor to change: sms, totp or preferred"}),
    "preferring a factor turned off": (
        lambda: MfaPreference(sms=False, preferred=MfaFactor.SMS),
        {"preferred": "must not be a factor turned off"},
    ),
    "both on, none preferred": (
        lambda: MfaPreference(sms=True, totp=True),
        {"preferred": "is required when turning both factors on"},
    ),
    "empty group name": (lambda: GroupName(""), {"group": "must not be empty"}),
    "group name of 129": (lambda: GroupName("g" * 129), {"group": "must be at most 128 characters"}),
    "group name with a space": (lambda: GroupName("a b"), {"group": "must not contain spaces or control characters"}),
    "group description of 2049": (
        lambda: Group(GroupName("g"), "d" * 2049),
        {"description": "must be at most 2048 characters"},
    ),
    "group description with a control character": (
        lambda: Group(GroupName("g"), "a\nb"),
        {"description": "must not contain control characters"},
    ),
    "filter on an attribute Cognito cannot search": (
        lambda: UserFilter("locale", FilterMatch.EXACT, "en"),
        {
            "attribute": "must be one of username, email, phone_number, name, given_name, family_name, "
            "preferred_username, cognito:user_status, status, sub"
        },
    ),
    "empty filter value": (lambda: UserFilter("email", FilterMatch.PREFIX, ""), {"value": "must not be empty"}),
    "filter value of 201": (
        lambda: UserFilter("email", FilterMatch.PREFIX, "a" * 201),
        {"value": "must be at most 200 characters"},
    ),
    "filter value with a control character": (
        lambda: UserFilter("email", FilterMatch.PREFIX, "a\tb"),
        {"value": "must not contain control characters"},
    ),
    "filter value with a double quote": (
        lambda: UserFilter("name", FilterMatch.EXACT, 'a"b'),
        {"value": "must not contain double quotes or backslashes"},
    ),
    "filter value with a backslash": (
        lambda: UserFilter("name", FilterMatch.EXACT, "a\\b"),
        {"value": "must not contain double quotes or backslashes"},
    ),
}

VALID = {
    "username of 128": lambda: Username("a" * 128),
    "username of letters, marks, symbols, numbers and punctuation": lambda: Username("é\u0301€1.ü"),
    "code of 2048": lambda: ConfirmationCode("1" * 2048),
    "attribute name of 32": lambda: Attribute("custom:" + "a" * 25, "x"),
    "attribute value of 2048": lambda: Attribute("name", "a" * 2048),
    "empty attribute value": lambda: Attribute("name", ""),
    "50 attributes": lambda: Attributes.from_pairs((f"custom:a{n}", "x") for n in range(50)),
    "group name of 128": lambda: GroupName("g" * 128),
    "group description of 2048": lambda: Group(GroupName("g"), "d" * 2048),
    "group without a description": lambda: Group(GroupName("g")),
    "filter value of 200": lambda: UserFilter("email", FilterMatch.PREFIX, "a" * 200),
    "one factor on, none preferred": lambda: MfaPreference(totp=True),
    "both on, one preferred": lambda: MfaPreference(sms=True, totp=True, preferred=MfaFactor.SMS),
}


class TestChecks:
    @pytest.mark.parametrize(("build", "fields"), REFUSALS.values(), ids=REFUSALS.keys())
    def test_refuses_with_the_field_and_the_reason(self, build, fields):
        with pytest.raises(ValidationError) as raised:
            build()
        assert raised.value.fields == fields

    @pytest.mark.parametrize("build", VALID.values(), ids=VALID.keys())
    def test_takes_what_is_just_within_every_limit(self, build):
        build()


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
        assert raised.value.message == (
            "The password needs at least 8 characters, an uppercase letter, a digit, a symbol."
        )

    def test_takes_the_minimum_length_and_refuses_one_less(self):
        PasswordPolicy().check(Password("Abcde1!x"))
        with pytest.raises(InvalidPassword) as raised:
            PasswordPolicy().check(Password("Abcde1!"))
        assert raised.value.message == "The password needs at least 8 characters."

    @pytest.mark.parametrize(
        ("rule", "password"),
        [
            ("require_uppercase", "abcdef1!"),
            ("require_lowercase", "ABCDEF1!"),
            ("require_digits", "Abcdefg!"),
            ("require_symbols", "Abcdefg1"),
        ],
    )
    def test_a_rule_turned_off_is_not_asked_for(self, rule, password):
        PasswordPolicy(**{rule: False}).check(Password(password))
        with pytest.raises(InvalidPassword):
            PasswordPolicy().check(Password(password))

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
