"""Multi-factor authentication for a signed-in user: setting up TOTP, and turning SMS and TOTP on or
off. The sign-in challenges they lead to are answered through `RespondToChallenge`, with
`SMS_MFA_CODE` or `SOFTWARE_TOKEN_MFA_CODE`."""

from __future__ import annotations

import urllib.parse

import attrs

from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.errors import ValidationError
from domain.values import ConfirmationCode, MfaFactor, MfaPreference

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
    sms: bool | None = None
    totp: bool | None = None
    preferred: str | None = None
    """`sms` or `totp`."""


FACTORS = {"sms": MfaFactor.SMS, "totp": MfaFactor.TOTP}
"""The names the factors go by in a command."""


@attrs.frozen
class SetMfaPreference:
    """Turn SMS and TOTP MFA on or off, and choose the one asked for at sign-in when both are on.

    A factor left out stays as it is; the one factor a change turns on becomes the preferred one, and
    naming a preferred factor turns it on. Returns the change as made. Raises `ValidationError` (no
    factor named, both turned on with no preferred one, TOTP without a verified authenticator, SMS
    without a phone number), `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: SetMfaPreferenceCommand) -> MfaPreference:
        if command.preferred is not None and command.preferred not in FACTORS:
            raise ValidationError({"preferred": f"must be one of {', '.join(FACTORS)}"})
        preference = MfaPreference(
            sms=command.sms,
            totp=command.totp,
            preferred=FACTORS[command.preferred] if command.preferred is not None else None,
        )
        self.identity_provider.set_mfa_preference(command.access_token, preference)
        return preference
