"""The boto3 `cognito-idp` client, built once per process by the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

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
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
    )
    # A session of our own: boto3's module-level default session is created lazily and is not
    # thread-safe, and a client built from it would pick up whatever else configured it.
    session = boto3.session.Session()
    client: CognitoIdentityProviderClient = session.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )
    return client
