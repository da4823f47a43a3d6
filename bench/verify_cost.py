"""What verifying one access token costs: `.venv/bin/python bench/verify_cost.py`.

Mints Cognito-shaped RS256 access tokens and prints the median cost per token, in microseconds, of:
an unseen token (a fresh CachingTokenVerifier in front of a JwksTokenVerifier whose keys are already
converted), a known token (a cache hit), PyJWT's jwt.decode alone, the bare RSA verify of the
`cryptography` package, and joserfc's decode when joserfc is installed; then the ratio of an unseen
token's cost to the bare RSA verify, measured in paired rounds (the target is at most 2).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import timeit
import uuid
from collections.abc import Callable
from importlib import metadata
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from adapters.clock import SystemClock
from adapters.jwt.caching_verifier import CachingTokenVerifier
from adapters.jwt.verifier import JwksTokenVerifier

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Bench0001"
CLIENT_ID = "4k2jq9v8bench0client0id0ab"
KID = "bench-key-1"
REPEAT = 7
UNSEEN_TOKENS = 500
KNOWN_CALLS = 100_000
DECODE_CALLS = 2_000
PAIRED_ROUNDS = 21


def cognito_access_token(key: rsa.RSAPrivateKey, now: int) -> str:
    """An access token with the claims, sizes and header Cognito gives one (about 1 KiB)."""
    sub = str(uuid.uuid4())
    claims = {
        "sub": sub,
        "cognito:groups": ["staff"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "username": sub,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def per_call_microseconds(run: Callable[[], object], number: int) -> float:
    """The median over REPEAT runs of `number` calls, per call."""
    return statistics.median(timeit.repeat(run, number=number, repeat=REPEAT)) / number * 1e6


def unseen_microseconds(verifier: JwksTokenVerifier, tokens: list[str]) -> float:
    """Each run puts a fresh cache in front of the warm verifier, so every token in it is new."""
    runs = []
    for _ in range(REPEAT):
        cached = CachingTokenVerifier(verifier, clock=SystemClock(), max_entries=len(tokens))
        started = time.perf_counter()
        for token in tokens:
            cached.verify_access_token(token)
        runs.append((time.perf_counter() - started) / len(tokens))
    return statistics.median(runs) * 1e6


def paired_ratios(verifier: JwksTokenVerifier, public_key: rsa.RSAPublicKey, tokens: list[str]) -> list[float]:
    """Per round, an unseen token's cost over the bare RSA verify of the same tokens, measured back to back,
    so that what else the machine does weighs on both sides of each ratio alike."""
    signed = [
        (input_.encode(), jwt.utils.base64url_decode(signature))
        for input_, _, signature in (token.rpartition(".") for token in tokens)
    ]
    ratios = []
    for _ in range(PAIRED_ROUNDS):
        started = time.perf_counter()
        for signing_input, signature in signed:
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        bare = time.perf_counter() - started
        cached = CachingTokenVerifier(verifier, clock=SystemClock(), max_entries=len(tokens))
        started = time.perf_counter()
        for token in tokens:
            cached.verify_access_token(token)
        ratios.append((time.perf_counter() - started) / bare)
    return ratios


def joserfc_microseconds(jwk: dict[str, Any], token: str) -> float | None:
    try:
        from joserfc import jwt as joserfc_jwt
        from joserfc.jwk import RSAKey
    except ImportError:
        return None
    key = RSAKey.import_key(jwk)
    return per_call_microseconds(lambda: joserfc_jwt.decode(token, key, algorithms=["RS256"]), DECODE_CALLS)


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk |= {"kid": KID, "alg": "RS256", "use": "sig"}
    now = int(time.time())
    tokens = [cognito_access_token(key, now) for _ in range(UNSEEN_TOKENS)]
    token = tokens[0]

    verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=lambda: {"keys": [jwk]}, clock=SystemClock())
    verifier.verify_access_token(token)  # converts the key, outside every measurement
    cached = CachingTokenVerifier(verifier, clock=SystemClock())
    cached.verify_access_token(token)

    signing_input, _, signature = token.rpartition(".")
    signature_bytes = jwt.utils.base64url_decode(signature)
    public_key = key.public_key()
    pyjwk = jwt.PyJWK(jwk)

    rows: list[tuple[str, float | None]] = [
        ("unseen token: CachingTokenVerifier miss, every check", unseen_microseconds(verifier, tokens)),
        (
            "known token: CachingTokenVerifier hit",
            per_call_microseconds(lambda: cached.verify_access_token(token), KNOWN_CALLS),
        ),
        (
            "PyJWT jwt.decode alone (signature, no claim checks)",
            per_call_microseconds(
                lambda: jwt.decode(token, pyjwk, algorithms=["RS256"], options={"verify_exp": False}), DECODE_CALLS
            ),
        ),
        (
            "cryptography RSA verify alone",
            per_call_microseconds(
                lambda: public_key.verify(signature_bytes, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()),
                DECODE_CALLS,
            ),
        ),
        ("joserfc jwt.decode alone (signature, no claim checks)", joserfc_microseconds(jwk, token)),
    ]

    print(f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, ", end="")
    print(", ".join(f"{name} {version(name)}" for name in ("PyJWT", "cryptography", "joserfc")))
    print(f"token of {len(token)} characters; median of {REPEAT} runs")
    print(f"{'what':<56}{'µs per token':>14}")
    for name, microseconds in rows:
        print(f"{name:<56}{'-' if microseconds is None else f'{microseconds:.1f}':>14}")
    ratios = sorted(paired_ratios(verifier, public_key, tokens))
    print(
        f"unseen token / RSA verify, {PAIRED_ROUNDS} paired rounds: median {statistics.median(ratios):.2f} "
        f"(lowest {ratios[0]:.2f}, highest {ratios[-1]:.2f}); target at most 2"
    )


if __name__ == "__main__":
    main()
