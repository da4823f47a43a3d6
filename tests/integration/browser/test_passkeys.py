"""Passkeys in Chromium, with a virtual authenticator on the Chrome DevTools Protocol standing in for
the device's own (a platform authenticator that verifies the user): register one, sign out, sign in
with it, delete it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser.conftest import logged_code, screenshot
from tests.integration.browser.test_account_pages import PASSWORD, sign_in, sign_out, sign_up_and_confirm
from tests.live_server import LiveServer


@pytest.fixture
def authenticator(page: Page) -> Iterator[str]:
    """A virtual platform authenticator in the page's browser: it holds passkeys and verifies the user."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield added["authenticatorId"]
    devtools.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]})


def test_register_a_passkey_sign_out_and_sign_in_with_it(page: Page, server: LiveServer, authenticator: str):
    username = "lee@example.com"
    sign_up_and_confirm(page, server, username)
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/account/profile$"))

    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_text("You have no passkey yet.")).to_be_visible()
    # The sign-in alone adds no passkey: it takes the password too.
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("status")).to_contain_text("Confirm this change with your current password")
    page.get_by_label("Current password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page).to_have_url(re.compile(r"/account/passkeys/new$"))
    screenshot(page, "new-passkey")
    page.get_by_role("button", name="Create the passkey").click()
    expect(page).to_have_url(re.compile(r"/account/passkeys$"))
    expect(page.get_by_role("status")).to_contain_text("Your passkey is added.")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    screenshot(page, "passkeys")
    sign_out(page)

    page.get_by_label("E-mail address or username").fill(username)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in/challenge$"))
    screenshot(page, "passkey-sign-in")
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.locator(".facts")).to_contain_text(username)

    page.get_by_role("link", name="Passkeys").click()
    page.get_by_role("button", name=re.compile("^Delete")).click()
    expect(page.get_by_role("status")).to_contain_text("The passkey is deleted")
    expect(page.get_by_text("You have no passkey yet.")).to_be_visible()
    sign_out(page)

    # Without a passkey the account is offered the ways it has left.
    page.get_by_label("E-mail address or username").fill(username)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_text("How would you like to sign in?")).to_be_visible()
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)


def test_an_account_without_a_password_adds_a_passkey_with_an_emailed_code(
    page: Page, server: LiveServer, authenticator: str
):
    username = "kim@example.com"
    sign_up_and_confirm(page, server, username, password="")
    page.get_by_label("E-mail address or username").fill(username)
    log_length = len(server.log())
    page.get_by_role("button", name="E-mail me a code").click()
    page.get_by_label("Code", exact=True).fill(logged_code(server, "sign-in", username, after=log_length))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))

    page.get_by_role("link", name="Passkeys").click()
    log_length = len(server.log())
    page.get_by_role("button", name="E-mail me a code").click()
    expect(page.get_by_role("status")).to_contain_text("We e-mailed you a code.")
    page.get_by_label("Code we e-mailed you", exact=True).fill(
        logged_code(server, "sign-in", username, after=log_length)
    )
    screenshot(page, "passkey-step-up")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page).to_have_url(re.compile(r"/account/passkeys/new$"))
    page.get_by_role("button", name="Create the passkey").click()
    expect(page.get_by_role("status")).to_contain_text("Your passkey is added.")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
