"""Confirmation, reset and verification codes: issued, spent, and handed to the code sender."""

from __future__ import annotations

import hmac
import secrets
import sqlite3

import attrs

from adapters.embedded_pool.users import User
from application.ports.code_sender import CodePurpose, CodeSender
from domain.errors import CodeMismatch, ExpiredCode, TooManyRequests, ValidationError
from domain.values import CodeDelivery, ConfirmationCode

# Lifetimes Cognito uses, in seconds.
_CODE_LIFETIMES = {
    CodePurpose.SIGN_UP: 24 * 3600,
    CodePurpose.PASSWORD_RESET: 3600,
    CodePurpose.EMAIL_VERIFICATION: 24 * 3600,
}
_CODE_ATTEMPTS = 5
_CODE_NOT_REQUESTED = "Invalid code provided, please request a code again."

# Attributes the pool verifies by sending a code, and the purpose of each one's code.
_VERIFICATION_PURPOSES = {"email": CodePurpose.EMAIL_VERIFICATION}


@attrs.frozen
class Delivery:
    """A code to hand to the code sender once the transaction that created it has committed."""

    username: str
    destination: str | None
    purpose: CodePurpose
    code: str = attrs.field(repr=False)

    def send(self, sender: CodeSender) -> None:
        sender.send(self.username, self.destination, self.purpose, self.code)


def new_code(
    db: sqlite3.Connection, user: User, purpose: CodePurpose, now: float, *, destination: str | None
) -> Delivery:
    """Issue a code for `purpose`, replacing the user's previous one with fresh attempts."""
    code = random_code()
    db.execute(
        "INSERT OR REPLACE INTO codes VALUES (?, ?, ?, ?, ?)",
        (user.sub, purpose.name, code, now + _CODE_LIFETIMES[purpose], _CODE_ATTEMPTS),
    )
    return Delivery(user.username, destination, purpose, code)


def use_code(db: sqlite3.Connection, user: User, purpose: CodePurpose, code: ConfirmationCode, now: float) -> None:
    """Spend the user's code for `purpose`, or count a wrong attempt and raise."""
    key = (user.sub, purpose.name)
    row = db.execute("SELECT * FROM codes WHERE sub = ? AND purpose = ?", key).fetchone()
    if row is None:
        raise ExpiredCode(_CODE_NOT_REQUESTED)
    if row["attempts_left"] <= 0:
        raise TooManyRequests("Attempt limit exceeded, please try after some time.")
    if row["expires_at"] <= now:
        raise ExpiredCode(_CODE_NOT_REQUESTED)
    if not hmac.compare_digest(row["code"].encode(), code.value.encode()):
        db.execute("UPDATE codes SET attempts_left = attempts_left - 1 WHERE sub = ? AND purpose = ?", key)
        raise CodeMismatch("Invalid verification code provided, please try again.")
    db.execute("DELETE FROM codes WHERE sub = ? AND purpose = ?", key)


def random_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def masked(destination: str | None) -> CodeDelivery | None:
    return None if destination is None else CodeDelivery.by_email(destination)


def sign_up_destination(user: User) -> tuple[str | None, CodeDelivery | None]:
    """Where `user`'s sign-up code goes, as Cognito sends it: to the e-mail address, else by SMS to the
    phone number (all a user without a password may have); and where it went, masked. (None, None)
    without either: the code is still sent, for the log."""
    email = user.attributes.get("email")
    if email:
        return email, CodeDelivery.by_email(email)
    phone_number = user.attributes.get("phone_number")
    if phone_number:
        delivery = CodeDelivery(masked_phone_number(phone_number), medium="SMS", attribute_name="phone_number")
        return phone_number, delivery
    return None, None


def masked_phone_number(phone_number: str) -> str:
    """Where an SMS code went, masked as Cognito masks it: `+15555550123` becomes `+*******0123`."""
    digits = phone_number.removeprefix("+")
    return "+" + "*" * max(len(digits) - 4, 0) + digits[-4:]


def verification_purpose(name: str) -> CodePurpose:
    """The purpose of the codes that verify attribute `name`; `ValidationError` for an attribute the
    pool verifies by no code it can send (it sends no SMS)."""
    purpose = _VERIFICATION_PURPOSES.get(name)
    if purpose is None:
        raise ValidationError({"attribute_name": f"the pool sends no code that verifies {name!r}"})
    return purpose
