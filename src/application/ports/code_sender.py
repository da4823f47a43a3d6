"""The code sender port: how a self-hosted pool delivers confirmation, reset and sign-in (SMS MFA) codes."""

from __future__ import annotations

import abc
import enum


class CodePurpose(enum.Enum):
    SIGN_UP = "sign-up confirmation"
    PASSWORD_RESET = "password reset"  # noqa: S105 -- a label, not a secret
    SIGN_IN = "sign-in"
    EMAIL_VERIFICATION = "e-mail verification"
    # An administrator's invitation: its code is the user's temporary password.
    INVITATION = "invitation"


class CodeSender(abc.ABC):
    @abc.abstractmethod
    def send(self, username: str, destination: str | None, purpose: CodePurpose, code: str) -> None:
        """Deliver `code` to the user; `destination` is the e-mail address (the phone number for
        `SIGN_IN` codes), if the user has one. `code` is a secret (an invitation's is the temporary
        password): it goes to the user and nowhere else."""
