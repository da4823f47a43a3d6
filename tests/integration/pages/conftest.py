"""The account pages under Django's test client, wired as the API's tests are: a fresh pool per test."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.test import Client

from tests.integration.api import conftest as api
from tests.pools import Backend

# The API suite's wiring, the same for the pages: the database, the container, a fresh pool per test.
_database, container, backend = api._database, api.container, api.backend

PASSWORD = "Correct-Horse-9"


class Pages:
    """A browser without JavaScript: Django's test client posting forms, keeping cookies."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, **query: str):
        return self.client.get(path, query)

    def post(self, path: str, data: dict[str, str] | None = None):
        return self.client.post(path, data or {})

    def follow(self, response):
        """The page a redirect leads to."""
        assert response.status_code == 302, response.content.decode()
        return self.client.get(response["Location"])

    def sign_up(self, backend: Backend, username: str, password: str = PASSWORD) -> None:
        response = self.post("/account/sign-up", {"username": username, "password": password, "given_name": ""})
        assert response.status_code == 302, response.content.decode()
        confirmed = self.post("/account/confirm", {"username": username, "code": backend.sign_up_code(username)})
        assert confirmed["Location"] == "/account/profile", confirmed.content.decode()
        # Confirming signed the new user in; the tests start from a browser that has not.
        self.client.cookies.clear()

    def sign_in(self, username: str, password: str = PASSWORD):
        return self.post("/account/sign-in", {"username": username, "password": password})

    def cookie(self, name: str) -> str | None:
        morsel = self.client.cookies.get(name)
        return morsel.value if morsel is not None and morsel.value else None


@pytest.fixture
def pages(backend: Backend) -> Pages:
    """A fresh pool behind it (`backend`): the API suite's wiring."""
    return Pages(Client())


def readable(html: str) -> str:
    """HTML's text without its tags, entities and runs of whitespace, as a reader meets it."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def text_of(response) -> str:
    return readable(response.content.decode())
