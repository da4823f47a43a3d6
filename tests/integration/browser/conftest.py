"""The account pages in a real Chromium (Debian's `chromium`, driven by Playwright), against a server
process of the service. Each test gets a fresh browser context: its own cookies, as a new visitor."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

from tests.live_server import AMPLE_BUDGETS, LiveServer, running_service, service_environment

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that would reach the internet (the machine has none) or wait for it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Written by the suite, kept out of git: a picture of each page as the tests left it.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artefacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (`.ci/run` installs it); tests skip without it, but fail under CI, which must have it."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"no Chromium at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    environment = service_environment(
        SQLITE_PATH=str(tmp_path_factory.mktemp("pages") / "db.sqlite3"),
        # Plain http: cookies marked Secure would not come back.
        AUTH_COOKIE_SECURE="false",
        **AMPLE_BUDGETS,
    )
    with running_service(environment) as running:
        # `localhost`, not 127.0.0.1: WebAuthn's relying party id is `localhost`, and http://localhost
        # is a secure context for a browser.
        yield LiveServer(running.base_url.replace("127.0.0.1", "localhost"), running.log_path)


@pytest.fixture
def context(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    fresh = browser.new_context(base_url=server.base_url)
    fresh.set_default_timeout(10_000)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test when the Content-Security-Policy refuses anything a page holds."""
    tab = context.new_page()
    refusals: list[str] = []

    def note_refusals(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refusals.append(message.text)

    tab.on("console", note_refusals)
    yield tab
    assert refusals == []


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def logged_code(server: LiveServer, kind: str, username: str, *, after: int = 0) -> str:
    """The last code of `kind` ("sign-up confirmation", "sign-in", ...) that the server logged for
    `username` past the first `after` characters of its log, waiting a moment for the line."""
    deadline = time.monotonic() + 5
    while True:
        codes = re.findall(rf"{kind} code for {re.escape(username)}: (\d+)", server.log()[after:])
        if codes or time.monotonic() > deadline:
            assert codes, f"no {kind} code for {username} in the server's log"
            return codes[-1]
        time.sleep(0.05)
