"""Test harnesses around each identity provider: the provider, its verifier, and the back doors a
test needs (reading delivered codes, creating users as an administrator), plus what each lacks."""

from __future__ import annotations

import enum
import math
import time
from typing import TYPE_CHECKING, Protocol

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.clock import SystemClock
from adapters.cognito.identity_provider import CognitoIdentityProvider
from adapters.cognito.local_pool import LocalPool
from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.jwt.http_jwks import HttpJwks
from adapters.jwt.verifier import JwksTokenVerifier
from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.values import Attributes, MfaPreference, Password, Username
from tests.fakes import ManualClock, RecordingCodeSender
from tests.moto_server import ForgotPasswordCodes
from tests.totp import totp

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

_EMBEDDED_CLIENT_ID = "test-client"


class Gap(enum.Enum):
    """Cognito behaviours the emulator does not model (see shared/MOTO.md); the value is the skip reason."""

    SIGN_UP_CODES_UNCHECKED = "moto's ConfirmSignUp accepts any code"
    NO_RESEND_CONFIRMATION_CODE = "moto does not implement ResendConfirmationCode (HTTP 500)"
    RESET_SKIPS_PASSWORD_POLICY = "moto's ConfirmForgotPassword does not apply the password policy"
    SESSIONS_UNMODELLED = "moto answers a reused challenge session with ResourceNotFound, not Cognito's NotAuthorized"
    USERNAMES_CASE_SENSITIVE = (
        "moto compares usernames exactly, ignoring the pool's UsernameConfiguration CaseSensitive=False"
    )
    CONFIRMED_USERS_RECONFIRMED = (
        "moto's ConfirmSignUp confirms an already confirmed user again instead of refusing with NotAuthorizedException"
    )
    NEW_PASSWORD_CHALLENGE_PARAMETERS = (
        "moto's NEW_PASSWORD_REQUIRED challenge carries only USERNAME, not Cognito's USER_ID_FOR_SRP, "
        "requiredAttributes and userAttributes"
    )
    REFRESH_RESTAMPS_AUTH_TIME = "moto stamps refreshed tokens with the refresh time as auth_time, not the sign-in time"
    TOKENS_STAMPED_WITH_WALL_CLOCK = (
        "moto stamps refreshed tokens with the wall clock, so a verifier moved into the future sees them expired too"
    )
    FORGOT_PASSWORD_ANSWERS_UNKNOWN_USERS = (
        "moto's ForgotPassword answers 200 for an unknown user instead of UserNotFoundException"
    )
    NO_DELETE_USER = "moto does not implement DeleteUser (HTTP 500)"
    CONFIRM_FORGOT_PASSWORD_FAILS_FOR_UNKNOWN_USERS = (
        "moto's ConfirmForgotPassword fails (HTTP 500) for an unknown user instead of answering UserNotFoundException"
    )
    ADMIN_CREATE_SKIPS_PASSWORD_POLICY = (
        "moto's AdminCreateUser accepts a temporary password that breaks the pool's password policy"
    )
    TOTP_CODES_REUSABLE = "moto accepts a TOTP code again within its 30 s step: it keeps no record of used codes"
    SMS_MFA_WITHOUT_PHONE_NUMBER = "moto turns SMS MFA on for a user without a phone number"
    SMS_CHALLENGE_PARAMETERS = (
        "moto's SMS_MFA challenge carries no CODE_DELIVERY_DESTINATION or CODE_DELIVERY_DELIVERY_MEDIUM"
    )
    SMS_CODES_UNCHECKED = "moto sends no SMS code and accepts any code for the SMS_MFA challenge"
    WRONG_MFA_CODES_UNLIMITED = "moto keeps a challenge session usable however many wrong MFA codes it was sent"
    NO_MFA_AFTER_NEW_PASSWORD = (
        "moto signs a user in after NEW_PASSWORD_REQUIRED without asking for the code of their MFA factor"
    )
    NO_ATTRIBUTE_VERIFICATION = (
        "moto does not implement GetUserAttributeVerificationCode or VerifyUserAttribute (HTTP 500)"
    )
    EMAIL_CHANGE_STAYS_VERIFIED = (
        "moto's UpdateUserAttributes leaves a changed e-mail's email_verified as it was and sends no code "
        "(no CodeDeliveryDetailsList)"
    )
    ATTRIBUTE_SCHEMA_UNCHECKED = (
        "moto's UpdateUserAttributes accepts any attribute name, outside the pool's schema and the verified flags too"
    )
    CONFIRMATION_LEAVES_EMAIL_UNVERIFIED = (
        "moto's ConfirmSignUp does not set email_verified though the pool verifies e-mail automatically, "
        "so AdminResetUserPassword refuses the user until a test marks the address verified"
    )
    RESET_PASSWORD_STILL_SIGNS_IN = (
        "moto signs a RESET_REQUIRED user in with the withdrawn password instead of answering "
        "PasswordResetRequiredException"
    )
    NO_ADMIN_RESET_CODE = "moto's AdminResetUserPassword delivers no code: the user has to ask with ForgotPassword"
    RESET_STATUS_KEPT = "moto's ConfirmForgotPassword leaves a RESET_REQUIRED user in that status instead of CONFIRMED"
    USER_STATUS_FILTER_CASE_SENSITIVE = (
        "moto's ListUsers compares cognito:user_status case-sensitively; Cognito ignores its case"
    )
    FOREIGN_PAGE_TOKEN_WRONG_CODE = (
        "moto answers a page token it did not issue with InvalidToken, not Cognito's InvalidParameterException"
    )
    NO_INVITATIONS = "moto sends no invitation: AdminCreateUser ignores DesiredDeliveryMediums"
    NO_PASSWORD_LOCKOUT = (
        "moto never locks a user out after wrong passwords; Cognito refuses sign-ins for 2^(n-5) s after the "
        "fifth with NotAuthorizedException 'Password attempts exceeded'"
    )
    CODE_REQUESTS_UNLIMITED = (
        "moto sends a user any number of codes; Cognito caps the requests per user per hour (LimitExceededException)"
    )
    NO_MFA_LOCKOUT = "moto never locks a user's MFA challenges, however many wrong codes they were sent"
    NO_WEBAUTHN = (
        "moto implements none of the WebAuthn operations (StartWebAuthnRegistration, CompleteWebAuthnRegistration, "
        "ListWebAuthnCredentials, DeleteWebAuthnCredential)"
    )


