"""Signing in: password, challenge answers and refreshes all end in `SignedIn` or a `Challenge`."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from application.ports.user_directory import UserDirectory
from domain.errors import NotAuthorized, TooManyRequests, ValidationError
from domain.values import AuthResult, Challenge, Claims, Password, TokenSet, Username


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
        self.attempt_limiter.check(Attempt.PASSWORD, command.client, username.key)
        try:
            result = self.identity_provider.initiate_auth(username, password)
        except NotAuthorized:
            # Only failures count, so a user who signs in often is never locked out. Requests checked
            # at the same moment may spend past the budget by as many as ran at once; the answer to
            # this one is the failure either way.
            with contextlib.suppress(TooManyRequests):
                self.attempt_limiter.spend(Attempt.PASSWORD, command.client, username.key)
            raise
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
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter

    def __call__(self, command: RespondToChallengeCommand) -> SignInResult:
        username = Username(command.username)
        if not command.challenge_name:
            raise ValidationError({"challenge_name": "must not be empty"})
        if not command.session:
            raise ValidationError({"session": "must not be empty"})
        self.attempt_limiter.spend(Attempt.CODE, command.client, username.key)
        result = self.identity_provider.respond_to_challenge(
            username, command.challenge_name, dict(command.responses), command.session
        )
        return _signed_in_or_challenge(self.token_verifier, self.user_directory, result)


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
