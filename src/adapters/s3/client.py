"""The boto3 `s3` client, built once per process by the composition root.

An upload or deletion that S3 refuses, never answers or answers with an error ends within
max_attempts * (connect_timeout + read_timeout) seconds plus botocore's back-off, as the Cognito
client's budget explains (`adapters/cognito/client.py`). The read timeout is longer than Cognito's
because it also covers S3 taking in an image of up to 5 MiB before it answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.aws import bounded_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def build_s3_client(
    *,
    region: str,
    endpoint_url: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    connect_timeout: float = 3,
    read_timeout: float = 10,
    max_attempts: int = 2,
) -> S3Client:
    """A client with short timeouts and few retries, since a user waits on every upload.

    `None` keys leave credentials to boto3's usual chain. `endpoint_url` is an emulator's (the
    settings pass `AWS_ENDPOINT_URL_S3` here); `None` means AWS. Presigned URLs are signed with
    SigV4, the only signature newer regions accept, for `region`, which must be the bucket's.
    """
    client: S3Client = bounded_client(
        "s3",
        region=region,
        endpoint_url=endpoint_url,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        signature_version="s3v4",
        # On AWS, virtual-hosted URLs name the bucket's region (botocore's default presigns for the
        # global endpoint, which newer regions refuse); emulators answer on one host, by path.
        s3={"addressing_style": "virtual" if endpoint_url is None else "path"},
    )
    return client
