"""Profile images through the API and the S3 adapter: each test runs against the local-files store
and against S3 on the moto server, with the embedded pool for sign-in (the images are the subject)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps

from adapters.local_files.profile_image_store import LocalFileProfileImageStore
from adapters.s3.client import build_s3_client
from adapters.s3.profile_image_store import S3ProfileImageStore
from application.ports.profile_image_store import ProfileImageStore
from django_shell.accounts.images import signed_image_url
from django_shell.containers import Container
from tests.integration.api.conftest import Api, basic
from tests.pools import EmbeddedBackend

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

USERNAME = "ada@example.com"
PASSWORD = "Correct-Horse-9"


@attrs.frozen
class Store:
    """A store under test, and what only its test can see: which keys it holds."""

    name: str
    store: ProfileImageStore
    keys: Callable[[], set[str]]


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> S3Client:
    return build_s3_client(
        region="us-east-1",
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        max_attempts=1,
    )


@pytest.fixture
def bucket(s3_client: S3Client) -> str:
    """A bucket of its own for each test, so that no test sees another's objects."""
    name = f"profile-images-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(s3_client: S3Client, bucket: str) -> Store:
    def keys() -> set[str]:
        return {item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    return Store("s3", S3ProfileImageStore(s3_client, bucket), keys)


@pytest.fixture
def local_store(tmp_path: Path) -> Store:
    root = tmp_path / "media"

    def keys() -> set[str]:
        return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}

    return Store("local", LocalFileProfileImageStore(root, signed_image_url), keys)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.moto)])
def store(request: pytest.FixtureRequest) -> Store:
    chosen: Store = request.getfixturevalue(f"{request.param}_store")
    return chosen


@attrs.frozen
class SignedIn:
    """A signed-in user of the API, and the requests the image tests make."""

    api: Api
    access_token: str

    def _token(self, authenticated: bool) -> dict[str, str]:
        return {"HTTP_ACCESSTOKEN": self.access_token} if authenticated else {}

    def put_image(
        self, content: bytes, content_type: str = "image/png", *, authenticated: bool = True, **meta: str
    ) -> Any:
        return self.api.client.put(
            "/auth/me/image", data=content, content_type=content_type, **self._token(authenticated), **meta
        )

    def delete_image(self, *, authenticated: bool = True) -> Any:
        return self.api.client.delete("/auth/me/image", **self._token(authenticated))

    def me(self) -> Any:
        return self.api.client.get("/auth/me", **self._token(True))

    def fetch(self, url: str) -> tuple[int, str | None, bytes]:
        """GET an image URL as a browser would, without tokens: the local store's from the service
        (through the test client), S3's from the moto server over HTTP."""
        if url.startswith("http://testserver/"):
            response = self.api.client.get(url)
            return response.status_code, response.get("Content-Type"), response.content
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 -- the moto server's http URL
                return answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], b""


@pytest.fixture
def container(db: None) -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def signed_in(container: Container, store: Store, signing_key: rsa.RSAPrivateKey) -> Iterator[SignedIn]:
    """A user signed in to the API, which runs with the embedded pool and the store under test."""
    pool = EmbeddedBackend.create(signing_key, time.time())
    with (
        container.identity_provider.override(pool.provider),
        container.token_verifier.override(pool.verifier),
        container.profile_image_store.override(store.store),
    ):
        api = Api()
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        api.post("/auth/confirm_signup", {"username": USERNAME, "code": pool.sign_up_code(USERNAME)})
        response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert response.status_code == 200, response.json()
        api.client.cookies.clear()  # each request sends the token, or goes without one
        yield SignedIn(api, response["AccessToken"])
