"""Sign-in challenges: the session each one opens, and the answers that lead on to tokens."""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
from collections.abc import Callable, Mapping

import attrs

from adapters.embedded_pool import mfa, protections
from adapters.embedded_pool.codes import Delivery, masked_phone_number, random_code
from adapters.embedded_pool.decoys import decoy_sub, decoy_user
from adapters.embedded_pool.tokens import TokenIssuer, digest
from adapters.embedded_pool.users import (
    USER_DISABLED,
    Status,
    User,
    check_schema,
    find_user,
    hash_password,
    merge_attributes,
)
from application.ports.code_sender import CodePurpose
from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, ValidationError
from domain.values import (
    Attribute,
    Attributes,
    AuthResult,
    Challenge,
    MfaFactor,
    Password,
    PasswordPolicy,
    Username,
)

SESSION_LIFETIME = 3 * 60
# Wrong MFA codes one challenge session takes; the last of them spends it, so guessing needs the password again.
_WRONG_MFA_CODES = 3

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"  # noqa: S105 -- a challenge name, not a secret
_USER_ATTRIBUTE_PREFIX = "userAttributes."


@attrs.frozen
class Step:
    """Where a sign-in step leads, and the code to deliver once its transaction has committed."""

    result: AuthResult
    delivery: Delivery | None = None


# Takes a challenge's answers: (database, user, responses, the session's row, now) to the next step.
Answer = Callable[[sqlite3.Connection, User, Mapping[str, str], sqlite3.Row, float], Step]


