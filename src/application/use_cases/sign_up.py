"""Registering an account and confirming it with the delivered code."""

from __future__ import annotations

import contextlib

import attrs

from application.ports.identity_provider import IdentityProvider
from domain.errors import NotAuthorized
from domain.values import Attributes, ConfirmationCode, Password, SignUpOutcome, Username


@attrs.frozen
class SignUpCommand:
    username: str
    password: str = attrs.field(repr=False)
    attributes: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class SignUp:
    """Register an unconfirmed user; the provider delivers a confirmation code.

    A username that is an e-mail address doubles as the `email` attribute unless one is given,
    so that the code has somewhere to go. Raises `ValidationError`, `InvalidPassword`,
    `UsernameExists`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: SignUpCommand) -> SignUpOutcome:
        username = Username(command.username)
        password = Password(command.password)
        attributes = Attributes.from_pairs(command.attributes)
        if username.is_email and attributes.get("email") is None:
            attributes = attributes.with_attribute("email", username.value)
        return self.identity_provider.sign_up(username, password, attributes)


@attrs.frozen
class ConfirmSignUpCommand:
    username: str
    code: str = attrs.field(repr=False)
    force_alias_creation: bool = False


@attrs.frozen
class ConfirmSignUp:
    """Confirm a user with the sign-up code.

    Raises `ValidationError`, `CodeMismatch`, `ExpiredCode`, `TooManyRequests`, `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: ConfirmSignUpCommand) -> None:
        self.identity_provider.confirm_sign_up(
            Username(command.username),
            ConfirmationCode(command.code),
            force_alias_creation=command.force_alias_creation,
        )


@attrs.frozen
class ResendConfirmationCodeCommand:
    username: str


@attrs.frozen
class ResendConfirmationCode:
    """Deliver a fresh sign-up code.

    Answers alike for unknown, confirmed and unconfirmed users, so nobody learns which accounts
    exist. Raises `ValidationError` and the provider's transient errors only.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: ResendConfirmationCodeCommand) -> None:
        username = Username(command.username)
        with contextlib.suppress(NotAuthorized):
            self.identity_provider.resend_confirmation_code(username)
