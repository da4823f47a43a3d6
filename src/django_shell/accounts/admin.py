from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest

from django_shell.accounts.models import User
from domain.values import USERNAME_MAX_LENGTH

# The pool's, refreshed by every sign-in (an edit would not last), and the mirror's own record.
_READ_ONLY = (
    "sub",
    "username",
    "email",
    "given_name",
    "family_name",
    "attributes",
    "cognito_groups",
    "date_joined",
    "last_login",
)


class PoolAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, asking for the pool username rather than the `USERNAME_FIELD`
    (`sub`), which would otherwise give the field its label, its length and its error message."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.username_field = User._meta.get_field("username")
        field = self.fields["username"]
        field.label = "Username"
        field.max_length = USERNAME_MAX_LENGTH  # type: ignore[attr-defined]
        field.widget.attrs["maxlength"] = USERNAME_MAX_LENGTH


admin.site.login_form = PoolAuthenticationForm


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("sub", "username", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "sub")
    readonly_fields = _READ_ONLY
    fields = (*_READ_ONLY, "is_active", "is_staff", "is_superuser", "groups", "user_permissions")
    filter_horizontal = ("groups", "user_permissions")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Rows come from sign-ins (or `createsuperuser`): one made here would have no `sub`.
        return False
