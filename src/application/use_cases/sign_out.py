"""Signing out of every device."""

from __future__ import annotations

import math

import attrs

from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.ports.revocation_list import RevocationList
from application.ports.token_verifier import TokenVerifier
from domain.errors import NotAuthenticated, NotAuthorized
from domain.values import Claims


@attrs.frozen
class LogoutCommand:
    access_token: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Logout:
    """Revoke every token of the user, on every device, and refuse them in every process at once:
    the provider's sign-out ends the refresh tokens, but our verifier would accept the access
    tokens until they expire.

    Refused are every token of this sign-in, and every token of the user issued before the
    current second: `iat` counts whole seconds, and a sign-in made in the same second after the
    logout must work (another device's token issued earlier in that second is left to expire, its
    refresh token dead).

    An expired access token is no obstacle while the refresh token still works: a user must always
    be able to sign out. Raises `NotAuthenticated` without tokens, `TokenInvalid` for a forged
    access token, `NotAuthorized` when no token works any more.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    revocation_list: RevocationList
    clock: Clock

    def __call__(self, command: LogoutCommand) -> None:
        # Revoking comes before the provider's sign-out: should the revocation fail, a retried
        # logout still finds the tokens alive and can finish the job.
        claims = None
        if command.access_token:
            claims = self.token_verifier.verify_access_token(command.access_token, allow_expired=True)
            self._revoke(claims)
            try:
                self.identity_provider.global_sign_out(command.access_token)
                return
            except NotAuthorized:
                if not command.refresh_token:
                    raise
        if not command.refresh_token:
            raise NotAuthenticated()
        fresh = self.identity_provider.refresh(command.refresh_token, claims.username if claims else None)
        self._revoke(self.token_verifier.verify_access_token(fresh.access_token))
        self.identity_provider.global_sign_out(fresh.access_token)

    def _revoke(self, claims: Claims) -> None:
        # Every token of the user was issued by now with the same lifetime (one app client), so none outlives this.
        now = self.clock.now()
        until = now + claims.lifetime
        self.revocation_list.revoke(claims, until=until)
        self.revocation_list.revoke_user(claims.sub, issued_before=math.floor(now), until=until)
