"""Listing users as Cognito's ListUsers does: its filter, and page tokens."""

from __future__ import annotations

import base64
import json

from adapters.embedded_pool.users import User
from domain.errors import ValidationError
from domain.values import FilterMatch, PoolUser, UserFilter


def pool_user(user: User, *, groups: list[str] | None) -> PoolUser:
    return PoolUser(
        username=user.username,
        sub=user.sub,
        status=user.status.value,
        enabled=user.enabled,
        attributes={"sub": user.sub, **user.attributes},
        groups=groups,
    )


def matches(user_filter: UserFilter, user: User) -> bool:
    actual, wanted = _searched_value(user, user_filter.attribute), user_filter.value
    if actual is None:
        return False
    # Cognito documents the user status alone as compared without regard to case.
    if user_filter.attribute == "cognito:user_status":
        actual, wanted = actual.casefold(), wanted.casefold()
    return actual == wanted if user_filter.match is FilterMatch.EXACT else actual.startswith(wanted)


def _searched_value(user: User, attribute: str) -> str | None:
    """What ListUsers's filter compares for `attribute`: an attribute, or one of the user's own fields."""
    own = {
        "username": user.username,
        "sub": user.sub,
        "status": "Enabled" if user.enabled else "Disabled",
        "cognito:user_status": user.status.value,
    }
    return own[attribute] if attribute in own else user.attributes.get(attribute)


def page_token(after: str) -> str:
    """An opaque token for the page after the user whose username key is `after`."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def page_position(token: str) -> str:
    """The username key a page token continues after; `ValidationError` on `page_token` for anything else."""
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except ValueError:  # not base64, not UTF-8 or not JSON
        position = None
    if not isinstance(position, dict) or not isinstance(position.get("after"), str):
        raise ValidationError({"page_token": "is not a page token of this pool"})
    after: str = position["after"]
    return after
