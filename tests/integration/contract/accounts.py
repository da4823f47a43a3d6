"""The people and secrets of the contract suite, and the steps most of its tests begin with."""

from __future__ import annotations

from typing import Any

import jwt

from domain.values import Attributes, Password, TokenSet, Username
from tests.pools import Backend

# The pool compares usernames case-insensitively, so a lower-case e-mail is the canonical spelling.
USERNAME = "ada@example.com"
PASSWORD = "Correct-h0rse"
NEW_PASSWORD = "Battery-st4ple"
TEMPORARY_PASSWORD = "Temp0rary-pass"
ATTRIBUTES = Attributes.from_pairs([("email", USERNAME), ("given_name", "Ada"), ("family_name", "Lovelace")])
# How Cognito masks `USERNAME` when it says where a code went.
MASKED_EMAIL = "a***@e***"


def sign_in(backend: Backend, username: str = USERNAME, password: str = PASSWORD) -> TokenSet:
    """Sign in with a password, for a user who owes no challenge."""
    result = backend.provider.initiate_auth(Username(username), Password(password))
    assert isinstance(result, TokenSet)
    return result


def altered(secret: str) -> str:
    """`secret` with its last character changed: a wrong code or token of the right shape, which matters
    because moto checks only reset codes that carry its own prefix."""
    return secret[:-1] + ("1" if secret[-1] != "1" else "2")


def payload(token: str) -> dict[str, Any]:
    """A token's claims under their own names, for the few that `Claims` does not keep apart; verify it first."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
