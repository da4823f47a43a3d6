"""Every account page through Django's test client: it renders, its form's success and refusals, and
what every page promises (CSRF, headers, tokens only in HttpOnly cookies)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.ports.code_sender import CodePurpose
from django_shell.accounts.users import User
from domain.errors import ProviderUnavailable
from domain.values import Attributes, ConfirmationCode, Group, GroupName, Username
from tests.fakes import FailingIdentityProvider
from tests.integration.pages.conftest import PASSWORD, Pages, readable, text_of

# The pages are one more shell over the use-cases, which the API's tests run against both providers.
pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "pat@example.com"
NEW_PASSWORD = "Battery-Staple-7"


class SessionlessConfirmation:
    """The pool, but its confirmations give no session."""

    def __init__(self, provider) -> None:
        self.provider = provider

    def __getattr__(self, name: str):
        return getattr(self.provider, name)

    def confirm_sign_up(self, *args, **kwargs) -> None:
        self.provider.confirm_sign_up(*args, **kwargs)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def field_error(response, field_id: str) -> str:
    """The message tied to a field: the element its `aria-describedby` names, which must exist."""
    html = response.content.decode()
    field = re.search(rf'<(?:input|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert field is not None, html
    assert 'aria-invalid="true"' in field.group()
    described_by = re.search(r'aria-describedby="([^"]*)"', field.group())
    assert described_by is not None and f"{field_id}_error" in described_by.group(1).split()
    error = re.search(rf'<ul class="errorlist"[^>]*id="{field_id}_error"[^>]*>(.*?)</ul>', html, re.DOTALL)
    assert error is not None, html
    return readable(error.group(1))


def alert(response) -> str:
    match = re.search(r'<div class="alert" role="alert">(.*?)</div>', response.content.decode(), re.DOTALL)
    assert match is not None, response.content.decode()
    return readable(match.group(1))


def notices(response) -> str:
    match = re.search(r'<div class="notices" role="status">(.*?)</div>', response.content.decode(), re.DOTALL)
    return "" if match is None else readable(match.group(1))


@pytest.fixture
def signed_up(pages, backend) -> str:
    pages.sign_up(backend, USERNAME)
    return USERNAME


@pytest.fixture
def signed_in(pages, signed_up) -> str:
    response = pages.sign_in(signed_up)
    assert response["Location"] == "/account/profile"
    return signed_up


@pytest.fixture
def production_limits(container):
    """The production budgets, counted afresh (the test settings raise them for every other test)."""
    limiter = LimitsAttemptLimiter.from_url(None, settings.PRODUCTION_ATTEMPT_BUDGETS)
    with container.attempt_limiter.override(limiter):
        yield


class TestSignUp:
    def test_renders_a_form_with_a_label_for_each_field(self, pages):
        response = pages.get("/account/sign-up")
        assert response.status_code == 200
        html = response.content.decode()
        for field in ("username", "password", "given_name"):
            assert f'<label for="id_{field}">' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'autocomplete="new-password"' in html

    def test_creates_the_account_and_asks_for_the_code(self, pages, backend):
        response = pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD, "given_name": "Pat"})
        assert response["Location"] == "/account/confirm?username=pat%40example.com"
        confirm = pages.follow(response)
        assert "We sent a code to p***@e***." in notices(confirm)
        assert 'value="pat@example.com"' in confirm.content.decode()
        assert backend.sign_up_code(USERNAME)

    def test_a_taken_username_is_said_at_the_username(self, pages, signed_up):
        response = pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        assert response.status_code == 409
        assert field_error(response, "id_username") == "An account with this e-mail address or username exists already."
        assert "E-mail address" in alert(response)

    def test_a_weak_password_is_said_at_the_password(self, pages):
        response = pages.post("/account/sign-up", {"username": USERNAME, "password": "short"})
        assert response.status_code == 400
        assert field_error(response, "id_password").startswith("The password needs at least 8 characters")

    def test_a_missing_username_is_said_at_it(self, pages):
        response = pages.post("/account/sign-up", {"username": "", "password": PASSWORD})
        assert response.status_code == 400
        assert field_error(response, "id_username") == "This field is required."

    def test_without_a_password_the_account_signs_in_with_codes(self, pages, backend):
        response = pages.post("/account/sign-up", {"username": USERNAME, "password": ""})
        assert response["Location"] == "/account/confirm?username=pat%40example.com"
        confirmed = pages.post("/account/confirm", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert confirmed["Location"] == "/account/profile"
        assert "Username pat@example.com" in text_of(pages.follow(confirmed))
        pages.client.cookies.clear()
        assert pages.sign_in(USERNAME, "Any-Password-1").status_code == 401
        started = pages.post("/account/sign-in", {"username": USERNAME, "method": "CHOOSE"})
        assert started["Location"] == "/account/sign-in/challenge"
        choice = pages.follow(started).content.decode()
        assert 'value="EMAIL_OTP"' in choice
        assert 'value="PASSWORD"' not in choice
        assert 'name="password"' not in choice

    def test_a_username_the_pool_refuses_is_said_at_the_username(self, pages):
        response = pages.post("/account/sign-up", {"username": "two words", "password": PASSWORD})
        assert response.status_code == 400
        assert field_error(response, "id_username") == "This username must not contain spaces or control characters."


class TestConfirmSignUp:
    def test_renders_the_code_form_and_the_resend_form(self, pages):
        html = pages.get("/account/confirm", username=USERNAME).content.decode()
        assert '<label for="id_code">' in html
        assert '<label for="id_resend-username">' in html

    def test_the_right_code_confirms_and_signs_in_at_once(self, pages, backend):
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        response = pages.post("/account/confirm", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert response["Location"] == "/account/profile"
        assert response.cookies["access_token"]["httponly"]
        profile = pages.follow(response)
        assert "Your account is confirmed. Welcome!" in notices(profile)
        assert "Username pat@example.com" in text_of(profile)

    def test_without_the_confirmation_s_session_it_leads_to_sign_in(self, pages, backend, container):
        """A pool that gives no session (Cognito without choice-based sign-in on the app client)."""
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        sessionless = SessionlessConfirmation(backend.provider)
        with container.identity_provider.override(sessionless):
            response = pages.post("/account/confirm", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert response["Location"] == "/account/sign-in?username=pat%40example.com"
        assert "Your account is confirmed. Sign in." in notices(pages.follow(response))
        assert pages.cookie("access_token") is None
        assert pages.sign_in(USERNAME)["Location"] == "/account/profile"

    def test_a_wrong_code_is_said_at_the_code(self, pages, backend):
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        response = pages.post("/account/confirm", {"username": USERNAME, "code": wrong(backend.sign_up_code(USERNAME))})
        assert response.status_code == 400
        assert field_error(response, "id_code") == "That code is not right. Check it and try again."

    def test_a_new_code_can_be_sent(self, pages, backend):
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        response = pages.post("/account/confirm/resend", {"resend-username": USERNAME})
        assert response["Location"] == "/account/confirm?username=pat%40example.com"
        assert "we sent a new code" in notices(pages.follow(response))
        assert [sent.purpose for sent in backend.sender.sent] == [CodePurpose.SIGN_UP, CodePurpose.SIGN_UP]
        confirmed = pages.post("/account/confirm", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert confirmed.status_code == 302

    def test_too_many_wrong_codes_are_said_as_a_limit(self, pages, backend, production_limits):
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        code = wrong(backend.sign_up_code(USERNAME))
        statuses = [pages.post("/account/confirm", {"username": USERNAME, "code": code}).status_code for _ in range(5)]
        assert statuses == [400] * 5
        response = pages.post("/account/confirm", {"username": USERNAME, "code": code})
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 300
        assert re.fullmatch(r"Too many attempts\. Wait \d+ seconds and try again\.", alert(response))


class TestSignIn:
    def test_renders_the_form(self, pages):
        html = pages.get("/account/sign-in").content.decode()
        assert '<label for="id_username">' in html
        assert 'autocomplete="current-password"' in html

    def test_signs_in_with_the_tokens_in_http_only_cookies_only(self, pages, signed_up):
        response = pages.sign_in(signed_up)
        assert response["Location"] == "/account/profile"
        for name in ("access_token", "refresh_token", "id_token"):
            assert response.cookies[name]["httponly"]
            assert response.cookies[name]["samesite"] == "Lax"
        assert not {"AccessToken", "RefreshToken", "IdToken"} & set(response.headers)
        profile = pages.follow(response)
        assert profile.status_code == 200
        assert not {"AccessToken", "RefreshToken", "IdToken"} & set(profile.headers)
        assert pages.cookie("access_token") not in profile.content.decode()

    def test_a_wrong_password_is_said_without_naming_which_part(self, pages, signed_up):
        response = pages.sign_in(signed_up, "Wrong-Horse-1")
        assert response.status_code == 401
        assert alert(response) == "Incorrect username or password."
        assert pages.cookie("access_token") is None

    def test_an_unconfirmed_account_is_sent_to_confirm(self, pages):
        pages.post("/account/sign-up", {"username": USERNAME, "password": PASSWORD})
        response = pages.sign_in(USERNAME)
        assert response["Location"] == "/account/confirm?username=pat%40example.com"
        assert "not confirmed yet" in notices(pages.follow(response))

    def test_tokens_too_large_for_cookies_are_said_and_set_nowhere(self, pages, backend, signed_up):
        for index in range(100):
            name = GroupName(f"group-{index:03d}-" + "g" * 118)
            backend.provider.admin_create_group(Group(name))
            backend.provider.admin_add_user_to_group(Username(signed_up), name)
        response = pages.sign_in(signed_up)
        assert response["Location"] == "/account/sign-in"
        assert response.cookies["access_token"].value == ""
        assert not {"AccessToken", "RefreshToken", "IdToken"} & set(response.headers)
        assert "too large for a browser's cookies" in notices(pages.follow(response))

    def test_too_many_wrong_passwords_are_said_as_a_limit(self, pages, signed_up, production_limits):
        statuses = [pages.sign_in(signed_up, "Wrong-Horse-1").status_code for _ in range(5)]
        assert statuses == [401] * 5
        response = pages.sign_in(signed_up)
        assert response.status_code == 429
        assert re.fullmatch(r"Too many attempts\. Wait \d+ (seconds|minutes) and try again\.", alert(response))


def sign_in_code(backend, username: str = USERNAME) -> str:
    return backend.sender.last_code(username, CodePurpose.SIGN_IN)


class TestSignInWithoutAPassword:
    def test_an_emailed_code_signs_in(self, pages, backend, signed_up):
        started = pages.post("/account/sign-in", {"username": signed_up, "method": "EMAIL_OTP"})
        assert started["Location"] == "/account/sign-in/challenge"
        page = pages.follow(started)
        assert "We sent a code to p***@e***." in text_of(page)
        assert 'autocomplete="one-time-code"' in page.content.decode()
        answered = pages.post("/account/sign-in/challenge", {"code": sign_in_code(backend)})
        assert answered["Location"] == "/account/profile"
        assert pages.cookie("access_token")

    def test_a_wrong_code_is_said_and_may_be_corrected(self, pages, backend, signed_up):
        pages.post("/account/sign-in", {"username": signed_up, "method": "EMAIL_OTP"})
        refused = pages.post("/account/sign-in/challenge", {"code": wrong(sign_in_code(backend))})
        assert refused.status_code == 400
        assert field_error(refused, "id_code") == "That code is not right. Check it and try again."
        answered = pages.post("/account/sign-in/challenge", {"code": sign_in_code(backend)})
        assert answered["Location"] == "/account/profile"

    def test_the_choice_offers_the_user_s_ways_and_leads_to_a_code(self, pages, backend, signed_up):
        started = pages.post("/account/sign-in", {"username": signed_up, "method": "CHOOSE"})
        page = pages.follow(started)
        html = page.content.decode()
        assert "How would you like to sign in?" in text_of(page)
        assert (
            '<button type="submit" name="answer" value="EMAIL_OTP" class="secondary">E-mail me a code</button>' in html
        )
        assert '<label for="id_password">' in html
        chosen = pages.post("/account/sign-in/challenge", {"answer": "EMAIL_OTP", "password": ""})
        assert chosen["Location"] == "/account/sign-in/challenge"
        assert "We sent a code to p***@e***." in text_of(pages.follow(chosen))
        answered = pages.post("/account/sign-in/challenge", {"code": sign_in_code(backend)})
        assert answered["Location"] == "/account/profile"

    def test_a_verified_phone_number_offers_a_texted_code(self, pages, backend):
        # A sign-up without an e-mail address is confirmed by SMS, which proves the number.
        texted = Username("pia")
        backend.provider.sign_up(texted, None, Attributes.from_pairs([("phone_number", "+15550100123")]))
        backend.provider.confirm_sign_up(texted, ConfirmationCode(backend.sign_up_code(texted.value)))
        choice = pages.follow(pages.post("/account/sign-in", {"username": texted.value, "method": "CHOOSE"}))
        assert "Text me a code" in text_of(choice)
        chosen = pages.post("/account/sign-in/challenge", {"answer": "SMS_OTP"})
        assert "We sent a code to +*******0123." in text_of(pages.follow(chosen))
        answered = pages.post("/account/sign-in/challenge", {"code": backend.sms_code(texted.value)})
        assert answered["Location"] == "/account/profile"

    def test_a_phone_number_set_in_the_profile_gets_no_texted_code(self, pages, signed_in):
        # Unproved, it could be the number of whoever held the session for a moment.
        assert pages.post("/account/profile", {"email": USERNAME, "phone_number": "+15550100123"}).status_code == 302
        pages.client.cookies.clear()
        choice = pages.follow(pages.post("/account/sign-in", {"username": USERNAME, "method": "CHOOSE"}))
        assert "How would you like to sign in?" in text_of(choice)
        assert "Text me a code" not in text_of(choice)

    def test_the_choice_of_the_password_needs_it_and_signs_in_with_it(self, pages, signed_up):
        pages.post("/account/sign-in", {"username": signed_up, "method": "CHOOSE"})
        missing = pages.post("/account/sign-in/challenge", {"answer": "PASSWORD"})
        assert missing.status_code == 400
        assert field_error(missing, "id_password") == "Enter your password, or choose another way."
        answered = pages.post("/account/sign-in/challenge", {"answer": "PASSWORD", "password": PASSWORD})
        assert answered["Location"] == "/account/profile"

    def test_a_wrong_password_in_the_choice_leads_to_a_new_sign_in(self, pages, signed_up):
        pages.post("/account/sign-in", {"username": signed_up, "method": "CHOOSE"})
        refused = pages.post("/account/sign-in/challenge", {"answer": "PASSWORD", "password": "Wrong-Horse-1"})
        assert refused["Location"] == "/account/sign-in?username=pat%40example.com"
        assert "Incorrect username or password. Sign in again." in notices(pages.follow(refused))
        assert pages.cookie("access_token") is None

    def test_a_choice_not_offered_is_refused(self, pages, signed_up):
        pages.post("/account/sign-in", {"username": signed_up, "method": "CHOOSE"})
        response = pages.post("/account/sign-in/challenge", {"answer": "SMS_OTP"})
        assert response.status_code == 400
        assert alert(response) == "Choose one of the ways offered."

    def test_the_password_button_needs_the_password(self, pages, signed_up):
        response = pages.post("/account/sign-in", {"username": signed_up, "password": "", "method": "PASSWORD"})
        assert response.status_code == 400
        assert field_error(response, "id_password") == "Enter your password, or sign in with a code instead."

    def test_an_unknown_user_is_asked_for_a_code_alike(self, pages):
        started = pages.post("/account/sign-in", {"username": "nobody@example.com", "method": "EMAIL_OTP"})
        assert started["Location"] == "/account/sign-in/challenge"
        refused = pages.post("/account/sign-in/challenge", {"code": "123456"})
        assert refused.status_code == 400
        assert field_error(refused, "id_code") == "That code is not right. Check it and try again."


def enable_totp(pages: Pages, backend) -> str:
    """Set up, verify and turn on TOTP through the pages; the authenticator's secret."""
    response = pages.post("/account/mfa", {"setup-password": PASSWORD, "setup-code": ""})
    assert response["Location"] == "/account/mfa/totp"
    page = pages.follow(response)
    secret = re.search(r'<code class="secret" id="totp-secret">([A-Z2-7]+)</code>', page.content.decode())
    assert secret is not None, page.content.decode()
    verified = pages.post("/account/mfa/totp", {"code": backend.authenticator_code(secret.group(1))})
    assert verified["Location"] == "/account/mfa"
    turned_on = pages.post(
        "/account/mfa/preference",
        {"preference-factor": "totp", "preference-state": "on", "preference-password": PASSWORD},
    )
    assert turned_on["Location"] == "/account/mfa"
    assert "Authenticator app (TOTP) is on." in notices(pages.follow(turned_on))
    return secret.group(1)


