"""A passkey authenticator and the browser around it, for tests: it answers creation and request
options with credentials shaped as `PublicKeyCredential.toJSON()` gives them.

Written apart from py_webauthn (which only verifies, and which the pool uses) so that a shared
mistake cannot hide; the maintained packages that emulate an authenticator (`soft-webauthn`) are
tied to fido2 1.x and produce no `toJSON()` shapes. EC P-256 keys (COSE ES256), `none` attestation,
authenticator data with the UP, UV and AT flags and a sign counter, as the WebAuthn Level 3 spec
lays them out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from typing import Any

import attrs
import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

_USER_PRESENT, _USER_VERIFIED, _ATTESTED_CREDENTIAL_DATA = 0x01, 0x04, 0x40
_ES256 = -7
# An authenticator that says nothing of its make, as `none` attestation has it.
_AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ExcludedCredential(Exception):
    """The authenticator already holds a passkey that the options exclude (a browser's InvalidStateError)."""


@attrs.define
class StoredCredential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey = attrs.field(repr=False)
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@attrs.define
class SoftwareAuthenticator:
    """One authenticator holding passkeys, used from `origin`. `counter_step` is how much its sign
    counter grows per use (0: an authenticator that keeps none, as synced passkeys do)."""

    origin: str = "http://localhost:8000"
    attachment: str = "platform"
    transports: tuple[str, ...] = ("internal",)
    counter_step: int = 1
    credentials: dict[bytes, StoredCredential] = attrs.field(factory=dict)

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
    ) -> dict[str, Any]:
        """`navigator.credentials.create()` on `options` (creation options JSON), then `toJSON()`.
        `origin`, `rp_id` and `user_verified` let a test make a credential the server must refuse."""
        relying_party = rp_id or options["rp"]["id"]
        excluded = {unb64url(item["id"]) for item in options.get("excludeCredentials", [])}
        if excluded & set(self.credentials):
            raise ExcludedCredential()
        stored = StoredCredential(
            credential_id=secrets.token_bytes(32),
            key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=relying_party,
            user_handle=unb64url(options["user"]["id"]),
        )
        self.credentials[stored.credential_id] = stored
        public_numbers = stored.key.public_key().public_numbers()
        cose_key = {
            1: 2,  # kty: EC2
            3: _ES256,
            -1: 1,  # crv: P-256
            -2: public_numbers.x.to_bytes(32, "big"),
            -3: public_numbers.y.to_bytes(32, "big"),
        }
        attested = _AAGUID + struct.pack(">H", len(stored.credential_id)) + stored.credential_id + cbor2.dumps(cose_key)
        flags = _USER_PRESENT | (_USER_VERIFIED if user_verified else 0) | _ATTESTED_CREDENTIAL_DATA
        authenticator_data = _authenticator_data(relying_party, flags, stored.sign_count) + attested
        client_data = _client_data("webauthn.create", options["challenge"], origin or self.origin)
        public_key = stored.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "id": b64url(stored.credential_id),
            "rawId": b64url(stored.credential_id),
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(
                    cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
                ),
                "authenticatorData": b64url(authenticator_data),
                "transports": list(self.transports),
                "publicKeyAlgorithm": _ES256,
                "publicKey": b64url(public_key),
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
    ) -> dict[str, Any]:
        """`navigator.credentials.get()` on `options` (request options JSON), then `toJSON()`: an
        assertion by the first passkey held that the options allow (any, when they allow all).
        `sign_count` sets the counter it reports instead of the next one."""
        relying_party = rp_id or options["rpId"]
        allowed = [unb64url(item["id"]) for item in options.get("allowCredentials", [])]
        stored = next(
            credential
            for credential in self.credentials.values()
            if (credential.credential_id in allowed if allowed else credential.rp_id == relying_party)
        )
        stored.sign_count += self.counter_step
        flags = _USER_PRESENT | (_USER_VERIFIED if user_verified else 0)
        authenticator_data = _authenticator_data(
            relying_party, flags, stored.sign_count if sign_count is None else sign_count
        )
        client_data = _client_data("webauthn.get", options["challenge"], origin or self.origin)
        signature = stored.key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(stored.credential_id),
            "rawId": b64url(stored.credential_id),
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(authenticator_data),
                "signature": b64url(signature),
                "userHandle": b64url(stored.user_handle),
            },
        }


def _authenticator_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)


def _client_data(ceremony: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": ceremony, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()
