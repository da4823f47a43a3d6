"""The identity provider port: a user pool seen through domain types only."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

from domain.values import (
    Attributes,
    AuthResult,
    CodeDelivery,
    ConfirmationCode,
    MfaPreference,
    Passkey,
    Password,
    SignInFactor,
    SignUpOutcome,
    TokenSet,
    Username,
    UserProfile,
)


class IdentityProvider(abc.ABC):
    """A user pool: accounts, codes, sign-in and tokens.

    Every method raises domain errors only. Any method may raise `ProviderUnavailable` (the pool
    could not be reached or failed) or `TooManyRequests` (the pool throttled the caller).
    """

    @abc.abstractmethod
    def sign_up(self, username: Username, password: Password | None, attributes: Attributes) -> SignUpOutcome:
        """Register an unconfirmed user and deliver a confirmation code. A user without a password
        signs in with one-time codes or passkeys only.

        Raises `UsernameExists`, `InvalidPassword`, `ValidationError`.
        """

    @abc.abstractmethod
    def confirm_sign_up(
        self, username: Username, code: ConfirmationCode, *, force_alias_creation: bool = False
    ) -> str | None:
        """Confirm a user with the code delivered at sign-up, and return a session that
        `sign_in_with_session` trades for tokens once (None where the pool gives none).

        Raises `CodeMismatch`, `ExpiredCode`, `TooManyRequests` (too many wrong codes), and
        `NotAuthorized` for an unknown or already confirmed user.
        """

    @abc.abstractmethod
    def resend_confirmation_code(self, username: Username) -> CodeDelivery | None:
        """Deliver a fresh sign-up code, invalidating the previous one.

        Raises `NotAuthorized` for an unknown or already confirmed user.
        """

    @abc.abstractmethod
    def initiate_auth(self, username: Username, password: Password) -> AuthResult:
        """Sign in with a password: tokens, or the challenge the user must answer first.

        Raises `NotAuthorized` (wrong password, unknown or disabled user), `UserNotConfirmed`,
        `PasswordResetRequired`.
        """

    @abc.abstractmethod
    def start_sign_in(
        self, username: Username, preferred: SignInFactor | None, password: Password | None = None
    ) -> AuthResult:
        """Begin choice-based sign-in (Cognito's `USER_AUTH`): the `preferred` factor's challenge
        (`EMAIL_OTP` and `SMS_OTP` with the code delivered, `WEB_AUTHN` with the credential request
        options, `PASSWORD`), or `SELECT_CHALLENGE` with the factors the user has when there is no
        preference or the user lacks the preferred one. With `preferred` PASSWORD and a `password`,
        the answer is that of `initiate_auth`.

        Raises `NotAuthorized` (unknown or disabled user, wrong password), `UserNotConfirmed`,
        `PasswordResetRequired`, `TooManyRequests`.
        """

    @abc.abstractmethod
    def sign_in_with_session(self, username: Username, session: str) -> AuthResult:
        """Trade the session `confirm_sign_up` returned for tokens (or an MFA challenge), once.

        Raises `ExpiredSession` for an expired, spent, unknown or another user's session.
        """

    @abc.abstractmethod
    def respond_to_challenge(
        self, username: Username, challenge_name: str, responses: Mapping[str, str], session: str
    ) -> AuthResult:
        """Answer a challenge from `initiate_auth` or `start_sign_in`: tokens, or the next challenge
        (a user who chose a new password may still owe an MFA code). `SELECT_CHALLENGE` takes
        `ANSWER` (a factor's name, with `PASSWORD` when it is PASSWORD); `EMAIL_OTP` takes
        `EMAIL_OTP_CODE`, `SMS_OTP` `SMS_OTP_CODE`, `PASSWORD` `PASSWORD`, and `WEB_AUTHN` takes
        `CREDENTIAL`, the assertion's `toJSON()` as a JSON string.

        A wrong MFA code raises `CodeMismatch` and leaves the session usable, up to a few wrong codes,
        after which the session is spent; a successful answer spends it at once. Raises `CodeMismatch`,
        `ExpiredSession` (an expired, spent or unknown session), `InvalidPassword`, `NotAuthorized`
        (a wrong password), `PasskeyRejected` (an assertion that does not verify), `ValidationError`.
        """

    @abc.abstractmethod
    def refresh(self, refresh_token: str, username: str | None) -> TokenSet:
        """Issue fresh access and id tokens; `username` is the Cognito username (the access token's
        `username` claim), which providers with a client secret need. The returned refresh token is
        the one passed in unless the pool rotates refresh tokens.

        Raises `NotAuthorized` for an unknown, expired or revoked refresh token.
        """

    @abc.abstractmethod
    def global_sign_out(self, access_token: str) -> None:
        """Revoke every refresh token of the token's user; their access tokens stop working too.

        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def forgot_password(self, username: Username) -> CodeDelivery | None:
        """Deliver a password-reset code.

        Raises `NotAuthorized` for an unknown user, `ValidationError` when the user has nowhere to
        receive a code.
        """

    @abc.abstractmethod
    def confirm_forgot_password(self, username: Username, code: ConfirmationCode, new_password: Password) -> None:
        """Set a new password with a reset code; the user is confirmed afterwards.

        Raises `CodeMismatch`, `ExpiredCode`, `InvalidPassword`, `TooManyRequests`, `NotAuthorized`.
        """

    @abc.abstractmethod
    def change_password(self, access_token: str, previous_password: Password, proposed_password: Password) -> None:
        """Replace the signed-in user's password; the user's tokens stay valid, as Cognito keeps them.

        Raises `NotAuthorized` (wrong previous password; invalid, expired or revoked access token),
        `InvalidPassword` (the proposed password breaks the policy).
        """

    @abc.abstractmethod
    def delete_user(self, access_token: str) -> None:
        """Delete the signed-in user with every refresh token; their access tokens are no longer the
        pool's concern, so callers that verify tokens themselves must refuse them on their own.

        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    # -- user attributes -----------------------------------------------------------------------------

    @abc.abstractmethod
    def get_user(self, access_token: str) -> UserProfile:
        """The signed-in user with every attribute's current value, the verified flags included.

        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def update_user_attributes(self, access_token: str, attributes: Attributes) -> tuple[CodeDelivery, ...]:
        """Set the signed-in user's `attributes`, leaving the others as they are, and return where
        verification codes went (none when no verified attribute changed).

        A changed `email` becomes unverified (`email_verified` "false") and a code goes to the new
        address, to be given to `verify_user_attribute`. Raises `ValidationError` on
        `user_attributes`, naming the attribute, for one the user may not write (`sub`, the verified
        flags) or that is not in the pool's schema; `UsernameExists` when the new e-mail is another
        user's alias; `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def get_user_attribute_verification_code(self, access_token: str, name: str) -> CodeDelivery:
        """Send a fresh code that verifies the signed-in user's attribute `name`, replacing any earlier one.

        Raises `ValidationError` on `attribute_name` when the user has no such attribute or the pool
        cannot verify it; `TooManyRequests`; `NotAuthorized` for a refused access token.
        """

    @abc.abstractmethod
    def verify_user_attribute(self, access_token: str, name: str, code: ConfirmationCode) -> None:
        """Mark the signed-in user's attribute `name` verified with the code it was sent.

        Raises `CodeMismatch` for a wrong code, `ExpiredCode` for an expired one or when none was
        sent, `TooManyRequests` after too many wrong codes, `ValidationError` on `attribute_name`,
        `NotAuthorized` for a refused access token.
        """

    # -- multi-factor authentication -----------------------------------------------------------------

    @abc.abstractmethod
    def associate_software_token(self, access_token: str) -> str:
        """Start a TOTP authenticator for the token's user: the base32 secret to load into the app.

        The authenticator counts only once `verify_software_token` accepted a code from it.
        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def verify_software_token(self, access_token: str, code: ConfirmationCode) -> None:
        """Prove the associated authenticator works with one of its codes.

        Raises `CodeMismatch` for a wrong code, `ValidationError` when no authenticator is associated,
        `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def set_mfa_preference(self, access_token: str, preference: MfaPreference) -> None:
        """Turn the token's user's second factors on or off; while one is on, `initiate_auth` answers
        its challenge (`SMS_MFA` or `SOFTWARE_TOKEN_MFA`) instead of tokens, the preferred one's when
        both are on. When a change turns the preferred factor off and the other stays on, the other
        becomes the preferred one.

        Raises `ValidationError` when turning TOTP on without a verified authenticator or SMS on for a
        user without a phone number, `NotAuthorized` for an invalid, expired or revoked access token.
        """

    # -- passkeys ------------------------------------------------------------------------------------

    @abc.abstractmethod
    def start_passkey_registration(self, access_token: str) -> dict[str, Any]:
        """The WebAuthn creation options, as JSON, for a new passkey of the token's user; their
        challenge is single-use and expires.

        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def complete_passkey_registration(self, access_token: str, credential: Mapping[str, Any]) -> None:
        """Store the passkey that `credential` (the attestation's `toJSON()`) registers, answering
        the user's latest creation options.

        Raises `PasskeyRejected` (it does not verify, answers no open challenge, or the credential is
        registered already), `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def list_passkeys(self, access_token: str) -> tuple[Passkey, ...]:
        """The token's user's passkeys, oldest first.

        Raises `NotAuthorized` for an invalid, expired or revoked access token.
        """

    @abc.abstractmethod
    def delete_passkey(self, access_token: str, credential_id: str) -> None:
        """Remove one of the token's user's passkeys; it signs nobody in afterwards.

        Raises `PasskeyNotFound` when the user has no passkey with that id, `NotAuthorized` for an
        invalid, expired or revoked access token.
        """