class TestChallenges:
    def test_totp_asks_for_the_code_and_refuses_a_wrong_one(self, pages, backend, signed_in):
        secret = enable_totp(pages, backend)
        pages.post("/account/sign-out")
        backend.let_time_pass(30)  # the code that verified the authenticator is spent

        response = pages.sign_in(signed_in)
        assert response["Location"] == "/account/sign-in/challenge"
        assert pages.cookie("access_token") is None
        challenge = pages.follow(response)
        assert "Enter the code your authenticator app shows." in text_of(challenge)
        assert 'autocomplete="one-time-code"' in challenge.content.decode()

        refused = pages.post("/account/sign-in/challenge", {"code": wrong(backend.authenticator_code(secret))})
        assert refused.status_code == 400
        assert field_error(refused, "id_code") == "That code is not right. Check it and try again."

        answered = pages.post("/account/sign-in/challenge", {"code": backend.authenticator_code(secret)})
        assert answered["Location"] == "/account/profile"
        assert pages.cookie("access_token")
        assert pages.cookie("account_challenge") is None

    def test_a_new_password_then_the_sms_code(self, pages, backend):
        backend.admin_create_user_with_sms_mfa(USERNAME, "Temporary-Pass-1", "+15550100123")
        response = pages.sign_in(USERNAME, "Temporary-Pass-1")
        assert response["Location"] == "/account/sign-in/challenge"
        page = pages.follow(response)
        assert "Choose a new password to finish signing in." in text_of(page)

        weak = pages.post("/account/sign-in/challenge", {"new_password": "weak"})
        assert weak.status_code == 400
        assert field_error(weak, "id_new_password").startswith("The password needs")

        sms = pages.post("/account/sign-in/challenge", {"new_password": NEW_PASSWORD})
        assert sms["Location"] == "/account/sign-in/challenge"
        assert "We sent a code to +*******0123." in text_of(pages.follow(sms))
        answered = pages.post("/account/sign-in/challenge", {"code": backend.sms_code(USERNAME)})
        assert answered["Location"] == "/account/profile"

    def test_without_a_sign_in_in_progress_it_leads_to_sign_in(self, pages):
        response = pages.get("/account/sign-in/challenge")
        assert response["Location"] == "/account/sign-in"
        assert "timed out" in notices(pages.follow(response))

    def test_a_changed_challenge_cookie_counts_as_none(self, pages, backend):
        backend.admin_create_user(USERNAME, "Temporary-Pass-1")
        pages.sign_in(USERNAME, "Temporary-Pass-1")
        pages.client.cookies["account_challenge"] = pages.cookie("account_challenge")[:-2] + "xx"
        assert pages.get("/account/sign-in/challenge")["Location"] == "/account/sign-in"

    def test_a_spent_session_leads_to_a_new_sign_in(self, pages, backend):
        backend.admin_create_user(USERNAME, "Temporary-Pass-1")
        pages.sign_in(USERNAME, "Temporary-Pass-1")
        kept = pages.cookie("account_challenge")
        assert pages.post("/account/sign-in/challenge", {"new_password": NEW_PASSWORD}).status_code == 302
        pages.client.cookies["account_challenge"] = kept
        response = pages.post("/account/sign-in/challenge", {"new_password": NEW_PASSWORD})
        assert response["Location"] == "/account/sign-in?username=pat%40example.com"
        assert "Sign in again." in notices(pages.follow(response))


