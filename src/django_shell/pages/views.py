"""The account pages: one thin view per form, each calling one use-case through the container.

A page validates its form's syntax, calls the use-case, and answers a redirect (post/redirect/get)
or the form again with the use-case's refusal as a message beside the field it is about. The
refusals are the domain's errors, turned into words and statuses in one place (`_Page.refused`),
as `django_shell.errors` does for the API.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from dependency_injector.wiring import Provide, inject
from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View

from application.use_cases.account import ChangePassword, ChangePasswordCommand
from application.use_cases.mfa import (
    AssociateSoftwareToken,
    AssociateSoftwareTokenCommand,
    SetMfaPreference,
    SetMfaPreferenceCommand,
    VerifySoftwareToken,
    VerifySoftwareTokenCommand,
)
from application.use_cases.passkeys import (
    CompletePasskeyRegistration,
    CompletePasskeyRegistrationCommand,
    DeletePasskey,
    DeletePasskeyCommand,
    ListPasskeys,
    ListPasskeysCommand,
    StartPasskeyRegistration,
    StartPasskeyRegistrationCommand,
)
from application.use_cases.password_reset import (
    ConfirmForgotPassword,
    ConfirmForgotPasswordCommand,
    ForgotPassword,
    ForgotPasswordCommand,
)
from application.use_cases.profile import UpdateProfile, UpdateProfileCommand, VerifyAttribute, VerifyAttributeCommand
from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignInResult,
    SignInWithSession,
    SignInWithSessionCommand,
    StartSignIn,
    StartSignInCommand,
)
from application.use_cases.sign_out import Logout, LogoutCommand
from application.use_cases.sign_up import (
    ConfirmSignUp,
    ConfirmSignUpCommand,
    ResendConfirmationCode,
    ResendConfirmationCodeCommand,
    SignUp,
    SignUpCommand,
)
from application.use_cases.step_up import StepUpProof
from django_shell.accounts import credentials
from django_shell.client_ip import client_ip
from django_shell.errors import DATABASE_FAILURES, ERROR_STATUSES, DatabaseUnavailable
from django_shell.pages import forms, pending
from domain import errors
from domain.values import SELECT_CHALLENGE, Challenge, SignInFactor

_Response = TypeVar("_Response", bound=HttpResponseBase)

# Every page: its own scripts and styles only, never inside a frame, never kept by a cache.
_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

# What a person is told for the refusals whose domain message is written for a program.
_FRIENDLY_MESSAGES: dict[type[errors.DomainError], str] = {
    errors.UsernameExists: "An account with this e-mail address or username exists already.",
    errors.CodeMismatch: "That code is not right. Check it and try again.",
    errors.ExpiredCode: "That code has expired. Ask for a new one.",
    errors.ProviderUnavailable: "The sign-in service is unavailable just now. Try again in a moment.",
    errors.NotAuthenticated: "Sign in first.",
    errors.TokenInvalid: "Your sign-in is no longer valid. Sign in again.",
    errors.TokenExpired: "Your sign-in has expired. Sign in again.",
}


def _url(name: str, **query: str) -> str:
    path = reverse(f"account_pages:{name}")
    return f"{path}?{urlencode(query)}" if query else path


def _username_passed_on(request: HttpRequest) -> dict[str, str]:
    return {"username": request.GET["username"]} if request.GET.get("username") else {}


def _signed_in(request: HttpRequest) -> bool:
    return getattr(request, "token_authentication", None) is not None


def _with_page_headers(response: _Response) -> _Response:
    response["Content-Security-Policy"] = _CONTENT_SECURITY_POLICY
    response["X-Frame-Options"] = "DENY"
    # Pages hold a user's profile and an authenticator's secret: no cache, shared or not, keeps them.
    response["Cache-Control"] = "no-store"
    return response


class _Page(View):
    """A page with one form that it handles (`form_class`) and maybe others it shows, each posted to
    a page of its own. `submit` calls the use-case and answers the redirect; its refusals come back
    as the form with the message beside the field of `error_fields`, or above the form."""

    http_method_names: ClassVar[list[str]] = ["get", "head", "post"]  # type: ignore[misc]
    # The pages' tokens stay in their HttpOnly cookies: refreshed ones too, and none as a header.
    tokens_in_cookies_only = True
    template_name: ClassVar[str]
    title: ClassVar[str]
    form_class: ClassVar[type[django_forms.Form]]
    form_name: ClassVar[str] = "form"
    signed_in_only: ClassVar[bool] = False
    # The form field each refusal is about; the rest are said above the form.
    error_fields: ClassVar[Mapping[type[errors.DomainError], str]] = {}
    # The domain's names of fields (`ValidationError.fields`) where the form calls them otherwise.
    field_names: ClassVar[Mapping[str, str]] = {}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.signed_in_only and not _signed_in(request):
            return _with_page_headers(_not_signed_in(request))
        return _with_page_headers(super().dispatch(request, *args, **kwargs))

    def build_form(self, data: Any = None, initial: dict[str, str] | None = None) -> django_forms.Form:
        return self.form_class(data, initial=initial)

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        """Every form the page shows, blank but for the username a page before may have passed on."""
        return {self.form_name: self.build_form(initial=_username_passed_on(request))}

    def context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def show(self, request: HttpRequest, form: django_forms.Form | None = None, status: int = 200) -> HttpResponse:
        shown = self.forms(request)
        if form is not None:
            shown[self.form_name] = form
        context = {"title": self.title, "signed_in": _signed_in(request), **shown, **self.context(request)}
        return render(request, self.template_name, context, status=status)

    def shown(self, request: HttpRequest, form: django_forms.Form | None = None, status: int = 200) -> HttpResponse:
        """`show`, or why the page could not be shown: what it shows may come from the pool (the
        passkeys) or the database, which may fail."""
        try:
            return self.show(request, form, status)
        except errors.DomainError as error:
            return _failed(request, error)
        except DATABASE_FAILURES:
            return _failed(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.shown(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.shown(request, form, status=400)
        try:
            return self.submit(request, form.cleaned_data)
        except errors.DomainError as error:
            return self.refused(request, form, error)
        except DATABASE_FAILURES:
            return _failed(request)

    def submit(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        raise NotImplementedError

    def refused(self, request: HttpRequest, form: django_forms.Form, error: errors.DomainError) -> HttpResponse:
        if isinstance(error, errors.ValidationError):
            for name, reason in error.fields.items():
                field_name = self.field_names.get(name, name)
                form.add_error(field_name if field_name in form.fields else None, _sentence(name, reason))
        else:
            field = next((name for kind, name in self.error_fields.items() if isinstance(error, kind)), None)
            form.add_error(field, _message(error))
        response = self.shown(request, form, status=ERROR_STATUSES.get(error.code, 400))
        if isinstance(error, errors.TooManyRequests | errors.ProviderUnavailable):
            response["Retry-After"] = str(error.retry_after)
        return response


def _failed(request: HttpRequest, error: errors.DomainError | None = None) -> HttpResponse:
    """A page that could not be shown: the database (no `error`) or the pool failed."""
    message = "The service is unavailable just now. Try again in a moment." if error is None else _message(error)
    status = 503 if error is None else ERROR_STATUSES.get(error.code, 400)
    context = {"title": "This page could not be shown", "signed_in": _signed_in(request), "message": message}
    response = render(request, "pages/failed.html", context, status=status)
    if error is None or isinstance(error, errors.TooManyRequests | errors.ProviderUnavailable):
        response["Retry-After"] = str(DatabaseUnavailable.retry_after if error is None else error.retry_after)
    return response


def _sentence(name: str, reason: str) -> str:
    """A `ValidationError`'s reason for a field as a sentence: "must ..." is said of the field, a
    statement ("the user has no phone number") of the person's account."""
    if reason.startswith(("must ", "is ", "may ", "goes ")):
        return f"This {name.replace('_', ' ')} {reason}."
    statement = re.sub(r"^the user\b", "your account", reason)
    return f"{statement[0].upper()}{statement[1:]}."


