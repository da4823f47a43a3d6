"""The pool's users: their records, passwords and attributes."""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import json
import secrets
import sqlite3
import uuid
from collections.abc import Mapping

import attrs

from domain.errors import NotAuthorized, UsernameExists, ValidationError
from domain.values import VERIFIABLE_ATTRIBUTES, VERIFIED_FLAGS, Attributes, Username, is_user_attribute

# Cognito's own messages, so that the model reads like the real pool.
INCORRECT_CREDENTIALS = "Incorrect username or password."
USER_NOT_FOUND = "Username/client id combination not found."
USER_DISABLED = "User is disabled."

# scrypt at a cost that keeps sign-ins and tests quick; the parameters are stored with each hash.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**12, 8, 1


class Status(enum.StrEnum):
    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"  # noqa: S105 -- a status, not a secret
    RESET_REQUIRED = "RESET_REQUIRED"


@attrs.frozen
class User:
    sub: str
    username: str
    password_hash: str = attrs.field(repr=False)
    """Empty for a user who signed up without a password."""
    status: Status
    enabled: bool
    attributes: dict[str, str]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> User:
        return cls(
            sub=row["sub"],
            username=row["username"],
            password_hash=row["password_hash"],
            status=Status(row["status"]),
            enabled=bool(row["enabled"]),
            attributes=json.loads(row["attributes"]),
        )

    @property
    def verified_email(self) -> str | None:
        return self.attributes.get("email") if self.attributes.get("email_verified") == "true" else None

    @property
    def verified_phone_number(self) -> str | None:
        return self.attributes.get("phone_number") if self.attributes.get("phone_number_verified") == "true" else None


def find_user(db: sqlite3.Connection, username: Username) -> User | None:
    row = db.execute("SELECT * FROM users WHERE username_key = ?", (username.key,)).fetchone()
    return None if row is None else User.from_row(row)


def existing_user(db: sqlite3.Connection, username: Username) -> User:
    user = find_user(db, username)
    if user is None:
        raise NotAuthorized(USER_NOT_FOUND)
    return user


def insert_user(
    db: sqlite3.Connection, username: Username, password_hash: str, status: Status, attributes: Attributes, now: float
) -> User:
    if find_user(db, username) is not None:
        raise UsernameExists("User already exists")
    user = User(
        sub=str(uuid.uuid4()),
        username=username.value,
        password_hash=password_hash,
        status=status,
        enabled=True,
        attributes=merge_attributes({}, attributes),
    )
    db.execute(
        "INSERT INTO users VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
        (user.sub, username.key, user.username, password_hash, status, json.dumps(user.attributes), now, now),
    )
    return user


def write_attributes(db: sqlite3.Connection, sub: str, attributes: Mapping[str, str], now: float) -> None:
    db.execute("UPDATE users SET attributes = ?, updated_at = ? WHERE sub = ?", (json.dumps(attributes), now, sub))


def group_names(db: sqlite3.Connection, sub: str) -> list[str]:
    rows = db.execute("SELECT group_name FROM group_members WHERE sub = ? ORDER BY group_name", (sub,))
    return [row["group_name"] for row in rows]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return "$".join(["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), salt.hex(), derived.hex()])


@functools.cache
def dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe())


def password_matches(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` hashes; never for a user without a password (`stored`
    empty), who costs a hash all the same, so that the time does not tell who has none."""
    if not stored:
        password_matches(password, dummy_hash())
        return False
    _, n, r, p, salt, derived = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, bytes.fromhex(derived))


def check_schema(attributes: Attributes, *, allow_verified_flags: bool) -> None:
    """Refuse what Cognito's schema refuses: unknown names, and verified flags set by an app client."""
    for attribute in attributes.items:
        name = attribute.name
        if name in VERIFIED_FLAGS and not allow_verified_flags:
            raise ValidationError({"user_attributes": f"attribute {name!r} cannot be set by the client"})
        if not is_user_attribute(name):
            message = f"Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
            raise ValidationError({"user_attributes": message})


def merge_attributes(current: Mapping[str, str], updates: Attributes) -> dict[str, str]:
    """Apply `updates`; a new or changed e-mail or phone number is unverified unless the update says otherwise."""
    new = updates.as_dict()
    merged = {**current, **new}
    for name in VERIFIABLE_ATTRIBUTES:
        flag = f"{name}_verified"
        changed = name in new and new[name] != current.get(name)
        if name in merged and flag not in new and (changed or flag not in merged):
            merged[flag] = "false"
    # Building the value object enforces the invariants (attribute count, e-mail format) on the result.
    return Attributes.from_pairs(merged.items()).as_dict()