class TestForgotPassword:
    def test_renders_both_forms(self, pages):
        assert '<label for="id_username">' in pages.get("/account/forgot-password").content.decode()
        html = pages.get("/account/reset-password").content.decode()
        assert '<label for="id_code">' in html
        assert '<label for="id_new_password">' in html

    def test_a_code_sets_a_new_password(self, pages, backend, signed_up):
        response = pages.post("/account/forgot-password", {"username": signed_up})
        assert response["Location"] == "/account/reset-password?username=pat%40example.com"
        assert "If the account exists" in notices(pages.follow(response))
        reset = pages.post(
            "/account/reset-password",
            {"username": signed_up, "code": backend.reset_code(signed_up), "new_password": NEW_PASSWORD},
        )
        assert reset["Location"] == "/account/sign-in?username=pat%40example.com"
        assert pages.sign_in(signed_up, NEW_PASSWORD)["Location"] == "/account/profile"

    def test_an_unknown_account_is_answered_alike(self, pages):
        response = pages.post("/account/forgot-password", {"username": "nobody@example.com"})
        assert response["Location"] == "/account/reset-password?username=nobody%40example.com"

    def test_a_wrong_code_is_said_at_the_code(self, pages, backend, signed_up):
        pages.post("/account/forgot-password", {"username": signed_up})
        response = pages.post(
            "/account/reset-password",
            {"username": signed_up, "code": wrong(backend.reset_code(signed_up)), "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 400
        assert field_error(response, "id_code").startswith("That code is not right")


class TestProfile:
    def test_needs_a_sign_in(self, pages):
        assert pages.get("/account/profile")["Location"] == "/account/sign-in"

    def test_shows_the_user(self, pages, signed_in):
        response = pages.get("/account/profile")
        assert response.status_code == 200
        assert "Username pat@example.com" in text_of(response)
        assert "(verified)" in text_of(response)

    def test_saves_what_changed(self, pages, signed_in):
        response = pages.post(
            "/account/profile", {"given_name": "Patricia", "family_name": "", "email": USERNAME, "phone_number": ""}
        )
        assert response["Location"] == "/account/profile"
        assert "Your profile is saved." in notices(pages.follow(response))
        assert User.objects.get(username=USERNAME).given_name == "Patricia"
        assert 'value="Patricia"' in pages.get("/account/profile").content.decode()

    def test_a_new_email_address_is_verified_with_its_code(self, pages, backend, signed_in):
        changed = pages.post("/account/profile", {"email": "pat@example.org"})
        assert "We sent a code to p***@e***" in notices(pages.follow(changed))
        page = pages.get("/account/profile")
        assert "(not verified)" in text_of(page)
        code = backend.verification_code(USERNAME)
        refused = pages.post("/account/profile/verify-email", {"verify-code": wrong(code)})
        assert refused.status_code == 400
        assert field_error(refused, "id_verify-code").startswith("That code is not right")
        verified = pages.post("/account/profile/verify-email", {"verify-code": code})
        assert "Your e-mail address is verified." in notices(pages.follow(verified))
        assert "(verified)" in text_of(pages.get("/account/profile"))

    def test_a_malformed_email_address_is_said_at_the_field(self, pages, signed_in):
        response = pages.post("/account/profile", {"email": "pat at example"})
        assert response.status_code == 400
        assert field_error(response, "id_email") == "Enter a valid email address."

    def test_a_sign_in_that_cannot_be_refreshed_now_is_kept(self, pages, backend, container, signed_in):
        backend.let_time_pass(3600 + 60)
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable(retry_after=9))):
            container.authenticate_request.reset()
            response = pages.get("/account/profile")
        container.authenticate_request.reset()
        assert response.status_code == 503
        assert response["Retry-After"] == "9"
        assert "The sign-in service is unavailable just now." in text_of(response)
        assert "access_token" not in response.cookies
        assert pages.get("/account/profile").status_code == 200

    def test_a_revoked_sign_in_leads_to_sign_in_without_its_cookies(self, pages, signed_in):
        token = pages.cookie("access_token")
        logout = pages.client.post("/auth/logout", content_type="application/json", HTTP_ACCESSTOKEN=token)
        assert logout.status_code == 200
        pages.client.cookies["access_token"] = token
        response = pages.get("/account/profile")
        assert response["Location"] == "/account/sign-in"
        assert response.cookies["access_token"].value == ""


