"""A Python client generated from the served schema by openapi-python-client works: it is generated
without a warning or a skipped operation, and walks the seed flow against a server process."""

from __future__ import annotations

import base64
import importlib
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.live_server import LiveServer, running_service, service_environment

PACKAGE = "cognito_auth_client"
PASSWORD = "Sturdy-Pass-42"
# The generator knows JSON, text and `application/octet-stream`; images are bytes to it as well.
CONFIG = """\
content_type_overrides:
  "image/*": application/octet-stream
  image/jpeg: application/octet-stream
  image/png: application/octet-stream
  image/webp: application/octet-stream
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("service")
    environment = service_environment(
        LOCAL_POOL_FILE=str(directory / "pool.sqlite3"),
        SQLITE_PATH=str(directory / "db.sqlite3"),
        LOCAL_MEDIA_DIR=str(directory / "media"),
    )
    with running_service(environment) as server:
        yield server


@pytest.fixture(scope="module")
def generated(service: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The generator's report and the schema it read, with the package importable."""
    directory = tmp_path_factory.mktemp("client")
    schema = directory / "schema.json"
    with urllib.request.urlopen(f"{service.base_url}/api/schema/?format=json", timeout=30) as answer:  # noqa: S310
        schema.write_bytes(answer.read())
    (directory / "config.yaml").write_text(CONFIG)
    # The generator formats its output with ruff, which it looks for on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    report = subprocess.run(  # noqa: S603 -- the generator installed beside our interpreter, fixed arguments
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
            "--config",
            str(directory / "config.yaml"),
        ],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert report.returncode == 0, report.stdout + report.stderr
    sys.path.insert(0, str(directory))
    return report.stdout + report.stderr, schema.read_text()


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def client(service: LiveServer, **auth: str) -> Any:
    """The generated client; `auth` as its `AuthenticatedClient` takes it (`token`, `prefix`, ...)."""
    package = module("client")
    if not auth:
        return package.Client(base_url=service.base_url, raise_on_unexpected_status=True)
    return package.AuthenticatedClient(base_url=service.base_url, raise_on_unexpected_status=True, **auth)


def basic(username: str, password: str) -> dict[str, str]:
    return {"token": base64.b64encode(f"{username}:{password}".encode()).decode(), "prefix": "Basic"}


def sign_up_code(service: LiveServer, username: str) -> str:
    codes: list[str] = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", service.log())
    return codes[-1]


class TestGeneration:
    def test_generates_every_operation_without_a_warning(self, generated):
        report, schema = generated
        assert "warning" not in report.lower(), report
        assert "skipping" not in report.lower(), report
        operation_ids = re.findall(r'"operationId":\s*"(\w+)"', schema)
        generated_modules = {path.stem for path in Path(module("api").__file__).parent.glob("*/*.py")}
        assert set(operation_ids) <= generated_modules

    def test_operations_have_readable_names(self, generated):
        _, schema = generated
        operation_ids = set(re.findall(r'"operationId":\s*"(\w+)"', schema))
        assert {"sign_up", "confirm_sign_up", "login", "get_me", "refresh", "logout"} <= operation_ids

    def test_errors_are_one_type(self, generated):
        # Not one class per operation and status: `Error` and its parts only.
        models = Path(module("models").__file__).parent
        assert {path.stem for path in models.glob("*.py") if "error" in path.stem} <= {
            "error",
            "error_code",
            "error_fields",
            "error_fields_additional_property_type_1",
        }


class TestSeedFlow:
    def test_sign_up_confirm_log_in_and_read_the_profile(self, generated, service):
        # One package per tag, one module per operation.
        sign_up, confirm_sign_up, login, get_me = (
            module(f"api.{name}")
            for name in ("sign_up.sign_up", "sign_up.confirm_sign_up", "sign_in.login", "profile.get_me")
        )
        models = module("models")
        username = "generated@example.com"

        signed_up = sign_up.sync_detailed(
            client=client(service, **basic(username, PASSWORD)),
            body=models.SignUpInput(user_attributes=[models.Attribute(name="given_name", value="Gen")]),
        )
        assert signed_up.status_code == 201
        assert isinstance(signed_up.parsed, models.SignUpResult)
        assert signed_up.parsed.user_confirmed is False

        confirmed = confirm_sign_up.sync_detailed(
            client=client(service),
            body=models.ConfirmSignUpInput(username=username, code=sign_up_code(service, username)),
        )
        assert (confirmed.status_code, confirmed.parsed.msg) == (200, "Account confirmed; you can log in now.")

        logged_in = login.sync_detailed(client=client(service, **basic(username, PASSWORD)))
        assert logged_in.status_code == 200
        assert isinstance(logged_in.parsed, models.Message)
        access_token = logged_in.headers["AccessToken"]

        for carrier in ({"auth_header_name": "AccessToken", "prefix": ""}, {"prefix": "Bearer"}):
            me = get_me.sync_detailed(client=client(service, token=access_token, **carrier))
            assert me.status_code == 200, carrier
            assert (me.parsed.username, me.parsed.given_name) == (username, "Gen")

        wrong = login.sync_detailed(client=client(service, **basic(username, "Wrong-Pass-42")))
        assert wrong.status_code == 401
        assert isinstance(wrong.parsed, models.Error)
        assert wrong.parsed.code == models.ErrorCode.NOTAUTHORIZED
