"""Building boto3 clients the one way this service needs them: bounded in time, on a session of their own."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config


def bounded_client(
    service: str,
    *,
    region: str,
    endpoint_url: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
    **config: Any,
) -> Any:
    """A client whose every call ends within `max_attempts` x (connect + read timeout) plus
    botocore's back-off. `config` adds service-specific botocore settings. The caller annotates
    the result with the service's client type."""
    bounded = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        **config,
    )
    # A session of our own: boto3's module-level default session is created lazily and is not
    # thread-safe, and a client built from it would pick up whatever else configured it.
    session = boto3.session.Session()
    return session.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=bounded,
    )