def _message(error: errors.DomainError) -> str:
    if isinstance(error, errors.TooManyRequests):
        minutes = math.ceil(error.retry_after / 60)
        wait = f"{error.retry_after} seconds" if error.retry_after < 120 else f"{minutes} minutes"
        return f"Too many attempts. Wait {wait} and try again."
    return next(
        (message for kind, message in _FRIENDLY_MESSAGES.items() if isinstance(error, kind)),
        error.message,
    )


def _not_signed_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page, and a refused token's cookies go, so the browser stops sending them; but
    tokens that could not be checked (the pool or the database failed) may be good: they stay, and
    the page says to try again."""
    error = getattr(request, "token_error", None)
    if isinstance(error, errors.ProviderUnavailable | errors.TooManyRequests):
        return _failed(request, error)
    if error is not None and not isinstance(error, errors.DomainError):
        return _failed(request)
    response = HttpResponseRedirect(_url("sign_in"))
    if error is not None:
        credentials.clear_tokens(response)
    return response


def _signed_in_or_challenged(request: HttpRequest, username: str, result: SignInResult) -> HttpResponse:
    """The redirect a sign-in step ends with: to the next challenge, or into the account with the
    tokens as cookies (and a fresh CSRF token, as Django's `login()` rotates it)."""
    if isinstance(result, Challenge):
        response = HttpResponseRedirect(_url("challenge"))
        pending.keep_challenge(response, username, result)
        return response
    response = HttpResponseRedirect(_url("profile"))
    pending.forget_challenge(response)
    if not credentials.set_token_cookies(response, result.tokens):
        # The token cookies are cleared on `response` then: its cookies go with the redirect to sign-in.
        messages.error(
            request, "This account's sign-in is too large for a browser's cookies. Use the API with the token headers."
        )
        response["Location"] = _url("sign_in")
        return response
    rotate_token(request)
    return response


class SignUpPage(_Page):
    template_name = "pages/sign_up.html"
    title = "Create an account"
    form_class = forms.SignUpForm
    error_fields = {errors.UsernameExists: "username", errors.InvalidPassword: "password"}

    @inject
    def submit(self, request: HttpRequest, data: dict[str, Any], sign_up: SignUp = Provide["sign_up"]) -> HttpResponse:
        attributes = (("given_name", data["given_name"]),) if data["given_name"] else ()
        password = data["password"] or None
        outcome = sign_up(
            SignUpCommand(
                username=data["username"], password=password, attributes=attributes, client=client_ip(request)
            )
        )
        if outcome.code_delivery is not None:
            messages.success(request, f"We sent a code to {outcome.code_delivery.destination}.")
        return HttpResponseRedirect(_url("confirm", username=data["username"]))


class ConfirmSignUpPage(_Page):
    template_name = "pages/confirm.html"
    title = "Confirm your account"
    form_class: ClassVar[type[django_forms.Form]] = forms.ConfirmSignUpForm
    error_fields = {errors.CodeMismatch: "code", errors.ExpiredCode: "code"}

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        initial = _username_passed_on(request)
        return {"form": forms.ConfirmSignUpForm(initial=initial), "resend_form": forms.ResendCodeForm(initial=initial)}

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        confirm: ConfirmSignUp = Provide["confirm_sign_up"],
        sign_in_with_session: SignInWithSession = Provide["sign_in_with_session"],
    ) -> HttpResponse:
        username, client = data["username"], client_ip(request)
        confirmed = confirm(ConfirmSignUpCommand(username=username, code=data["code"], client=client))
        if confirmed.session is None:
            messages.success(request, "Your account is confirmed. Sign in.")
            return HttpResponseRedirect(_url("sign_in", username=username))
        # The confirmation's session signs the new user in at once, as `POST /auth/login` with it does.
        try:
            result = sign_in_with_session(
                SignInWithSessionCommand(username=username, session=confirmed.session, client=client)
            )
        except errors.DomainError:
            # The account is confirmed all the same: only the shortcut past the sign-in is lost.
            messages.success(request, "Your account is confirmed. Sign in.")
            return HttpResponseRedirect(_url("sign_in", username=username))
        messages.success(request, "Your account is confirmed. Welcome!")
        return _signed_in_or_challenged(request, username, result)


