"""Choice-based sign-in (Cognito's `USER_AUTH` flow): a one-time code by e-mail or SMS, a password, or
the choice between the factors a user has (`SELECT_CHALLENGE`); and the session a confirmed sign-up
trades once for tokens.

Each factor is one entry of `SignInFactors`: whether a user has it, how its challenge starts, how it
is answered. A factor proves what a password proves and no more, so a user with MFA on owes their
second factor after it; SMS_OTP is not offered to a user whose second factor is SMS, since the phone
would then prove both. Usernames that cannot sign in this way (unknown, disabled, unconfirmed) get the
challenges of a stand-in (decoys.py) that nothing they send ever satisfies.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping

import attrs

from adapters.embedded_pool import mfa, protections
from adapters.embedded_pool.challenges import Answer, Challenges, Step, check_sent_code
from adapters.embedded_pool.codes import Delivery, masked_phone_number, random_code
from adapters.embedded_pool.decoys import decoy_sub, decoy_user
from adapters.embedded_pool.tokens import digest
from adapters.embedded_pool.users import (
    INCORRECT_CREDENTIALS,
    Status,
    User,
    find_user,
    password_matches,
)
from application.ports.code_sender import CodePurpose
from domain.errors import ExpiredSession, NotAuthorized, PasswordResetRequired, ValidationError
from domain.values import SELECT_CHALLENGE, Challenge, CodeDelivery, MfaFactor, Password, SignInFactor, Username

# The session a confirmed sign-up returns: a name no challenge has, so that no answer takes it.
_SIGN_UP_SESSION = "SIGN_UP"
_EXPIRED_SESSION = "Invalid session for the user, session is expired."

_Offered = Callable[[sqlite3.Connection, User], bool]
_Start = Callable[[sqlite3.Connection, User, float], Step]


@attrs.frozen
class _Factor:
    offered: _Offered
    """Whether the user may sign in with the factor."""
    start: _Start
    """The factor's challenge, and the code to deliver if it sends one."""