class TestChangePassword:
    def test_renders_the_form(self, pages, signed_in):
        html = pages.get("/account/password").content.decode()
        assert '<label for="id_old_password">' in html
        assert '<label for="id_new_password">' in html

    def test_changes_the_password(self, pages, signed_in):
        response = pages.post("/account/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert response["Location"] == "/account/profile"
        assert "Your password is changed." in notices(pages.follow(response))
        assert pages.sign_in(signed_in, NEW_PASSWORD)["Location"] == "/account/profile"

    def test_a_wrong_current_password_is_said_at_it(self, pages, signed_in):
        response = pages.post("/account/password", {"old_password": "Wrong-Horse-1", "new_password": NEW_PASSWORD})
        assert response.status_code == 401
        assert field_error(response, "id_old_password") == "Incorrect username or password."

    def test_needs_a_sign_in(self, pages):
        assert pages.post("/account/password", {"old_password": PASSWORD})["Location"] == "/account/sign-in"


class TestMfa:
    def test_renders_both_forms(self, pages, signed_in):
        html = pages.get("/account/mfa").content.decode()
        assert '<label for="id_setup-password">' in html
        assert '<label for="id_preference-factor">' in html

    def test_setting_up_needs_the_password(self, pages, signed_in):
        response = pages.post("/account/mfa", {"setup-password": "Wrong-Horse-1"})
        assert response.status_code == 403
        assert field_error(response, "id_setup-password").startswith("Confirm this change with your current password")

    def test_the_secret_is_shown_until_verified_and_a_wrong_code_is_said(self, pages, backend, signed_in):
        pages.post("/account/mfa", {"setup-password": PASSWORD})
        page = pages.get("/account/mfa/totp")
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
        uri = rf'href="otpauth://totp/[^"]*pat%40example.com\?secret={secret}&amp;issuer='
        assert re.search(uri, page.content.decode())
        refused = pages.post("/account/mfa/totp", {"code": wrong(backend.authenticator_code(secret))})
        assert refused.status_code == 400
        assert field_error(refused, "id_code").startswith("That code is not right")
        assert pages.post("/account/mfa/totp", {"code": backend.authenticator_code(secret)}).status_code == 302
        assert pages.get("/account/mfa/totp")["Location"] == "/account/mfa"

    def test_the_secret_page_without_a_set_up_leads_back(self, pages, signed_in):
        assert pages.get("/account/mfa/totp")["Location"] == "/account/mfa"

    def test_turning_totp_on_without_an_authenticator_is_refused(self, pages, signed_in):
        response = pages.post(
            "/account/mfa/preference",
            {"preference-factor": "totp", "preference-state": "on", "preference-password": PASSWORD},
        )
        assert response.status_code == 400
        assert alert(response) == "Your account has no verified authenticator."

    def test_turning_sms_on_without_a_phone_number_is_refused(self, pages, signed_in):
        response = pages.post(
            "/account/mfa/preference",
            {"preference-factor": "sms", "preference-state": "on", "preference-password": PASSWORD},
        )
        assert response.status_code == 400
        assert alert(response) == "Your account has no phone number."

    def test_turning_totp_off_needs_the_code(self, pages, backend, signed_in):
        secret = enable_totp(pages, backend)
        off = {"preference-factor": "totp", "preference-state": "off", "preference-password": PASSWORD}
        assert pages.post("/account/mfa/preference", off).status_code == 403
        backend.let_time_pass(30)
        answered = pages.post("/account/mfa/preference", {**off, "preference-code": backend.authenticator_code(secret)})
        assert "Authenticator app (TOTP) is off." in notices(pages.follow(answered))


class TestMfaWithoutAPassword:
    """An account without a password confirms each change with a code the page e-mails it."""

    @pytest.fixture
    def passwordless(self, pages, backend) -> str:
        assert (
            pages.post("/account/sign-up", {"username": USERNAME, "password": "", "given_name": ""}).status_code == 302
        )
        confirmed = pages.post("/account/confirm", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert confirmed["Location"] == "/account/profile"
        return USERNAME

    def emailed_code(self, pages, backend) -> str:
        sent = pages.post("/account/confirm-it-is-you", {"return_to": "mfa"})
        assert sent["Location"] == "/account/mfa"
        page = pages.follow(sent)
        assert "We e-mailed you a code." in notices(page)
        assert '<label for="id_setup-emailed_code">Code we e-mailed you</label>' in page.content.decode()
        return sign_in_code(backend)

    def test_the_page_offers_an_emailed_code_and_asks_for_it_once_sent(self, pages, passwordless):
        html = pages.get("/account/mfa").content.decode()
        assert "E-mail me a code" in html
        assert "id_setup-emailed_code" not in html

    def test_sets_up_an_authenticator_and_turns_it_on_with_emailed_codes(self, pages, backend, passwordless):
        assert pages.post("/account/mfa", {"setup-password": ""}).status_code == 403

        code = self.emailed_code(pages, backend)
        set_up = pages.post("/account/mfa", {"setup-emailed_code": code})
        assert set_up["Location"] == "/account/mfa/totp"
        page = pages.follow(set_up)
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
        assert (
            pages.post("/account/mfa/totp", {"code": backend.authenticator_code(secret)})["Location"] == "/account/mfa"
        )

        # The code is spent with its change: the next change needs a new one.
        on = {"preference-factor": "totp", "preference-state": "on"}
        assert pages.post("/account/mfa/preference", {**on, "preference-emailed_code": code}).status_code == 403
        turned_on = pages.post(
            "/account/mfa/preference", {**on, "preference-emailed_code": self.emailed_code(pages, backend)}
        )
        assert "Authenticator app (TOTP) is on." in notices(pages.follow(turned_on))

    def test_a_code_that_cannot_be_sent_now_is_said(self, pages, container, passwordless):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable())):
            refused = pages.post("/account/confirm-it-is-you", {"return_to": "mfa"})
        assert refused["Location"] == "/account/mfa"
        page = pages.follow(refused)
        assert "The sign-in service is unavailable just now." in notices(page)
        assert "id_setup-emailed_code" not in page.content.decode()

    def test_a_wrong_emailed_code_is_said_at_the_password(self, pages, backend, passwordless):
        code = self.emailed_code(pages, backend)
        refused = pages.post("/account/mfa", {"setup-emailed_code": wrong(code)})
        assert refused.status_code == 403
        assert field_error(refused, "id_setup-password").startswith("Confirm this change with your current password")