class ResendCodePage(ConfirmSignUpPage):
    form_class = forms.ResendCodeForm
    form_name = "resend_form"
    error_fields = {}

    @inject
    def submit(  # type: ignore[override]
        self,
        request: HttpRequest,
        data: dict[str, Any],
        resend: ResendConfirmationCode = Provide["resend_confirmation_code"],
    ) -> HttpResponse:
        resend(ResendConfirmationCodeCommand(username=data["username"], client=client_ip(request)))
        messages.success(request, "If the account exists and is not confirmed yet, we sent a new code.")
        return HttpResponseRedirect(_url("confirm", username=data["username"]))


class SignInPage(_Page):
    template_name = "pages/sign_in.html"
    title = "Sign in"
    form_class = forms.SignInForm
    # It replaces whatever tokens the browser has: the middleware must not refresh the old ones into
    # the answer that sets the new.
    handles_tokens_itself = True

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        login: Login = Provide["login"],
        start_sign_in: StartSignIn = Provide["start_sign_in"],
    ) -> HttpResponse:
        username, method, client = data["username"], data["method"], client_ip(request)
        if method == forms.PASSWORD:
            result = login(LoginCommand(username=username, password=data["password"], client=client))
        else:
            preferred = None if method == forms.CHOOSE else method
            result = start_sign_in(StartSignInCommand(username=username, preferred_challenge=preferred, client=client))
        return _signed_in_or_challenged(request, username, result)

    def refused(self, request: HttpRequest, form: django_forms.Form, error: errors.DomainError) -> HttpResponse:
        if isinstance(error, errors.UserNotConfirmed):
            messages.info(request, "Your account is not confirmed yet. Enter the code we sent you.")
            return HttpResponseRedirect(_url("confirm", username=form.cleaned_data["username"]))
        if isinstance(error, errors.PasswordResetRequired):
            messages.info(request, "Your password must be reset. Ask for a code to choose a new one.")
            return HttpResponseRedirect(_url("forgot_password", username=form.cleaned_data["username"]))
        return super().refused(request, form, error)


