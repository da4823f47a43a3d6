from django.contrib import admin
from django.urls import include, path, re_path
from rest_framework import exceptions

from django_shell import documentation, health
from django_shell.accounts import administration, apis, images, mfa, passkeys, self_service
from django_shell.errors import BadRequest, InternalError, json_error_view

# Each path answers with and without a trailing slash.
_ACCOUNT_APIS = {
    "signup": apis.SignUpApi,
    "confirm_signup": apis.ConfirmSignUpApi,
    "resend_code": apis.ResendCodeApi,
    "login": apis.LoginApi,
    "confirm_login": apis.ConfirmLoginApi,
    "refresh": apis.RefreshApi,
    "logout": apis.LogoutApi,
    "forgot_password": apis.ForgotPasswordApi,
    "confirm_forgot_password": apis.ConfirmForgotPasswordApi,
}

urlpatterns = [
    *(re_path(rf"^auth/{name}/?$", view.as_view(), name=name) for name, view in _ACCOUNT_APIS.items()),
    re_path(r"^auth/csrf/?$", apis.CsrfApi.as_view(), name="csrf"),
    re_path(r"^auth/me/?$", self_service.AccountApi.as_view(), name="me"),
    re_path(r"^auth/me/image/?$", images.ProfileImageApi.as_view(), name="me_image"),
    re_path(
        r"^media/profile-images/(?P<token>[^/]+)/?$", images.ProfileImageFileApi.as_view(), name="profile_image_file"
    ),
    re_path(r"^healthz/?$", health.HealthApi.as_view(), name="healthz"),
    re_path(r"^readyz/?$", health.ReadinessApi.as_view(), name="readyz"),
    re_path(r"^api/schema/?$", documentation.SchemaApi.as_view(), name="schema"),
    re_path(r"^api/docs/?$", documentation.SwaggerUi.as_view(), name="docs"),
    path("admin/", admin.site.urls),
    re_path(r"^account/", include("django_shell.pages.urls")),
    re_path(r"^auth/me/password/?$", self_service.ChangePasswordApi.as_view(), name="me_password"),
    re_path(r"^auth/me/verify_email/?$", self_service.VerifyEmailApi.as_view(), name="me_verify_email"),
    re_path(
        r"^auth/me/verify_email/resend/?$", self_service.ResendEmailCodeApi.as_view(), name="me_verify_email_resend"
    ),
    re_path(r"^admin-api/users/?$", administration.AdminUsersApi.as_view(), name="admin_users"),
    re_path(r"^admin-api/users/(?P<username>[^/]+)/?$", administration.AdminUserApi.as_view(), name="admin_user"),
    re_path(
        r"^admin-api/users/(?P<username>[^/]+)/disable/?$",
        administration.AdminDisableUserApi.as_view(),
        name="admin_user_disable",
    ),
    re_path(
        r"^admin-api/users/(?P<username>[^/]+)/enable/?$",
        administration.AdminEnableUserApi.as_view(),
        name="admin_user_enable",
    ),
    re_path(
        r"^admin-api/users/(?P<username>[^/]+)/reset_password/?$",
        administration.AdminResetPasswordApi.as_view(),
        name="admin_user_reset_password",
    ),
    re_path(
        r"^admin-api/users/(?P<username>[^/]+)/groups/?$",
        administration.AdminUserGroupsApi.as_view(),
        name="admin_user_groups",
    ),
    re_path(
        r"^admin-api/users/(?P<username>[^/]+)/groups/(?P<group>[^/]+)/?$",
        administration.AdminUserGroupApi.as_view(),
        name="admin_user_group",
    ),
    re_path(r"^admin-api/groups/?$", administration.AdminGroupsApi.as_view(), name="admin_groups"),
    re_path(r"^auth/mfa/totp/?$", mfa.TotpApi.as_view(), name="mfa_totp"),
    re_path(r"^auth/mfa/totp/verify/?$", mfa.VerifyTotpApi.as_view(), name="mfa_totp_verify"),
    re_path(r"^auth/mfa/preference/?$", mfa.MfaPreferenceApi.as_view(), name="mfa_preference"),
    re_path(r"^auth/me/passkeys/?$", passkeys.PasskeysApi.as_view(), name="me_passkeys"),
    re_path(r"^auth/me/passkeys/options/?$", passkeys.PasskeyOptionsApi.as_view(), name="me_passkey_options"),
    re_path(r"^auth/me/passkeys/(?P<credential_id>[^/]+)/?$", passkeys.PasskeyApi.as_view(), name="me_passkey"),
]

handler400 = json_error_view(BadRequest)
handler403 = json_error_view(exceptions.PermissionDenied)
handler404 = json_error_view(exceptions.NotFound)
handler500 = json_error_view(InternalError)
