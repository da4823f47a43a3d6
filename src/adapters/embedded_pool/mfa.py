"""The users' second factors: TOTP authenticators, SMS MFA, and which factor sign-in asks for."""

from __future__ import annotations

import sqlite3

from adapters.embedded_pool import totp
from adapters.embedded_pool.users import User
from domain.errors import CodeMismatch, ValidationError
from domain.values import MfaFactor, MfaPreference


def software_token(
    db: sqlite3.Connection, sub: str, *, verified: bool = False, enabled: bool = False
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
    if row is None or (verified and not row["verified"]) or (enabled and not row["enabled"]):
        return None
    return row


def associate_software_token(db: sqlite3.Connection, sub: str) -> str:
    secret = totp.new_secret()
    # A new authenticator replaces the old one, which stops counting until the new one is verified.
    db.execute("INSERT OR REPLACE INTO software_tokens VALUES (?, ?, 0, 0, -1)", (sub, secret))
    return secret


def use_totp(db: sqlite3.Connection, sub: str, code: str, now: float) -> None:
    """Accept a current code of the user's authenticator once, or raise `CodeMismatch`."""
    row = db.execute("SELECT secret, last_step FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
    step = totp.matching_step(row["secret"], code, now, after_step=row["last_step"])
    if step is None:
        raise CodeMismatch("Invalid code received for user")
    db.execute("UPDATE software_tokens SET last_step = ? WHERE sub = ?", (step, sub))


def set_mfa_preference(db: sqlite3.Connection, user: User, preference: MfaPreference) -> None:
    changes = preference.changes()
    if changes.get(MfaFactor.TOTP) and software_token(db, user.sub, verified=True) is None:
        raise ValidationError({"totp": "the user has no verified authenticator"})
    # The pool takes a phone number given at sign-up or by an administrator as it is: it has no
    # flow that verifies one, and the first code sent to it shows whether it works.
    if changes.get(MfaFactor.SMS) and not user.attributes.get("phone_number"):
        raise ValidationError({"sms": "the user has no phone number"})
    if MfaFactor.TOTP in changes:
        db.execute("UPDATE software_tokens SET enabled = ? WHERE sub = ?", (int(changes[MfaFactor.TOTP]), user.sub))
    sms_enabled, preferred = _mfa_preferences(db, user.sub)
    sms_enabled = changes.get(MfaFactor.SMS, sms_enabled)
    preferred = preference.preferred_factor or preferred
    enabled = _enabled_factors(db, user.sub, sms_enabled=sms_enabled)
    # With the preferred factor turned off, the one left on (if any) is asked for instead.
    if preferred not in enabled:
        preferred = next(iter(enabled), None)
    db.execute(
        "INSERT OR REPLACE INTO mfa_preferences VALUES (?, ?, ?)",
        (user.sub, int(sms_enabled), preferred and preferred.value),
    )


def challenged_factor(db: sqlite3.Connection, sub: str) -> MfaFactor | None:
    """The factor sign-in asks for: the preferred one; or the only one on, for a pool file from
    before SMS MFA, whose TOTP users have no preference recorded."""
    sms_enabled, preferred = _mfa_preferences(db, sub)
    enabled = _enabled_factors(db, sub, sms_enabled=sms_enabled)
    return preferred if preferred in enabled else next(iter(enabled), None)


def _enabled_factors(db: sqlite3.Connection, sub: str, *, sms_enabled: bool) -> list[MfaFactor]:
    totp_enabled = software_token(db, sub, enabled=True) is not None
    return [factor for factor, on in ((MfaFactor.TOTP, totp_enabled), (MfaFactor.SMS, sms_enabled)) if on]


def _mfa_preferences(db: sqlite3.Connection, sub: str) -> tuple[bool, MfaFactor | None]:
    """Whether the user's SMS MFA is on, and their preferred factor, as recorded."""
    row = db.execute("SELECT sms_enabled, preferred FROM mfa_preferences WHERE sub = ?", (sub,)).fetchone()
    if row is None:
        return False, None
    return bool(row["sms_enabled"]), MfaFactor(row["preferred"]) if row["preferred"] else None