class ChallengePage(_Page):
    """The step a sign-in asks for next: an MFA or sign-in code, or a new password."""

    template_name = "pages/challenge.html"
    title = "Finish signing in"
    handles_tokens_itself = True
    error_fields = {errors.CodeMismatch: "code", errors.InvalidPassword: "new_password"}
    field_names = {"password": "new_password"}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.pending = pending.pending_challenge(request)
        if self.pending is None:
            messages.info(request, "Your sign-in has timed out. Sign in again.")
            response = HttpResponseRedirect(_url("sign_in"))
            pending.forget_challenge(response)
            return _with_page_headers(response)
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data: Any = None, initial: dict[str, str] | None = None) -> django_forms.Form:
        assert self.pending is not None  # noqa: S101 -- dispatch answered already without one
        challenge = self.pending.challenge
        if challenge.name == "NEW_PASSWORD_REQUIRED":
            return forms.NewPasswordForm(data)
        if challenge.name == SELECT_CHALLENGE:
            return forms.SelectChallengeForm(data, available=challenge.available_challenges)
        if challenge.name == SignInFactor.WEB_AUTHN.value:
            return forms.PasskeyCredentialForm(data)
        return forms.CodeChallengeForm(data)

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        return {"form": self.build_form()}

    def context(self, request: HttpRequest) -> dict[str, Any]:
        assert self.pending is not None  # noqa: S101
        challenge = self.pending.challenge
        return {
            "challenge": challenge.name,
            "destination": challenge.parameters.get("CODE_DELIVERY_DESTINATION"),
            "choices": [(name, forms.FACTOR_LABELS.get(name, name)) for name in challenge.available_challenges],
            "options": challenge.credential_request_options,
        }

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        respond: RespondToChallenge = Provide["respond_to_challenge"],
    ) -> HttpResponse:
        assert self.pending is not None  # noqa: S101
        name = self.pending.challenge.name
        if name == "NEW_PASSWORD_REQUIRED":
            answers = {"NEW_PASSWORD": data["new_password"]}
        elif name == SELECT_CHALLENGE:
            answers = {"ANSWER": data["answer"]}
            if data["answer"] == forms.PASSWORD:
                answers["PASSWORD"] = data["password"]
        elif name == SignInFactor.WEB_AUTHN.value:
            # Cognito takes the assertion as the JSON text of its `toJSON()`.
            answers = {"CREDENTIAL": json.dumps(data["credential"], separators=(",", ":"))}
        else:
            # Every challenge that takes a code names its answer `<challenge>_CODE`.
            answers = {f"{name}_CODE": data["code"]}
        result = respond(
            RespondToChallengeCommand(
                username=self.pending.username,
                challenge_name=name,
                responses=answers,
                session=self.pending.challenge.session,
                client=client_ip(request),
            )
        )
        return _signed_in_or_challenged(request, self.pending.username, result)

    def refused(self, request: HttpRequest, form: django_forms.Form, error: errors.DomainError) -> HttpResponse:
        if isinstance(error, errors.ExpiredSession | errors.NotAuthorized | errors.PasskeyRejected):
            # The session is spent (a wrong password or passkey spends it): only a new sign-in goes on.
            if isinstance(error, errors.PasskeyRejected):
                refusal = "The passkey could not be verified."
            elif isinstance(error, errors.NotAuthorized) and form.cleaned_data.get("password"):
                refusal = "Incorrect username or password."
            else:
                refusal = "Your sign-in has expired or was refused."
            messages.error(request, f"{refusal} Sign in again.")
            assert self.pending is not None  # noqa: S101 -- dispatch answered already without one
            response = HttpResponseRedirect(_url("sign_in", username=self.pending.username))
            pending.forget_challenge(response)
            return response
        return super().refused(request, form, error)


