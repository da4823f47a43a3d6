"""Multi-factor authentication for a signed-in user: setting up TOTP, and turning SMS and TOTP on or
off. The sign-in challenges they lead to are answered through `RespondToChallenge`, with
`SMS_MFA_CODE` or `SOFTWARE_TOKEN_MFA_CODE`."""

from __future__ import annotations

import contextlib
import urllib.parse
from typing import Protocol

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.errors import (
    CodeMismatch,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasswordResetRequired,
    StepUpRequired,
    TooManyRequests,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import Challenge, ConfirmationCode, MfaFactor, MfaPreference, Password, Username

# The name authenticator apps show above the user's codes.
DEFAULT_ISSUER = "cognito-auth"


# What a proving sign-in may be refused for; each is the one answer `StepUpRequired`, so that the
# answer tells nobody whether the password or the code was the wrong part.
_UNPROVEN = (
    CodeMismatch,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasswordResetRequired,
    UserNotConfirmed,
    ValidationError,
)


def _prove_identity(
    identity_provider: IdentityProvider,
    attempt_limiter: AttemptLimiter,
    username: str,
    proof: _Proof,
) -> None:
    """Prove that the token's user is at hand, not only their access token: a sign-in with their
    password, and with the code of their authenticator app when the sign-in asks for it.

    A sign-in that asks for an SMS code has proved the password and is not answered (the code was
    sent a moment ago and cannot be in the request). The sign-in's tokens are dropped unseen. A failed
    proof spends one of the failed sign-ins the client and the account have (as `Login` does), and
    once either has none left the answer is `TooManyRequests` without a sign-in; it also counts
    towards the pool's own limits. `TooManyRequests` and `ProviderUnavailable` pass through. Raises
    `StepUpRequired`.
    """
    user = Username(username)
    attempt_limiter.check(Attempt.PASSWORD, proof.client, user.key)
    try:
        if not proof.password:
            raise StepUpRequired()
        result = identity_provider.initiate_auth(user, Password(proof.password))
        if isinstance(result, Challenge) and result.name == MfaFactor.TOTP.value:
            if not proof.code:
                raise StepUpRequired()
            result = identity_provider.respond_to_challenge(
                user, result.name, {"SOFTWARE_TOKEN_MFA_CODE": proof.code}, result.session
            )
        if isinstance(result, Challenge) and result.name != MfaFactor.SMS.value:
            raise StepUpRequired()
    except (*_UNPROVEN, StepUpRequired):
        with contextlib.suppress(TooManyRequests):
            attempt_limiter.spend(Attempt.PASSWORD, proof.client, user.key)
        raise StepUpRequired() from None


class _Proof(Protocol):
    @property
    def password(self) -> str | None: ...

    @property
    def code(self) -> str | None: ...

    @property
    def client(self) -> str | None: ...


@attrs.frozen
class AssociateSoftwareTokenCommand:
    access_token: str = attrs.field(repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    """The user's current password: changing an authenticator needs it (see `_prove_identity`)."""
    code: str | None = attrs.field(default=None, repr=False)
    """A current code of the user's authenticator app, when their sign-in asks for one."""
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
    proved who they are with their password (and their current code when sign-in asks for one): a
    new authenticator replaces the one in use, and one the user does not hold locks them out.

    Returns the secret and its `otpauth://` URI. Raises `StepUpRequired`, `TooManyRequests`,
    `NotAuthorized`, `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter
    issuer: str = DEFAULT_ISSUER

    def __call__(self, command: AssociateSoftwareTokenCommand) -> AssociateSoftwareTokenResult:
        username = self.token_verifier.verify_access_token(command.access_token).username
        _prove_identity(self.identity_provider, self.attempt_limiter, username, command)
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
    password: str | None = attrs.field(default=None, repr=False)
    """The user's current password: every change of the factors needs it (see `_prove_identity`)."""
    code: str | None = attrs.field(default=None, repr=False)
    """A current code of the user's authenticator app, when their sign-in asks for one."""
    client: str | None = None
    """The client's network address, for its budget of failed proofs; None where there is none."""


FACTORS = {"sms": MfaFactor.SMS, "totp": MfaFactor.TOTP}
"""The names the factors go by in a command."""


@attrs.frozen
class SetMfaPreference:
    """Turn SMS and TOTP MFA on or off, and choose the one asked for at sign-in when both are on.

    A factor left out stays as it is; the one factor a change turns on becomes the preferred one, and
    naming a preferred factor turns it on. Every change needs the user's proof that they are at hand
    (their password, and their current code when sign-in asks for one): turning a factor off or
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
        _prove_identity(self.identity_provider, self.attempt_limiter, username, command)
        self.identity_provider.set_mfa_preference(command.access_token, preference)
        return preference
