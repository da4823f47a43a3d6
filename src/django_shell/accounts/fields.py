"""Serializer fields that take JSON as it is (no coercion of numbers to text or "yes" to true), fields
checked against the domain's value objects, validating input with a serializer, and the one way answers
show an absent string (null)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from domain.errors import ValidationError as DomainValidationError
from domain.values import (
    ATTRIBUTE_NAME_MAX_LENGTH,
    ATTRIBUTE_VALUE_MAX_LENGTH,
    CODE_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    ConfirmationCode,
    GroupName,
    Password,
    PasswordPolicy,
    Username,
)


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# What the schema says of the values: exact up to U+00FF, an approximation beyond (JSON Schema's
# regular expressions cannot name Unicode categories portably); the value objects decide.
_VISIBLE = r"^[^\s\x00-\x1f\x7f-\x9f\xad]+$"
_PRINTABLE = r"^[^\x00-\x1f\x7f-\xa0\xad]+$"


def _class_escaped(characters: Iterable[str]) -> str:
    # Only what a character class gives a meaning to: ECMAScript's Unicode mode refuses other escapes.
    return "".join("\\" + char if char in "\\]^-[" else char for char in sorted(characters))


def policy_pattern(policy: PasswordPolicy) -> str:
    """The regular expression of the passwords `policy` takes, one look-ahead per rule."""
    rules = [
        *(["(?=.*[A-Z])"] if policy.require_uppercase else []),
        *(["(?=.*[a-z])"] if policy.require_lowercase else []),
        *(["(?=.*[0-9])"] if policy.require_digits else []),
        *(["(?=.*[" + _class_escaped(policy.SYMBOLS) + "])"] if policy.require_symbols else []),
    ]
    return "^" + "".join(rules) + _PRINTABLE.removeprefix("^")


class ValueField(StrictCharField):
    """A string that must make a valid `value_type`, a domain value object, checked as the field is.

    The use-case builds the same value object, but a refusal there names the value object's own
    field (`username`, `password`), not the one the client sent (`email`, `new_password`): checked
    here, the refusal is this field's, under the name the request gave it. The value stays a string:
    commands carry primitives."""

    value_type: Callable[[str], object]
    max_value_length: int
    min_value_length = 1
    pattern = _VISIBLE

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", self.max_value_length)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            self.value_type(value)
        except DomainValidationError as error:
            raise serializers.ValidationError(list(error.fields.values())) from None
        return value


class UsernameField(ValueField):
    value_type = Username
    max_value_length = USERNAME_MAX_LENGTH


class PasswordField(ValueField):
    """Any password the pool could hold; its policy is the pool's to apply (400 `InvalidPassword`)."""

    value_type = Password
    max_value_length = PASSWORD_MAX_LENGTH
    pattern = _PRINTABLE


class NewPasswordField(PasswordField):
    """A password to be set. The pool applies its policy (400 `InvalidPassword`); the schema states
    Cognito's default policy, which the embedded pool applies."""

    min_value_length = PasswordPolicy().minimum_length
    pattern = policy_pattern(PasswordPolicy())


class CodeField(ValueField):
    value_type = ConfirmationCode
    max_value_length = CODE_MAX_LENGTH


class GroupNameField(ValueField):
    value_type = GroupName
    max_value_length = GROUP_NAME_MAX_LENGTH


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class AbsentAsNullField(serializers.CharField):
    """An answer's string that may be absent: null then, never "". The mirror's columns and some of
    Cognito's answers hold an absent value as "", and one convention for clients beats two."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]  # the stubs allow no null
        return None if value in (None, "") else str(value)


class StringMapField(serializers.DictField):
    """A JSON object of strings, bounded in size."""

    def __init__(self, *, max_items: int, max_length: int, **kwargs: Any) -> None:
        super().__init__(child=StrictCharField(max_length=max_length, allow_blank=True), **kwargs)
        self.max_items = max_items

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, dict) and len(data) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} entries.")
        value: dict[str, str] = super().to_internal_value(data)
        return value


# The longest text a challenge's answer may be: room for any password (PASSWORD_MAX_LENGTH) and attribute.
_RESPONSE_MAX_LENGTH = 2048


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "CREDENTIAL": {
                "type": "object",
                "description": "`WEB_AUTHN`: what `navigator.credentials.get` resolved to, as its `toJSON()` gives it.",
            }
        },
        "additionalProperties": {"type": "string", "maxLength": _RESPONSE_MAX_LENGTH},
    }
)
class ChallengeResponsesField(StringMapField):
    """A challenge's answers, texts but for a passkey's: `CREDENTIAL`, the assertion as the object
    `toJSON()` gives, goes on as its JSON text, the form Cognito takes it in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=_RESPONSE_MAX_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, dict) and isinstance(data.get("CREDENTIAL"), dict):
            credential = json.dumps(data["CREDENTIAL"], separators=(",", ":"))
            value = super().to_internal_value({name: item for name, item in data.items() if name != "CREDENTIAL"})
            return {**value, "CREDENTIAL": credential}
        return super().to_internal_value(data)


class AttributeSerializer(serializers.Serializer):
    """One user attribute in Cognito's shape, `{"Name": ..., "Value": ...}`: sign-up, profile changes
    and administrators all send them so, and one client-side builder serves them all."""

    Name = StrictCharField(max_length=ATTRIBUTE_NAME_MAX_LENGTH)
    Value = StrictCharField(max_length=ATTRIBUTE_VALUE_MAX_LENGTH, allow_blank=True)


def attribute_pairs(items: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    """Validated `AttributeSerializer` items as the (name, value) pairs the use-cases take."""
    return tuple((item["Name"], item["Value"]) for item in items)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """`data` as `serializer_class` validates it; raises DRF's `ValidationError` (a 400) otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