class ForgotPasswordPage(_Page):
    template_name = "pages/forgot_password.html"
    title = "Forgot your password?"
    form_class = forms.ForgotPasswordForm

    @inject
    def submit(
        self, request: HttpRequest, data: dict[str, Any], forgot: ForgotPassword = Provide["forgot_password"]
    ) -> HttpResponse:
        forgot(ForgotPasswordCommand(username=data["username"], client=client_ip(request)))
        messages.success(request, "If the account exists, we sent it a code to reset the password.")
        return HttpResponseRedirect(_url("reset_password", username=data["username"]))


class ResetPasswordPage(_Page):
    template_name = "pages/reset_password.html"
    title = "Choose a new password"
    form_class = forms.ResetPasswordForm
    error_fields = {errors.CodeMismatch: "code", errors.InvalidPassword: "new_password"}
    field_names = {"password": "new_password"}

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        confirm: ConfirmForgotPassword = Provide["confirm_forgot_password"],
    ) -> HttpResponse:
        confirm(
            ConfirmForgotPasswordCommand(
                username=data["username"],
                code=data["code"],
                new_password=data["new_password"],
                client=client_ip(request),
            )
        )
        messages.success(request, "Your password is changed. Sign in with the new one.")
        return HttpResponseRedirect(_url("sign_in", username=data["username"]))


class ProfilePage(_Page):
    """The signed-in user's attributes, as the mirror holds them (as `GET /auth/me` answers them)."""

    template_name = "pages/profile.html"
    title = "Your profile"
    form_class: ClassVar[type[django_forms.Form]] = forms.ProfileForm
    signed_in_only = True
    error_fields = {errors.UsernameExists: "email"}

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        user = request.user
        initial = {name: getattr(user, name) for name in forms.ProfileForm.base_fields}
        return {"form": forms.ProfileForm(initial=initial), "verify_form": forms.VerifyEmailForm()}

    def context(self, request: HttpRequest) -> dict[str, Any]:
        return {"profile": request.user}

    @inject
    def submit(
        self, request: HttpRequest, data: dict[str, Any], update: UpdateProfile = Provide["update_profile"]
    ) -> HttpResponse:
        # Only what the person changed: writing an unchanged e-mail address would unverify it.
        changed = tuple((name, value) for name, value in data.items() if value != (getattr(request.user, name) or ""))
        if not changed:
            messages.info(request, "Nothing changed.")
            return HttpResponseRedirect(_url("profile"))
        result = update(
            UpdateProfileCommand(
                access_token=credentials.authenticated_access_token(request),
                attributes=changed,
                client=client_ip(request),
            )
        )
        messages.success(request, "Your profile is saved.")
        for delivery in result.code_deliveries:
            messages.info(request, f"We sent a code to {delivery.destination} to verify it.")
        return HttpResponseRedirect(_url("profile"))


