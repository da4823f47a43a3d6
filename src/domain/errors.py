"""Domain errors: each states one fact about why an operation could not be done.

The delivery shell maps each class to an HTTP status; the class name is the stable error code
that clients see, so renaming one is a breaking change.
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the use-cases raise on purpose."""

    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def code(self) -> str:
        return type(self).__name__


class ValidationError(DomainError):
    """Input that breaks an invariant; `fields` names each offending field and why."""

    default_message = "Some fields are invalid."

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message)
        self.fields = fields


class InvalidPassword(DomainError):
    default_message = "The password does not satisfy the password policy."


class UsernameExists(DomainError):
    default_message = "An account with this username already exists."


class CodeMismatch(DomainError):
    default_message = "The code is not valid."


class ExpiredCode(DomainError):
    default_message = "The code has expired; request a new one."


class ExpiredSession(DomainError):
    default_message = "The session has expired or was already used; sign in again."


class NotAuthorized(DomainError):
    """Wrong credentials, an unknown user, a revoked token: one answer, so nobody can probe accounts."""

    default_message = "Incorrect username or password."


class UserNotConfirmed(DomainError):
    default_message = "The account is not confirmed yet."


class PasswordResetRequired(DomainError):
    default_message = "A password reset is required for this account."


class PasskeyRejected(DomainError):
    """A WebAuthn registration or assertion that does not verify: forged, replayed, for another
    site or origin, or answering a challenge that was never issued or is spent."""

    default_message = "The passkey could not be verified."


class PasskeyNotFound(DomainError):
    default_message = "No such passkey."


class StepUpRequired(DomainError):
    """A change to the ways the user signs in (second factors, a new passkey) without the proof it
    needs: one answer whether the proof was missing, wrong or incomplete, so that it tells nobody
    which part of it was right."""

    default_message = (
        "Confirm this change with your current password or the answer to a sign-in challenge (a code "
        "sent to you, a passkey), and the code of your authenticator app if sign-in asks you for one."
    )


class NotAuthenticated(DomainError):
    default_message = "Authentication credentials were not provided."


class TokenInvalid(DomainError):
    default_message = "The token is not valid."


class TokenExpired(DomainError):
    default_message = "The token has expired."


class ImageTooLarge(DomainError):
    default_message = "The image is too large."


class _RetryLater(DomainError):
    """An error after which the same request may succeed; `retry_after` is in seconds."""

    default_retry_after = 1

    def __init__(self, message: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = self.default_retry_after if retry_after is None else retry_after


class TooManyRequests(_RetryLater):
    default_message = "Too many attempts; try again later."
    default_retry_after = 30


class ProviderUnavailable(_RetryLater):
    default_message = "The identity provider is unavailable; try again later."
    default_retry_after = 5


class UserNotFound(DomainError):
    """For an administrator only: users signing in get `NotAuthorized`, which names no account."""

    default_message = "No such user."


class GroupNotFound(DomainError):
    default_message = "No such group."


class GroupExists(DomainError):
    default_message = "A group with this name already exists."


class UserStatusConflict(DomainError):
    """The user exists, but their status does not allow the operation (say, a password reset
    before they ever chose a password)."""

    default_message = "The user's status does not allow this."
