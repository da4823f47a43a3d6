"""Each use-case that checks a secret or sends a code consults the attempt limiter: over a budget it
answers `TooManyRequests` and asks nothing of the provider. Driven with the fake limiter on the
pool's manual clock, with the production defaults' shape (5 per account, a few more per client)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.ports.attempt_limiter import Attempt, Budget, Rate
from application.use_cases.account import ChangePassword, ChangePasswordCommand
from application.use_cases.codes import REFUSED_CODE_MESSAGE
from application.use_cases.password_reset import (
    ConfirmForgotPassword,
    ConfirmForgotPasswordCommand,
    ForgotPassword,
    ForgotPasswordCommand,
)
from application.use_cases.profile import (
    ResendAttributeCode,
    ResendAttributeCodeCommand,
    UpdateProfile,
    UpdateProfileCommand,
    VerifyAttribute,
    VerifyAttributeCommand,
)
from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignedIn,
    SignInWithSession,
    SignInWithSessionCommand,
)
from application.use_cases.sign_up import (
    ConfirmSignUp,
    ConfirmSignUpCommand,
    ResendConfirmationCode,
    ResendConfirmationCodeCommand,
    SignUp,
    SignUpCommand,
)
from domain.errors import CodeMismatch, ExpiredCode, NotAuthorized, TooManyRequests
from tests.fakes import (
    FailingIdentityProvider,
    InMemoryAttemptLimiter,
    InMemoryUserDirectory,
    ManualClock,
    ample_attempt_limiter,
)

USERNAME = "kim@example.com"
PASSWORD = "Correct-Horse-9"
CLIENT = "203.0.113.7"
PER_ACCOUNT = 5
PER_CLIENT = 10
WINDOW = 60


@pytest.fixture
def limiter(pool):
    budget = Budget(per_client=Rate(PER_CLIENT, WINDOW), per_account=Rate(PER_ACCOUNT, WINDOW))
    return InMemoryAttemptLimiter(pool.clock, dict.fromkeys(Attempt, budget))


@pytest.fixture
def confirmed(pool):
    """A confirmed account whose confirmation spent nothing of the tests' budgets."""
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return pool


def login(pool, limiter, password, username=USERNAME, client=CLIENT, provider=None):
    use_case = Login(provider or pool.provider, pool.verifier, InMemoryUserDirectory(), limiter)
    return use_case(LoginCommand(username, password, client=client))


def signed_in(pool, limiter):
    result = login(pool, limiter, PASSWORD)
    assert isinstance(result, SignedIn)
    return result.tokens.access_token


def refused(call) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as error:
        call()
    return error.value


class TestLogin:
    def test_failures_spend_the_accounts_budget_and_then_even_the_right_password_waits(self, confirmed, limiter):
        for _ in range(PER_ACCOUNT):
            with pytest.raises(NotAuthorized):
                login(confirmed, limiter, "Wrong-Horse-1")
        provider = FailingIdentityProvider(NotAuthorized())
        error = refused(lambda: login(confirmed, limiter, PASSWORD, provider=provider))
        assert 1 <= error.retry_after <= WINDOW
        assert provider.calls == 0

    def test_successes_spend_nothing(self, confirmed, limiter):
        for _ in range(3 * PER_ACCOUNT):
            signed_in(confirmed, limiter)

    def test_an_unknown_username_spends_as_a_known_one_does(self, pool, limiter):
        for _ in range(PER_ACCOUNT):
            with pytest.raises(NotAuthorized):
                login(pool, limiter, PASSWORD, username="nobody@example.com")
        refused(lambda: login(pool, limiter, PASSWORD, username="nobody@example.com"))

    def test_the_username_counts_whatever_its_case(self, confirmed, limiter):
        for variant in ("kim@example.com", "KIM@example.com", "Kim@Example.Com", "kIm@eXample.com", "KIM@EXAMPLE.COM"):
            with pytest.raises(NotAuthorized):
                login(confirmed, limiter, "Wrong-Horse-1", username=variant)
        refused(lambda: login(confirmed, limiter, PASSWORD))

    def test_a_client_spends_its_budget_across_accounts(self, pool, limiter):
        for n in range(PER_CLIENT):
            with pytest.raises(NotAuthorized):
                login(pool, limiter, PASSWORD, username=f"user{n}@example.com")
        refused(lambda: login(pool, limiter, PASSWORD, username="fresh@example.com"))

    def test_the_budget_comes_back_with_time(self, confirmed, limiter):
        for _ in range(PER_ACCOUNT):
            with pytest.raises(NotAuthorized):
                login(confirmed, limiter, "Wrong-Horse-1")
        confirmed.clock.advance(WINDOW)
        signed_in(confirmed, limiter)


