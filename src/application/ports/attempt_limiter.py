"""The attempt limiter port: how many guesses at a secret, and how many codes sent, a client and an
account may have, counted for every process of the service at once."""

from __future__ import annotations

import abc
import enum

import attrs


class Attempt(enum.Enum):
    """What is being tried; each kind has its own budgets."""

    PASSWORD = "password"  # noqa: S105 -- a kind of attempt, not a secret
    """A sign-in with a password that failed (a successful one costs nothing)."""
    CODE = "code"
    """Any answer with a code: confirming a sign-up, a password reset, an e-mail address, a challenge."""
    CODE_DELIVERY = "code_delivery"
    """Asking for a code to be sent: a password reset, a new sign-up or e-mail verification code."""
    PASSWORD_CHANGE = "password_change"  # noqa: S105 -- a kind of attempt, not a secret
    """A signed-in user's password change, which proves the old password."""
    PASSKEY = "passkey"
    """A passkey ceremony that failed: a registration or a sign-in's assertion that did not verify
    (each costs a signature check, and a flood of forged ones is an attack, not a mistake)."""


@attrs.frozen
class Rate:
    """At most `limit` attempts in any `seconds` long stretch of time."""

    limit: int = attrs.field(validator=attrs.validators.ge(1))
    seconds: int = attrs.field(validator=attrs.validators.ge(1))


@attrs.frozen
class Budget:
    """The two budgets of one kind of attempt: the client's (its IP address) and the account's."""

    per_client: Rate
    per_account: Rate


class AttemptLimiter(abc.ABC):
    """Budgets per client and per account, spent by every process of the service alike.

    `client` is the client's network address as the shell established it, or None where there is
    none (then only the account's budget applies); `account` is the normalised username
    (`Username.key`), whether or not such an account exists, so that the limiter tells nobody which
    accounts exist.
    """

    @abc.abstractmethod
    def check(self, attempt: Attempt, client: str | None, account: str) -> None:
        """Raise `TooManyRequests`, with `retry_after` the seconds until an attempt is free again,
        when the client's or the account's budget for `attempt` is spent. Counts nothing."""

    @abc.abstractmethod
    def spend(self, attempt: Attempt, client: str | None, account: str) -> None:
        """Count one attempt against the client's and the account's budgets for `attempt`; raise
        `TooManyRequests` (as `check` does) when either was already spent, in which case that budget
        counts nothing more."""
