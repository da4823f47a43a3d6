"""The pages' forms: the syntax of each field, with the labels, input types and autocomplete hints a
browser and its password manager need. The use-cases check everything else."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from domain.values import PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH, SignInFactor

# The codes the pool sends and authenticator apps show are six digits; longer input is refused here,
# before it costs an attempt.
_CODE_MAX_LENGTH = 16


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels as a screen reader should say them: "Code", not "Code:".
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _username(*, email: bool = False) -> forms.CharField:
    """A new account's username is its e-mail address, where its codes go; an existing one may be any
    username the pool holds (an administrator may have created it)."""
    attrs = {"autocomplete": "username"}
    return forms.CharField(
        label="E-mail address" if email else "E-mail address or username",
        max_length=USERNAME_MAX_LENGTH,
        widget=forms.EmailInput(attrs=attrs) if email else forms.TextInput(attrs={**attrs, "spellcheck": "false"}),
    )


def _password(label: str, *, new: bool = False, required: bool = True, help_text: str = "") -> forms.CharField:
    autocomplete = "new-password" if new else "current-password"
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        required=required,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _code(label: str = "Code", *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=_CODE_MAX_LENGTH,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SignUpForm(_Form):
    username = _username(email=True)
    password = _password(
        "Password",
        new=True,
        required=False,
        help_text="Optional: without one, you sign in with a code we e-mail you each time.",
    )
    given_name = forms.CharField(label="First name", max_length=256, required=False)


class ConfirmSignUpForm(_Form):
    username = _username()
    code = _code(help_text="The code we sent to your e-mail address.")


class ResendCodeForm(_Form):
    prefix = "resend"
    username = _username()


# The ways to sign in, as the buttons of the sign-in form name them: Cognito's factors, and the choice.
PASSWORD = SignInFactor.PASSWORD.value
CHOOSE = "CHOOSE"
SIGN_IN_METHODS = (PASSWORD, SignInFactor.EMAIL_OTP.value, SignInFactor.WEB_AUTHN.value, CHOOSE)


class SignInForm(_Form):
    """A password sign-in, or the start of one without it: each is a button, `method` the one pressed
    (Enter presses the first, the password's)."""

    username = _username()
    password = _password("Password", required=False)
    method = forms.ChoiceField(choices=[(method, method) for method in SIGN_IN_METHODS], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["method"] = data.get("method") or PASSWORD
        if data["method"] == PASSWORD and not data.get("password"):
            self.add_error("password", "Enter your password, or sign in with a code instead.")
        return data


# What each way to go on is called where a sign-in offers the choice.
FACTOR_LABELS = {
    SignInFactor.EMAIL_OTP.value: "E-mail me a code",
    SignInFactor.SMS_OTP.value: "Text me a code",
    SignInFactor.WEB_AUTHN.value: "Use a passkey",
    SignInFactor.PASSWORD.value: "Use my password",
}


class SelectChallengeForm(_Form):
    """The ways the sign-in offers (`SELECT_CHALLENGE`), each a button; the password with PASSWORD."""

    answer = forms.ChoiceField(choices=[])
    password = _password("Password", required=False)

    def __init__(self, *args: Any, available: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = [(name, FACTOR_LABELS.get(name, name)) for name in available]  # type: ignore[attr-defined]
        if SignInFactor.PASSWORD.value not in available:
            del self.fields["password"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "answer" in self.errors:
            # Buttons, not a field a person could correct: said above them.
            del self.errors["answer"]
            self.add_error(None, "Choose one of the ways offered.")
        if data.get("answer") == SignInFactor.PASSWORD.value and not data.get("password"):
            self.add_error("password", "Enter your password, or choose another way.")
        return data


class CodeChallengeForm(_Form):
    code = _code()


class NewPasswordForm(_Form):
    new_password = _password("New password", new=True)


class ForgotPasswordForm(_Form):
    username = _username()


class ResetPasswordForm(_Form):
    username = _username()
    code = _code(help_text="The code we sent to your e-mail address.")
    new_password = _password("New password", new=True)


class ProfileForm(_Form):
    given_name = forms.CharField(label="First name", max_length=256, required=False)
    family_name = forms.CharField(label="Last name", max_length=256, required=False)
    email = forms.EmailField(label="E-mail address", max_length=256, required=False)
    phone_number = forms.CharField(
        label="Phone number",
        max_length=32,
        required=False,
        help_text="With the country code, as +15550100123.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class VerifyEmailForm(_Form):
    prefix = "verify"
    code = _code(help_text="The code we sent to your new e-mail address.")


class ChangePasswordForm(_Form):
    old_password = _password("Current password")
    new_password = _password("New password", new=True)


_STEP_UP_CODE_HELP = "The code of your authenticator app, if signing in asks you for one."


class _StepUpForm(_Form):
    """A change of the ways to sign in, with its proof: the current password, or the code of the sign-in
    that "E-mail me a code" started (its field shown once the code is sent, `code_sent`), and the
    authenticator's code when signing in asks for one."""

    password = _password(
        "Current password", required=False, help_text="No password on your account? Ask for an e-mailed code."
    )
    emailed_code = _code("Code we e-mailed you", required=False, help_text="Instead of your password.")
    code = _code("Authenticator code", required=False, help_text=_STEP_UP_CODE_HELP)

    def __init__(self, *args: Any, code_sent: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not code_sent:
            del self.fields["emailed_code"]


class StepUpCodeForm(_Form):
    """Sends the signed-in user a sign-in code by e-mail, to confirm a change on the page `return_to`."""

    return_to = forms.ChoiceField(choices=[("mfa", "mfa"), ("passkeys", "passkeys")], widget=forms.HiddenInput)


class TotpSetUpForm(_StepUpForm):
    prefix = "setup"


class TotpVerifyForm(_Form):
    code = _code("Code from the app")


class MfaPreferenceForm(_StepUpForm):
    prefix = "preference"
    field_order = ("factor", "state")
    factor = forms.ChoiceField(
        label="Second factor", choices=[("totp", "Authenticator app (TOTP)"), ("sms", "Text message (SMS)")]
    )
    state = forms.ChoiceField(label="Turn it", choices=[("on", "On"), ("off", "Off")], widget=forms.RadioSelect)


# A credential's `toJSON()` with attestation "none" is a kilobyte or two; this leaves room for more.
_CREDENTIAL_MAX_LENGTH = 64 * 1024


class PasskeyCredentialForm(_Form):
    """The authenticator's answer to a WebAuthn ceremony, which the page's script puts here as the
    JSON text of the credential's `toJSON()`."""

    credential = forms.CharField(widget=forms.HiddenInput, max_length=_CREDENTIAL_MAX_LENGTH, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A hidden field: its refusal is said above the button that sent it.
        try:
            credential = json.loads(data.get("credential") or "")
        except ValueError:
            credential = None
        if not isinstance(credential, dict):
            self.add_error(None, "The passkey gave no answer. Try again.")
            return data
        data["credential"] = credential
        return data


class NewPasskeyForm(_StepUpForm):
    """Starts a passkey's registration, with the proof it needs: a passkey signs in on its own."""

    prefix = "new"


class DeletePasskeyForm(_Form):
    credential_id = forms.CharField(widget=forms.HiddenInput, max_length=1024)
