"""The users' passkeys (WebAuthn credentials): registration ceremonies, the assertions a sign-in
verifies, and the credentials kept with the pool. py_webauthn verifies both ceremonies.

Decisions (docs/decisions.md, "Passkeys"): passkeys are discoverable credentials (`residentKey`
required) and every ceremony requires user verification, as Cognito's do; attestation is `none`
(the pool trusts no authenticator maker more than another); a challenge is single-use: a
registration's is spent by the first answer to it, right or wrong, and expires after 5 minutes; a
sign-in's lives with its challenge session, and goes with it. A passkey sign-in is multi-factor (the
device held, unlocked by the user's verification), as Cognito's `MULTI_FACTOR_WITH_USER_VERIFICATION`.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from adapters.embedded_pool.challenges import SESSION_LIFETIME, Challenges, Step
from adapters.embedded_pool.users import Status, User
from domain.errors import PasskeyNotFound, PasskeyRejected, ValidationError
from domain.values import Challenge, Passkey, SignInFactor

CHALLENGE_LIFETIME = 5 * 60
# Cognito's limit of passkeys per user.
MAX_PASSKEYS = 20
_ANY_PORT = ":*"

# What a credential that is not what it claims to be, in any part, may raise on its way through
# py_webauthn: its own exceptions, and the decoding errors of the JSON, base64 and CBOR inside it.
_MALFORMED = (WebAuthnException, ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


@attrs.frozen
class RelyingParty:
    """Whom the passkeys are for: the relying party id (the site's domain, which the authenticator
    binds each passkey to), the name authenticators show, and the origins that may use them. An
    origin ending in `:*` (`http://localhost:*`) stands for that scheme and host on any port."""

    id: str
    name: str = "cognito-auth"
    origins: tuple[str, ...] = attrs.field(converter=tuple)

    @origins.default
    def _default_origins(self) -> tuple[str, ...]:
        return default_origins(self.id)

    def allows(self, origin: object) -> bool:
        if not isinstance(origin, str):
            return False
        if origin in self.origins:
            return True
        parts = urllib.parse.urlsplit(origin)
        try:
            port = parts.port
        except ValueError:
            return False
        # Only a bare origin, `scheme://host[:port]`: no user, path or other detour around the comparison.
        if origin != f"{parts.scheme}://{parts.hostname}" + ("" if port is None else f":{port}"):
            return False
        return f"{parts.scheme}://{parts.hostname}{_ANY_PORT}" in self.origins


def default_origins(relying_party_id: str) -> tuple[str, ...]:
    """Where a site with that relying party id is served: `localhost` over HTTP or HTTPS on any port
    (browsers treat it as a secure context), any other site `https://<id>`."""
    if relying_party_id == "localhost":
        return (f"http://localhost{_ANY_PORT}", f"https://localhost{_ANY_PORT}")
    return (f"https://{relying_party_id}",)


DEFAULT_RELYING_PARTY = RelyingParty("localhost")


class Passkeys:
    """The ceremonies of `relying_party`, each within the caller's transaction on the pool's database."""

    def __init__(self, relying_party: RelyingParty) -> None:
        self._relying_party = relying_party

    # -- registration --------------------------------------------------------------------------------

    def creation_options(self, db: sqlite3.Connection, user: User, now: float) -> dict[str, Any]:
        """New creation options for `user`, replacing any they had open: the options as JSON, ready
        for `PublicKeyCredential.parseCreationOptionsFromJSON`."""
        owned = self._rows(db, user.sub)
        _refuse_past_the_limit(owned)
        options = generate_registration_options(
            rp_id=self._relying_party.id,
            rp_name=self._relying_party.name,
            user_id=user_handle(user),
            user_name=user.username,
            user_display_name=user.attributes.get("name") or user.username,
            timeout=CHALLENGE_LIFETIME * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            # The authenticator refuses to make a second passkey for the same account.
            exclude_credentials=[_descriptor(row) for row in owned],
        )
        db.execute("DELETE FROM passkey_registrations WHERE expires_at <= ?", (now,))
        db.execute(
            "INSERT OR REPLACE INTO passkey_registrations VALUES (?, ?, ?)",
            (user.sub, bytes_to_base64url(options.challenge), now + CHALLENGE_LIFETIME),
        )
        return options_to_json_dict(options)

    def register(self, db: sqlite3.Connection, user: User, credential: Mapping[str, Any], now: float) -> None:
        """Keep the passkey that `credential` (the attestation's `toJSON()`) makes, answering the
        user's open creation options, which it spends whether it verifies or not.

        Raises `PasskeyRejected`; `ValidationError` for a user who has as many passkeys as allowed.
        """
        row = db.execute(
            "SELECT challenge, expires_at FROM passkey_registrations WHERE sub = ?", (user.sub,)
        ).fetchone()
        db.execute("DELETE FROM passkey_registrations WHERE sub = ?", (user.sub,))
        if row is None or row["expires_at"] <= now:
            raise PasskeyRejected("No passkey registration is open: ask for new creation options.")
        try:
            parsed = parse_registration_credential_json(dict(credential))
            origin = self._allowed_origin(parsed.response.client_data_json)
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=base64url_to_bytes(row["challenge"]),
                expected_rp_id=self._relying_party.id,
                expected_origin=origin,
                require_user_verification=True,
            )
        except _MALFORMED as error:
            raise PasskeyRejected() from error
        if verified.credential_id != parsed.raw_id:
            raise PasskeyRejected("The credential's id is not the one its authenticator made.")
        credential_id = bytes_to_base64url(verified.credential_id)
        if db.execute("SELECT 1 FROM passkeys WHERE credential_id = ?", (credential_id,)).fetchone() is not None:
            raise PasskeyRejected("The passkey is registered already.")
        owned = self._rows(db, user.sub)
        _refuse_past_the_limit(owned)
        transports = sorted({transport.value for transport in parsed.response.transports or ()})
        attachment = parsed.authenticator_attachment.value if parsed.authenticator_attachment else None
        db.execute(
            "INSERT INTO passkeys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                credential_id,
                user.sub,
                verified.credential_public_key,
                verified.sign_count,
                json.dumps(transports),
                attachment,
                _free_name({row["name"] for row in owned}),
                self._relying_party.id,
                now,
            ),
        )

    def listed(self, db: sqlite3.Connection, sub: str) -> tuple[Passkey, ...]:
        return tuple(_passkey(row) for row in self._rows(db, sub))

    def delete(self, db: sqlite3.Connection, sub: str, credential_id: str) -> None:
        """Raises `PasskeyNotFound` unless the user `sub` has a passkey `credential_id`."""
        deleted = db.execute("DELETE FROM passkeys WHERE credential_id = ? AND sub = ?", (credential_id, sub))
        if deleted.rowcount == 0:
            raise PasskeyNotFound()

    # -- assertion -----------------------------------------------------------------------------------

    def request_options(self, db: sqlite3.Connection, user: User) -> tuple[dict[str, Any], str]:
        """Request options that let `user` sign in with one of their passkeys: the options as JSON,
        ready for `PublicKeyCredential.parseRequestOptionsFromJSON`, and their challenge (base64url),
        which the caller keeps, spends once, and hands to `verify_assertion`."""
        options = generate_authentication_options(
            rp_id=self._relying_party.id,
            timeout=SESSION_LIFETIME * 1000,
            allow_credentials=[_descriptor(row) for row in self._rows(db, user.sub)],
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return options_to_json_dict(options), bytes_to_base64url(options.challenge)

    def verify_assertion(self, db: sqlite3.Connection, user: User, credential: str, challenge: str, now: float) -> None:
        """Check that `credential` (the assertion's `toJSON()` as a JSON string) is `user`'s passkey
        answering `challenge` with their verification, and count its use.

        Raises `PasskeyRejected`: malformed, forged, for another origin or relying party, another
        challenge, a passkey that is not the user's, or a sign counter that went back.
        """
        try:
            parsed = parse_authentication_credential_json(credential)
            row = db.execute(
                "SELECT * FROM passkeys WHERE credential_id = ? AND sub = ?", (parsed.id, user.sub)
            ).fetchone()
            if row is None:
                raise PasskeyRejected("The passkey is not one of the user's.")
            # A discoverable passkey names the account it was made for; it must be this one.
            if parsed.response.user_handle is not None and parsed.response.user_handle != user_handle(user):
                raise PasskeyRejected("The passkey was made for another account.")
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=self._relying_party.id,
                expected_origin=self._allowed_origin(parsed.response.client_data_json),
                credential_public_key=row["public_key"],
                credential_current_sign_count=row["sign_count"],
                require_user_verification=True,
            )
        except _MALFORMED as error:
            raise PasskeyRejected() from error
        db.execute(
            "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE credential_id = ?",
            (verified.new_sign_count, now, row["credential_id"]),
        )

    def _allowed_origin(self, client_data_json: bytes) -> str:
        origin = parse_client_data_json(client_data_json).origin
        if not self._relying_party.allows(origin):
            raise PasskeyRejected("The passkey was used on a site this pool does not serve.")
        return str(origin)

    def _rows(self, db: sqlite3.Connection, sub: str) -> list[sqlite3.Row]:
        return db.execute("SELECT * FROM passkeys WHERE sub = ? ORDER BY created_at, rowid", (sub,)).fetchall()


class PasskeySignIn:
    """The `WEB_AUTHN` factor of choice-based sign-in, on the sessions of `challenges`: offered to a
    user with passkeys, its challenge carries request options for them, and the session keeps their
    challenge; the answer `CREDENTIAL` is the assertion's `toJSON()` as a JSON string."""

    def __init__(self, *, passkeys: Passkeys, challenges: Challenges) -> None:
        self._passkeys = passkeys
        self._challenges = challenges

    def offered(self, db: sqlite3.Connection, user: User) -> bool:
        # A user who must choose a password chooses it first, as for the other factors.
        return user.status is not Status.FORCE_CHANGE_PASSWORD and _has_passkeys(db, user.sub)

    def start(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        options, challenge = self._passkeys.request_options(db, user)
        session = self._challenges.open_session(db, user.sub, _WEB_AUTHN, now, code=challenge)
        return Step(Challenge(_WEB_AUTHN, session, credential_request_options=options))

    def answer(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        credential = responses.get("CREDENTIAL")
        if not credential:
            raise ValidationError({"responses": "CREDENTIAL is required"})
        try:
            self._passkeys.verify_assertion(db, user, credential, session["code"], now)
        except PasskeyRejected:
            # The challenge answers once: a rejected assertion spends it, and the next try signs in anew.
            db.execute("DELETE FROM sessions WHERE digest = ?", (session["digest"],))
            raise
        return self._challenges.tokens(db, user, now)


_WEB_AUTHN = SignInFactor.WEB_AUTHN.value


def _refuse_past_the_limit(owned: list[sqlite3.Row]) -> None:
    if len(owned) >= MAX_PASSKEYS:
        raise ValidationError({"credential": f"a user has at most {MAX_PASSKEYS} passkeys; delete one first"})


def _has_passkeys(db: sqlite3.Connection, sub: str) -> bool:
    return db.execute("SELECT 1 FROM passkeys WHERE sub = ? LIMIT 1", (sub,)).fetchone() is not None


def user_handle(user: User) -> bytes:
    """The WebAuthn user handle of `user`: their sub, a random id that tells nothing about them."""
    return user.sub.encode()


def _descriptor(row: sqlite3.Row) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(row["credential_id"]),
        transports=[AuthenticatorTransport(name) for name in json.loads(row["transports"])],
    )


def _passkey(row: sqlite3.Row) -> Passkey:
    return Passkey(
        credential_id=row["credential_id"],
        name=row["name"],
        relying_party_id=row["relying_party_id"],
        authenticator_attachment=row["authenticator_attachment"],
        transports=json.loads(row["transports"]),
        created_at=datetime.datetime.fromtimestamp(row["created_at"], datetime.UTC),
    )


def _free_name(taken: set[str]) -> str:
    """`Passkey 1`, or the next number no passkey of the user goes by: the pool knows nothing of the
    authenticator (attestation `none`) to name it after."""
    number = 1
    while f"Passkey {number}" in taken:
        number += 1
    return f"Passkey {number}"
