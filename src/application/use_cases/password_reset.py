"""Resetting a forgotten password with a delivered code."""

from __future__ import annotations

import contextlib

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.use_cases.codes import one_answer_for_refused_codes, taking_at_least
from domain.errors import NotAuthorized, ValidationError
from domain.values import ConfirmationCode, Password, Username


@attrs.frozen
class ForgotPasswordCommand:
    username: str
    client: str | None = None
    """The client's network address, for its budget of codes sent; None where there is none."""


@attrs.frozen
class ForgotPassword:
    """Deliver a password-reset code.

    Answers alike, and after `minimum_seconds` at least, whether or not the account exists or can
    receive a code, so nobody learns which accounts exist. Raises `ValidationError` for a malformed
    username, `TooManyRequests` without asking the provider once the client or the account has no
    codes left, and the provider's transient errors.
    """

    identity_provider: IdentityProvider
    attempt_limiter: AttemptLimiter
    clock: Clock
    minimum_seconds: float

    def __call__(self, command: ForgotPasswordCommand) -> None:
        username = Username(command.username)
        self.attempt_limiter.spend(Attempt.CODE_DELIVERY, command.client, username.key)
        with taking_at_least(self.clock, self.minimum_seconds), contextlib.suppress(NotAuthorized, ValidationError):
            self.identity_provider.forgot_password(username)


@attrs.frozen
class ConfirmForgotPasswordCommand:
    username: str
    code: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of code answers; None where there is none."""


@attrs.frozen
class ConfirmForgotPassword:
    """Set a new password with a reset code.

    Raises `ValidationError`, `InvalidPassword`; `CodeMismatch`, with one message, for a wrong,
    expired, spent or never sent code and for an unknown or disabled user alike; `TooManyRequests`
    without asking the provider once the client or the account has no answers left (every answer
    spends one).
    """

    identity_provider: IdentityProvider
    attempt_limiter: AttemptLimiter

    def __call__(self, command: ConfirmForgotPasswordCommand) -> None:
        username = Username(command.username)
        code = ConfirmationCode(command.code)
        password = Password(command.new_password)
        self.attempt_limiter.spend(Attempt.CODE, command.client, username.key)
        with one_answer_for_refused_codes():
            self.identity_provider.confirm_forgot_password(username, code, password)
