"""A person at the account pages in Chromium: signing up, confirming with the code from the server's
log, signing in, turning on an authenticator app and signing in with its codes, a wrong code's
message, signing out. Each page is photographed on the way (tests/artefacts/screenshots/)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.integration.browser.conftest import logged_code, screenshot
from tests.live_server import LiveServer
from tests.totp import totp

PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"
# The stylesheet's accent, as the browser computes it: the page's own styles load under its CSP.
ACCENT = "rgb(11, 92, 173)"


def sign_up_and_confirm(
    page: Page, server: LiveServer, username: str, password: str = PASSWORD, *, photograph: bool = False
) -> None:
    """Sign up and confirm, which signs the new user in; then sign out."""
    page.goto("/account/sign-up")
    page.get_by_label("E-mail address").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("First name").fill("Robin")
    if photograph:
        screenshot(page, "sign-up")
    page.get_by_role("button", name="Create the account").click()

    expect(page).to_have_url(re.compile(r"/account/confirm\?username="))
    expect(page.get_by_role("status")).to_contain_text("We sent a code to")
    page.get_by_label("Code", exact=True).fill(logged_code(server, "sign-up confirmation", username))
    if photograph:
        screenshot(page, "confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.get_by_role("status")).to_contain_text("Your account is confirmed. Welcome!")
    sign_out(page)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto(f"/account/sign-in?username={username}")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out on every device.")


def a_code_other_than(secret: str) -> str:
    """A code that no step the pool accepts now would show."""
    accepted = {totp(secret, time.time(), offset_steps=steps) for steps in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in accepted)


def test_sign_up_confirm_sign_in_with_totp_and_sign_out(page: Page, server: LiveServer):
    username = "robin@example.com"
    sign_up_and_confirm(page, server, username, photograph=True)

    page.get_by_label("E-mail address or username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_label("First name")).to_have_value("Robin")
    expect(page.get_by_role("button", name="Save")).to_have_css("background-color", ACCENT)
    screenshot(page, "profile")
    # The tokens are HttpOnly: the page's scripts see none of them.
    assert "access_token" not in page.evaluate("document.cookie")
    assert {cookie["name"] for cookie in page.context.cookies()} >= {"access_token", "refresh_token", "id_token"}

    page.get_by_role("link", name="Two-step verification").click()
    page.get_by_label("Current password", exact=True).first.fill(PASSWORD)
    screenshot(page, "mfa")
    page.get_by_role("button", name="Set up an app").click()
    expect(page).to_have_url(re.compile(r"/account/mfa/totp$"))
    secret = page.locator("#totp-secret").inner_text().strip()
    screenshot(page, "totp-verify")
    page.get_by_label("Code from the app").fill(totp(secret, time.time()))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Your authenticator app is added.")
    page.get_by_label("Second factor").select_option("totp")
    page.get_by_role("radio", name="On").check()
    page.locator("#id_preference-password").fill(PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Authenticator app (TOTP) is on.")
    sign_out(page)

    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/account/sign-in/challenge$"))
    expect(page.get_by_text("Enter the code your authenticator app shows.")).to_be_visible()
    screenshot(page, "challenge")
    page.get_by_label("Code", exact=True).fill(a_code_other_than(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right. Check it and try again.")
    code_field = page.get_by_label("Code", exact=True)
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_accessible_description(re.compile("That code is not right"))
    screenshot(page, "challenge-wrong-code")
    # The step after the one that verified the app: a code is good once.
    code_field.fill(totp(secret, time.time(), offset_steps=1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    sign_out(page)
    page.goto("/account/profile")
    expect(page).to_have_url(re.compile(r"/account/sign-in$"))


def test_a_wrong_password_is_said_and_a_forgotten_one_is_reset(page: Page, server: LiveServer):
    username = "kim@example.com"
    sign_up_and_confirm(page, server, username)
    sign_in(page, username, "Wrong-Horse-1")
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address or username").fill(username)
    screenshot(page, "forgot-password")
    log_length = len(server.log())
    page.get_by_role("button", name="Send the code").click()
    expect(page).to_have_url(re.compile(r"/account/reset-password\?username="))
    page.get_by_label("Code", exact=True).fill(logged_code(server, "password reset", username, after=log_length))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    screenshot(page, "reset-password")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")

    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Password", exact=True).click()
    page.get_by_label("Current password", exact=True).fill("Wrong-Horse-1")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_label("Current password", exact=True)).to_have_accessible_description(
        re.compile("Incorrect username or password.")
    )
    screenshot(page, "password")


def test_sign_up_without_a_password_and_sign_in_with_an_emailed_code(page: Page, server: LiveServer):
    username = "sam@example.com"
    sign_up_and_confirm(page, server, username, password="")

    page.get_by_label("E-mail address or username").fill(username)
    log_length = len(server.log())
    page.get_by_role("button", name="E-mail me a code").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in/challenge$"))
    expect(page.get_by_text("We sent a code to s***@e***.")).to_be_visible()
    screenshot(page, "email-code")
    code = logged_code(server, "sign-in", username, after=log_length)
    page.get_by_label("Code", exact=True).fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right. Check it and try again.")
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.locator(".facts")).to_contain_text(username)
    sign_out(page)

    page.get_by_label("E-mail address or username").fill(username)
    page.get_by_role("button", name="Other ways to sign in").click()
    expect(page.get_by_text("How would you like to sign in?")).to_be_visible()
    screenshot(page, "choose")
    log_length = len(server.log())
    page.get_by_role("button", name="E-mail me a code").click()
    page.get_by_label("Code", exact=True).fill(logged_code(server, "sign-in", username, after=log_length))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account/profile$"))
