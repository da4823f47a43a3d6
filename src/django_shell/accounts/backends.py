"""Signing in to Django's admin with the pool's username and password."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from application.use_cases.sign_in import LoginCommand, SignedIn
from django_shell.accounts.models import User
from django_shell.client_ip import client_ip
from domain.errors import DomainError, ProviderUnavailable, TooManyRequests

logger = logging.getLogger("cognito_auth")


class IdentityProviderBackend(ModelBackend):
    """Checks the password with the pool through the `Login` use-case, which also mirrors the
    user, and answers with the mirrored user. Permissions, and `get_user` for the session, are
    `ModelBackend`'s: superusers, Django groups and user permissions on the mirrored rows.

    Answers None, never raising, for whatever keeps the user out: wrong credentials, an
    unconfirmed or inactive user, a challenge (new password, MFA: the admin's form cannot answer
    one, the API can), a pool that cannot be reached, or a client or an account out of failed
    sign-ins: the admin spends the API login's budgets, per client IP and per username.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        login = apps.get_app_config("cognito_auth").container.login()  # type: ignore[attr-defined]
        try:
            result = login(LoginCommand(username, password, client=client_ip(request) if request else None))
        except (ProviderUnavailable, TooManyRequests) as error:
            # The admin can only say "wrong password"; the log says what really happened.
            logger.warning("admin sign-in refused: %s", error.code)
            return None
        except DomainError:
            return None
        if not isinstance(result, SignedIn):
            return None
        user = User.objects.get(sub=result.claims.sub)
        return user if self.user_can_authenticate(user) else None