class Backend(Protocol):
    name: str
    provider: IdentityProvider
    verifier: TokenVerifier
    gaps: frozenset[Gap]
    wrong_reset_code_errors: frozenset[str]
    """Codes a wrong reset code may give: Cognito says CodeMismatch, moto ExpiredCode."""

    @property
    def client_id(self) -> str:
        """The pool's app client: the tokens' `client_id` and `aud`."""

    def sign_up_code(self, username: str) -> str: ...

    def reset_code(self, username: str) -> str: ...

    def verification_code(self, username: str) -> str:
        """The last code that verifies the user's e-mail address."""

    def admin_create_user(self, username: str, temporary_password: str) -> None: ...

    def admin_create_user_with_sms_mfa(self, username: str, temporary_password: str, phone_number: str) -> None:
        """Create a user with a verified phone number and SMS MFA on, who must choose a new password."""

    def sms_code(self, username: str) -> str:
        """The code the user's last SMS_MFA challenge sent."""

    def mark_email_verified(self, username: str) -> None:
        """Make a confirmed user's e-mail address verified where the pool failed to
        (`Gap.CONFIRMATION_LEAVES_EMAIL_UNVERIFIED`); the embedded pool already has."""

    def let_time_pass(self, seconds: float) -> None:
        """Move the clock that tokens are judged by: the fake's pool and verifier alike; with moto, whose
        tokens keep the wall clock, the verifier's only, so tokens expire without waiting (MOTO.md)."""

    @property
    def token_clock(self) -> Clock:
        """The clock that stamps the pool's tokens (`iat`): the fake's own, moto's the wall clock."""

    def start_the_next_second(self) -> None:
        """Bring `token_clock` to the start of its next whole second, so that tokens issued from now on
        have a later `iat` than those issued so far."""

    def authenticator_code(self, secret: str) -> str:
        """The code an authenticator app loaded with `secret` shows now, by the pool's clock."""


def skip_if(backend: Backend, gap: Gap) -> None:
    if gap in backend.gaps:
        pytest.skip(f"{backend.name}: {gap.value}")


def xfail_if(request: pytest.FixtureRequest, backend: Backend, gap: Gap, raises: type[Exception] | None = None) -> None:
    """For a provider that answers wrongly: the test must fail on it (strict), so that a fixed emulator shows."""
    if gap in backend.gaps:
        request.applymarker(pytest.mark.xfail(strict=True, raises=raises, reason=f"{backend.name}: {gap.value}"))


