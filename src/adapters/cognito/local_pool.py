"""A user pool and app client created on a Cognito emulator (moto), set up as this service expects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from domain.values import STANDARD_ATTRIBUTES, VERIFIED_FLAGS

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


@attrs.frozen
class LocalPool:
    pool_id: str
    client_id: str
    client_secret: str = attrs.field(repr=False)


def create_local_pool(client: CognitoIdentityProviderClient, *, pool_name: str = "cognito-auth-local") -> LocalPool:
    """Create a pool (e-mail verified automatically and used for recovery, Cognito's default password
    policy, usernames compared case-insensitively) and an app client with a secret that signs in by
    password."""
    pool = client.create_user_pool(
        PoolName=pool_name,
        AutoVerifiedAttributes=["email"],
        # Spelled out because emulators do not share Cognito's default: moto's minimum length is 5.
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 7,
            }
        },
        # The domain compares usernames case-insensitively, as pools created in the console do;
        # the API's default is case-sensitive.
        UsernameConfiguration={"CaseSensitive": False},
        # Users recover their accounts by e-mail; without this the legacy order tries SMS first.
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )["UserPool"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{pool_name}-app",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        # Cognito puts every readable attribute in the id token when none are named; moto puts only
        # the named ones, so every standard one is named: the user mirror is built from them, and
        # after a profile change from GetUser, which should agree.
        ReadAttributes=sorted(STANDARD_ATTRIBUTES | VERIFIED_FLAGS),
    )["UserPoolClient"]
    return LocalPool(pool_id=pool["Id"], client_id=app_client["ClientId"], client_secret=app_client["ClientSecret"])