class TestCodeAnswers:
    def test_confirm_sign_up_spends_one_per_answer_and_then_asks_the_provider_nothing(self, pool, limiter):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
        code = pool.sign_up_code(USERNAME)
        for _ in range(PER_ACCOUNT):
            with pytest.raises(CodeMismatch):
                ConfirmSignUp(pool.provider, limiter)(ConfirmSignUpCommand(USERNAME, "000000", client=CLIENT))
        refused(lambda: ConfirmSignUp(pool.provider, limiter)(ConfirmSignUpCommand(USERNAME, code, client=CLIENT)))
        provider = FailingIdentityProvider(NotAuthorized())
        refused(lambda: ConfirmSignUp(provider, limiter)(ConfirmSignUpCommand(USERNAME, code, client=CLIENT)))
        assert provider.calls == 0

    def test_confirm_forgot_password_asks_the_provider_nothing_once_spent(self, confirmed, limiter):
        provider = FailingIdentityProvider(NotAuthorized())
        confirm = ConfirmForgotPassword(provider, limiter)
        for _ in range(PER_ACCOUNT):
            with pytest.raises(CodeMismatch):
                confirm(ConfirmForgotPasswordCommand(USERNAME, "123456", "Battery-Staple-7", client=CLIENT))
        refused(lambda: confirm(ConfirmForgotPasswordCommand(USERNAME, "123456", "Battery-Staple-7", client=CLIENT)))
        assert provider.calls == PER_ACCOUNT

    def test_every_challenge_answer_spends_one(self, pool, limiter):
        provider = FailingIdentityProvider(CodeMismatch())
        respond = RespondToChallenge(provider, pool.verifier, InMemoryUserDirectory(), limiter, pool.clock, 0)
        command = RespondToChallengeCommand(USERNAME, "SMS_MFA", {"SMS_MFA_CODE": "123456"}, "session", client=CLIENT)
        for _ in range(PER_ACCOUNT):
            with pytest.raises(CodeMismatch):
                respond(command)
        refused(lambda: respond(command))
        assert provider.calls == PER_ACCOUNT

    def test_verifying_an_email_spends_the_signed_in_users_budget(self, confirmed, limiter):
        token = signed_in(confirmed, limiter)
        verify = VerifyAttribute(confirmed.provider, InMemoryUserDirectory(), confirmed.verifier, limiter)
        for _ in range(PER_ACCOUNT):
            with pytest.raises((CodeMismatch, ExpiredCode)):
                verify(VerifyAttributeCommand(token, "email", "000000", client=CLIENT))
        refused(lambda: verify(VerifyAttributeCommand(token, "email", "000000", client="198.51.100.1")))


