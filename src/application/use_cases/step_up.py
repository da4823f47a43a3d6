"""The step-up proof that the signed-in user is at hand, not only their access token: what every change
of the ways a user signs in needs (the MFA factors, a new passkey). Either a sign-in with the password,
or the answer to a choice-based sign-in challenge of the same user (a code by e-mail or SMS, a
passkey), which users without a password can give."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.use_cases.budgets import spending_on_failure
from domain.errors import (
    CodeMismatch,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasskeyRejected,
    PasswordResetRequired,
    StepUpRequired,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import AuthResult, Challenge, MfaFactor, Password, SignInFactor, Username

# What a proving sign-in may be refused for; each is the one answer `StepUpRequired`, so that the
# answer tells nobody whether the password, the challenge's answer or the code was the wrong part.
_UNPROVEN = (
    CodeMismatch,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasskeyRejected,
    PasswordResetRequired,
    UserNotConfirmed,
    ValidationError,
)

PROVING_CHALLENGES = (SignInFactor.EMAIL_OTP, SignInFactor.SMS_OTP, SignInFactor.WEB_AUTHN)
"""The sign-in challenges whose answer proves the user instead of a password."""


@attrs.frozen
class StepUpProof:
    """What a request gives to prove that the token's user is at hand: the `password`, or the answer
    to a choice-based sign-in challenge of the user (`challenge_name`, `session` and `responses`, as
    `RespondToChallenge` takes them); with `code`, a current code of the authenticator app, when the
    sign-in asks for one. Nothing given proves nothing."""

    password: str | None = attrs.field(default=None, repr=False)
    challenge_name: str | None = None
    session: str | None = attrs.field(default=None, repr=False)
    responses: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    code: str | None = attrs.field(default=None, repr=False)


def prove_identity(
    identity_provider: IdentityProvider,
    attempt_limiter: AttemptLimiter,
    username: str,
    proof: StepUpProof,
    client: str | None,
) -> None:
    """Prove that the token's user is at hand: a sign-in of `username` with their password, or their
    answer to a choice-based sign-in challenge of theirs (a session of another user proves nothing),
    and with the code of their authenticator app when the sign-in asks for it.

    A sign-in that asks for an SMS code has proved the first factor and is not answered (the code was
    sent a moment ago and cannot be in the request). The sign-in's tokens are dropped unseen. A failed
    proof spends what the same failure spends at sign-in: a password one of the failed sign-ins (as
    `Login`), a code one of the code answers, an assertion one of the failed passkey ceremonies, of
    the client and the account; once the budget is spent the answer is `TooManyRequests` without a
    sign-in. The proof counts towards the pool's own limits too. `TooManyRequests` and
    `ProviderUnavailable` pass through. Raises `ValidationError` for a password and a challenge's
    answer together, or a challenge that proves nothing; else `StepUpRequired`.
    """
    user = Username(username)
    if proof.challenge_name is None:
        _prove_with_password(identity_provider, attempt_limiter, user, proof, client)
        return
    if proof.password is not None:
        raise ValidationError({"password": "a proof is the password or a challenge's answer, not both"})
    names = [factor.value for factor in PROVING_CHALLENGES]
    if proof.challenge_name not in names:
        raise ValidationError({"challenge_name": f"must be one of {', '.join(names)}"})
    _prove_with_challenge(identity_provider, attempt_limiter, user, proof, client)


def _prove_with_password(
    identity_provider: IdentityProvider,
    attempt_limiter: AttemptLimiter,
    user: Username,
    proof: StepUpProof,
    client: str | None,
) -> None:
    with _refused_as_step_up_required(attempt_limiter, Attempt.PASSWORD, client, user):
        if not proof.password:
            raise StepUpRequired()
        result = identity_provider.initiate_auth(user, Password(proof.password))
        _finish(identity_provider, user, result, proof)


def _prove_with_challenge(
    identity_provider: IdentityProvider,
    attempt_limiter: AttemptLimiter,
    user: Username,
    proof: StepUpProof,
    client: str | None,
) -> None:
    # An assertion spends what a failed passkey sign-in does, a code what any wrong code does.
    attempt = Attempt.PASSKEY if proof.challenge_name == SignInFactor.WEB_AUTHN.value else Attempt.CODE
    with _refused_as_step_up_required(attempt_limiter, attempt, client, user):
        if not proof.session or proof.challenge_name is None:
            raise StepUpRequired()
        # The provider refuses a session of another user than the token's (NotAuthorized).
        result = identity_provider.respond_to_challenge(
            user, proof.challenge_name, dict(proof.responses or {}), proof.session
        )
    with _refused_as_step_up_required(attempt_limiter, Attempt.CODE, client, user):
        _finish(identity_provider, user, result, proof)


def _finish(identity_provider: IdentityProvider, user: Username, result: AuthResult, proof: StepUpProof) -> None:
    """Answer the authenticator's challenge that the first factor led to with `code`; anything but
    tokens or an SMS code's challenge then is no proof."""
    if isinstance(result, Challenge) and result.name == MfaFactor.TOTP.value:
        if not proof.code:
            raise StepUpRequired()
        result = identity_provider.respond_to_challenge(
            user, result.name, {"SOFTWARE_TOKEN_MFA_CODE": proof.code}, result.session
        )
    if isinstance(result, Challenge) and result.name != MfaFactor.SMS.value:
        raise StepUpRequired()


@contextlib.contextmanager
def _refused_as_step_up_required(
    attempt_limiter: AttemptLimiter, attempt: Attempt, client: str | None, user: Username
) -> Iterator[None]:
    """`spending_on_failure` of `attempt`, each refusal of the proof answered `StepUpRequired`."""
    refusals = (*_UNPROVEN, StepUpRequired)
    try:
        with spending_on_failure(attempt_limiter, attempt, refusals, client, user.key):
            yield
    except refusals:
        raise StepUpRequired() from None
