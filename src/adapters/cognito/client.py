"""The boto3 `cognito-idp` client, built once per process by the composition root.

Time budget: a Cognito call that is refused, never answered, or answered with an error or a throttling
error ends within COGNITO_MAX_ATTEMPTS * (COGNITO_CONNECT_TIMEOUT_SECONDS + COGNITO_READ_TIMEOUT_SECONDS)
seconds plus botocore's back-off between attempts, which is under one second in total with the default
COGNITO_MAX_ATTEMPTS of 2.

Why: each attempt may spend the connect timeout connecting and the read timeout waiting for the answer,
and botocore's standard mode makes up to COGNITO_MAX_ATTEMPTS of them. Its jittered back-off before
retry i + 1 (0-based) is at most 50 ms * 2**i after an error and 1 s * 2**i after throttling, capped at
20 s, and a server's `x-amz-retry-after` hint may add up to 5 s: every attempt beyond the default
doubles it. The read timeout bounds each wait for data, not a whole answer, so an endpoint that trickles
bytes holds an attempt longer. `tests/integration/faults` holds every endpoint to this budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.aws import bounded_client

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


def build_cognito_client(
    *,
    region: str,
    endpoint_url: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    connect_timeout: float = 3,
    read_timeout: float = 5,
    max_attempts: int = 2,
) -> CognitoIdentityProviderClient:
    """A client with short timeouts and few retries: a user waits on every call, so a slow or failing
    pool must turn into `ProviderUnavailable` within seconds, not after botocore's 60 s and 3 attempts.

    `None` keys leave credentials to boto3's usual chain (environment, profile, instance role); a
    `None` endpoint leaves it to botocore (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, else AWS).
    """
    client: CognitoIdentityProviderClient = bounded_client(
        "cognito-idp",
        region=region,
        endpoint_url=endpoint_url,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
    )
    return client
