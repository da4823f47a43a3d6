"""Reading settings from the environment; every mistake names its variable in one line."""

from __future__ import annotations

import os
from collections.abc import Collection

from django.core.exceptions import ImproperlyConfigured

from domain.errors import ValidationError
from domain.values import GroupName

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def required(name: str, why: str) -> str:
    value = optional(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} is not set; it is required {why}.")
    return value


def boolean(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def integer(name: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int:
    value = optional(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name}={number} is out of range; use {minimum} to {maximum}.")
    return number


def decimal(name: str, default: float, *, minimum: float, maximum: float) -> float:
    value = optional(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name}={number:g} is out of range; use {minimum:g} to {maximum:g}.")
    return number


def choice(name: str, choices: Collection[str], default: str) -> str:
    value = optional(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(sorted(choices))}.")
    return value


def url(name: str) -> str | None:
    return url_of(name, ("http://", "https://"))


def url_of(name: str, schemes: tuple[str, ...]) -> str | None:
    value = optional(name)
    if value is not None and not value.startswith(schemes):
        raise ImproperlyConfigured(f"{name} is not a URL starting with {' or '.join(schemes)}.")
    return value


def group_name(name: str) -> str | None:
    """The name of a pool group, refused at start-up where no group could have it (it would never match)."""
    value = optional(name)
    if value is not None:
        try:
            GroupName(value)
        except ValidationError as error:
            raise ImproperlyConfigured(f"{name}={value!r} is not a group name: it {error.fields['group']}.") from None
    return value