class VerifyEmailPage(ProfilePage):
    form_class = forms.VerifyEmailForm
    form_name = "verify_form"
    error_fields = {errors.CodeMismatch: "code", errors.ExpiredCode: "code"}

    @inject
    def submit(  # type: ignore[override]
        self, request: HttpRequest, data: dict[str, Any], verify: VerifyAttribute = Provide["verify_attribute"]
    ) -> HttpResponse:
        verify(
            VerifyAttributeCommand(
                access_token=credentials.authenticated_access_token(request),
                attribute_name="email",
                code=data["code"],
                client=client_ip(request),
            )
        )
        messages.success(request, "Your e-mail address is verified.")
        return HttpResponseRedirect(_url("profile"))


class ChangePasswordPage(_Page):
    template_name = "pages/password.html"
    title = "Change your password"
    form_class = forms.ChangePasswordForm
    signed_in_only = True
    # Signed in, a refused password is the current one typed wrong.
    error_fields = {errors.NotAuthorized: "old_password", errors.InvalidPassword: "new_password"}
    field_names = {"password": "new_password"}

    @inject
    def submit(
        self, request: HttpRequest, data: dict[str, Any], change: ChangePassword = Provide["change_password"]
    ) -> HttpResponse:
        change(
            ChangePasswordCommand(
                access_token=credentials.authenticated_access_token(request),
                previous_password=data["old_password"],
                proposed_password=data["new_password"],
                client=client_ip(request),
            )
        )
        messages.success(request, "Your password is changed.")
        return HttpResponseRedirect(_url("profile"))


def _step_up_proof(request: HttpRequest, data: dict[str, Any]) -> StepUpProof:
    """A step-up form's proof: the e-mailed code answers the sign-in that "E-mail me a code" started
    (`StepUpCodePage`); the use-case judges it."""
    password, code = data["password"] or None, data["code"] or None
    started = pending.step_up(request, request.user.username)
    if data.get("emailed_code") and started is not None:
        answer = {"EMAIL_OTP_CODE": data["emailed_code"]}
        return StepUpProof(
            challenge_name=started.name, session=started.session, responses=answer, password=password, code=code
        )
    return StepUpProof(password=password, code=code)


def _code_sent(request: HttpRequest) -> bool:
    return pending.step_up(request, request.user.username) is not None


