"""What a pool administrator does to users by username; the mirror follows each change."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import attrs

from application.ports.clock import Clock
from application.ports.profile_image_store import ProfileImageStore
from application.ports.revocation_list import RevocationList
from application.ports.user_directory import UserDirectory
from application.ports.user_pool_administration import UserPoolAdministration
from application.use_cases.profile_image import delete_superseded_image
from application.use_cases.revocation import (
    LONGEST_ACCESS_TOKEN_SECONDS,
    refuse_tokens_issued_so_far,
    refusing_every_token,
)
from domain.errors import NotAuthorized, UserNotFound, UserStatusConflict, ValidationError
from domain.values import (
    GROUP_PAGE_MAX_SIZE,
    USER_PAGE_MAX_SIZE,
    Attributes,
    CreatedUser,
    FilterMatch,
    Group,
    GroupName,
    GroupPage,
    Password,
    PoolUser,
    UserFilter,
    Username,
    UserPage,
)


@contextlib.contextmanager
def _user_not_found() -> Iterator[None]:
    """The pool answers an unknown username with `NotAuthorized`, which at the API means "sign in
    again"; an administrator is told the user does not exist."""
    try:
        yield
    except NotAuthorized as error:
        raise UserNotFound() from error


@attrs.frozen
class CreateUserCommand:
    username: str
    temporary_password: str = attrs.field(repr=False)
    attributes: tuple[tuple[str, str], ...] = ()
    send_invitation: bool = False


@attrs.frozen
class CreateUser:
    """Create a user who must choose a new password at first sign-in; with `send_invitation` the pool
    e-mails them their username and temporary password, else nothing is sent.

    A username that is an e-mail address doubles as the `email` attribute unless one is given.
    Raises `ValidationError` (an invitation needs an `email`), `InvalidPassword`, `UsernameExists`.
    """

    administration: UserPoolAdministration

    def __call__(self, command: CreateUserCommand) -> CreatedUser:
        username = Username(command.username)
        attributes = Attributes.from_pairs(command.attributes)
        if username.is_email and attributes.get("email") is None:
            attributes = attributes.with_attribute("email", username.value)
        return self.administration.create_user(
            username, Password(command.temporary_password), attributes, send_invitation=command.send_invitation
        )


@attrs.frozen
class UserCommand:
    """One user, by username."""

    username: str


@attrs.frozen
class GetUser:
    """The user as the pool holds them. Raises `UserNotFound`."""

    administration: UserPoolAdministration

    def __call__(self, command: UserCommand) -> PoolUser:
        with _user_not_found():
            return self.administration.get_user(Username(command.username))


@attrs.frozen
class SetAdministratorCommand:
    username: str
    administrator: bool = True


@attrs.frozen
class SetAdministrator:
    """Make an existing pool user an administrator of the service (staff and superuser in the mirror:
    the Django admin and `/admin-api/`), or no longer one, whether or not they have signed in yet.

    The pool is asked for the user's `sub`, which keys the mirror. Returns the user as the pool holds
    them. Raises `UserNotFound`.
    """

    administration: UserPoolAdministration
    user_directory: UserDirectory

    def __call__(self, command: SetAdministratorCommand) -> PoolUser:
        with _user_not_found():
            user = self.administration.get_user(Username(command.username))
        self.user_directory.set_administrator(user.sub, user.username, command.administrator)
        return user


@attrs.frozen
class DisableUser:
    """Refuse the user at sign-in, and every token they hold in every process at once, for good:
    enabling them again does not revive those tokens (as Cognito's AdminDisableUser revokes them).

    Raises `UserNotFound`, and `ProviderUnavailable` when the pool or the other processes cannot
    be reached; a retry is safe, as disabling a disabled user changes nothing.
    """

    administration: UserPoolAdministration
    user_directory: UserDirectory
    revocation_list: RevocationList
    clock: Clock

    def __call__(self, command: UserCommand) -> PoolUser:
        username = Username(command.username)
        with _user_not_found():
            self.administration.disable_user(username)
            user = self.administration.get_user(username)
        # The mirror's flag is what the admin shows and what signing in to it checks.
        self.user_directory.set_active(user.sub, active=False)
        # After the pool's disable, so that no token can be issued after the revocation; should it
        # fail, retrying the whole repairs it.
        refuse_tokens_issued_so_far(self.revocation_list, self.clock, user.sub, LONGEST_ACCESS_TOKEN_SECONDS)
        return user


@attrs.frozen
class EnableUser:
    """Let a disabled user sign in again; the tokens they held when disabled stay refused.

    Waits for the next whole second first: the disable refused every token issued in its second,
    and a sign-in right after the enable must not fall in that second. Raises `UserNotFound`.
    """

    administration: UserPoolAdministration
    user_directory: UserDirectory
    clock: Clock

    def __call__(self, command: UserCommand) -> PoolUser:
        username = Username(command.username)
        now = self.clock.now()
        self.clock.sleep(math.floor(now) + 1 - now)
        with _user_not_found():
            self.administration.enable_user(username)
            user = self.administration.get_user(username)
        self.user_directory.set_active(user.sub, active=True)
        return user


@attrs.frozen
class DeleteUser:
    """Remove the user from the pool and the mirror, with their profile image, and refuse every
    token of the user in every process at once.

    Raises `UserNotFound`, and `ProviderUnavailable` when the pool or the other processes cannot
    be reached.
    """

    administration: UserPoolAdministration
    user_directory: UserDirectory
    profile_images: ProfileImageStore
    revocation_list: RevocationList
    clock: Clock

    def __call__(self, command: UserCommand) -> None:
        username = Username(command.username)
        with _user_not_found():
            sub = self.administration.get_user(username).sub
            with refusing_every_token(self.revocation_list, self.clock, sub, LONGEST_ACCESS_TOKEN_SECONDS):
                self.administration.delete_user(username)
        image_key = self.user_directory.forget_user(sub)
        if image_key is not None:
            delete_superseded_image(self.profile_images, image_key)


