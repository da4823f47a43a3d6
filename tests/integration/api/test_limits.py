"""The limits over HTTP, with the production budgets (the test settings raise them for every other
test): each endpoint that checks a secret or sends a code answers 429 `TooManyRequests` with
`Retry-After` once a budget is spent, and does nothing else; a forged X-Forwarded-For buys nothing;
unknown accounts get the answers known ones get. Both identity providers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.use_cases.codes import REFUSED_CODE_MESSAGE
from tests.integration.api.conftest import basic, confirmed
from tests.pools import Gap, skip_if

USERNAME = "lee@example.com"
PASSWORD = "Correct-Horse-9"
UNKNOWN = "nobody@example.com"
# The production defaults (src/django_shell/settings/base.py).
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_IP = 10
CODES_PER_ACCOUNT = 5


@pytest.fixture
def production_limits(container) -> Iterator[Callable[[], None]]:
    """Call it to start counting afresh with the production budgets, after a test's set-up."""
    with contextlib.ExitStack() as stack:

        def start() -> None:
            limiter = LimitsAttemptLimiter.from_url(None, settings.PRODUCTION_ATTEMPT_BUDGETS)
            stack.enter_context(container.attempt_limiter.override(limiter))

        yield start


@pytest.fixture
def confirmed_user(api, backend):
    return confirmed(api, backend, USERNAME, PASSWORD)


@pytest.fixture
def access_token(api, confirmed_user):
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    api.client.cookies.clear()
    return response["AccessToken"]


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json() == {"error": "Too many attempts; try again later.", "code": "TooManyRequests"}
    assert 1 <= int(response["Retry-After"]) <= 300


def login(api, username=USERNAME, password="Wrong-Horse-1", **meta):
    return api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, password), **meta)


class TestLogin:
    def test_five_failures_then_even_the_right_password_waits(self, api, confirmed_user, production_limits):
        production_limits()
        assert [login(api).status_code for _ in range(LOGIN_FAILURES_PER_ACCOUNT)] == [401] * 5
        assert_throttled(login(api, password=PASSWORD))
        assert "AccessToken" not in login(api, password=PASSWORD)

    def test_an_unknown_username_is_limited_alike(self, api, backend, production_limits):
        production_limits()
        assert [login(api, UNKNOWN).status_code for _ in range(LOGIN_FAILURES_PER_ACCOUNT)] == [401] * 5
        assert_throttled(login(api, UNKNOWN))

    def test_successes_spend_nothing(self, api, confirmed_user, production_limits):
        production_limits()
        assert [login(api, password=PASSWORD).status_code for _ in range(8)] == [200] * 8

    def test_one_client_gets_ten_failures_across_accounts(self, api, backend, production_limits):
        production_limits()
        answers = [login(api, f"user{n}@example.com").status_code for n in range(LOGIN_FAILURES_PER_IP)]
        assert answers == [401] * LOGIN_FAILURES_PER_IP
        assert_throttled(login(api, "someone.else@example.com"))
        # Another client still has its budget for another account.
        assert login(api, "someone.else@example.com", REMOTE_ADDR="198.51.100.4").status_code == 401

    def test_the_django_admin_spends_the_same_budget(self, api, confirmed_user, production_limits):
        production_limits()
        for _ in range(LOGIN_FAILURES_PER_ACCOUNT):
            response = api.client.post("/admin/login/", {"username": USERNAME, "password": "Wrong-Horse-1"})
            assert response.status_code == 200  # the form again, saying the password is wrong
        assert_throttled(login(api, password=PASSWORD))
        api.client.post("/admin/login/", {"username": USERNAME, "password": PASSWORD})
        assert "_auth_user_id" not in api.client.session