class Challenges:
    """Opens challenge sessions and takes their answers; `tokens` signs in whoever answers the last one.
    `decoy_key` is the pool's secret that stand-ins for unknown users are made with (decoys.py)."""

    def __init__(self, *, tokens: TokenIssuer, password_policy: PasswordPolicy, decoy_key: bytes) -> None:
        self._tokens = tokens
        self._policy = password_policy
        self._decoy_key = decoy_key
        self._answers: dict[str, Answer] = {NEW_PASSWORD_REQUIRED: self._answer_new_password}
        # Challenges answered with a code: wrong codes count towards the user's lock-out, whichever
        # challenge they came in.
        self._code_challenges: set[str] = set()
        self.add_answer(MfaFactor.SMS.value, self._answer_sms_code, code=True)
        self.add_answer(MfaFactor.TOTP.value, self._answer_software_token, code=True)

    def add_answer(self, name: str, answer: Answer, *, code: bool) -> None:
        """Take answers to challenge `name` with `answer`; with `code`, a wrong one (`CodeMismatch`)
        counts towards the user's lock-out. Sign-in methods other than a password register so."""
        self._answers[name] = answer
        if code:
            self._code_challenges.add(name)

    def start(
        self,
        db: sqlite3.Connection,
        user: User,
        name: str,
        parameters: dict[str, str],
        now: float,
        *,
        code: str | None = None,
    ) -> Challenge:
        return Challenge(
            name=name, session=self.open_session(db, user.sub, name, now, code=code), parameters=parameters
        )

    def open_session(self, db: sqlite3.Connection, sub: str, name: str, now: float, *, code: str | None = None) -> str:
        """A new session of user `sub` that answers challenge `name` (with `code`, if one was sent)."""
        session = secrets.token_urlsafe(48)
        db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            (digest(session), sub, name, now + SESSION_LIFETIME, _WRONG_MFA_CODES, code),
        )
        return session

    def tokens(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        """Tokens at once, no second factor asked: for a sign-in that proved two factors by itself."""
        return Step(self._tokens.sign_in(db, user, now))

    def new_password_required(self, db: sqlite3.Connection, user: User, now: float) -> Challenge:
        parameters = {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": "[]",
            "userAttributes": json.dumps(user.attributes),
        }
        return self.start(db, user, NEW_PASSWORD_REQUIRED, parameters, now)

    def second_factor_or_tokens(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        """What a user who has proved their password gets: the challenge of their MFA factor, or tokens."""
        factor = mfa.challenged_factor(db, user.sub)
        if factor is MfaFactor.TOTP:
            return Step(self.start(db, user, factor.value, {}, now))
        if factor is MfaFactor.SMS:
            code = random_code()
            phone_number = user.attributes.get("phone_number")
            parameters = {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": masked_phone_number(phone_number or ""),
            }
            challenge = self.start(db, user, factor.value, parameters, now, code=code)
            return Step(challenge, Delivery(user.username, phone_number, CodePurpose.SIGN_IN, code))
        return Step(self._tokens.sign_in(db, user, now))

    def answer(
        self,
        db: sqlite3.Connection,
        username: Username,
        challenge_name: str,
        responses: Mapping[str, str],
        session: str,
        now: float,
    ) -> Step:
        session_digest = digest(session)
        row = db.execute("SELECT * FROM sessions WHERE digest = ?", (session_digest,)).fetchone()
        # A session that no challenge answers (the one a confirmed sign-up trades) is no challenge's.
        if row is None or row["expires_at"] <= now or row["challenge_name"] not in self._answers:
            raise ExpiredSession("Invalid session for the user, session is expired.")
        user = find_user(db, username)
        if row["sub"] == decoy_sub(username):
            user = decoy_user(username, self._decoy_key)
        elif user is None or user.sub != row["sub"]:
            raise NotAuthorized("Invalid session for the user.")
        if challenge_name != row["challenge_name"]:
            raise ValidationError({"challenge_name": f"this session answers {row['challenge_name']}"})
        if not user.enabled:
            raise NotAuthorized(USER_DISABLED)
        code_challenge = challenge_name in self._code_challenges
        if code_challenge:
            protections.refuse_locked_mfa(db, user, now)
        try:
            step = self._answers[challenge_name](db, user, responses, row, now)
        except CodeMismatch:
            protections.count_wrong_mfa_code(db, user, now)
            # A rejected answer may be corrected and sent again, but a wrong code only a few times.
            db.execute(
                "UPDATE sessions SET wrong_codes_left = wrong_codes_left - 1 WHERE digest = ?", (session_digest,)
            )
            db.execute("DELETE FROM sessions WHERE digest = ? AND wrong_codes_left <= 0", (session_digest,))
            raise
        if code_challenge:
            protections.forget_wrong_mfa_codes(db, user)
        # A successful answer uses the session up; a next challenge comes with a session of its own.
        db.execute("DELETE FROM sessions WHERE digest = ?", (session_digest,))
        return step

    def _answer_new_password(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        if not responses.get("NEW_PASSWORD"):
            raise ValidationError({"responses": "NEW_PASSWORD is required"})
        password = Password(responses["NEW_PASSWORD"])
        self._policy.check(password)
        updates = Attributes(
            Attribute(name.removeprefix(_USER_ATTRIBUTE_PREFIX), value)
            for name, value in responses.items()
            if name.startswith(_USER_ATTRIBUTE_PREFIX)
        )
        check_schema(updates, allow_verified_flags=False)
        user = attrs.evolve(
            user,
            password_hash=hash_password(password.value),
            status=Status.CONFIRMED,
            attributes=merge_attributes(user.attributes, updates),
        )
        db.execute(
            "UPDATE users SET password_hash = ?, status = ?, attributes = ?, updated_at = ? WHERE sub = ?",
            (user.password_hash, user.status, json.dumps(user.attributes), now, user.sub),
        )
        # The new password proves no more than the temporary one did: a user with MFA on still owes a code.
        return self.second_factor_or_tokens(db, user, now)

    def _answer_software_token(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        code = responses.get("SOFTWARE_TOKEN_MFA_CODE")
        if not code:
            raise ValidationError({"responses": "SOFTWARE_TOKEN_MFA_CODE is required"})
        mfa.use_totp(db, user.sub, code, now)
        return Step(self._tokens.sign_in(db, user, now))

    def _answer_sms_code(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        check_sent_code(responses, "SMS_MFA_CODE", session)
        return Step(self._tokens.sign_in(db, user, now))


def check_sent_code(responses: Mapping[str, str], response_name: str, session: sqlite3.Row) -> None:
    """Raise unless `responses` holds, as `response_name`, the code the session's challenge sent; a
    stand-in's session sent none, and nothing matches it."""
    code = responses.get(response_name)
    if not code:
        raise ValidationError({"responses": f"{response_name} is required"})
    if session["code"] is None or not hmac.compare_digest(session["code"].encode(), code.encode()):
        raise CodeMismatch("Invalid code or auth state for the user.")
