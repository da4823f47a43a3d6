from django.urls import re_path

from django_shell.pages import views

app_name = "account_pages"

# Each path answers with and without a trailing slash, as the API's do.
urlpatterns = [
    re_path(r"^$", views.HomePage.as_view(), name="home"),
    re_path(r"^sign-up/?$", views.SignUpPage.as_view(), name="sign_up"),
    re_path(r"^confirm/?$", views.ConfirmSignUpPage.as_view(), name="confirm"),
    re_path(r"^confirm/resend/?$", views.ResendCodePage.as_view(), name="resend_code"),
    re_path(r"^sign-in/?$", views.SignInPage.as_view(), name="sign_in"),
    re_path(r"^sign-in/challenge/?$", views.ChallengePage.as_view(), name="challenge"),
    re_path(r"^forgot-password/?$", views.ForgotPasswordPage.as_view(), name="forgot_password"),
    re_path(r"^reset-password/?$", views.ResetPasswordPage.as_view(), name="reset_password"),
    re_path(r"^profile/?$", views.ProfilePage.as_view(), name="profile"),
    re_path(r"^profile/verify-email/?$", views.VerifyEmailPage.as_view(), name="verify_email"),
    re_path(r"^password/?$", views.ChangePasswordPage.as_view(), name="password"),
    re_path(r"^confirm-it-is-you/?$", views.StepUpCodePage.as_view(), name="step_up_code"),
    re_path(r"^mfa/?$", views.MfaPage.as_view(), name="mfa"),
    re_path(r"^mfa/preference/?$", views.MfaPreferencePage.as_view(), name="mfa_preference"),
    re_path(r"^mfa/totp/?$", views.TotpVerifyPage.as_view(), name="totp_verify"),
    re_path(r"^passkeys/?$", views.PasskeysPage.as_view(), name="passkeys"),
    re_path(r"^passkeys/new/?$", views.NewPasskeyPage.as_view(), name="new_passkey"),
    re_path(r"^passkeys/delete/?$", views.DeletePasskeyPage.as_view(), name="delete_passkey"),
    re_path(r"^sign-out/?$", views.SignOutPage.as_view(), name="sign_out"),
]
