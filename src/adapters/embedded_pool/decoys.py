"""Stand-ins for usernames that cannot sign in by a one-time code (unknown, disabled, unconfirmed):
choice-based sign-in answers them as it answers a confirmed user with a password and a verified
e-mail address, so that nobody learns which accounts exist, and nothing they send ever matches.

A stand-in's password is `dummy_hash()`'s, whose password nobody knows; its challenges carry no code
to match. Its sessions and counts are kept under `decoy_sub`, which no user's sub (a UUID) can be.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from adapters.embedded_pool.users import Status, User, dummy_hash
from domain.values import Username

_DECOY_PREFIX = "decoy:"


def decoy_sub(username: Username) -> str:
    return _DECOY_PREFIX + username.key


def decoy_user(username: Username, key: bytes) -> User:
    """The stand-in for `username`; `key` is the pool's secret, so that the made-up address of a
    username that is no e-mail address is the same on every call and guessable by nobody."""
    email = username.value if username.is_email else _made_up_address(username, key)
    return User(
        sub=decoy_sub(username),
        username=username.value,
        password_hash=dummy_hash(),
        status=Status.CONFIRMED,
        enabled=True,
        attributes={"email": email, "email_verified": "true"},
    )


def _made_up_address(username: Username, key: bytes) -> str:
    # Only the first letters of the address show once it is masked (`a***@e***`).
    mac = hmac.new(key, username.key.encode(), hashlib.sha256).digest()
    letters = string.ascii_lowercase
    return f"{letters[mac[0] % len(letters)]}@{letters[mac[1] % len(letters)]}.invalid"
