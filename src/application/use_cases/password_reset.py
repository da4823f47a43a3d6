"""Resetting a forgotten password with a delivered code."""

from __future__ import annotations

import contextlib

import attrs

from application.ports.identity_provider import IdentityProvider
from domain.errors import NotAuthorized, ValidationError
from domain.values import ConfirmationCode, Password, Username


@attrs.frozen
class ForgotPasswordCommand:
    username: str


@attrs.frozen
class ForgotPassword:
    """Deliver a password-reset code.

    Answers alike whether or not the account exists or can receive a code, so nobody learns which
    accounts exist. Raises `ValidationError` for a malformed username and the provider's transient
    errors only.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: ForgotPasswordCommand) -> None:
        username = Username(command.username)
        with contextlib.suppress(NotAuthorized, ValidationError):
            self.identity_provider.forgot_password(username)


@attrs.frozen
class ConfirmForgotPasswordCommand:
    username: str
    code: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)


@attrs.frozen
class ConfirmForgotPassword:
    """Set a new password with a reset code.

    Raises `ValidationError`, `CodeMismatch`, `ExpiredCode`, `InvalidPassword`, `TooManyRequests`,
    `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: ConfirmForgotPasswordCommand) -> None:
        self.identity_provider.confirm_forgot_password(
            Username(command.username),
            ConfirmationCode(command.code),
            Password(command.new_password),
        )