@attrs.define
class EmbeddedBackend:
    provider: EmbeddedIdentityProvider
    verifier: JwksTokenVerifier
    sender: RecordingCodeSender
    clock: ManualClock
    name: str = "embedded"
    client_id: str = _EMBEDDED_CLIENT_ID
    gaps: frozenset[Gap] = frozenset()
    wrong_reset_code_errors: frozenset[str] = frozenset({"CodeMismatch"})

    @classmethod
    def create(cls, signing_key: rsa.RSAPrivateKey, now: float) -> EmbeddedBackend:
        sender, clock = RecordingCodeSender(), ManualClock(now)
        provider = EmbeddedIdentityProvider(
            pool_id="us-east-1_test",
            client_id=_EMBEDDED_CLIENT_ID,
            region="us-east-1",
            code_sender=sender,
            clock=clock,
            signing_key=signing_key,
        )
        verifier = JwksTokenVerifier(
            issuer=provider.issuer, client_id=_EMBEDDED_CLIENT_ID, jwks=provider.jwks, clock=clock
        )
        return cls(provider, verifier, sender, clock)

    def sign_up_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.SIGN_UP)

    def reset_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.PASSWORD_RESET)

    def verification_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.EMAIL_VERIFICATION)

    def admin_create_user(self, username: str, temporary_password: str) -> None:
        self.provider.admin_create_user(
            Username(username), Password(temporary_password), Attributes.from_pairs([("email", username)])
        )

    def admin_create_user_with_sms_mfa(self, username: str, temporary_password: str, phone_number: str) -> None:
        attributes = Attributes.from_pairs(
            [("email", username), ("phone_number", phone_number), ("phone_number_verified", "true")]
        )
        self.provider.admin_create_user(Username(username), Password(temporary_password), attributes)
        self.provider.admin_set_user_mfa_preference(Username(username), MfaPreference(sms=True))

    def sms_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.SIGN_IN)

    def mark_email_verified(self, username: str) -> None:
        pass  # confirming the sign-up with the e-mailed code verified the address

    def let_time_pass(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @property
    def token_clock(self) -> Clock:
        return self.clock

    def start_the_next_second(self) -> None:
        self.clock.advance(math.floor(self.clock.now()) + 1 - self.clock.now())

    def authenticator_code(self, secret: str) -> str:
        return totp(secret, self.clock.now())


@attrs.define
class CognitoBackend:
    """The boto3 adapter against a fresh pool on the moto server, over HTTP."""

    client: CognitoIdentityProviderClient
    pool: LocalPool
    provider: CognitoIdentityProvider
    verifier: JwksTokenVerifier
    reset_codes: ForgotPasswordCodes
    clock: ManualClock
    name: str = "cognito"
    gaps: frozenset[Gap] = frozenset(Gap)
    wrong_reset_code_errors: frozenset[str] = frozenset({"ExpiredCode"})

    @classmethod
    def create(
        cls, client: CognitoIdentityProviderClient, pool: LocalPool, endpoint_url: str, reset_codes: ForgotPasswordCodes
    ) -> CognitoBackend:
        provider = CognitoIdentityProvider(client, client_id=pool.client_id, client_secret=pool.client_secret)
        # moto stamps its tokens with the wall clock, which no test can move; the verifier's clock it can.
        clock = ManualClock(time.time())
        verifier = JwksTokenVerifier(
            # moto signs AWS's issuer but serves the keys itself, which is why the two are configured apart.
            issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool.pool_id}",
            client_id=pool.client_id,
            jwks=HttpJwks(f"{endpoint_url}/{pool.pool_id}/.well-known/jwks.json"),
            clock=clock,
        )
        return cls(client, pool, provider, verifier, reset_codes, clock)

    @property
    def client_id(self) -> str:
        return self.pool.client_id

    def sign_up_code(self, username: str) -> str:
        return "123456"  # moto confirms with any code (Gap.SIGN_UP_CODES_UNCHECKED)

    def reset_code(self, username: str) -> str:
        return self.reset_codes.last

    def verification_code(self, username: str) -> str:
        raise LookupError(Gap.EMAIL_CHANGE_STAYS_VERIFIED.value)

    def admin_create_user(self, username: str, temporary_password: str) -> None:
        self.client.admin_create_user(
            UserPoolId=self.pool.pool_id,
            Username=username,
            TemporaryPassword=temporary_password,
            UserAttributes=[{"Name": "email", "Value": username}],
            MessageAction="SUPPRESS",
        )

    def admin_create_user_with_sms_mfa(self, username: str, temporary_password: str, phone_number: str) -> None:
        self.client.admin_create_user(
            UserPoolId=self.pool.pool_id,
            Username=username,
            TemporaryPassword=temporary_password,
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "phone_number", "Value": phone_number},
                {"Name": "phone_number_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        self.client.admin_set_user_mfa_preference(
            UserPoolId=self.pool.pool_id, Username=username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
        )

    def sms_code(self, username: str) -> str:
        return "123456"  # moto accepts any SMS code (Gap.SMS_CODES_UNCHECKED)

    def mark_email_verified(self, username: str) -> None:
        if Gap.CONFIRMATION_LEAVES_EMAIL_UNVERIFIED not in self.gaps:
            return
        self.client.admin_update_user_attributes(
            UserPoolId=self.pool.pool_id,
            Username=username,
            UserAttributes=[{"Name": "email_verified", "Value": "true"}],
        )

    def let_time_pass(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @property
    def token_clock(self) -> Clock:
        return SystemClock()

    def start_the_next_second(self) -> None:
        time.sleep(math.floor(time.time()) + 1 - time.time())

    def authenticator_code(self, secret: str) -> str:
        # moto checks the code against the current 30 s step of the wall clock only: near the end of a
        # step, wait for the next one rather than send a code that expires on the way.
        if time.time() % 30 > 28:
            time.sleep(30 - time.time() % 30 + 0.1)
        return totp(secret, time.time())