class TestSignOut:
    def test_revokes_the_tokens_and_clears_the_cookies(self, pages, signed_in):
        token = pages.cookie("access_token")
        response = pages.post("/account/sign-out")
        assert response["Location"] == "/account/sign-in"
        assert "You are signed out on every device." in notices(pages.follow(response))
        assert pages.cookie("access_token") is None
        assert Client().get("/auth/me", HTTP_ACCESSTOKEN=token).status_code == 401

    def test_without_a_sign_in_it_still_leads_to_sign_in(self, pages):
        assert pages.post("/account/sign-out")["Location"] == "/account/sign-in"

    def test_its_page_only_offers_the_button(self, pages, signed_in):
        page = pages.get("/account/sign-out")
        assert page.status_code == 200
        assert "Sign out everywhere" in text_of(page)
        assert pages.get("/account/profile").status_code == 200


PAGES = [
    "/account/sign-up",
    "/account/confirm",
    "/account/sign-in",
    "/account/forgot-password",
    "/account/reset-password",
    "/account/profile",
    "/account/password",
    "/account/mfa",
    "/account/passkeys",
    "/account/sign-out",
]
FORMS = [
    ("/account/sign-up", {"username": USERNAME, "password": PASSWORD}),
    ("/account/confirm", {"username": USERNAME, "code": "123456"}),
    ("/account/confirm/resend", {"resend-username": USERNAME}),
    ("/account/sign-in", {"username": USERNAME, "password": PASSWORD}),
    ("/account/sign-in/challenge", {"code": "123456"}),
    ("/account/forgot-password", {"username": USERNAME}),
    ("/account/reset-password", {"username": USERNAME, "code": "123456", "new_password": NEW_PASSWORD}),
    ("/account/profile", {"given_name": "Mallory"}),
    ("/account/profile/verify-email", {"verify-code": "123456"}),
    ("/account/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ("/account/mfa", {"setup-password": PASSWORD}),
    ("/account/mfa/preference", {"preference-factor": "totp", "preference-state": "off"}),
    ("/account/mfa/totp", {"code": "123456"}),
    ("/account/confirm-it-is-you", {"return_to": "mfa"}),
    ("/account/passkeys", {"new-password": PASSWORD}),
    ("/account/passkeys/new", {"credential": "{}"}),
    ("/account/passkeys/delete", {"credential_id": "AAAA"}),
    ("/account/sign-out", {}),
]


class TestEveryPage:
    @pytest.mark.parametrize("path", PAGES)
    def test_is_framed_by_nobody_runs_only_its_own_scripts_and_is_not_cached(self, pages, signed_in, path):
        response = pages.get(path)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Type"] == "text/html; charset=utf-8"
        html = response.content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert '<html lang="en">' in html

    @pytest.mark.parametrize(("path", "data"), FORMS)
    def test_refuses_a_post_without_the_csrf_token(self, backend, signed_up, path, data):
        browser = Client(enforce_csrf_checks=True)
        signed = browser.get("/account/sign-in")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', signed.content.decode()).group(1)
        browser.post("/account/sign-in", {"username": signed_up, "password": PASSWORD, "csrfmiddlewaretoken": token})
        assert browser.cookies["access_token"].value
        response = browser.post(path, data)
        assert response.status_code == 403
        assert response["X-Frame-Options"] == "DENY"

    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("/account/sign-in", {"username": USERNAME, "password": PASSWORD}),
            ("/account/sign-up", {"username": USERNAME, "password": PASSWORD}),
            ("/account/forgot-password", {"username": USERNAME}),
        ],
    )
    def test_an_unreachable_pool_is_said_with_when_to_try_again(self, pages, container, path, data):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable(retry_after=7))):
            response = pages.post(path, data)
        assert response.status_code == 503
        assert response["Retry-After"] == "7"
        assert alert(response) == "The sign-in service is unavailable just now. Try again in a moment."

    def test_signing_out_while_the_pool_is_unreachable_keeps_the_sign_in(self, pages, container, signed_in):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable())):
            response = pages.post("/account/sign-out")
        assert response["Location"] == "/account/sign-out"
        assert pages.cookie("access_token")
        page = pages.follow(response)
        assert "You could not be signed out everywhere." in notices(page)
        assert 'action="/account/sign-out"' in page.content.decode()
        retried = pages.post("/account/sign-out")
        assert retried["Location"] == "/account/sign-in"
        assert pages.cookie("access_token") is None

    def test_a_post_with_the_csrf_token_passes(self, backend, signed_up):
        browser = Client(enforce_csrf_checks=True)
        page = browser.get("/account/sign-in")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        response = browser.post(
            "/account/sign-in", {"username": signed_up, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert response["Location"] == "/account/profile"
        # A fresh CSRF token with the sign-in: one planted before it is worth nothing after.
        assert browser.cookies["csrftoken"].value != page.cookies["csrftoken"].value

    def test_the_stylesheet_is_served(self, pages):
        response = pages.get("/static/pages/account.css")
        assert response.status_code == 200
        assert b"--accent" in b"".join(response.streaming_content)

    def test_the_home_leads_to_sign_in_or_to_the_profile(self, pages, signed_up):
        assert pages.get("/account/")["Location"] == "/account/sign-in"
        pages.sign_in(signed_up)
        assert pages.get("/account/")["Location"] == "/account/profile"

    def test_an_expired_access_token_is_refreshed_into_the_cookies_only(self, pages, backend, signed_in):
        before = pages.cookie("access_token")
        backend.let_time_pass(3600 + 60)
        backend.start_the_next_second()
        response = pages.get("/account/profile")
        assert response.status_code == 200
        assert response.cookies["access_token"].value not in ("", before)
        assert response.cookies["access_token"]["httponly"]
        assert not {"AccessToken", "RefreshToken", "IdToken"} & set(response.headers)
