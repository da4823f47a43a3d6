"""The local mirror of the pool's users: Django's user model, keyed by Cognito's immutable `sub`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from domain.values import ATTRIBUTE_VALUE_MAX_LENGTH, USERNAME_MAX_LENGTH

_LOCAL_SIGN_IN_REFUSED = (
    "Users have no local password: they sign in, to the admin too, with their pool password. "
    "Make a pool user an administrator with `manage make_admin <username>`."
)


class UserManager(BaseUserManager["User"]):
    """Makes rows for users the pool knows; the rest of each row arrives with their first sign-in.

    Administrators (staff and superuser) are made with `manage make_admin <username>`, which asks
    the pool for the user's `sub`, before or after their first sign-in; staff may also tick
    `is_staff` on mirrored users in the admin. A local password is refused rather than ignored, so
    nobody believes one works: interactive `createsuperuser`, which insists on asking for one, is
    therefore unusable.
    """

    def create_user(self, sub: str, username: str, password: str | None = None, **fields: Any) -> User:
        if password is not None:
            raise ValueError(_LOCAL_SIGN_IN_REFUSED)
        user = self.model(sub=sub, username=username, **fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, sub: str, username: str, password: str | None = None, **fields: Any) -> User:
        return self.create_user(sub, username, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A user of the pool as the service last saw them.

    `sub` is the identity: it never changes and is never reused, so it is the `USERNAME_FIELD`
    (what natural keys and `createsuperuser` go by). The pool's username is kept but not unique:
    a deleted user's row may outlive them while a new user takes the same name with a new `sub`.
    The admin's login form (`PoolAuthenticationForm`) still asks for the pool username, which
    `IdentityProviderBackend` takes to the pool.
    """

    sub = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=USERNAME_MAX_LENGTH, db_index=True)
    # As long as the pool lets an attribute be, so that no sign-in fails on the mirror's account.
    email = models.EmailField(max_length=ATTRIBUTE_VALUE_MAX_LENGTH, blank=True)
    given_name = models.CharField(max_length=ATTRIBUTE_VALUE_MAX_LENGTH, blank=True)
    family_name = models.CharField(max_length=ATTRIBUTE_VALUE_MAX_LENGTH, blank=True)
    # Every attribute the pool holds for the user (verified flags as "true"/"false"), as last seen in
    # an id token or the pool's own answer; the three above are copies that the admin can search.
    attributes = models.JSONField(default=dict, blank=True)
    # The pool's groups, apart from Django's own `groups` that grant admin permissions.
    cognito_groups = models.JSONField(default=list, blank=True)
    # The object key of the profile image in the image store; empty without one.
    profile_image_key = models.CharField(max_length=255, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "sub"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def email_verified(self) -> bool:
        return bool(self.attributes.get("email_verified") == "true")

    @property
    def phone_number(self) -> str | None:
        value: str | None = self.attributes.get("phone_number")
        return value

    def get_short_name(self) -> str:
        """How the admin greets the user."""
        return self.given_name or self.username
