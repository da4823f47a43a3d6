"""A self-hosted model of an AWS Cognito user pool, faithful to Cognito's observable behaviour.

State lives in SQLite: in the process by default, or in a file that survives restarts and that several
worker processes share. Every operation is one `BEGIN IMMEDIATE` transaction, so processes sharing the
file see each other's writes in order; threads of one process take turns on the instance's lock.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import functools
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import attrs
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.jwt.verifier import JwksTokenVerifier
from adapters.memory import totp
from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose, CodeSender
from application.ports.identity_provider import IdentityProvider
from domain.errors import (
    CodeMismatch,
    DomainError,
    ExpiredCode,
    ExpiredSession,
    GroupExists,
    GroupNotFound,
    NotAuthorized,
    PasswordResetRequired,
    ProviderUnavailable,
    TokenExpired,
    TokenInvalid,
    TooManyRequests,
    UsernameExists,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import (
    GROUP_PAGE_MAX_SIZE,
    USER_PAGE_MAX_SIZE,
    VERIFIABLE_ATTRIBUTES,
    VERIFIED_FLAGS,
    Attribute,
    Attributes,
    AuthResult,
    Challenge,
    CodeDelivery,
    ConfirmationCode,
    FilterMatch,
    Group,
    GroupName,
    GroupPage,
    MfaFactor,
    MfaPreference,
    Password,
    PasswordPolicy,
    PoolUser,
    SignUpOutcome,
    TokenSet,
    UserFilter,
    Username,
    UserPage,
    UserProfile,
    is_user_attribute,
)

DEFAULT_PASSWORD_POLICY = PasswordPolicy()

# Lifetimes Cognito uses, in seconds.
_CODE_LIFETIMES = {
    CodePurpose.SIGN_UP: 24 * 3600,
    CodePurpose.PASSWORD_RESET: 3600,
    CodePurpose.EMAIL_VERIFICATION: 24 * 3600,
}
_SESSION_LIFETIME = 3 * 60
_CODE_ATTEMPTS = 5
# Wrong MFA codes one challenge session takes; the last of them spends it, so guessing needs the password again.
_WRONG_MFA_CODES = 3

_ACCESS_SCOPE = "aws.cognito.signin.user.admin"
_NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"  # noqa: S105 -- a challenge name, not a secret
_USER_ATTRIBUTE_PREFIX = "userAttributes."

# Attributes the pool verifies by sending a code, and the purpose of each one's code.
_VERIFICATION_PURPOSES = {"email": CodePurpose.EMAIL_VERIFICATION}

# Cognito's own messages, so that the model reads like the real pool.
_INCORRECT_CREDENTIALS = "Incorrect username or password."
_USER_NOT_FOUND = "Username/client id combination not found."
_USER_DISABLED = "User is disabled."
_INVALID_REFRESH_TOKEN = "Invalid Refresh Token"  # noqa: S105 -- a message, not a secret
_CODE_NOT_REQUESTED = "Invalid code provided, please request a code again."

# scrypt at a cost that keeps sign-ins and tests quick; the parameters are stored with each hash.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**12, 8, 1

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        sub TEXT PRIMARY KEY,
        username_key TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        attributes TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS codes (
        sub TEXT NOT NULL,
        purpose TEXT NOT NULL,
        code TEXT NOT NULL,
        expires_at REAL NOT NULL,
        attempts_left INTEGER NOT NULL,
        PRIMARY KEY (sub, purpose)
    )""",
    # A challenge in progress: how many more wrong MFA codes it takes, and the SMS code it sent.
    """CREATE TABLE IF NOT EXISTS sessions (
        digest TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        challenge_name TEXT NOT NULL,
        expires_at REAL NOT NULL,
        wrong_codes_left INTEGER NOT NULL,
        code TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS refresh_tokens (
        digest TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        origin_jti TEXT NOT NULL UNIQUE,
        auth_time INTEGER NOT NULL,
        expires_at REAL NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS refresh_tokens_by_sub ON refresh_tokens (sub)",
    "CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), pem TEXT NOT NULL)",
    # A user's TOTP authenticator; `last_step` is the time step of the last code accepted, never accepted again.
    """CREATE TABLE IF NOT EXISTS software_tokens (
        sub TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        verified INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        last_step INTEGER NOT NULL
    )""",
    # Whether SMS MFA is on, and the factor asked for at sign-in; TOTP's switch is software_tokens.enabled.
    """CREATE TABLE IF NOT EXISTS mfa_preferences (
        sub TEXT PRIMARY KEY,
        sms_enabled INTEGER NOT NULL,
        preferred TEXT
    )""",
    "CREATE TABLE IF NOT EXISTS groups (name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS group_members (
        sub TEXT NOT NULL,
        group_name TEXT NOT NULL,
        PRIMARY KEY (sub, group_name)
    )""",
)
# Every table that holds rows of a user, the users table last.
_USER_TABLES = (
    "codes",
    "sessions",
    "refresh_tokens",
    "software_tokens",
    "mfa_preferences",
    "group_members",
    "users",
)


class _Status(enum.StrEnum):
    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"  # noqa: S105 -- a status, not a secret
    RESET_REQUIRED = "RESET_REQUIRED"


