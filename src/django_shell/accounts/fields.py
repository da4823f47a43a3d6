"""Serializer fields that take JSON as it is (no coercion of numbers to text or "yes" to true),
validating input with a serializer, and the one way answers show an absent string (null)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from domain.values import ATTRIBUTE_NAME_MAX_LENGTH, ATTRIBUTE_VALUE_MAX_LENGTH


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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
