"""Reading settings from the environment; every mistake names its variable in one line."""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Collection, Mapping

import limits
from django.core.exceptions import ImproperlyConfigured

from domain.errors import ValidationError
from domain.values import GroupName

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_HEADER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
_RELYING_PARTY_ID = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


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


def choice(name: str, choices: Collection[str], default: str, aliases: Mapping[str, str] | None = None) -> str:
    """One of `choices`; a value in `aliases` (an older name) is taken as the choice it names."""
    value = optional(name) or default
    value = (aliases or {}).get(value, value)
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


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """Django's `SECURE_PROXY_SSL_HEADER` from the header's name: requests on which the proxy set it to
    `https` came over TLS."""
    value = optional(name)
    if value is None:
        return None
    if not _HEADER_NAME.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a header name; use e.g. X-Forwarded-Proto.")
    return f"HTTP_{value.upper().replace('-', '_')}", "https"


def origins(name: str) -> list[str]:
    """Comma-separated origins (`scheme://host[:port]`, the host may start with `*.`)."""
    found = [origin.strip() for origin in (optional(name) or "").split(",") if origin.strip()]
    for origin in found:
        if not _is_origin(origin):
            raise ImproperlyConfigured(f"{name}: {origin!r} is not an origin like https://auth.example.com.")
    return found


def _is_origin(text: str) -> bool:
    parts = urllib.parse.urlsplit(text)
    try:
        parts.port  # noqa: B018 -- raises for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and "@" not in parts.netloc
        and text == f"{parts.scheme}://{parts.netloc}"
    )


def relying_party_id(name: str, default: str) -> str:
    """A WebAuthn relying party id: the site's domain name, no scheme and no port."""
    value = (optional(name) or default).lower()
    if not _RELYING_PARTY_ID.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a domain name like auth.example.com or localhost.")
    return value


def passkey_origins(name: str, relying_party: str) -> list[str]:
    """Comma-separated origins where passkeys of `relying_party` are used: `scheme://host[:port]`, or
    `scheme://host:*` for any port; each host is the relying party id or a subdomain of it, as
    browsers require."""
    found = [origin.strip() for origin in (optional(name) or "").split(",") if origin.strip()]
    for origin in found:
        bare = origin.removesuffix(":*")
        parts = urllib.parse.urlsplit(bare)
        if not _is_origin(bare) or bare.startswith(f"{parts.scheme}://*") or (bare != origin and parts.port):
            raise ImproperlyConfigured(f"{name}: {origin!r} is not an origin like https://auth.example.com.")
        host = parts.hostname or ""
        if host != relying_party and not host.endswith(f".{relying_party}"):
            raise ImproperlyConfigured(
                f"{name}: {origin!r} is not on {relying_party} (WEBAUTHN_RELYING_PARTY_ID) or a subdomain of it."
            )
    return found


def rate(name: str, default: str) -> tuple[int, int]:
    """A budget such as `10/minute` or `5 per 5 minutes` (the `limits` library's notation), as
    (attempts, seconds)."""
    value = optional(name) or default
    try:
        item = limits.parse(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; write it as 10/minute or 5 per 5 minutes."
        ) from None
    if item.amount < 1:
        raise ImproperlyConfigured(f"{name}={value!r} allows nothing; give at least 1 attempt.")
    return item.amount, item.get_expiry()