class TestForgedForwardedFor:
    def test_without_trusted_proxies_the_header_is_ignored(self, api, backend, production_limits):
        production_limits()
        for n in range(LOGIN_FAILURES_PER_IP):
            assert login(api, f"user{n}@example.com", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 401
        assert_throttled(login(api, "fresh@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9"))

    @override_settings(TRUSTED_PROXY_HOPS=1)
    def test_behind_one_proxy_only_the_entry_it_wrote_counts(self, api, backend, production_limits):
        production_limits()
        for n in range(LOGIN_FAILURES_PER_IP):
            forged = f"10.0.0.{n}, 192.0.2.1"
            assert login(api, f"user{n}@example.com", HTTP_X_FORWARDED_FOR=forged).status_code == 401
        assert_throttled(login(api, "fresh@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.1"))
        # The proxy's peer is the client: another one has a budget of its own.
        assert login(api, "fresh@example.com", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 401

    @override_settings(TRUSTED_PROXY_HOPS=2)
    def test_a_header_shorter_than_the_proxy_chain_counts_as_the_peer(self, api, backend, production_limits):
        production_limits()
        for n in range(LOGIN_FAILURES_PER_IP):
            assert login(api, f"user{n}@example.com", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 401
        assert_throttled(login(api, "fresh@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9"))


class TestCodes:
    def test_confirm_signup(self, api, backend, production_limits):
        production_limits()
        body = {"username": UNKNOWN, "code": "123456"}
        assert [api.post("/auth/confirm_signup", body).status_code for _ in range(CODES_PER_ACCOUNT)] == [400] * 5
        assert_throttled(api.post("/auth/confirm_signup", body))

    def test_confirm_forgot_password(self, api, backend, production_limits):
        production_limits()
        body = {"email": UNKNOWN, "new_password": "Battery-Staple-7", "code": "000000"}
        answers = [api.post("/auth/confirm_forgot_password", body).status_code for _ in range(CODES_PER_ACCOUNT)]
        assert 429 not in answers
        assert_throttled(api.post("/auth/confirm_forgot_password", body))

    def test_confirm_login_counts_every_answer(self, api, backend, production_limits):
        production_limits()
        body = {
            "username": USERNAME,
            "challenge_name": "SOFTWARE_TOKEN_MFA",
            "responses": {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            "session": "a-session-that-never-was",
        }
        answers = [api.post("/auth/confirm_login", body).status_code for _ in range(CODES_PER_ACCOUNT)]
        assert 429 not in answers
        assert_throttled(api.post("/auth/confirm_login", body))

    def test_verify_email(self, api, access_token, production_limits):
        production_limits()
        verify = lambda: api.post("/auth/me/verify_email", {"code": "000000"}, HTTP_ACCESSTOKEN=access_token)  # noqa: E731
        assert 429 not in [verify().status_code for _ in range(CODES_PER_ACCOUNT)]
        assert_throttled(verify())


class TestCodeDeliveries:
    def test_forgot_password_sends_nothing_once_spent(self, api, backend, confirmed_user, production_limits):
        production_limits()
        for _ in range(CODES_PER_ACCOUNT):
            assert api.post("/auth/forgot_password", {"email": USERNAME}).status_code == 200
        codes = backend.reset_code(USERNAME)
        assert_throttled(api.post("/auth/forgot_password", {"email": USERNAME}))
        assert backend.reset_code(USERNAME) == codes

    def test_resend_code(self, api, backend, production_limits):
        production_limits()
        answers = [api.post("/auth/resend_code", {"username": UNKNOWN}).status_code for _ in range(CODES_PER_ACCOUNT)]
        assert 429 not in answers
        assert_throttled(api.post("/auth/resend_code", {"username": UNKNOWN}))

    def test_verify_email_resend(self, api, access_token, production_limits):
        production_limits()
        resend = lambda: api.post("/auth/me/verify_email/resend", HTTP_ACCESSTOKEN=access_token)  # noqa: E731
        assert 429 not in [resend().status_code for _ in range(CODES_PER_ACCOUNT)]
        assert_throttled(resend())


class TestChangePassword:
    def test_every_attempt_counts(self, api, access_token, production_limits):
        production_limits()
        body = {"old_password": "Wrong-Horse-1", "new_password": "Battery-Staple-7"}
        change = lambda password=None: api.post(  # noqa: E731
            "/auth/me/password", body | ({"old_password": password} if password else {}), HTTP_ACCESSTOKEN=access_token
        )
        assert [change().status_code for _ in range(5)] == [401] * 5
        assert_throttled(change(PASSWORD))
        assert login(api, password=PASSWORD).status_code == 200


class TestNoEnumeration:
    def answer(self, response):
        return response.status_code, response.json()

    def test_confirm_signup_answers_an_unknown_or_confirmed_user_as_a_wrong_code(self, api, backend):
        skip_if(backend, Gap.SIGN_UP_CODES_UNCHECKED)
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        code = backend.sign_up_code(USERNAME)
        wrong = "000000" if code != "000000" else "111111"
        wrong_answer = self.answer(api.post("/auth/confirm_signup", {"username": USERNAME, "code": wrong}))
        unknown = self.answer(api.post("/auth/confirm_signup", {"username": UNKNOWN, "code": wrong}))
        assert api.post("/auth/confirm_signup", {"username": USERNAME, "code": code}).status_code == 200
        confirmed = self.answer(api.post("/auth/confirm_signup", {"username": USERNAME, "code": wrong}))
        expected = (400, {"error": REFUSED_CODE_MESSAGE, "code": "CodeMismatch"})
        assert wrong_answer == unknown == confirmed == expected

    def test_confirm_forgot_password_answers_an_unknown_user_as_a_wrong_code(self, api, backend, confirmed_user):
        skip_if(backend, Gap.CONFIRM_FORGOT_PASSWORD_FAILS_FOR_UNKNOWN_USERS)

        def confirm(username, code):
            body = {"email": username, "new_password": "Battery-Staple-7", "code": code}
            return self.answer(api.post("/auth/confirm_forgot_password", body))

        never_sent = confirm(USERNAME, "000000")
        api.post("/auth/forgot_password", {"email": USERNAME})
        real = backend.reset_code(USERNAME)
        wrong = real[:-1] + ("0" if real[-1] != "0" else "1")
        expected = (400, {"error": REFUSED_CODE_MESSAGE, "code": "CodeMismatch"})
        assert confirm(USERNAME, wrong) == confirm(UNKNOWN, wrong) == never_sent == expected

    @pytest.mark.parametrize(("path", "field"), [("/auth/forgot_password", "email"), ("/auth/resend_code", "username")])
    def test_code_deliveries_answer_alike(self, api, backend, confirmed_user, path, field):
        known = api.post(path, {field: USERNAME})
        unknown = api.post(path, {field: UNKNOWN})
        assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
