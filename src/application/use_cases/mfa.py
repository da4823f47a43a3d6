"""Setting up TOTP multi-factor authentication for a signed-in user; the sign-in challenge it leads to
is answered through `RespondToChallenge` with `SOFTWARE_TOKEN_MFA_CODE`."""

from __future__ import annotations

import urllib.parse

import attrs

from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.values import ConfirmationCode

# The name authenticator apps show above the user's codes.
DEFAULT_ISSUER = "cognito-auth"


@attrs.frozen
class AssociateSoftwareTokenCommand:
    access_token: str = attrs.field(repr=False)


@attrs.frozen
class AssociateSoftwareTokenResult:
    secret: str = attrs.field(repr=False)
    otpauth_uri: str = attrs.field(repr=False)
    """The secret as the `otpauth://totp/...` URI that authenticator apps read from a QR code."""


@attrs.frozen
class AssociateSoftwareToken:
    """Give the signed-in user a new TOTP secret to load into an authenticator app.

    Returns the secret and its `otpauth://` URI. Raises `NotAuthorized` and `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    issuer: str = DEFAULT_ISSUER

    def __call__(self, command: AssociateSoftwareTokenCommand) -> AssociateSoftwareTokenResult:
        username = self.token_verifier.verify_access_token(command.access_token).username
        secret = self.identity_provider.associate_software_token(command.access_token)
        label = urllib.parse.quote(f"{self.issuer}:{username}")
        query = urllib.parse.urlencode({"secret": secret, "issuer": self.issuer})
        return AssociateSoftwareTokenResult(secret=secret, otpauth_uri=f"otpauth://totp/{label}?{query}")


@attrs.frozen
class VerifySoftwareTokenCommand:
    access_token: str = attrs.field(repr=False)
    code: str


@attrs.frozen
class VerifySoftwareToken:
    """Confirm the associated authenticator with a code it shows.

    Raises `ValidationError`, `CodeMismatch`, `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: VerifySoftwareTokenCommand) -> None:
        self.identity_provider.verify_software_token(command.access_token, ConfirmationCode(command.code))


@attrs.frozen
class SetMfaPreferenceCommand:
    access_token: str = attrs.field(repr=False)
    totp_enabled: bool


@attrs.frozen
class SetMfaPreference:
    """Turn TOTP MFA on, as the preferred factor, or off; while on, every sign-in asks for a code.

    Raises `ValidationError` (turning it on without a verified authenticator), `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: SetMfaPreferenceCommand) -> None:
        self.identity_provider.set_mfa_preference(command.access_token, totp_enabled=command.totp_enabled)
