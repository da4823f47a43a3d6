"""The signed-in user's passkeys: registering one (creation options, then the authenticator's
credential), listing and deleting them. Signing in with one is a challenge of `start_sign_in`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from application.use_cases.budgets import spending_on_failure
from application.use_cases.step_up import StepUpProof, prove_identity
from domain.errors import PasskeyRejected, ValidationError
from domain.values import Passkey, Username


@attrs.frozen
class StartPasskeyRegistrationCommand:
    access_token: str = attrs.field(repr=False)
    proof: StepUpProof = attrs.field(factory=StepUpProof)
    client: str | None = None
    """The client's network address, for its budget of failed proofs; None where there is none."""


@attrs.frozen
class StartPasskeyRegistration:
    """The WebAuthn creation options for a new passkey of the signed-in user, as JSON, ready for
    `PublicKeyCredential.parseCreationOptionsFromJSON`; they replace any the user had open, and
    exclude the passkeys the user has.

    A passkey signs in on its own and counts as multi-factor, so the options need the step-up proof
    that an MFA change needs (`prove_identity`): an access token alone (stolen, say) would otherwise
    buy a way in for ever. The registration that completes them is bound to these options, which the
    pool keeps per user with a single-use challenge, and needs no proof of its own.

    Raises `ValidationError` (a proof of two kinds, a user with as many passkeys as the pool allows),
    `StepUpRequired`, `TooManyRequests`, `NotAuthorized`, `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: StartPasskeyRegistrationCommand) -> dict[str, Any]:
        username = self.token_verifier.verify_access_token(command.access_token).username
        prove_identity(self.identity_provider, self.attempt_limiter, username, command.proof, command.client)
        return self.identity_provider.start_passkey_registration(command.access_token)


@attrs.frozen
class CompletePasskeyRegistrationCommand:
    access_token: str = attrs.field(repr=False)
    credential: Mapping[str, Any]
    """The authenticator's answer to the creation options: the credential's `toJSON()`."""
    client: str | None = None
    """The client's network address, for its budget of failed ceremonies; None where there is none."""


@attrs.frozen
class CompletePasskeyRegistration:
    """Register the passkey that `credential` makes, answering the user's open creation options.

    Each rejected credential spends one of the failed passkey ceremonies that the client and the
    user have; once either has none left the answer is `TooManyRequests` without asking the
    provider. Raises `PasskeyRejected`, `ValidationError`, `NotAuthorized`, `TokenInvalid`.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: CompletePasskeyRegistrationCommand) -> None:
        account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
        with spending_on_failure(self.attempt_limiter, Attempt.PASSKEY, (PasskeyRejected,), command.client, account):
            self.identity_provider.complete_passkey_registration(command.access_token, command.credential)


@attrs.frozen
class ListPasskeysCommand:
    access_token: str = attrs.field(repr=False)


@attrs.frozen
class ListPasskeys:
    """The signed-in user's passkeys, oldest first. Raises `NotAuthorized`."""

    identity_provider: IdentityProvider

    def __call__(self, command: ListPasskeysCommand) -> tuple[Passkey, ...]:
        return self.identity_provider.list_passkeys(command.access_token)


# Cognito's limit on a credential id in DeleteWebAuthnCredential.
CREDENTIAL_ID_MAX_LENGTH = 1024


@attrs.frozen
class DeletePasskeyCommand:
    access_token: str = attrs.field(repr=False)
    credential_id: str


@attrs.frozen
class DeletePasskey:
    """Remove one of the signed-in user's passkeys; it signs nobody in afterwards.

    No step-up proof: a passkey is one more way in beside the others, not a factor every sign-in
    needs, so removing one leaves no sign-in weaker and gives whoever holds the token no way in.

    Raises `PasskeyNotFound` when the user has no passkey with that id (another user's included),
    `ValidationError` for an id no passkey could have, `NotAuthorized`.
    """

    identity_provider: IdentityProvider

    def __call__(self, command: DeletePasskeyCommand) -> None:
        if not 1 <= len(command.credential_id) <= CREDENTIAL_ID_MAX_LENGTH:
            raise ValidationError({"credential_id": f"must be 1 to {CREDENTIAL_ID_MAX_LENGTH} characters"})
        self.identity_provider.delete_passkey(command.access_token, command.credential_id)