class StepUpCodePage(View):
    """ "E-mail me a code": starts a sign-in of the signed-in user by an e-mailed code, whose code then
    confirms a change of the ways to sign in, for accounts without a password. Back to `return_to`."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    tokens_in_cookies_only = True

    @inject
    def post(self, request: HttpRequest, start_sign_in: StartSignIn = Provide["start_sign_in"]) -> HttpResponseBase:
        if not _signed_in(request):
            return _with_page_headers(_not_signed_in(request))
        form = forms.StepUpCodeForm(request.POST)
        response = HttpResponseRedirect(_url(form.cleaned_data["return_to"] if form.is_valid() else "profile"))
        username = request.user.username
        command = StartSignInCommand(username=username, preferred_challenge="EMAIL_OTP", client=client_ip(request))
        try:
            result = start_sign_in(command)
        except errors.DomainError as error:
            messages.error(request, _message(error))
            return _with_page_headers(response)
        if isinstance(result, Challenge) and result.name == "EMAIL_OTP":
            pending.keep_step_up(response, username, result)
            messages.info(request, "We e-mailed you a code. Type it below, with the change, within 3 minutes.")
        else:
            messages.error(request, "Your account has no verified e-mail address to send a code to. Use your password.")
        return _with_page_headers(response)


class MfaPage(_Page):
    """Two-step verification: setting up an authenticator app, and turning the factors on or off.
    Each change asks for the current password or an e-mailed code (and the app's code when sign-in
    asks for one)."""

    template_name = "pages/mfa.html"
    title = "Two-step verification"
    form_class: ClassVar[type[django_forms.Form]] = forms.TotpSetUpForm
    form_name = "setup_form"
    signed_in_only = True
    error_fields = {errors.StepUpRequired: "password"}

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        code_sent = _code_sent(request)
        return {
            "setup_form": forms.TotpSetUpForm(code_sent=code_sent),
            "preference_form": forms.MfaPreferenceForm(code_sent=code_sent),
        }

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        associate: AssociateSoftwareToken = Provide["associate_software_token"],
    ) -> HttpResponse:
        result = associate(
            AssociateSoftwareTokenCommand(
                access_token=credentials.authenticated_access_token(request),
                proof=_step_up_proof(request, data),
                client=client_ip(request),
            )
        )
        response = HttpResponseRedirect(_url("totp_verify"))
        pending.keep_authenticator_secret(response, request.user.username, result.secret, result.otpauth_uri)
        pending.forget_step_up(response)
        return response


class MfaPreferencePage(MfaPage):
    form_class = forms.MfaPreferenceForm
    form_name = "preference_form"

    @inject
    def submit(  # type: ignore[override]
        self,
        request: HttpRequest,
        data: dict[str, Any],
        set_preference: SetMfaPreference = Provide["set_mfa_preference"],
    ) -> HttpResponse:
        turned_on = data["state"] == "on"
        set_preference(
            SetMfaPreferenceCommand(
                access_token=credentials.authenticated_access_token(request),
                sms=turned_on if data["factor"] == "sms" else None,
                totp=turned_on if data["factor"] == "totp" else None,
                proof=_step_up_proof(request, data),
                client=client_ip(request),
            )
        )
        label = dict(forms.MfaPreferenceForm.base_fields["factor"].choices)[data["factor"]]  # type: ignore[attr-defined]
        messages.success(request, f"{label} is {data['state']}.")
        response = HttpResponseRedirect(_url("mfa"))
        pending.forget_step_up(response)
        return response


class TotpVerifyPage(_Page):
    """The new authenticator's secret, to type or open in the app, and the code that proves it took it."""

    template_name = "pages/totp_verify.html"
    title = "Add your authenticator app"
    form_class = forms.TotpVerifyForm
    signed_in_only = True
    error_fields = {errors.CodeMismatch: "code"}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _signed_in(request) and pending.authenticator_secret(request, request.user.username) is None:
            messages.info(request, "Set up the authenticator app again: its secret has timed out.")
            return _with_page_headers(HttpResponseRedirect(_url("mfa")))
        return super().dispatch(request, *args, **kwargs)

    def context(self, request: HttpRequest) -> dict[str, Any]:
        secret, otpauth_uri = pending.authenticator_secret(request, request.user.username) or ("", "")
        return {"secret": secret, "otpauth_uri": otpauth_uri}

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        verify: VerifySoftwareToken = Provide["verify_software_token"],
    ) -> HttpResponse:
        verify(
            VerifySoftwareTokenCommand(
                access_token=credentials.authenticated_access_token(request),
                code=data["code"],
                client=client_ip(request),
            )
        )
        messages.success(request, "Your authenticator app is added. Turn it on below to use it at sign-in.")
        response = HttpResponseRedirect(_url("mfa"))
        pending.forget_authenticator_secret(response)
        return response


class PasskeysPage(_Page):
    """The signed-in user's passkeys, each with its delete button, and the start of a new one."""

    template_name = "pages/passkeys.html"
    title = "Passkeys"
    form_class: ClassVar[type[django_forms.Form]] = forms.NewPasskeyForm
    form_name = "new_passkey_form"
    signed_in_only = True

    def forms(self, request: HttpRequest) -> dict[str, django_forms.Form]:
        return {"new_passkey_form": forms.NewPasskeyForm(code_sent=_code_sent(request))}

    @inject
    def context(self, request: HttpRequest, list_passkeys: ListPasskeys = Provide["list_passkeys"]) -> dict[str, Any]:
        access_token = credentials.authenticated_access_token(request)
        return {"passkeys": list_passkeys(ListPasskeysCommand(access_token=access_token))}

    def refused(self, request: HttpRequest, form: django_forms.Form, error: errors.DomainError) -> HttpResponse:
        message = (
            " ".join(_sentence(name, reason) for name, reason in error.fields.items())
            if isinstance(error, errors.ValidationError)
            else _message(error)
        )
        # Said above the list, which the redirect shows afresh.
        messages.error(request, message)
        return HttpResponseRedirect(_url("passkeys"))

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        start: StartPasskeyRegistration = Provide["start_passkey_registration"],
    ) -> HttpResponse:
        options = start(
            StartPasskeyRegistrationCommand(
                access_token=credentials.authenticated_access_token(request),
                proof=_step_up_proof(request, data),
                client=client_ip(request),
            )
        )
        response = HttpResponseRedirect(_url("new_passkey"))
        pending.keep_passkey_options(response, request.user.username, options)
        pending.forget_step_up(response)
        return response


