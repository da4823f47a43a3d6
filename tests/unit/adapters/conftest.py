"""The Cognito client that the adapters' Stubber tests share (test_s3_profile_image_store.py has its
own `client` and `stubber`, for S3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from botocore.stub import Stubber

from adapters.cognito.client import build_cognito_client

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


@pytest.fixture(scope="module")
def client() -> CognitoIdentityProviderClient:
    # Nothing listens at this endpoint; every answer comes from a Stubber.
    return build_cognito_client(
        region="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


@pytest.fixture
def stubber(client: CognitoIdentityProviderClient) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