@attrs.frozen
class ListUsersCommand:
    """`attribute` and `value` filter together (neither: every user); `match` is "exact" or "prefix"."""

    attribute: str | None = None
    match: str | None = None
    value: str | None = None
    limit: int = USER_PAGE_MAX_SIZE
    page_token: str | None = None


def _user_filter(command: ListUsersCommand) -> UserFilter | None:
    if command.attribute is None and command.value is None:
        if command.match is not None:
            raise ValidationError({"match": "needs attribute and value"})
        return None
    if command.attribute is None:
        raise ValidationError({"attribute": "is required with value"})
    if command.value is None:
        raise ValidationError({"value": "is required with attribute"})
    try:
        match = FilterMatch(command.match or FilterMatch.EXACT.value)
    except ValueError:
        raise ValidationError({"match": "must be exact or prefix"}) from None
    return UserFilter(command.attribute, match, command.value)


@attrs.frozen
class ListUsers:
    """One page of the pool's users, filtered on one attribute. Users' groups are not listed.

    Raises `ValidationError` for a bad filter, a limit outside 1 to 60, or a page token the pool did
    not issue.
    """

    administration: UserPoolAdministration

    def __call__(self, command: ListUsersCommand) -> UserPage:
        user_filter = _user_filter(command)
        if not 1 <= command.limit <= USER_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {USER_PAGE_MAX_SIZE}"})
        if command.page_token == "":
            raise ValidationError({"page_token": "must not be empty"})
        return self.administration.list_users(user_filter, command.limit, command.page_token)


@attrs.frozen
class ResetUserPassword:
    """Withdraw the user's password and send them a reset code: until they set a new one with it
    (`ConfirmForgotPassword`), signing in answers `PasswordResetRequired`. Their tokens stay valid and
    the mirror holds nothing of it.

    Raises `UserNotFound`; `UserStatusConflict` for a user who is disabled or never chose a password;
    `ValidationError` for one without a verified address to receive the code.
    """

    administration: UserPoolAdministration

    def __call__(self, command: UserCommand) -> PoolUser:
        username = Username(command.username)
        with _user_not_found():
            self.administration.get_user(username)
        try:
            self.administration.reset_user_password(username)
        except NotAuthorized as error:
            # The user exists, as just seen: the pool refuses what their state does not allow.
            raise UserStatusConflict(
                "The password cannot be reset: the user is disabled or has not chosen a password yet."
            ) from error
        with _user_not_found():
            return self.administration.get_user(username)


@attrs.frozen
class CreateGroupCommand:
    name: str
    description: str | None = None


@attrs.frozen
class CreateGroup:
    """Create one of the pool's groups, which users can then be added to. Raises `ValidationError`,
    `GroupExists`."""

    administration: UserPoolAdministration

    def __call__(self, command: CreateGroupCommand) -> Group:
        group = Group(GroupName(command.name), command.description)
        self.administration.create_group(group)
        return group


@attrs.frozen
class ListGroupsCommand:
    limit: int = GROUP_PAGE_MAX_SIZE
    page_token: str | None = None


@attrs.frozen
class ListGroups:
    """One page of the pool's groups. Raises `ValidationError` for a limit outside 1 to 60 or a page
    token the pool did not issue."""

    administration: UserPoolAdministration

    def __call__(self, command: ListGroupsCommand) -> GroupPage:
        if not 1 <= command.limit <= GROUP_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {GROUP_PAGE_MAX_SIZE}"})
        if command.page_token == "":
            raise ValidationError({"page_token": "must not be empty"})
        return self.administration.list_groups(command.limit, command.page_token)


@attrs.frozen
class GroupMembershipCommand:
    username: str
    group: str


@attrs.frozen
class AddUserToGroup:
    """Add the user to an existing group; the mirror's `cognito_groups` follows at once, their tokens
    from their next sign-in or refresh. Raises `UserNotFound`, `GroupNotFound`."""

    administration: UserPoolAdministration
    user_directory: UserDirectory

    def __call__(self, command: GroupMembershipCommand) -> PoolUser:
        username, group = Username(command.username), GroupName(command.group)
        with _user_not_found():
            self.administration.add_user_to_group(username, group)
            user = self.administration.get_user(username)
        self.user_directory.set_groups(user.sub, user.groups or ())
        return user


@attrs.frozen
class RemoveUserFromGroup:
    """Take the user out of a group, and refuse every token they hold in every process at once: those
    tokens name the group (`cognito:groups`) until they expire, and rights follow the token. The user
    goes on after a refresh or a sign-in, whose tokens no longer name it; the mirror follows at once.

    Raises `UserNotFound`, `GroupNotFound`, and `ProviderUnavailable` when the pool or the other
    processes cannot be reached; a retry is safe, as removing a removed membership changes nothing.
    """

    administration: UserPoolAdministration
    user_directory: UserDirectory
    revocation_list: RevocationList
    clock: Clock

    def __call__(self, command: GroupMembershipCommand) -> PoolUser:
        username, group = Username(command.username), GroupName(command.group)
        with _user_not_found():
            self.administration.remove_user_from_group(username, group)
            user = self.administration.get_user(username)
        self.user_directory.set_groups(user.sub, user.groups or ())
        # After the pool's removal, so that every token still naming the group is refused.
        refuse_tokens_issued_so_far(self.revocation_list, self.clock, user.sub, LONGEST_ACCESS_TOKEN_SECONDS)
        return user