class NewPasskeyPage(_Page):
    """The browser's ceremony that creates the passkey (a script: WebAuthn has no form), and its answer."""

    template_name = "pages/new_passkey.html"
    title = "Add a passkey"
    form_class = forms.PasskeyCredentialForm
    signed_in_only = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _signed_in(request) and pending.passkey_options(request, request.user.username) is None:
            messages.info(request, "Start adding the passkey again: its request has timed out.")
            return _with_page_headers(HttpResponseRedirect(_url("passkeys")))
        return super().dispatch(request, *args, **kwargs)

    def context(self, request: HttpRequest) -> dict[str, Any]:
        return {"options": pending.passkey_options(request, request.user.username)}

    @inject
    def submit(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        complete: CompletePasskeyRegistration = Provide["complete_passkey_registration"],
    ) -> HttpResponse:
        complete(
            CompletePasskeyRegistrationCommand(
                access_token=credentials.authenticated_access_token(request),
                credential=data["credential"],
                client=client_ip(request),
            )
        )
        messages.success(request, "Your passkey is added. Use it the next time you sign in.")
        response = HttpResponseRedirect(_url("passkeys"))
        pending.forget_passkey_options(response)
        return response

    def refused(self, request: HttpRequest, form: django_forms.Form, error: errors.DomainError) -> HttpResponse:
        if isinstance(error, errors.PasskeyRejected):
            # The options answered are spent either way: a new attempt starts from the list.
            messages.error(request, "The passkey could not be verified. Try adding it again.")
            response = HttpResponseRedirect(_url("passkeys"))
            pending.forget_passkey_options(response)
            return response
        return super().refused(request, form, error)


class DeletePasskeyPage(PasskeysPage):
    form_class = forms.DeletePasskeyForm
    form_name = "delete_form"

    @inject
    def submit(  # type: ignore[override]
        self, request: HttpRequest, data: dict[str, Any], delete: DeletePasskey = Provide["delete_passkey"]
    ) -> HttpResponse:
        delete(
            DeletePasskeyCommand(
                access_token=credentials.authenticated_access_token(request), credential_id=data["credential_id"]
            )
        )
        messages.success(request, "The passkey is deleted: it signs nobody in any more.")
        return HttpResponseRedirect(_url("passkeys"))


class SignOutPage(View):
    """Revokes every token of the user, on every device, as `POST /auth/logout` does. Its own page
    is where a sign-out that could not finish is tried again."""

    http_method_names: ClassVar[list[str]] = ["get", "head", "post"]  # type: ignore[misc]
    handles_tokens_itself = True

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {"title": "Sign out", "signed_in": False}
        return _with_page_headers(render(request, "pages/sign_out.html", context))

    @inject
    def post(self, request: HttpRequest, logout: Logout = Provide["logout"]) -> HttpResponse:
        response = HttpResponseRedirect(_url("sign_in"))
        try:
            logout(
                LogoutCommand(
                    access_token=credentials.access_token(request), refresh_token=credentials.refresh_token(request)
                )
            )
        except (errors.NotAuthenticated, errors.NotAuthorized, errors.TokenInvalid, errors.TokenExpired):
            # Tokens that nothing accepts any more: there is nothing left to revoke.
            pass
        except errors.DomainError as error:
            # This service may refuse the tokens already, but the pool's sign-out did not happen: the
            # cookies stay, so that trying again can finish it.
            messages.error(request, f"You could not be signed out everywhere. {_message(error)}")
            return _with_page_headers(HttpResponseRedirect(_url("sign_out")))
        messages.success(request, "You are signed out on every device.")
        credentials.clear_tokens(response)
        pending.forget_challenge(response)
        return _with_page_headers(response)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's `CSRF_FAILURE_VIEW`: a form posted without this site's token, from a page of another
    site or one kept open past a sign-in that replaced the token."""
    context = {"title": "This form has expired", "signed_in": _signed_in(request)}
    return _with_page_headers(render(request, "pages/csrf_failure.html", context, status=403))


class HomePage(View):
    http_method_names: ClassVar[list[str]] = ["get", "head"]  # type: ignore[misc]
    tokens_in_cookies_only = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return _with_page_headers(HttpResponseRedirect(_url("profile" if _signed_in(request) else "sign_in")))