class SignInFactors:
    """The factors of choice-based sign-in, on the sessions of `challenges`."""

    def __init__(self, *, challenges: Challenges, decoy_key: bytes) -> None:
        self._challenges = challenges
        self._decoy_key = decoy_key
        # In the order `SELECT_CHALLENGE` lists them, which is the order of `SignInFactor`.
        self._factors: dict[SignInFactor, _Factor] = {}
        self.add(SignInFactor.EMAIL_OTP, _has_verified_email, self._start_email_otp, self._answer_email_otp)
        self.add(SignInFactor.SMS_OTP, _can_receive_sms_otp, self._start_sms_otp, self._answer_sms_otp)
        self.add(SignInFactor.PASSWORD, _has_password, self._start_password, self._answer_password, code=False)
        challenges.add_answer(SELECT_CHALLENGE, self._answer_selection, code=False)

    def add(
        self,
        factor: SignInFactor,
        offered: _Offered,
        start: _Start,
        answer: Answer,
        *,
        code: bool = True,
    ) -> None:
        """Offer `factor` to the users `offered` says have it: `start` opens its challenge, `answer`
        takes the challenge's answers (with `code`, wrong ones count towards the user's lock-out)."""
        self._factors[factor] = _Factor(offered, start)
        self._factors = {name: self._factors[name] for name in SignInFactor if name in self._factors}
        self._challenges.add_answer(factor.value, answer, code=code)

    def start(self, db: sqlite3.Connection, username: Username, preferred: SignInFactor | None, now: float) -> Step:
        """The preferred factor's challenge if the user has it, else the choice of those they have."""
        user = self._signing_in(db, username)
        available = [factor for factor, entry in self._factors.items() if entry.offered(db, user)]
        if preferred in available:
            return self._factors[preferred].start(db, user, now)
        session = self._challenges.open_session(db, user.sub, SELECT_CHALLENGE, now)
        return Step(Challenge(SELECT_CHALLENGE, session, available_challenges=[factor.value for factor in available]))

    def sign_up_session(self, db: sqlite3.Connection, user: User, now: float) -> str:
        return self._challenges.open_session(db, user.sub, _SIGN_UP_SESSION, now)

    def trade_sign_up_session(self, db: sqlite3.Connection, username: Username, session: str, now: float) -> Step:
        """Tokens, or the user's MFA challenge, for the session of their confirmed sign-up; once."""
        session_digest = digest(session)
        row = db.execute(
            "SELECT * FROM sessions WHERE digest = ? AND challenge_name = ?", (session_digest, _SIGN_UP_SESSION)
        ).fetchone()
        user = find_user(db, username)
        if row is None or row["expires_at"] <= now or user is None or user.sub != row["sub"]:
            raise ExpiredSession(_EXPIRED_SESSION)
        db.execute("DELETE FROM sessions WHERE digest = ?", (session_digest,))
        if not user.enabled:
            raise ExpiredSession(_EXPIRED_SESSION)
        return self._challenges.second_factor_or_tokens(db, user, now)

    def _signing_in(self, db: sqlite3.Connection, username: Username) -> User:
        """The user, or their stand-in when they cannot sign in: told apart, the answers would tell
        which accounts exist, are disabled or unconfirmed."""
        user = find_user(db, username)
        if user is None or not user.enabled or user.status is Status.UNCONFIRMED:
            return decoy_user(username, self._decoy_key)
        return user

    # -- the factors ---------------------------------------------------------------------------------

    def _start_email_otp(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        email = user.verified_email or ""
        # Masked in lower case: a stand-in's address is the username as it was asked, a user's their
        # address as they signed up, and the case of the letters shown would tell the two apart.
        delivery = CodeDelivery.by_email(email.casefold())
        parameters = {
            "CODE_DELIVERY_DELIVERY_MEDIUM": delivery.medium,
            "CODE_DELIVERY_DESTINATION": delivery.destination,
        }
        return self._start_code(db, user, SignInFactor.EMAIL_OTP, parameters, email, now)

    def _start_sms_otp(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        phone_number = user.verified_phone_number or ""
        parameters = {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": masked_phone_number(phone_number),
        }
        return self._start_code(db, user, SignInFactor.SMS_OTP, parameters, phone_number, now)

    def _start_code(
        self,
        db: sqlite3.Connection,
        user: User,
        factor: SignInFactor,
        parameters: dict[str, str],
        destination: str,
        now: float,
    ) -> Step:
        # Sign-in codes count towards the username's hourly cap of codes sent, a stand-in's too.
        protections.count_code_request(db, Username(user.username), now)
        if user.sub == decoy_sub(Username(user.username)):
            # A stand-in's challenge sends nothing, and records no code that an answer could match.
            return Step(self._challenges.start(db, user, factor.value, parameters, now))
        code = random_code()
        challenge = self._challenges.start(db, user, factor.value, parameters, now, code=code)
        return Step(challenge, Delivery(user.username, destination, CodePurpose.SIGN_IN, code))

    def _start_password(self, db: sqlite3.Connection, user: User, now: float) -> Step:
        return Step(self._challenges.start(db, user, SignInFactor.PASSWORD.value, {}, now))

    def _answer_email_otp(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        check_sent_code(responses, "EMAIL_OTP_CODE", session)
        return self._challenges.second_factor_or_tokens(db, user, now)

    def _answer_sms_otp(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        check_sent_code(responses, "SMS_OTP_CODE", session)
        return self._challenges.second_factor_or_tokens(db, user, now)

    def _answer_password(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        """The password, checked as a sign-in with a password checks it, lock-out included."""
        if not responses.get("PASSWORD"):
            raise ValidationError({"responses": "PASSWORD is required"})
        password = Password(responses["PASSWORD"])
        username = Username(user.username)
        protections.refuse_locked_password(db, username, now)
        if not password_matches(password.value, user.password_hash):
            protections.count_wrong_password(db, username, now)
            # A wrong password spends the session: another guess means starting again.
            db.execute("DELETE FROM sessions WHERE digest = ?", (session["digest"],))
            raise NotAuthorized(INCORRECT_CREDENTIALS)
        protections.forget_wrong_passwords(db, username)
        if user.status is Status.RESET_REQUIRED:
            raise PasswordResetRequired("Password reset required for the user")
        if user.status is Status.FORCE_CHANGE_PASSWORD:
            return Step(self._challenges.new_password_required(db, user, now))
        return self._challenges.second_factor_or_tokens(db, user, now)

    def _answer_selection(
        self, db: sqlite3.Connection, user: User, responses: Mapping[str, str], session: sqlite3.Row, now: float
    ) -> Step:
        """`ANSWER`, one of the factors offered: its challenge, or for PASSWORD with `PASSWORD`, the
        password's answer at once."""
        answer = responses.get("ANSWER", "")
        offered = [factor for factor, entry in self._factors.items() if entry.offered(db, user)]
        chosen = next((factor for factor in offered if factor.value == answer), None)
        if chosen is None:
            names = ", ".join(factor.value for factor in offered)
            raise ValidationError({"responses": f"ANSWER must be one of the challenges offered: {names}"})
        if chosen is SignInFactor.PASSWORD and responses.get("PASSWORD"):
            return self._answer_password(db, user, responses, session, now)
        return self._factors[chosen].start(db, user, now)


def _has_verified_email(db: sqlite3.Connection, user: User) -> bool:
    # Codes go only to an address the user proved; a user who must choose a password chooses it first.
    return user.verified_email is not None and user.status is not Status.FORCE_CHANGE_PASSWORD


def _can_receive_sms_otp(db: sqlite3.Connection, user: User) -> bool:
    # As for codes by e-mail, only a proved number: one set with a stolen access token would otherwise
    # receive the codes from then on. (SMS MFA takes a number as given: it comes after the password.)
    return (
        user.verified_phone_number is not None
        and user.status is not Status.FORCE_CHANGE_PASSWORD
        and mfa.challenged_factor(db, user.sub) is not MfaFactor.SMS
    )


def _has_password(db: sqlite3.Connection, user: User) -> bool:
    return bool(user.password_hash)
