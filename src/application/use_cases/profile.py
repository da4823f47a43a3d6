"""The signed-in user's own attributes: changing them, and verifying a changed e-mail address.

The pool is the record and the mirror a copy, so every change goes to the pool first and the mirror
is then rewritten from the pool's own answer (GetUser), not from what was asked: the pool may have
changed more (a new e-mail turns `email_verified` to "false"). Should the mirror write fail after
the pool's change, the error goes up and the change stands in the pool; the mirror catches up at
the user's next sign-in or profile change, and the same request may simply be sent again.
"""

from __future__ import annotations

import attrs

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from application.ports.user_directory import UserDirectory
from domain.errors import ValidationError
from domain.values import (
    VERIFIABLE_ATTRIBUTES,
    VERIFIED_FLAGS,
    Attributes,
    CodeDelivery,
    ConfirmationCode,
    Username,
    UserProfile,
)


@attrs.frozen
class UpdateProfileCommand:
    access_token: str = attrs.field(repr=False)
    attributes: tuple[tuple[str, str], ...]
    """(name, value) pairs, each name at most once."""
    client: str | None = None
    """The client's network address, for its budget of codes sent; None where there is none."""


@attrs.frozen
class UpdateProfileResult:
    profile: UserProfile
    """The user as the pool holds them after the change."""
    code_deliveries: tuple[CodeDelivery, ...]
    """Where verification codes went: a changed e-mail address gets one."""


@attrs.frozen
class UpdateProfile:
    """Change the signed-in user's attributes in the pool, then in the mirror.

    A change that names an attribute verified by a code (the e-mail address) may send one, so it
    spends one of the client's and the user's codes sent, as `ResendAttributeCode` does: else a
    token would mail codes to any address, as often as asked.

    Returns the pool's profile afterwards and where codes went. Raises `ValidationError` on
    `user_attributes` naming the attribute (none given, one the user may not write, one outside the
    pool's schema, a malformed e-mail), `UsernameExists`, `TooManyRequests` (without asking the
    provider once the codes sent are spent), `NotAuthorized` for a refused access token.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    user_directory: UserDirectory
    attempt_limiter: AttemptLimiter

    def __call__(self, command: UpdateProfileCommand) -> UpdateProfileResult:
        attributes = Attributes.from_pairs(command.attributes)
        if not attributes.items:
            raise ValidationError({"user_attributes": "name at least one attribute to change"})
        # Every pool refuses these (Cognito as an unauthorized write): only a code sets them, so the
        # answer names the attribute whichever pool is behind the port.
        for item in attributes.items:
            if item.name in VERIFIED_FLAGS:
                raise ValidationError({"user_attributes": f"attribute {item.name!r} is set by verifying with a code"})
        if any(attributes.get(name) is not None for name in VERIFIABLE_ATTRIBUTES):
            account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
            self.attempt_limiter.spend(Attempt.CODE_DELIVERY, command.client, account)
        deliveries = self.identity_provider.update_user_attributes(command.access_token, attributes)
        profile = self.identity_provider.get_user(command.access_token)
        self.user_directory.update_profile(profile)
        return UpdateProfileResult(profile=profile, code_deliveries=deliveries)


@attrs.frozen
class ResendAttributeCodeCommand:
    access_token: str = attrs.field(repr=False)
    attribute_name: str
    client: str | None = None
    """The client's network address, for its budget of codes sent; None where there is none."""


@attrs.frozen
class ResendAttributeCode:
    """Send a new code that verifies one of the signed-in user's attributes (the e-mail address),
    replacing the one sent before.

    Returns where it went. Raises `ValidationError` on `attribute_name`, `TooManyRequests` (without
    asking the provider once the client or the user has no codes left), `NotAuthorized`,
    `TokenInvalid` / `TokenExpired` for an access token the verifier refuses.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: ResendAttributeCodeCommand) -> CodeDelivery:
        account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
        self.attempt_limiter.spend(Attempt.CODE_DELIVERY, command.client, account)
        return self.identity_provider.get_user_attribute_verification_code(command.access_token, command.attribute_name)


@attrs.frozen
class VerifyAttributeCommand:
    access_token: str = attrs.field(repr=False)
    attribute_name: str
    code: str = attrs.field(repr=False)
    client: str | None = None
    """The client's network address, for its budget of code answers; None where there is none."""


@attrs.frozen
class VerifyAttribute:
    """Verify one of the signed-in user's attributes with the code it was sent, then mirror the pool's
    profile, whose `<name>_verified` is now "true".

    Returns that profile. Raises `ValidationError` (a malformed code, an attribute that is not
    verified by code), `CodeMismatch`, `ExpiredCode`, `TooManyRequests` (also without asking the
    provider once the client or the user has no answers left: every answer spends one),
    `NotAuthorized`, `TokenInvalid` / `TokenExpired` for an access token the verifier refuses.
    """

    identity_provider: IdentityProvider
    user_directory: UserDirectory
    token_verifier: TokenVerifier
    attempt_limiter: AttemptLimiter

    def __call__(self, command: VerifyAttributeCommand) -> UserProfile:
        code = ConfirmationCode(command.code)
        account = Username(self.token_verifier.verify_access_token(command.access_token).username).key
        self.attempt_limiter.spend(Attempt.CODE, command.client, account)
        self.identity_provider.verify_user_attribute(command.access_token, command.attribute_name, code)
        profile = self.identity_provider.get_user(command.access_token)
        self.user_directory.update_profile(profile)
        return profile