@attrs.frozen
class _User:
    sub: str
    username: str
    password_hash: str = attrs.field(repr=False)
    status: _Status
    enabled: bool
    attributes: dict[str, str]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> _User:
        return cls(
            sub=row["sub"],
            username=row["username"],
            password_hash=row["password_hash"],
            status=_Status(row["status"]),
            enabled=bool(row["enabled"]),
            attributes=json.loads(row["attributes"]),
        )

    @property
    def verified_email(self) -> str | None:
        return self.attributes.get("email") if self.attributes.get("email_verified") == "true" else None


@attrs.frozen
class _Delivery:
    """A code to hand to the code sender once the transaction that created it has committed."""

    username: str
    destination: str | None
    purpose: CodePurpose
    code: str = attrs.field(repr=False)


@attrs.frozen
class _Step:
    """Where a sign-in step leads, and the code to deliver once its transaction has committed."""

    result: AuthResult
    delivery: _Delivery | None = None


_ChallengeAnswer = Callable[[sqlite3.Connection, _User, Mapping[str, str], sqlite3.Row, float], _Step]


class InMemoryIdentityProvider(IdentityProvider):
    """A Cognito user pool with one app client, kept in SQLite (`database`: ":memory:" or a file path).

    Beyond the port it offers the pool's `issuer` and `jwks()`, and the administrator's operations
    that tests and local set-ups need to reach every user status.
    """

    # How long a call waits for another process's transaction on a shared file before giving up.
    busy_timeout: ClassVar[float] = 5.0

    def __init__(
        self,
        *,
        pool_id: str,
        client_id: str,
        region: str,
        code_sender: CodeSender,
        clock: Clock,
        database: str = ":memory:",
        password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
        signing_key: rsa.RSAPrivateKey | None = None,
        access_token_lifetime: int = 3600,
        refresh_token_lifetime: int = 30 * 24 * 3600,
    ) -> None:
        self._client_id = client_id
        self._code_sender = code_sender
        self._clock = clock
        self._policy = password_policy
        self._access_token_lifetime = access_token_lifetime
        self._refresh_token_lifetime = refresh_token_lifetime
        self._issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(database, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        # WAL lets readers of a shared file go on while one process writes; an in-memory database ignores it.
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._transaction() as db:
            _drop_outdated_sessions(db)
            for statement in _SCHEMA:
                db.execute(statement)
            self._signing_key = _load_signing_key(db, signing_key)
        self._public_jwk = _public_jwk(self._signing_key.public_key())
        self._verifier = JwksTokenVerifier(
            issuer=self._issuer, client_id=client_id, jwks=self.jwks, clock=clock, leeway=0
        )
        self._challenge_answers: dict[str, _ChallengeAnswer] = {
            _NEW_PASSWORD_REQUIRED: self._answer_new_password,
            MfaFactor.SMS.value: self._answer_sms_code,
            MfaFactor.TOTP.value: self._answer_software_token,
        }

    @property
    def issuer(self) -> str:
        return self._issuer

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set that verifies this pool's tokens."""
        return {"keys": [dict(self._public_jwk)]}

    # -- sign-up -------------------------------------------------------------------------------------

    def sign_up(self, username: Username, password: Password, attributes: Attributes) -> SignUpOutcome:
        _check_schema(attributes, allow_verified_flags=False)
        self._policy.check(password)
        password_hash = _hash_password(password.value)
        with self._transaction() as db:
            now = self._clock.now()
            user = self._insert_user(db, username, password_hash, _Status.UNCONFIRMED, attributes, now)
            delivery = self._new_code(db, user, CodePurpose.SIGN_UP, now, destination=user.attributes.get("email"))
        self._deliver(delivery)
        return SignUpOutcome(user_sub=user.sub, user_confirmed=False, code_delivery=_masked(delivery.destination))

    def confirm_sign_up(
        self, username: Username, code: ConfirmationCode, *, force_alias_creation: bool = False
    ) -> None:
        # `force_alias_creation` decides who keeps an alias (e-mail used as a login name) claimed twice;
        # this pool defines no alias attributes, so there is never such a conflict.
        with self._transaction() as db:
            now = self._clock.now()
            user = self._existing_user(db, username)
            if user.status is not _Status.UNCONFIRMED:
                raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
            self._use_code(db, user, CodePurpose.SIGN_UP, code, now)
            # The code went to the e-mail address, so receiving it proves the address.
            attributes = dict(user.attributes)
            if "email" in attributes:
                attributes["email_verified"] = "true"
            db.execute(
                "UPDATE users SET status = ?, attributes = ?, updated_at = ? WHERE sub = ?",
                (_Status.CONFIRMED, json.dumps(attributes), now, user.sub),
            )

    def resend_confirmation_code(self, username: Username) -> CodeDelivery | None:
        with self._transaction() as db:
            now = self._clock.now()
            user = self._existing_user(db, username)
            if user.status is not _Status.UNCONFIRMED:
                raise NotAuthorized("User is already confirmed.")
            delivery = self._new_code(db, user, CodePurpose.SIGN_UP, now, destination=user.attributes.get("email"))
        self._deliver(delivery)
        return _masked(delivery.destination)

    # -- sign-in -------------------------------------------------------------------------------------

    def initiate_auth(self, username: Username, password: Password) -> AuthResult:
        with self._transaction() as db:
            now = self._clock.now()
            user = self._find_user(db, username)
            if user is None:
                # Unknown users cost a hash too, so response times do not tell which usernames exist.
                _password_matches(password.value, _dummy_hash())
                raise NotAuthorized(_INCORRECT_CREDENTIALS)
            # The administrator has withdrawn the password: no password, right or wrong, signs in.
            if user.status is _Status.RESET_REQUIRED:
                raise PasswordResetRequired("Password reset required for the user")
            if not _password_matches(password.value, user.password_hash):
                raise NotAuthorized(_INCORRECT_CREDENTIALS)
            if not user.enabled:
                raise NotAuthorized(_USER_DISABLED)
            if user.status is _Status.UNCONFIRMED:
                raise UserNotConfirmed("User is not confirmed.")
            if user.status is _Status.FORCE_CHANGE_PASSWORD:
                parameters = {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(user.attributes),
                }
                return self._challenge(db, user, _NEW_PASSWORD_REQUIRED, parameters, now)
            step = self._second_factor_or_tokens(db, user, now)
        return self._delivered(step)

    def respond_to_challenge(
        self, username: Username, challenge_name: str, responses: Mapping[str, str], session: str
    ) -> AuthResult:
        with self._transaction() as db:
            now = self._clock.now()
            digest = _digest(session)
            row = db.execute("SELECT * FROM sessions WHERE digest = ?", (digest,)).fetchone()
            if row is None or row["expires_at"] <= now:
                raise ExpiredSession("Invalid session for the user, session is expired.")
            user = self._find_user(db, username)
            if user is None or user.sub != row["sub"]:
                raise NotAuthorized("Invalid session for the user.")
            if challenge_name != row["challenge_name"]:
                raise ValidationError({"challenge_name": f"this session answers {row['challenge_name']}"})
            if not user.enabled:
                raise NotAuthorized(_USER_DISABLED)
            try:
                step = self._challenge_answers[challenge_name](db, user, responses, row, now)
            except CodeMismatch:
                # A rejected answer may be corrected and sent again, but a wrong code only a few times.
                db.execute("UPDATE sessions SET wrong_codes_left = wrong_codes_left - 1 WHERE digest = ?", (digest,))
                db.execute("DELETE FROM sessions WHERE digest = ? AND wrong_codes_left <= 0", (digest,))
                raise
            # A successful answer uses the session up; a next challenge comes with a session of its own.
            db.execute("DELETE FROM sessions WHERE digest = ?", (digest,))
        return self._delivered(step)

    def refresh(self, refresh_token: str, username: str | None) -> TokenSet:
        with self._transaction() as db:
            now = self._clock.now()
            row = db.execute(
                "SELECT * FROM refresh_tokens JOIN users USING (sub) WHERE digest = ?", (_digest(refresh_token),)
            ).fetchone()
            if row is None:
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            user = _User.from_row(row)
            # Cognito checks the username through the client's SECRET_HASH, computed over the username.
            if username is not None and username.casefold() != user.username.casefold():
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            if not user.enabled:
                raise NotAuthorized(_USER_DISABLED)
            if row["revoked"] or row["expires_at"] <= now:
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            return self._tokens(db, user, row["origin_jti"], row["auth_time"], refresh_token, now)

    def global_sign_out(self, access_token: str) -> None:
        try:
            claims = self._verifier.verify_access_token(access_token)
        except TokenExpired as error:
            raise NotAuthorized("Access Token has expired") from error
        except TokenInvalid as error:
            raise NotAuthorized("Invalid Access Token") from error
        with self._transaction() as db:
            row = db.execute(
                "SELECT revoked FROM refresh_tokens WHERE origin_jti = ? AND sub = ?", (claims.origin_jti, claims.sub)
            ).fetchone()
            if row is None or row["revoked"]:
                raise NotAuthorized("Access Token has been revoked")
            self._revoke_tokens(db, claims.sub)

    # -- forgotten passwords -------------------------------------------------------------------------

    def forgot_password(self, username: Username) -> CodeDelivery | None:
        with self._transaction() as db:
            delivery = self._start_password_reset(db, self._existing_user(db, username), self._clock.now())
        self._deliver(delivery)
        return _masked(delivery.destination)

    def confirm_forgot_password(self, username: Username, code: ConfirmationCode, new_password: Password) -> None:
        # The policy is checked before the code, so that a rejected password leaves the code usable.
        self._policy.check(new_password)
        password_hash = _hash_password(new_password.value)
        with self._transaction() as db:
            now = self._clock.now()
            user = self._existing_user(db, username)
            if not user.enabled:
                raise NotAuthorized(_USER_DISABLED)
            self._use_code(db, user, CodePurpose.PASSWORD_RESET, code, now)
            # Cognito keeps existing refresh tokens valid across a password change.
            db.execute(
                "UPDATE users SET password_hash = ?, status = ?, updated_at = ? WHERE sub = ?",
                (password_hash, _Status.CONFIRMED, now, user.sub),
            )

    # -- administration ------------------------------------------------------------------------------

    def admin_create_user(
        self, username: Username, temporary_password: Password, attributes: Attributes, *, send_invitation: bool = False
    ) -> str:
        """Create a user who must choose a new password at first sign-in (`NEW_PASSWORD_REQUIRED`).
        With `send_invitation`, the code sender delivers the temporary password to the `email` attribute.

        Returns the user's sub. Raises `UsernameExists`, `InvalidPassword`, `ValidationError`.
        """
        _check_schema(attributes, allow_verified_flags=True)
        email = attributes.get("email")
        if send_invitation and email is None:
            raise ValidationError({"send_invitation": "the user has no e-mail address to receive the invitation"})
        self._policy.check(temporary_password)
        password_hash = _hash_password(temporary_password.value)
        with self._transaction() as db:
            now = self._clock.now()
            user = self._insert_user(db, username, password_hash, _Status.FORCE_CHANGE_PASSWORD, attributes, now)
        if send_invitation:
            self._deliver(_Delivery(user.username, email, CodePurpose.INVITATION, temporary_password.value))
        return user.sub

    def admin_disable_user(self, username: Username) -> None:
        """Stop the user from signing in and revoke their tokens. Raises `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            db.execute("UPDATE users SET enabled = 0, updated_at = ? WHERE sub = ?", (self._clock.now(), user.sub))
            self._revoke_tokens(db, user.sub)

    def admin_enable_user(self, username: Username) -> None:
        """Let a disabled user sign in again. Raises `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            db.execute("UPDATE users SET enabled = 1, updated_at = ? WHERE sub = ?", (self._clock.now(), user.sub))

    def admin_reset_user_password(self, username: Username) -> CodeDelivery | None:
        """Withdraw the user's password (status `RESET_REQUIRED`) and deliver a reset code.

        Raises what `forgot_password` raises.
        """
        with self._transaction() as db:
            now = self._clock.now()
            user = self._existing_user(db, username)
            delivery = self._start_password_reset(db, user, now)
            db.execute(
                "UPDATE users SET status = ?, updated_at = ? WHERE sub = ?", (_Status.RESET_REQUIRED, now, user.sub)
            )
        self._deliver(delivery)
        return _masked(delivery.destination)

    # -- internals -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction under the instance lock.

        A domain error is an answer, not a failure: what the operation recorded before raising it (a
        spent code attempt) is committed. Any other exception rolls back. A database that stays locked
        or fails becomes `ProviderUnavailable`, as an unreachable Cognito would.
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except DomainError:
                    self._db.execute("COMMIT")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as error:
                raise ProviderUnavailable("The local user pool is busy or unreadable.") from error
            finally:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")

    def _find_user(self, db: sqlite3.Connection, username: Username) -> _User | None:
        row = db.execute("SELECT * FROM users WHERE username_key = ?", (username.key,)).fetchone()
        return None if row is None else _User.from_row(row)

    def _existing_user(self, db: sqlite3.Connection, username: Username) -> _User:
        user = self._find_user(db, username)
        if user is None:
            raise NotAuthorized(_USER_NOT_FOUND)
        return user

    def _insert_user(
        self,
        db: sqlite3.Connection,
        username: Username,
        password_hash: str,
        status: _Status,
        attributes: Attributes,
        now: float,
    ) -> _User:
        if self._find_user(db, username) is not None:
            raise UsernameExists("User already exists")
        user = _User(
            sub=str(uuid.uuid4()),
            username=username.value,
            password_hash=password_hash,
            status=status,
            enabled=True,
            attributes=_merge_attributes({}, attributes),
        )
        db.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (user.sub, username.key, user.username, password_hash, status, json.dumps(user.attributes), now, now),
        )
        return user

    def _new_code(
        self, db: sqlite3.Connection, user: _User, purpose: CodePurpose, now: float, *, destination: str | None
    ) -> _Delivery:
        """Issue a code for `purpose`, replacing the user's previous one with fresh attempts."""
        code = _random_code()
        db.execute(
            "INSERT OR REPLACE INTO codes VALUES (?, ?, ?, ?, ?)",
            (user.sub, purpose.name, code, now + _CODE_LIFETIMES[purpose], _CODE_ATTEMPTS),
        )
        return _Delivery(user.username, destination, purpose, code)

    def _use_code(
        self, db: sqlite3.Connection, user: _User, purpose: CodePurpose, code: ConfirmationCode, now: float
    ) -> None:
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

    def _deliver(self, delivery: _Delivery) -> None:
        self._code_sender.send(delivery.username, delivery.destination, delivery.purpose, delivery.code)

    def _delivered(self, step: _Step) -> AuthResult:
        if step.delivery is not None:
            self._deliver(step.delivery)
        return step.result

    def _start_password_reset(self, db: sqlite3.Connection, user: _User, now: float) -> _Delivery:
        if not user.enabled:
            raise NotAuthorized(_USER_DISABLED)
        if user.status is _Status.FORCE_CHANGE_PASSWORD:
            raise NotAuthorized("User password cannot be reset in the current state.")
        # Cognito sends reset codes to verified addresses only; an unconfirmed user has none.
        if user.verified_email is None:
            raise ValidationError({"username": "the user has no verified e-mail address to receive a reset code"})
        return self._new_code(db, user, CodePurpose.PASSWORD_RESET, now, destination=user.verified_email)

    def _challenge(
        self,
        db: sqlite3.Connection,
        user: _User,
        name: str,
        parameters: dict[str, str],
        now: float,
        *,
        code: str | None = None,
    ) -> Challenge:
        session = secrets.token_urlsafe(48)
        db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            (_digest(session), user.sub, name, now + _SESSION_LIFETIME, _WRONG_MFA_CODES, code),
        )
        return Challenge(name=name, session=session, parameters=parameters)

    def _second_factor_or_tokens(self, db: sqlite3.Connection, user: _User, now: float) -> _Step:
        """What a user who has proved their password gets: the challenge of their MFA factor, or tokens."""
        factor = self._challenged_factor(db, user.sub)
        if factor is MfaFactor.TOTP:
            return _Step(self._challenge(db, user, factor.value, {}, now))
        if factor is MfaFactor.SMS:
            code = _random_code()
            phone_number = user.attributes.get("phone_number")
            parameters = {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": _masked_phone_number(phone_number or ""),
            }
            challenge = self._challenge(db, user, factor.value, parameters, now, code=code)
            return _Step(challenge, _Delivery(user.username, phone_number, CodePurpose.SIGN_IN, code))
        return _Step(self._sign_in(db, user, now))

    def _answer_new_password(
        self, db: sqlite3.Connection, user: _User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> _Step:
        if not responses.get("NEW_PASSWORD"):
            raise ValidationError({"responses": "NEW_PASSWORD is required"})
        password = Password(responses["NEW_PASSWORD"])
        self._policy.check(password)
        updates = Attributes(
            Attribute(name.removeprefix(_USER_ATTRIBUTE_PREFIX), value)
            for name, value in responses.items()
            if name.startswith(_USER_ATTRIBUTE_PREFIX)
        )
        _check_schema(updates, allow_verified_flags=False)
        user = attrs.evolve(
            user,
            password_hash=_hash_password(password.value),
            status=_Status.CONFIRMED,
            attributes=_merge_attributes(user.attributes, updates),
        )
        db.execute(
            "UPDATE users SET password_hash = ?, status = ?, attributes = ?, updated_at = ? WHERE sub = ?",
            (user.password_hash, user.status, json.dumps(user.attributes), now, user.sub),
        )
        # The new password proves no more than the temporary one did: a user with MFA on still owes a code.
        return self._second_factor_or_tokens(db, user, now)

    def _sign_in(self, db: sqlite3.Connection, user: _User, now: float) -> TokenSet:
        """Start a token family: a refresh token whose access and id tokens share its `origin_jti`."""
        refresh_token = secrets.token_urlsafe(48)
        origin_jti = str(uuid.uuid4())
        auth_time = int(now)
        # A family stays on record until its last access token would have expired, so revocations hold.
        db.execute("DELETE FROM refresh_tokens WHERE expires_at + ? <= ?", (self._access_token_lifetime, now))
        db.execute(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, 0)",
            (_digest(refresh_token), user.sub, origin_jti, auth_time, now + self._refresh_token_lifetime),
        )
        return self._tokens(db, user, origin_jti, auth_time, refresh_token, now)

    def _tokens(
        self, db: sqlite3.Connection, user: _User, origin_jti: str, auth_time: int, refresh_token: str, now: float
    ) -> TokenSet:
        issued_at = int(now)
        # As Cognito does: both tokens name the user's groups as they are now, and only when there are any.
        groups = self._group_names(db, user.sub)
        common = {
            **({"cognito:groups": groups} if groups else {}),
            "sub": user.sub,
            "iss": self._issuer,
            "origin_jti": origin_jti,
            "event_id": str(uuid.uuid4()),
            "auth_time": auth_time,
            "iat": issued_at,
            "exp": issued_at + self._access_token_lifetime,
        }
        access_claims = {
            **common,
            "client_id": self._client_id,
            "token_use": "access",
            "scope": _ACCESS_SCOPE,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
        id_claims = {
            **_attribute_claims(user.attributes),
            **common,
            "aud": self._client_id,
            "token_use": "id",
            "jti": str(uuid.uuid4()),
            "cognito:username": user.username,
        }
        return TokenSet(
            access_token=self._sign(access_claims),
            id_token=self._sign(id_claims),
            refresh_token=refresh_token,
            expires_in=self._access_token_lifetime,
        )

    def _sign(self, claims: Mapping[str, Any]) -> str:
        # Cognito's header is exactly {"kid", "alg"}; PyJWT would add "typ" unless told not to.
        return jwt.encode(
            dict(claims), self._signing_key, algorithm="RS256", headers={"kid": self._public_jwk["kid"], "typ": None}
        )

    def _revoke_tokens(self, db: sqlite3.Connection, sub: str) -> None:
        """Revoke every token family of the user: their refresh tokens and, through `origin_jti`, access tokens."""
        db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE sub = ?", (sub,))

    # -- self-service --------------------------------------------------------------------------------

    def change_password(self, access_token: str, previous_password: Password, proposed_password: Password) -> None:
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
            if not _password_matches(previous_password.value, user.password_hash):
                raise NotAuthorized(_INCORRECT_CREDENTIALS)
            # Checked after the previous password, as Cognito does: a stranger learns nothing of the policy.
            self._policy.check(proposed_password)
            db.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE sub = ?",
                (_hash_password(proposed_password.value), self._clock.now(), user.sub),
            )

    def delete_user(self, access_token: str) -> None:
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
            for table in _USER_TABLES:
                db.execute(f"DELETE FROM {table} WHERE sub = ?", (user.sub,))  # noqa: S608 -- fixed table names

    # -- user attributes -----------------------------------------------------------------------------

    def get_user(self, access_token: str) -> UserProfile:
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
        return UserProfile(username=user.username, sub=user.sub, attributes=user.attributes)

    def update_user_attributes(self, access_token: str, attributes: Attributes) -> tuple[CodeDelivery, ...]:
        _check_schema(attributes, allow_verified_flags=False)
        with self._transaction() as db:
            now = self._clock.now()
            user = self._signed_in_user(db, access_token)
            merged = _merge_attributes(user.attributes, attributes)
            _write_attributes(db, user.sub, merged, now)
            # A new address is unverified until the user proves it with the code sent there, as
            # Cognito does for attributes it verifies automatically. The pool sends no SMS, so a new
            # phone number is only marked unverified.
            email = merged.get("email")
            if email is None or email == user.attributes.get("email"):
                return ()
            delivery = self._new_code(db, user, CodePurpose.EMAIL_VERIFICATION, now, destination=email)
        self._deliver(delivery)
        return (CodeDelivery.by_email(email),)

    def get_user_attribute_verification_code(self, access_token: str, name: str) -> CodeDelivery:
        purpose = _verification_purpose(name)
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
            destination = user.attributes.get(name)
            if destination is None:
                raise ValidationError({"attribute_name": f"the user has no {name!r} to verify"})
            delivery = self._new_code(db, user, purpose, self._clock.now(), destination=destination)
        self._deliver(delivery)
        return CodeDelivery.by_email(destination)

    def verify_user_attribute(self, access_token: str, name: str, code: ConfirmationCode) -> None:
        purpose = _verification_purpose(name)
        with self._transaction() as db:
            now = self._clock.now()
            user = self._signed_in_user(db, access_token)
            # Every change of the attribute issued a new code, so a code still on record went to its current value.
            self._use_code(db, user, purpose, code, now)
            _write_attributes(db, user.sub, {**user.attributes, f"{name}_verified": "true"}, now)

    # -- multi-factor authentication -----------------------------------------------------------------

    def associate_software_token(self, access_token: str) -> str:
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
            secret = totp.new_secret()
            # A new authenticator replaces the old one, which stops counting until the new one is verified.
            db.execute("INSERT OR REPLACE INTO software_tokens VALUES (?, ?, 0, 0, -1)", (user.sub, secret))
            return secret

    def verify_software_token(self, access_token: str, code: ConfirmationCode) -> None:
        with self._transaction() as db:
            user = self._signed_in_user(db, access_token)
            if self._software_token(db, user.sub) is None:
                raise ValidationError({"code": "no authenticator is associated with the user"})
            self._use_totp(db, user.sub, code.value, self._clock.now())
            db.execute("UPDATE software_tokens SET verified = 1 WHERE sub = ?", (user.sub,))

    def set_mfa_preference(self, access_token: str, preference: MfaPreference) -> None:
        with self._transaction() as db:
            self._set_mfa_preference(db, self._signed_in_user(db, access_token), preference)

    def _signed_in_user(self, db: sqlite3.Connection, access_token: str) -> _User:
        """The user of a valid, unrevoked access token, refused as Cognito refuses it."""
        try:
            claims = self._verifier.verify_access_token(access_token)
        except TokenExpired as error:
            raise NotAuthorized("Access Token has expired") from error
        except TokenInvalid as error:
            raise NotAuthorized("Invalid Access Token") from error
        row = db.execute(
            "SELECT * FROM refresh_tokens JOIN users USING (sub) WHERE origin_jti = ? AND sub = ?",
            (claims.origin_jti, claims.sub),
        ).fetchone()
        if row is None or row["revoked"]:
            raise NotAuthorized("Access Token has been revoked")
        user = _User.from_row(row)
        if not user.enabled:
            raise NotAuthorized(_USER_DISABLED)
        return user

    # -- administration for `InMemoryUserPoolAdministration` -------------------------------------------

    def admin_get_user(self, username: Username) -> PoolUser:
        """The user as the administrator sees them. Raises `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            return _pool_user(user, groups=self._group_names(db, user.sub))

    def admin_list_users(self, user_filter: UserFilter | None, limit: int, page_token: str | None) -> UserPage:
        """Up to `limit` users that `user_filter` matches, in order of their usernames, after the user
        that `page_token` names. Raises `ValidationError` on `page_token` for a token this pool did not issue."""
        if not 1 <= limit <= USER_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {USER_PAGE_MAX_SIZE}"})
        after = "" if page_token is None else _page_position(page_token)
        users: list[PoolUser] = []
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM users WHERE username_key > ? ORDER BY username_key", (after,))
            for row in rows:
                user = _User.from_row(row)
                if user_filter is not None and not _matches(user_filter, user):
                    continue
                if len(users) == limit:
                    # Another user matches: there is a next page, and it starts after the last one listed.
                    return UserPage(users, _page_token(Username(users[-1].username).key))
                users.append(_pool_user(user, groups=None))
        return UserPage(users)

    def admin_create_group(self, group: Group) -> None:
        """Create a group. Raises `GroupExists`."""
        with self._transaction() as db:
            if self._group_exists(db, group.name):
                raise GroupExists("A group with the name already exists.")
            db.execute(
                "INSERT INTO groups VALUES (?, ?, ?)", (group.name.value, group.description or "", self._clock.now())
            )

    def admin_list_groups(self, limit: int, page_token: str | None) -> GroupPage:
        """Up to `limit` groups in order of their names, after the group that `page_token` names.
        Raises `ValidationError` on `page_token` for a token this pool did not issue."""
        if not 1 <= limit <= GROUP_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {GROUP_PAGE_MAX_SIZE}"})
        after = "" if page_token is None else _page_position(page_token)
        with self._transaction() as db:
            rows = db.execute(
                "SELECT name, description FROM groups WHERE name > ? ORDER BY name LIMIT ?", (after, limit + 1)
            ).fetchall()
        groups = [Group(GroupName(row["name"]), row["description"]) for row in rows[:limit]]
        return GroupPage(groups, _page_token(groups[-1].name.value) if len(rows) > limit else None)

    def admin_add_user_to_group(self, username: Username, group: GroupName) -> None:
        """Add the user to the group. Raises `GroupNotFound`, and `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            if not self._group_exists(db, group):
                raise GroupNotFound("Group not found.")
            db.execute("INSERT OR IGNORE INTO group_members VALUES (?, ?)", (user.sub, group.value))

    def admin_remove_user_from_group(self, username: Username, group: GroupName) -> None:
        """Take the user out of the group. Raises `GroupNotFound`, and `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            if not self._group_exists(db, group):
                raise GroupNotFound("Group not found.")
            db.execute("DELETE FROM group_members WHERE sub = ? AND group_name = ?", (user.sub, group.value))

    def _group_exists(self, db: sqlite3.Connection, group: GroupName) -> bool:
        return db.execute("SELECT 1 FROM groups WHERE name = ?", (group.value,)).fetchone() is not None

    def _group_names(self, db: sqlite3.Connection, sub: str) -> list[str]:
        rows = db.execute("SELECT group_name FROM group_members WHERE sub = ? ORDER BY group_name", (sub,))
        return [row["group_name"] for row in rows]

    def admin_delete_user(self, username: Username) -> None:
        """Remove the user with their codes, sessions and tokens. Raises `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            user = self._existing_user(db, username)
            for table in _USER_TABLES:
                db.execute(f"DELETE FROM {table} WHERE sub = ?", (user.sub,))  # noqa: S608 -- fixed table names

    def admin_set_user_mfa_preference(self, username: Username, preference: MfaPreference) -> None:
        """Turn the user's second factors on or off as `set_mfa_preference` does, for a user in any
        status (AdminSetUserMFAPreference). Raises what it raises, and `NotAuthorized` for an unknown user."""
        with self._transaction() as db:
            self._set_mfa_preference(db, self._existing_user(db, username), preference)

    def _set_mfa_preference(self, db: sqlite3.Connection, user: _User, preference: MfaPreference) -> None:
        changes = preference.changes()
        if changes.get(MfaFactor.TOTP) and self._software_token(db, user.sub, verified=True) is None:
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
        enabled = self._enabled_factors(db, user.sub, sms_enabled=sms_enabled)
        # With the preferred factor turned off, the one left on (if any) is asked for instead.
        if preferred not in enabled:
            preferred = next(iter(enabled), None)
        db.execute(
            "INSERT OR REPLACE INTO mfa_preferences VALUES (?, ?, ?)",
            (user.sub, int(sms_enabled), preferred and preferred.value),
        )

    def _enabled_factors(self, db: sqlite3.Connection, sub: str, *, sms_enabled: bool) -> list[MfaFactor]:
        totp_enabled = self._software_token(db, sub, enabled=True) is not None
        return [factor for factor, on in ((MfaFactor.TOTP, totp_enabled), (MfaFactor.SMS, sms_enabled)) if on]

    def _challenged_factor(self, db: sqlite3.Connection, sub: str) -> MfaFactor | None:
        """The factor sign-in asks for: the preferred one; or the only one on, for a pool file from
        before SMS MFA, whose TOTP users have no preference recorded."""
        sms_enabled, preferred = _mfa_preferences(db, sub)
        enabled = self._enabled_factors(db, sub, sms_enabled=sms_enabled)
        return preferred if preferred in enabled else next(iter(enabled), None)

    def _software_token(
        self, db: sqlite3.Connection, sub: str, *, verified: bool = False, enabled: bool = False
    ) -> sqlite3.Row | None:
        row: sqlite3.Row | None = db.execute("SELECT * FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
        if row is None or (verified and not row["verified"]) or (enabled and not row["enabled"]):
            return None
        return row

    def _use_totp(self, db: sqlite3.Connection, sub: str, code: str, now: float) -> None:
        """Accept a current code of the user's authenticator once, or raise `CodeMismatch`."""
        row = db.execute("SELECT secret, last_step FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
        step = totp.matching_step(row["secret"], code, now, after_step=row["last_step"])
        if step is None:
            raise CodeMismatch("Invalid code received for user")
        db.execute("UPDATE software_tokens SET last_step = ? WHERE sub = ?", (step, sub))

    def _answer_software_token(
        self, db: sqlite3.Connection, user: _User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> _Step:
        code = responses.get("SOFTWARE_TOKEN_MFA_CODE")
        if not code:
            raise ValidationError({"responses": "SOFTWARE_TOKEN_MFA_CODE is required"})
        self._use_totp(db, user.sub, code, now)
        return _Step(self._sign_in(db, user, now))

    def _answer_sms_code(
        self, db: sqlite3.Connection, user: _User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> _Step:
        code = responses.get("SMS_MFA_CODE")
        if not code:
            raise ValidationError({"responses": "SMS_MFA_CODE is required"})
        if not hmac.compare_digest(session["code"].encode(), code.encode()):
            raise CodeMismatch("Invalid code or auth state for the user.")
        return _Step(self._sign_in(db, user, now))


def _load_signing_key(db: sqlite3.Connection, given: rsa.RSAPrivateKey | None) -> rsa.RSAPrivateKey:
    """The pool's key: the one given (and stored for other processes), else the stored one, else a new one."""
    if given is None:
        row = db.execute("SELECT pem FROM signing_key WHERE id = 1").fetchone()
        if row is not None:
            stored = serialization.load_pem_private_key(row["pem"].encode(), password=None)
            if not isinstance(stored, rsa.RSAPrivateKey):
                raise ValueError("the pool's stored signing key is not an RSA key")
            return stored
        given = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = given.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    db.execute("INSERT OR REPLACE INTO signing_key (id, pem) VALUES (1, ?)", (pem,))
    return given


def _public_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    members = {"e": _base64url_uint(numbers.e), "kty": "RSA", "n": _base64url_uint(numbers.n)}
    # RFC 7638 thumbprint: the same key always gets the same kid, in every process.
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": members["n"], "e": members["e"]}


def _base64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def _mfa_preferences(db: sqlite3.Connection, sub: str) -> tuple[bool, MfaFactor | None]:
    """Whether the user's SMS MFA is on, and their preferred factor, as recorded."""
    row = db.execute("SELECT sms_enabled, preferred FROM mfa_preferences WHERE sub = ?", (sub,)).fetchone()
    if row is None:
        return False, None
    return bool(row["sms_enabled"]), MfaFactor(row["preferred"]) if row["preferred"] else None


def _drop_outdated_sessions(db: sqlite3.Connection) -> None:
    """A pool file from before the sessions table counted wrong codes drops its sessions: they live
    three minutes, so signing in again costs less than a migration."""
    columns = {row["name"] for row in db.execute("PRAGMA table_info(sessions)")}
    if columns and "wrong_codes_left" not in columns:
        db.execute("DROP TABLE sessions")


def _write_attributes(db: sqlite3.Connection, sub: str, attributes: Mapping[str, str], now: float) -> None:
    db.execute("UPDATE users SET attributes = ?, updated_at = ? WHERE sub = ?", (json.dumps(attributes), now, sub))


def _random_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _digest(secret: str) -> str:
    """Refresh tokens and sessions are stored as digests: a copy of the file holds no usable secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return "$".join(["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), salt.hex(), derived.hex()])


@functools.cache
def _dummy_hash() -> str:
    return _hash_password(secrets.token_urlsafe())


def _password_matches(password: str, stored: str) -> bool:
    _, n, r, p, salt, derived = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, bytes.fromhex(derived))


def _check_schema(attributes: Attributes, *, allow_verified_flags: bool) -> None:
    """Refuse what Cognito's schema refuses: unknown names, and verified flags set by an app client."""
    for attribute in attributes.items:
        name = attribute.name
        if name in VERIFIED_FLAGS and not allow_verified_flags:
            raise ValidationError({"user_attributes": f"attribute {name!r} cannot be set by the client"})
        if not is_user_attribute(name):
            message = f"Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
            raise ValidationError({"user_attributes": message})


def _merge_attributes(current: Mapping[str, str], updates: Attributes) -> dict[str, str]:
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


def _attribute_claims(attributes: Mapping[str, str]) -> dict[str, Any]:
    """The user's attributes as id-token claims; the verified flags are booleans there."""
    return {name: value == "true" if name in VERIFIED_FLAGS else value for name, value in attributes.items()}


def _masked(destination: str | None) -> CodeDelivery | None:
    return None if destination is None else CodeDelivery.by_email(destination)


def _masked_phone_number(phone_number: str) -> str:
    """Where an SMS code went, masked as Cognito masks it: `+15555550123` becomes `+*******0123`."""
    digits = phone_number.removeprefix("+")
    return "+" + "*" * max(len(digits) - 4, 0) + digits[-4:]


def _verification_purpose(name: str) -> CodePurpose:
    """The purpose of the codes that verify attribute `name`; `ValidationError` for an attribute the
    pool verifies by no code it can send (it sends no SMS)."""
    purpose = _VERIFICATION_PURPOSES.get(name)
    if purpose is None:
        raise ValidationError({"attribute_name": f"the pool sends no code that verifies {name!r}"})
    return purpose


def _pool_user(user: _User, *, groups: list[str] | None) -> PoolUser:
    return PoolUser(
        username=user.username,
        sub=user.sub,
        status=user.status.value,
        enabled=user.enabled,
        attributes={"sub": user.sub, **user.attributes},
        groups=groups,
    )


def _searched_value(user: _User, attribute: str) -> str | None:
    """What ListUsers's filter compares for `attribute`: an attribute, or one of the user's own fields."""
    own = {
        "username": user.username,
        "sub": user.sub,
        "status": "Enabled" if user.enabled else "Disabled",
        "cognito:user_status": user.status.value,
    }
    return own[attribute] if attribute in own else user.attributes.get(attribute)


def _matches(user_filter: UserFilter, user: _User) -> bool:
    actual, wanted = _searched_value(user, user_filter.attribute), user_filter.value
    if actual is None:
        return False
    # Cognito documents the user status alone as compared without regard to case.
    if user_filter.attribute == "cognito:user_status":
        actual, wanted = actual.casefold(), wanted.casefold()
    return actual == wanted if user_filter.match is FilterMatch.EXACT else actual.startswith(wanted)


def _page_token(after: str) -> str:
    """An opaque token for the page after the user whose username key is `after`."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def _page_position(token: str) -> str:
    """The username key a page token continues after; `ValidationError` on `page_token` for anything else."""
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except ValueError:  # not base64, not UTF-8 or not JSON
        position = None
    if not isinstance(position, dict) or not isinstance(position.get("after"), str):
        raise ValidationError({"page_token": "is not a page token of this pool"})
    after: str = position["after"]
    return after
