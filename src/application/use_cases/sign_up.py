"""Registering an account and confirming it with the delivered code."""

from __future__ import annotations

import contextlib

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.use_cases.codes import one_answer_for_refused_codes, taking_at_least
from domain.errors import NotAuthorized
from domain.values import Attributes, ConfirmationCode, Password, SignUpOutcome, Username


@attrs.frozen
class SignUpCommand:
    username: str
    password: str | None = attrs.field(repr=False)
    """None signs up a user who signs in with one-time codes or passkeys only."""
    attributes: tuple[tuple[str, str], ...] = ()
    client: str | None = None
    """The client's network address, for its budget of codes sent; None where there is none."""


@attrs.frozen
class SignUp:
    """Register an unconfirmed user; the provider delivers a confirmation code.

    A username that is an e-mail address doubles as the `email` attribute unless one is given,
    so that the code has somewhere to go. Without a password, the user needs an e-mail address or
    phone number for their sign-in codes. Raises `ValidationError`, `InvalidPassword`, `UsernameExists`,
    and `TooManyRequests` without asking the provider once the client or the account has no codes
    left: each sign-up spends a code sent, since it sends one to whatever address it names.
    """

    identity_provider: IdentityProvider
    attempt_limiter: AttemptLimiter

    def __call__(self, command: SignUpCommand) -> SignUpOutcome:
        username = Username(command.username)
        password = None if command.password is None else Password(command.password)
        attributes = Attributes.from_pairs(command.attributes)
        if username.is_email and attributes.get("email") is None:
            attributes = attributes.with_attribute("email", username.value)
        self.attempt_limiter.spend(Attempt.CODE_DELIVERY, command.client, username.key)
        return self.identity_provider.sign_up(username, password, attributes)


@attrs.frozen
class ConfirmSignUpCommand:
    username: str
    code: str = attrs.field(repr=False)
    force_alias_creation: bool = False
    client: str | None = None
    """The client's network address, for its budget of code answers; None where there is none."""


@attrs.frozen
class ConfirmSignUpResult:
    session: str | None = attrs.field(repr=False)
    """Signs the new user in once through `SignInWithSession`, for a few minutes; None where the pool
    gives none."""


@attrs.frozen
class ConfirmSignUp:
    """Confirm a user with the sign-up code.

    Raises `ValidationError`; `CodeMismatch`, with one message, for a wrong, expired or spent code
    and for an unknown or already confirmed user alike; `TooManyRequests` without asking the
    provider once the client or the account has no answers left (every answer spends one).
    """

    identity_provider: IdentityProvider
    attempt_limiter: AttemptLimiter

    def __call__(self, command: ConfirmSignUpCommand) -> ConfirmSignUpResult:
        username = Username(command.username)
        code = ConfirmationCode(command.code)
        self.attempt_limiter.spend(Attempt.CODE, command.client, username.key)
        with one_answer_for_refused_codes():
            session = self.identity_provider.confirm_sign_up(
                username, code, force_alias_creation=command.force_alias_creation
            )
        return ConfirmSignUpResult(session)


@attrs.frozen
class ResendConfirmationCodeCommand:
    username: str
    client: str | None = None
    """The client's network address, for its budget of codes sent; None where there is none."""


@attrs.frozen
class ResendConfirmationCode:
    """Deliver a fresh sign-up code.

    Answers alike, and after `minimum_seconds` at least, for unknown, confirmed and unconfirmed
    users, so nobody learns which accounts exist. Raises `ValidationError`, `TooManyRequests`
    without asking the provider once the client or the account has no codes left, and the
    provider's transient errors.
    """

    identity_provider: IdentityProvider
    attempt_limiter: AttemptLimiter
    clock: Clock
    minimum_seconds: float

    def __call__(self, command: ResendConfirmationCodeCommand) -> None:
        username = Username(command.username)
        self.attempt_limiter.spend(Attempt.CODE_DELIVERY, command.client, username.key)
        with taking_at_least(self.clock, self.minimum_seconds), contextlib.suppress(NotAuthorized):
            self.identity_provider.resend_confirmation_code(username)
