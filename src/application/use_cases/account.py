"""Account self-service for a signed-in user: changing the password and deleting the account."""

from __future__ import annotations

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.ports.profile_image_store import ProfileImageStore
from application.ports.revocation_list import RevocationList
from application.ports.token_verifier import TokenVerifier
from application.ports.user_directory import UserDirectory
from application.use_cases.profile_image import delete_superseded_image
from application.use_cases.revocation import refusing_every_token
from domain.values import Password, Username


@attrs.frozen
class ChangePasswordCommand:
    access_token: str = attrs.field(repr=False)
    previous_password: str = attrs.field(repr=False)
    proposed_password: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of attempts; None where there is none."""


@attrs.frozen
class ChangePassword:
    """Replace the signed-in user's password, proving the previous one; the user stays signed in.

    Raises `NotAuthorized` for a wrong previous password or a refused access token,
    `InvalidPassword` when the proposed password breaks the pool's policy, `TokenInvalid` /
    `TokenExpired` for an access token the verifier refuses, and `TooManyRequests` without asking
    the provider once the client or the user has no attempts left (every attempt spends one: each
    is a guess at the password of whoever holds the token).
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: ChangePasswordCommand) -> None:
        previous, proposed = Password(command.previous_password), Password(command.proposed_password)
        account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
        self.attempt_limiter.spend(Attempt.PASSWORD_CHANGE, command.client, account)
        self.identity_provider.change_password(command.access_token, previous, proposed)


@attrs.frozen
class DeleteAccountCommand:
    access_token: str = attrs.field(repr=False)


@attrs.frozen
class DeleteAccount:
    """Delete the signed-in user from the pool and from the mirror, with their profile image, and
    refuse every token of the user, from every sign-in, in every process at once (the pool forgets
    the user, but our verifier would still accept their access tokens until they expire).

    Raises `TokenInvalid` for a forged access token, `NotAuthorized` when the pool refuses it,
    `ProviderUnavailable` when the pool or the other processes cannot be reached.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    revocation_list: RevocationList
    user_directory: UserDirectory
    profile_images: ProfileImageStore
    clock: Clock

    def __call__(self, command: DeleteAccountCommand) -> None:
        claims = self.token_verifier.verify_access_token(command.access_token)
        # Every token of the user comes from one app client, so this token's lifetime is theirs.
        with refusing_every_token(self.revocation_list, self.clock, claims.sub, claims.lifetime):
            self.identity_provider.delete_user(command.access_token)
        image_key = self.user_directory.forget_user(claims.sub)
        if image_key is not None:
            delete_superseded_image(self.profile_images, image_key)
