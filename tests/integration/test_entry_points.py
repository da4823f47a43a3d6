"""The service as an operator starts it: configured by the environment, run as its own process."""

from __future__ import annotations

import base64
import re
import shlex
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.live_server import running_service, service_environment


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def exports(text: str) -> dict[str, str]:
    return {name: shlex.split(value)[0] for name, value in re.findall(r"^export (\w+)=(.*)$", text, flags=re.MULTILINE)}


class TestConfigurationErrors:
    @pytest.mark.parametrize(
        ("environment", "variable"),
        [
            ({"IDENTITY_PROVIDER": "cognito"}, "AWS_REGION"),
            ({"COGNITO_USER_POOL_ID": "us-east-1_x", "AWS_REGION": "us-east-1"}, "COGNITO_APP_CLIENT_ID"),
            ({"IDENTITY_PROVIDER": "ldap"}, "IDENTITY_PROVIDER"),
            ({"COGNITO_TOKEN_LEEWAY_SECONDS": "soon"}, "COGNITO_TOKEN_LEEWAY_SECONDS"),
            ({"DB_NAME": "auth"}, "DB_USERNAME"),
            ({"COGNITO_JWKS_URL": "file:///etc/passwd"}, "COGNITO_JWKS_URL"),
            ({"PROFILE_IMAGE_STORE": "s3"}, "S3_BUCKET"),
            ({"PROFILE_IMAGE_STORE": "gcs"}, "PROFILE_IMAGE_STORE"),
            ({"S3_BUCKET": "avatars", "AWS_ENDPOINT_URL_S3": "localhost:4566"}, "AWS_ENDPOINT_URL_S3"),
            ({"COGNITO_ADMIN_GROUP": "pool admins"}, "COGNITO_ADMIN_GROUP"),
            ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
            ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"}, "SECURE_PROXY_SSL_HEADER"),
            ({"CSRF_TRUSTED_ORIGINS": "auth.example.com"}, "CSRF_TRUSTED_ORIGINS"),
            ({"CSRF_TRUSTED_ORIGINS": "https://auth.example.com/admin"}, "CSRF_TRUSTED_ORIGINS"),
            ({"USE_X_FORWARDED_HOST": "sometimes"}, "USE_X_FORWARDED_HOST"),
            ({"CORS_ALLOWED_ORIGINS": "app.example.com"}, "CORS_ALLOWED_ORIGINS"),
            ({"CORS_ALLOWED_ORIGINS": "https://app.example.com/login"}, "CORS_ALLOWED_ORIGINS"),
            ({"RATE_LIMIT_PASSWORD_PER_IP": "ten a minute"}, "RATE_LIMIT_PASSWORD_PER_IP"),
            ({"RATE_LIMIT_CODE_PER_ACCOUNT": "0/minute"}, "RATE_LIMIT_CODE_PER_ACCOUNT"),
            ({"TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS"),
            ({"WEBAUTHN_RELYING_PARTY_ID": "https://auth.example.com"}, "WEBAUTHN_RELYING_PARTY_ID"),
            ({"WEBAUTHN_ORIGINS": "https://evil.example"}, "WEBAUTHN_ORIGINS"),
            ({"WEBAUTHN_ORIGINS": "http://localhost:8000/login"}, "WEBAUTHN_ORIGINS"),
            ({"WEBAUTHN_ORIGINS": "https://*.localhost"}, "WEBAUTHN_ORIGINS"),
            ({"WEBAUTHN_ORIGINS": "https://localhost:8443:*"}, "WEBAUTHN_ORIGINS"),
        ],
    )
    def test_stop_the_start_with_one_line_naming_the_variable(self, environment, variable):
        finished = subprocess.run(
            [sys.executable, "-m", "django_shell.manage", "check"],
            env=service_environment(**environment),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert finished.returncode != 0
        lines = finished.stderr.strip().splitlines()
        assert len(lines) == 1, finished.stderr
        assert lines[0].startswith("configuration error: ")
        assert variable in lines[0]


@pytest.mark.parametrize("name", ["embedded", "memory"])
def test_the_embedded_pool_answers_to_its_first_name_too(name):
    finished = subprocess.run(
        [sys.executable, "-m", "django_shell.manage", "check"],
        env=service_environment(IDENTITY_PROVIDER=name),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "identity provider: embedded (user pool in this process only" in finished.stderr


@pytest.mark.moto
def test_bootstrap_local_pool_prints_an_environment_that_serves_the_seed_flow(moto_endpoint, capsys, tmp_path):
    call_command("bootstrap_local_pool", endpoint_url=moto_endpoint)
    environment = exports(capsys.readouterr().out)
    assert environment["IDENTITY_PROVIDER"] == "cognito"
    assert environment["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] == moto_endpoint

    with running_service(service_environment(**environment, SQLITE_PATH=str(tmp_path / "db.sqlite3"))) as server:
        assert "identity provider: cognito" in server.log()
        signed_up = server.post("/auth/signup", headers=basic("zoe@example.com", "Correct-Horse-9"))
        assert signed_up.status == 201, signed_up.body
        # moto confirms with any code (shared/MOTO.md)
        assert server.post("/auth/confirm_signup", {"username": "zoe@example.com", "code": "123456"}).status == 200
        logged_in = server.post("/auth/login", headers=basic("zoe@example.com", "Correct-Horse-9"))
        assert logged_in.body == {"msg": "Welcome zoe@example.com"}
        tokens = {"AccessToken": logged_in.headers["AccessToken"], "RefreshToken": logged_in.headers["RefreshToken"]}
        assert server.post("/auth/refresh", headers=tokens).status == 200
        assert server.post("/auth/logout", headers=tokens).status == 200
        assert server.post("/auth/refresh", headers=tokens).status == 401


@pytest.mark.moto
def test_bootstrap_local_pool_creates_the_administrators_group(moto_endpoint, cognito_client, capsys):
    call_command("bootstrap_local_pool", endpoint_url=moto_endpoint, admin_group="pool-admins")
    environment = exports(capsys.readouterr().out)

    assert environment["COGNITO_ADMIN_GROUP"] == "pool-admins"
    group = cognito_client.get_group(UserPoolId=environment["COGNITO_USER_POOL_ID"], GroupName="pool-admins")
    assert group["Group"]["GroupName"] == "pool-admins"


def test_bootstrap_local_pool_refuses_an_administrators_group_no_pool_could_have():
    with pytest.raises(CommandError, match="admin-group"):
        call_command("bootstrap_local_pool", endpoint_url="http://127.0.0.1:9", admin_group="pool admins")


def test_the_embedded_default_serves_and_logs_its_codes(tmp_path):
    environment = service_environment(LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"), SQLITE_PATH=str(tmp_path / "db"))
    with running_service(environment) as server:
        assert "identity provider: embedded" in server.log()
        assert server.post("/auth/signup", headers=basic("yan@example.com", "Correct-Horse-9")).status == 201
        code = re.search(r"sign-up confirmation code for yan@example.com: (\d{6})", server.log())
        assert code, server.log()
        assert server.post("/auth/confirm_signup", {"username": "yan@example.com", "code": code[1]}).status == 200
    # A restart keeps the users: the pool lives in the file.
    with running_service(environment) as server:
        assert server.post("/auth/login", headers=basic("yan@example.com", "Correct-Horse-9")).status == 200
