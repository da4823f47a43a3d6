"""The token verifier port: turns a token string into trusted claims."""

from __future__ import annotations

import abc

from domain.values import Claims


class TokenVerifier(abc.ABC):
    @abc.abstractmethod
    def verify_access_token(self, token: str, *, allow_expired: bool = False) -> Claims:
        """Check signature, issuer, client and token use of an access token.

        `allow_expired` skips only the expiry check, for reading who an expired token belongs to
        before a refresh. Raises `TokenExpired` and `TokenInvalid`.
        """

    @abc.abstractmethod
    def verify_id_token(self, token: str) -> Claims:
        """Check an id token as `verify_access_token` does, with `aud` as the client.

        Raises `TokenExpired` and `TokenInvalid`.
        """