class TestCodeDeliveries:
    def test_forgot_password_sends_no_code_once_spent(self, confirmed, limiter):
        forgot = ForgotPassword(confirmed.provider, limiter, confirmed.clock, 0)
        for _ in range(PER_ACCOUNT):
            forgot(ForgotPasswordCommand(USERNAME, client=CLIENT))
        sent = len(confirmed.sender.sent)
        refused(lambda: forgot(ForgotPasswordCommand(USERNAME, client=CLIENT)))
        assert len(confirmed.sender.sent) == sent

    def test_resend_code_sends_no_code_once_spent(self, pool, limiter):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
        resend = ResendConfirmationCode(pool.provider, limiter, pool.clock, 0)
        for _ in range(PER_ACCOUNT):
            resend(ResendConfirmationCodeCommand(USERNAME, client=CLIENT))
        sent = len(pool.sender.sent)
        refused(lambda: resend(ResendConfirmationCodeCommand(USERNAME, client=CLIENT)))
        assert len(pool.sender.sent) == sent

    def test_sign_up_sends_no_code_once_the_client_has_spent_its_budget(self, pool, limiter):
        # Each sign-up sends a code to the address it names: new usernames, one victim's inbox.
        sign_up = SignUp(pool.provider, limiter)
        victim = (("email", "victim@example.com"),)
        for n in range(PER_CLIENT):
            sign_up(SignUpCommand(f"user{n}", None, victim, client=CLIENT))
        provider = FailingIdentityProvider(NotAuthorized())
        refused(lambda: SignUp(provider, limiter)(SignUpCommand("user-next", None, victim, client=CLIENT)))
        assert (len(pool.sender.sent), provider.calls) == (PER_CLIENT, 0)

    def test_an_unknown_account_spends_as_a_known_one_does(self, pool, limiter):
        forgot = ForgotPassword(pool.provider, limiter, pool.clock, 0)
        for _ in range(PER_ACCOUNT):
            forgot(ForgotPasswordCommand("nobody@example.com", client=CLIENT))
        refused(lambda: forgot(ForgotPasswordCommand("nobody@example.com", client=CLIENT)))

    def test_resending_the_email_code_sends_none_once_spent(self, confirmed, limiter):
        token = signed_in(confirmed, limiter)
        resend = ResendAttributeCode(confirmed.provider, confirmed.verifier, limiter)
        for _ in range(PER_ACCOUNT):
            resend(ResendAttributeCodeCommand(token, "email", client=CLIENT))
        sent = len(confirmed.sender.sent)
        refused(lambda: resend(ResendAttributeCodeCommand(token, "email", client=CLIENT)))
        assert len(confirmed.sender.sent) == sent

    def test_changing_the_email_sends_no_code_once_spent(self, confirmed, limiter):
        # Each new address gets a code: with a token alone, any number of inboxes.
        token = signed_in(confirmed, limiter)
        update = UpdateProfile(confirmed.provider, confirmed.verifier, InMemoryUserDirectory(), limiter)
        for n in range(PER_ACCOUNT):
            update(UpdateProfileCommand(token, (("email", f"victim{n}@example.com"),), client=CLIENT))
        sent = len(confirmed.sender.sent)
        refused(lambda: update(UpdateProfileCommand(token, (("email", "next@example.com"),), client=CLIENT)))
        assert len(confirmed.sender.sent) == sent
        # A change that sends no code spends none.
        update(UpdateProfileCommand(token, (("given_name", "Erin"),), client=CLIENT))


class TestChangePassword:
    def test_every_attempt_spends_one_and_then_the_provider_is_not_asked(self, confirmed, limiter):
        token = signed_in(confirmed, limiter)
        change = ChangePassword(confirmed.provider, confirmed.verifier, limiter)
        for _ in range(PER_ACCOUNT):
            with pytest.raises(NotAuthorized):
                change(ChangePasswordCommand(token, "Wrong-Horse-1", "Battery-Staple-7", client=CLIENT))
        provider = FailingIdentityProvider(NotAuthorized())
        refused(
            lambda: ChangePassword(provider, confirmed.verifier, limiter)(
                ChangePasswordCommand(token, PASSWORD, "Battery-Staple-7", client=CLIENT)
            )
        )
        assert provider.calls == 0


