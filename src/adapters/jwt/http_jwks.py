"""Fetching a user pool's public keys over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import attrs

from domain.errors import ProviderUnavailable

# A pool publishes a handful of keys; anything larger is not a JWKS.
_MAX_JWKS_BYTES = 64 * 1024


@attrs.frozen
class HttpJwks:
    """Callable returning the JWKS document at `url`; raises `ProviderUnavailable` when it cannot."""

    url: str
    timeout: float = 3.0

    def __call__(self) -> Mapping[str, Any]:
        if not self.url.startswith(("http://", "https://")):
            raise ProviderUnavailable("The JWKS URL is not an http(s) URL.")
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:  # noqa: S310 -- scheme checked above
                document = json.loads(response.read(_MAX_JWKS_BYTES + 1)[:_MAX_JWKS_BYTES])
        except (OSError, ValueError) as error:
            raise ProviderUnavailable("The identity provider's signing keys could not be fetched.") from error
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ProviderUnavailable("The identity provider's signing keys are malformed.")
        return document
