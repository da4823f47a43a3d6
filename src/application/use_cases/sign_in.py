"""Signing in: password, choice-based sign-in (one-time codes, the choice of a factor), the session of a
confirmed sign-up, challenge answers and refreshes all end in `SignedIn` or a `Challenge`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from application.ports.user_directory import UserDirectory
from application.use_cases.budgets import spending_on_failure
from application.use_cases.codes import taking_at_least
from domain.errors import ExpiredSession, NotAuthorized, PasskeyRejected, ValidationError
from domain.values import SELECT_CHALLENGE, AuthResult, Challenge, Claims, Password, SignInFactor, TokenSet, Username

# The factors whose challenge sends a code as it starts.
_CODE_FACTORS = frozenset({SignInFactor.EMAIL_OTP, SignInFactor.SMS_OTP})


@attrs.frozen
class SignedIn:
    tokens: TokenSet
    claims: Claims
    """The id token's claims: who signed in."""


SignInResult = SignedIn | Challenge


def _signed_in_or_challenge(verifier: TokenVerifier, directory: UserDirectory, result: AuthResult) -> SignInResult:
    if isinstance(result, Challenge):
        return result
    claims = verifier.verify_id_token(result.id_token)
    directory.record_sign_in(claims)
    return SignedIn(result, claims)


@attrs.frozen
class LoginCommand:
    username: str
    password: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of failed sign-ins; None where there is none."""


@attrs.frozen
class Login:
    """Sign in with username and password.

    Returns `SignedIn`, with the user mirrored in the directory, or the `Challenge` to answer
    through `RespondToChallenge`. Raises `ValidationError`, `NotAuthorized`, `UserNotConfirmed`,
    `PasswordResetRequired`, and `TooManyRequests` without asking the provider once the client or
    the account has no failed sign-ins left. Each `NotAuthorized` spends one from both, an unknown
    username's too, so that the limiter does not tell which accounts exist.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter

    def __call__(self, command: LoginCommand) -> SignInResult:
        username = Username(command.username)
        password = Password(command.password)
        with spending_on_failure(
            self.attempt_limiter, Attempt.PASSWORD, (NotAuthorized,), command.client, username.key
        ):
            result = self.identity_provider.initiate_auth(username, password)
        return _signed_in_or_challenge(self.token_verifier, self.user_directory, result)


@contextlib.contextmanager
def _sending_a_code(
    limiter: AttemptLimiter, clock: Clock, minimum_seconds: float, client: str | None, username: Username
) -> Iterator[None]:
    """Spend a code sent, and last `minimum_seconds` at least, so that the time does not tell whether
    a code went out (to an account that exists and has the factor)."""
    limiter.spend(Attempt.CODE_DELIVERY, client, username.key)
    with taking_at_least(clock, minimum_seconds):
        yield


def _sign_in_factor(name: str | None, field: str, what: str) -> SignInFactor | None:
    """The factor `name` names; a refusal is `field`'s, saying `what` was wrong."""
    if name is None:
        return None
    try:
        return SignInFactor(name)
    except ValueError:
        choices = ", ".join(factor.value for factor in SignInFactor)
        raise ValidationError({field: f"{what} must be one of {choices}"}) from None


@attrs.frozen
class StartSignInCommand:
    username: str
    preferred_challenge: str | None = None
    """`EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN` or `PASSWORD`; None for the choice of the user's factors."""
    password: str | None = attrs.field(default=None, repr=False)
    """With `preferred_challenge` PASSWORD only: signs in as `Login` does."""
    client: str | None = None
    """The client's network address, for its budgets; None where there is none."""


@attrs.frozen
class StartSignIn:
    """Begin choice-based sign-in: the preferred factor's challenge (a code sent by e-mail or SMS, a
    passkey, a password), or `SELECT_CHALLENGE` with the factors the user has when there is no
    preference or the user lacks it. Unknown users get challenges alike, which nothing answers.

    A challenge that may send a code spends one of the client's and the account's codes sent and
    answers after `minimum_seconds` at least, whether or not a code went out. With a password it is
    `Login`, budget included. Raises `ValidationError`, `NotAuthorized`, `UserNotConfirmed`,
    `PasswordResetRequired`, and `TooManyRequests` without asking the provider once a budget is spent.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter
    clock: Clock
    minimum_seconds: float

    def __call__(self, command: StartSignInCommand) -> SignInResult:
        username = Username(command.username)
        preferred = _sign_in_factor(command.preferred_challenge, "preferred_challenge", "it")
        if command.password is not None:
            if preferred is not SignInFactor.PASSWORD:
                raise ValidationError({"password": "goes only with the preferred challenge PASSWORD"})
            password = Password(command.password)
            with spending_on_failure(
                self.attempt_limiter, Attempt.PASSWORD, (NotAuthorized,), command.client, username.key
            ):
                result = self.identity_provider.start_sign_in(username, preferred, password)
        elif preferred in _CODE_FACTORS:
            with _sending_a_code(self.attempt_limiter, self.clock, self.minimum_seconds, command.client, username):
                result = self.identity_provider.start_sign_in(username, preferred)
        else:
            result = self.identity_provider.start_sign_in(username, preferred)
        return _signed_in_or_challenge(self.token_verifier, self.user_directory, result)


@attrs.frozen
class SignInWithSessionCommand:
    username: str
    session: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of failed exchanges; None where there is none."""