class TestOneAnswerForRefusedCodes:
    """An unknown account's answer is a wrong code's, word for word (Cognito's PreventUserExistenceErrors)."""

    def answer(self, call) -> tuple[type, str]:
        with pytest.raises(CodeMismatch) as error:
            call()
        return type(error.value), error.value.message

    def test_confirm_sign_up(self, pool, limiter):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
        confirm = ConfirmSignUp(pool.provider, limiter)
        wrong = self.answer(lambda: confirm(ConfirmSignUpCommand(USERNAME, "000000")))
        unknown = self.answer(lambda: confirm(ConfirmSignUpCommand("nobody@example.com", "000000")))
        confirm(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
        already = self.answer(lambda: confirm(ConfirmSignUpCommand(USERNAME, "000000")))
        assert wrong == unknown == already == (CodeMismatch, REFUSED_CODE_MESSAGE)

    def test_confirm_forgot_password(self, confirmed, limiter):
        confirm = ConfirmForgotPassword(confirmed.provider, limiter)
        never_sent = self.answer(lambda: confirm(ConfirmForgotPasswordCommand(USERNAME, "000000", "Battery-Staple-7")))
        ForgotPassword(confirmed.provider, limiter, confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        wrong_code = "000000" if confirmed.reset_code(USERNAME) != "000000" else "111111"
        wrong = self.answer(lambda: confirm(ConfirmForgotPasswordCommand(USERNAME, wrong_code, "Battery-Staple-7")))
        unknown = self.answer(
            lambda: confirm(ConfirmForgotPasswordCommand("nobody@example.com", "000000", "Battery-Staple-7"))
        )
        assert wrong == unknown == never_sent == (CodeMismatch, REFUSED_CODE_MESSAGE)


class TestCodeDeliveryTakesAsLong:
    @pytest.mark.parametrize("username", [USERNAME, "nobody@example.com"])
    def test_forgot_password_answers_after_the_floor_whoever_asks(self, confirmed, limiter, username):
        started = confirmed.clock.now()
        ForgotPassword(confirmed.provider, limiter, confirmed.clock, 0.25)(ForgotPasswordCommand(username))
        assert confirmed.clock.now() == started + 0.25

    @pytest.mark.parametrize("username", [USERNAME, "nobody@example.com"])
    def test_resend_code_answers_after_the_floor_whoever_asks(self, pool, limiter, username):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
        started = pool.clock.now()
        ResendConfirmationCode(pool.provider, limiter, pool.clock, 0.25)(ResendConfirmationCodeCommand(username))
        assert pool.clock.now() == started + 0.25


_VARIANTS = st.sampled_from(["kim@example.com", "KIM@example.com", "Kim@Example.Com"])
_CLIENTS = st.sampled_from(["203.0.113.1", "203.0.113.2", "198.51.100.9", None])
_REQUESTS = st.one_of(
    st.tuples(st.just("confirm_signup"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("confirm_forgot_password"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("confirm_login"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("login_with_session"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("forgot_password"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("resend_code"), _VARIANTS, _CLIENTS),
    st.tuples(st.just("wait"), st.floats(min_value=0, max_value=90), st.none()),
)
_GUESSES = {"confirm_signup", "confirm_forgot_password", "confirm_login", "login_with_session"}


@settings(max_examples=150, deadline=None)
@given(requests=st.lists(_REQUESTS, max_size=80))
def test_no_sequence_of_requests_gets_more_guesses_at_a_code_than_the_budget(requests):
    """Whatever mix of code answers, new codes, spellings of the username, clients and pauses, the
    guesses that reach the provider for one account in any window-long stretch are at most the
    account's budget."""
    clock = ManualClock()
    budget = Budget(per_client=Rate(PER_CLIENT, WINDOW), per_account=Rate(PER_ACCOUNT, WINDOW))
    limiter = InMemoryAttemptLimiter(clock, dict.fromkeys(Attempt, budget))
    provider = FailingIdentityProvider(NotAuthorized())
    use_cases = {
        "confirm_signup": lambda name, client: ConfirmSignUp(provider, limiter)(
            ConfirmSignUpCommand(name, "123456", client=client)
        ),
        "confirm_forgot_password": lambda name, client: ConfirmForgotPassword(provider, limiter)(
            ConfirmForgotPasswordCommand(name, "123456", "Battery-Staple-7", client=client)
        ),
        "confirm_login": lambda name, client: RespondToChallenge(
            provider, None, InMemoryUserDirectory(), limiter, clock, 0
        )(  # type: ignore[arg-type]
            RespondToChallengeCommand(name, "SMS_MFA", {"SMS_MFA_CODE": "123456"}, "session", client=client)
        ),
        "login_with_session": lambda name, client: SignInWithSession(
            provider,
            None,  # type: ignore[arg-type]
            InMemoryUserDirectory(),
            limiter,
        )(SignInWithSessionCommand(name, "session", client=client)),
        "forgot_password": lambda name, client: ForgotPassword(provider, limiter, clock, 0)(
            ForgotPasswordCommand(name, client=client)
        ),
        "resend_code": lambda name, client: ResendConfirmationCode(provider, limiter, clock, 0)(
            ResendConfirmationCodeCommand(name, client=client)
        ),
    }
    guesses: list[float] = []
    for kind, argument, client in requests:
        if kind == "wait":
            clock.advance(argument)
            continue
        before = provider.calls
        with contextlib.suppress(TooManyRequests, CodeMismatch, NotAuthorized):
            use_cases[kind](argument, client)
        if kind in _GUESSES and provider.calls > before:
            guesses.append(clock.now())
    for start in guesses:
        assert len([time for time in guesses if start <= time < start + WINDOW]) <= PER_ACCOUNT
