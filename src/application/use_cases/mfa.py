"""Multi-factor authentication for a signed-in user: setting up TOTP, and turning SMS and TOTP on or
off. The sign-in challenges they lead to are answered through `RespondToChallenge`, with
`SMS_MFA_CODE` or `SOFTWARE_TOKEN_MFA_CODE`."""

from __future__ import annotations

import urllib.parse

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from application.use_cases.step_up import StepUpProof, prove_identity
from domain.errors import ValidationError
from domain.values import ConfirmationCode, MfaFactor, MfaPreference, Username

# The name authenticator apps show above the user's codes.
DEFAULT_ISSUER = "cognito-auth"


@attrs.frozen
class AssociateSoftwareTokenCommand:
    access_token: str = attrs.field(repr=False)
    proof: StepUpProof = attrs.field(factory=StepUpProof)
    client: str | None = None
    """The client's network address, for its budget of failed proofs; None where there is none."""


@attrs.frozen
class AssociateSoftwareTokenResult:
    secret: str = attrs.field(repr=False)
    otpauth_uri: str = attrs.field(repr=False)
    """The secret as the `otpauth://totp/...` URI that authenticator apps read from a QR code."""


@attrs.frozen
class AssociateSoftwareToken:
    """Give the signed-in user a new TOTP secret to load into an authenticator app, once they have
    proved who they are (`prove_identity`: their password or a sign-in challenge's answer, and their
    current code when sign-in asks for one): a new authenticator replaces the one in use, and one the
    user does not hold locks them out.

    Returns the secret and its `otpauth://` URI. Raises `ValidationError` (a proof of two kinds),
    `StepUpRequired`, `TooManyRequests`, `NotAuthorized`, `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter
    issuer: str = DEFAULT_ISSUER

    def __call__(self, command: AssociateSoftwareTokenCommand) -> AssociateSoftwareTokenResult:
        username = self.token_verifier.verify_access_token(command.access_token).username
        prove_identity(self.identity_provider, self.attempt_limiter, username, command.proof, command.client)
        secret = self.identity_provider.associate_software_token(command.access_token)
        label = urllib.parse.quote(f"{self.issuer}:{username}")
        query = urllib.parse.urlencode({"secret": secret, "issuer": self.issuer})
        return AssociateSoftwareTokenResult(secret=secret, otpauth_uri=f"otpauth://totp/{label}?{query}")


@attrs.frozen
class VerifySoftwareTokenCommand:
    access_token: str = attrs.field(repr=False)
    code: str
    client: str | None = None
    """The client's network address, for its budget of code answers; None where there is none."""


@attrs.frozen
class VerifySoftwareToken:
    """Confirm the associated authenticator with a code it shows. Every answer spends one of the code
    answers the client and the user have, as other codes do.

    Raises `ValidationError`, `CodeMismatch`, `NotAuthorized`, `TokenInvalid`, and `TooManyRequests`
    without asking the provider once either budget is spent.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: VerifySoftwareTokenCommand) -> None:
        code = ConfirmationCode(command.code)
        account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
        self.attempt_limiter.spend(Attempt.CODE, command.client, account)
        self.identity_provider.verify_software_token(command.access_token, code)


@attrs.frozen
class SetMfaPreferenceCommand:
    access_token: str = attrs.field(repr=False)
    sms: bool | None = None
    totp: bool | None = None
    preferred: str | None = None
    """`sms` or `totp`."""
    proof: StepUpProof = attrs.field(factory=StepUpProof)
    client: str | None = None
    """The client's network address, for its budget of failed proofs; None where there is none."""


FACTORS = {"sms": MfaFactor.SMS, "totp": MfaFactor.TOTP}
"""The names the factors go by in a command."""


@attrs.frozen
class SetMfaPreference:
    """Turn SMS and TOTP MFA on or off, and choose the one asked for at sign-in when both are on.

    A factor left out stays as it is; the one factor a change turns on becomes the preferred one, and
    naming a preferred factor turns it on. Every change needs the user's proof that they are at hand
    (`prove_identity`: their password or a sign-in challenge's answer, and their current code when
    sign-in asks for one): turning a factor off or
    choosing another one weakens the sign-in, and turning on one the user does not hold locks them
    out. Returns the change as made. Raises `ValidationError` (no factor named, both turned on with no
    preferred one, TOTP without a verified authenticator, SMS without a phone number), checked first;
    then `StepUpRequired`, `TooManyRequests`, `NotAuthorized`, `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: SetMfaPreferenceCommand) -> MfaPreference:
        if command.preferred is not None and command.preferred not in FACTORS:
            raise ValidationError({"preferred": f"must be one of {', '.join(FACTORS)}"})
        preference = MfaPreference(
            sms=command.sms,
            totp=command.totp,
            preferred=FACTORS[command.preferred] if command.preferred is not None else None,
        )
        username = self.token_verifier.verify_access_token(command.access_token).username
        prove_identity(self.identity_provider, self.attempt_limiter, username, command.proof, command.client)
        self.identity_provider.set_mfa_preference(command.access_token, preference)
        return preference