@attrs.frozen
class SignInWithSession:
    """Trade the session of a confirmed sign-up for tokens (or the user's MFA challenge), once.

    Raises `ValidationError`, `ExpiredSession` for an expired, spent, unknown or another user's
    session (or `NotAuthorized`, as Cognito may say), and `TooManyRequests` without asking the provider
    once the client or the account has no code answers left: each failed exchange spends one, as a
    wrong code does.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter

    def __call__(self, command: SignInWithSessionCommand) -> SignInResult:
        username = Username(command.username)
        if not command.session:
            raise ValidationError({"session": "must not be empty"})
        # Cognito may answer a session it does not take with NotAuthorized, the pool with ExpiredSession.
        failures = (ExpiredSession, NotAuthorized)
        with spending_on_failure(self.attempt_limiter, Attempt.CODE, failures, command.client, username.key):
            result = self.identity_provider.sign_in_with_session(username, command.session)
        return _signed_in_or_challenge(self.token_verifier, self.user_directory, result)


@attrs.frozen
class RespondToChallengeCommand:
    username: str
    challenge_name: str
    responses: Mapping[str, str] = attrs.field(repr=False)
    session: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of code answers; None where there is none."""


@attrs.frozen
class RespondToChallenge:
    """Answer the challenge a sign-in returned.

    Returns `SignedIn`, with the user mirrored in the directory, or the next `Challenge`. Raises
    `ValidationError`, `CodeMismatch`, `ExpiredSession`, `InvalidPassword`, `NotAuthorized`, and
    `TooManyRequests` without asking the provider once the client or the account has no answers
    left: every answer spends one, right or wrong, so that a new sign-in buys no new guesses.

    A password (the `PASSWORD` challenge, or `SELECT_CHALLENGE` answered PASSWORD with it) spends
    as `Login` does besides; choosing a factor that sends a code spends a code sent, and answers
    after `minimum_seconds` at least, as `StartSignIn` does; a passkey's assertion that does not
    verify (`PasskeyRejected`) spends one of the failed passkey ceremonies.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter
    clock: Clock
    minimum_seconds: float

    def __call__(self, command: RespondToChallengeCommand) -> SignInResult:
        username = Username(command.username)
        if not command.challenge_name:
            raise ValidationError({"challenge_name": "must not be empty"})
        if not command.session:
            raise ValidationError({"session": "must not be empty"})
        responses = dict(command.responses)
        chosen = None
        if command.challenge_name == SELECT_CHALLENGE:
            chosen = _sign_in_factor(responses.get("ANSWER", ""), "responses", "ANSWER")
        self.attempt_limiter.spend(Attempt.CODE, command.client, username.key)
        with self._budget(command, username, chosen, password="PASSWORD" in responses):
            result = self.identity_provider.respond_to_challenge(
                username, command.challenge_name, responses, command.session
            )
        return _signed_in_or_challenge(self.token_verifier, self.user_directory, result)

    def _budget(
        self, command: RespondToChallengeCommand, username: Username, chosen: SignInFactor | None, *, password: bool
    ) -> contextlib.AbstractContextManager[None]:
        """What the answer spends besides a code answer: a password's budget, a code sent, or a failed
        passkey ceremony's budget."""
        if command.challenge_name == SignInFactor.PASSWORD.value or (chosen is SignInFactor.PASSWORD and password):
            return spending_on_failure(
                self.attempt_limiter, Attempt.PASSWORD, (NotAuthorized,), command.client, username.key
            )
        if chosen in _CODE_FACTORS:
            return _sending_a_code(self.attempt_limiter, self.clock, self.minimum_seconds, command.client, username)
        if command.challenge_name == SignInFactor.WEB_AUTHN.value:
            return spending_on_failure(
                self.attempt_limiter, Attempt.PASSKEY, (PasskeyRejected,), command.client, username.key
            )
        return contextlib.nullcontext()


@attrs.frozen
class RefreshTokensCommand:
    refresh_token: str = attrs.field(repr=False)
    access_token: str | None = attrs.field(default=None, repr=False)
    """The last access token, expired or not: it names the user, which some pools need."""


@attrs.frozen
class RefreshTokens:
    """Trade a refresh token for fresh access and id tokens.

    Raises `NotAuthorized` for an unknown, expired or revoked refresh token and `TokenInvalid` for
    a forged access token.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier

    def __call__(self, command: RefreshTokensCommand) -> SignedIn:
        username = None
        if command.access_token:
            username = self.token_verifier.verify_access_token(command.access_token, allow_expired=True).username
        tokens = self.identity_provider.refresh(command.refresh_token, username)
        return SignedIn(tokens, self.token_verifier.verify_id_token(tokens.id_token))
