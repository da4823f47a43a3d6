"""Test harnesses around each identity provider: the provider, its verifier, and the back doors a
test needs (reading delivered codes, creating users as an administrator), plus what each lacks."""

from __future__ import annotations

import enum
from typing import Protocol

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.jwt.verifier import JwksTokenVerifier
from adapters.memory.identity_provider import InMemoryIdentityProvider
from application.ports.code_sender import CodePurpose
from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.values import Attributes, Password, Username
from tests.fakes import ManualClock, RecordingCodeSender


class Gap(enum.Enum):
    """Cognito behaviours the emulator does not model (see shared/MOTO.md); the value is the skip reason."""

    SIGN_UP_CODES_UNCHECKED = "moto's ConfirmSignUp accepts any code"
    NO_RESEND_CONFIRMATION_CODE = "moto does not implement ResendConfirmationCode (HTTP 500)"
    RESET_SKIPS_PASSWORD_POLICY = "moto's ConfirmForgotPassword does not apply the password policy"
    SESSIONS_REUSABLE = "moto does not make challenge sessions single-use"


class Backend(Protocol):
    name: str
    provider: IdentityProvider
    verifier: TokenVerifier
    gaps: frozenset[Gap]
    wrong_reset_code_errors: frozenset[str]
    """Codes a wrong reset code may give: Cognito says CodeMismatch, moto ExpiredCode."""

    def sign_up_code(self, username: str) -> str: ...

    def reset_code(self, username: str) -> str: ...

    def admin_create_user(self, username: str, temporary_password: str) -> None: ...


def skip_if(backend: Backend, gap: Gap) -> None:
    if gap in backend.gaps:
        pytest.skip(f"{backend.name}: {gap.value}")


@attrs.define
class MemoryBackend:
    provider: InMemoryIdentityProvider
    verifier: JwksTokenVerifier
    sender: RecordingCodeSender
    clock: ManualClock
    name: str = "memory"
    gaps: frozenset[Gap] = frozenset()
    wrong_reset_code_errors: frozenset[str] = frozenset({"CodeMismatch"})

    @classmethod
    def create(cls, signing_key: rsa.RSAPrivateKey, now: float) -> MemoryBackend:
        sender, clock = RecordingCodeSender(), ManualClock(now)
        provider = InMemoryIdentityProvider(
            pool_id="us-east-1_test",
            client_id="test-client",
            region="us-east-1",
            code_sender=sender,
            clock=clock,
            signing_key=signing_key,
        )
        verifier = JwksTokenVerifier(issuer=provider.issuer, client_id="test-client", jwks=provider.jwks, clock=clock)
        return cls(provider, verifier, sender, clock)

    def sign_up_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.SIGN_UP)

    def reset_code(self, username: str) -> str:
        return self.sender.last_code(username, CodePurpose.PASSWORD_RESET)

    def admin_create_user(self, username: str, temporary_password: str) -> None:
        self.provider.admin_create_user(
            Username(username), Password(temporary_password), Attributes.from_pairs([("email", username)])
        )
