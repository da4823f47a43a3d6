"""Test doubles shared by every test package: recording and controllable stand-ins for ports."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import NoReturn

import attrs

from adapters.memory.revocation_list import InMemoryRevocationList
from application.ports.attempt_limiter import Attempt, AttemptLimiter, Budget, Rate
from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose, CodeSender
from application.ports.identity_provider import IdentityProvider
from application.ports.profile_image_store import ProfileImageStore
from application.ports.shared_cache import SharedCache
from application.ports.user_directory import UserDirectory
from domain.errors import DomainError, NotAuthorized, ProviderUnavailable, TooManyRequests
from domain.values import Claims, ProfileImage, UserProfile


def access_token_claims(
    issued_at: int,
    *,
    sub: str = "user-1",
    origin_jti: str | None = "origin-1",
    auth_time: int | None = None,
    jti: str = "jti-1",
    token_use: str = "access",
) -> Claims:
    """The claims of an access token of `sub` issued at `issued_at` (epoch seconds), valid for an hour;
    signed in at `auth_time`, by default when issued."""
    return Claims(
        sub=sub,
        username="gus",
        token_use=token_use,
        client_id="client",
        issued_at=issued_at,
        expires_at=issued_at + 3600,
        auth_time=issued_at if auth_time is None else auth_time,
        jti=jti,
        origin_jti=origin_jti,
    )


@attrs.define
class SentCode:
    username: str
    destination: str | None
    purpose: CodePurpose
    code: str


@attrs.define
class RecordingCodeSender(CodeSender):
    """Keeps every delivered code so tests can read what the user would receive."""

    sent: list[SentCode] = attrs.field(factory=list)

    def send(self, username: str, destination: str | None, purpose: CodePurpose, code: str) -> None:
        self.sent.append(SentCode(username, destination, purpose, code))

    def last_code(self, username: str, purpose: CodePurpose) -> str:
        for item in reversed(self.sent):
            if item.username.casefold() == username.casefold() and item.purpose is purpose:
                return item.code
        raise LookupError(f"no {purpose.value} code was sent to {username}")


@attrs.define
class ManualClock(Clock):
    """A clock that moves only when a test says so."""

    current: float = 1_800_000_000.0

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


@attrs.define
class InMemoryAttemptLimiter(AttemptLimiter):
    """The port's contract on a test's clock: the times of the attempts in each moving window."""

    clock: Clock
    budgets: Mapping[Attempt, Budget]
    times: dict[tuple[Attempt, str, str], list[float]] = attrs.field(factory=dict)

    def check(self, attempt: Attempt, client: str | None, account: str) -> None:
        self._refuse_if_any(attempt, client, account, count=False)

    def spend(self, attempt: Attempt, client: str | None, account: str) -> None:
        self._refuse_if_any(attempt, client, account, count=True)

    def _refuse_if_any(self, attempt: Attempt, client: str | None, account: str, *, count: bool) -> None:
        budget = self.budgets[attempt]
        windows = [((attempt, "account", account), budget.per_account)]
        if client is not None:
            windows.append(((attempt, "client", client), budget.per_client))
        now = self.clock.now()
        retry_after = []
        for key, rate in windows:
            recent = [time for time in self.times.get(key, []) if time > now - rate.seconds]
            if len(recent) >= rate.limit:
                retry_after.append(max(1, math.ceil(recent[-rate.limit] + rate.seconds - now)))
            elif count:
                recent.append(now)
            self.times[key] = recent
        if retry_after:
            raise TooManyRequests(retry_after=max(retry_after))


def ample_attempt_limiter(clock: Clock | None = None) -> InMemoryAttemptLimiter:
    """A limiter whose budgets no test reaches, for the tests of everything else."""
    ample = Rate(limit=10**6, seconds=60)
    return InMemoryAttemptLimiter(clock or ManualClock(), {attempt: Budget(ample, ample) for attempt in Attempt})


@attrs.define
class InMemorySharedCache(SharedCache):
    """The shared cache of one process, on a test's clock."""

    clock: Clock
    entries: dict[str, tuple[str, float]] = attrs.field(factory=dict)
    reachable: bool = True

    def get(self, key: str) -> str | None:
        value, until = self.entries.get(key, (None, 0.0))
        return value if until > self.clock.now() else None

    def set(self, key: str, value: str, ttl: float) -> None:
        self.entries[key] = (value, self.clock.now() + ttl)

    def add(self, key: str, value: str, ttl: float) -> bool:
        if self.get(key) is not None:
            return False
        self.set(key, value, ttl)
        return True

    def delete(self, key: str) -> None:
        self.entries.pop(key, None)


@attrs.define
class InMemoryUserDirectory(UserDirectory):
    """The mirror as a dict of the latest claims per sub."""

    users: dict[str, Claims] = attrs.field(factory=dict)
    sign_ins: int = 0
    profile_image_keys: dict[str, str] = attrs.field(factory=dict)
    inactive: set[str] = attrs.field(factory=set)
    profiles: dict[str, UserProfile] = attrs.field(factory=dict)
    """The pool's answers that `update_profile` mirrored, by sub."""
    groups: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    administrators: dict[str, str] = attrs.field(factory=dict)
    """The username of each administrator, by sub; a user made one before signing in is here only."""

    def record_sign_in(self, claims: Claims) -> None:
        self.users[claims.sub] = claims
        self.sign_ins += 1

    def update_profile(self, profile: UserProfile) -> None:
        if profile.sub in self.users:
            self.profiles[profile.sub] = profile

    def replace_profile_image_key(self, sub: str, key: str | None) -> str | None:
        if sub not in self.users:
            raise NotAuthorized("The user is not known to the service.")
        previous = self.profile_image_keys.pop(sub, None)
        if key is not None:
            self.profile_image_keys[sub] = key
        return previous

    def forget_user(self, sub: str) -> str | None:
        self.users.pop(sub, None)
        self.inactive.discard(sub)
        self.groups.pop(sub, None)
        self.administrators.pop(sub, None)
        return self.profile_image_keys.pop(sub, None)

    def set_active(self, sub: str, active: bool) -> None:
        if sub in self.users and not active:
            self.inactive.add(sub)
        else:
            self.inactive.discard(sub)

    def set_groups(self, sub: str, groups: tuple[str, ...]) -> None:
        if sub in self.users:
            self.groups[sub] = groups

    def set_administrator(self, sub: str, username: str, administrator: bool) -> None:
        if administrator:
            self.administrators[sub] = username
        else:
            self.administrators.pop(sub, None)


@attrs.define
class InMemoryProfileImageStore(ProfileImageStore):
    """Images in a dict by key; `failing` names the methods that raise `ProviderUnavailable`, as a
    store that cannot be reached would."""

    images: dict[str, ProfileImage] = attrs.field(factory=dict)
    failing: set[str] = attrs.field(factory=set)

    def put(self, owner_sub: str, image: ProfileImage) -> str:
        self._maybe_fail("put")
        key = image.new_key(owner_sub)
        self.images[key] = image
        return key

    def delete(self, key: str) -> None:
        self._maybe_fail("delete")
        self.images.pop(key, None)

    def url(self, key: str, expires_in: int) -> str:
        self._maybe_fail("url")
        return f"https://images.example/{key}?expires_in={expires_in}"

    def _maybe_fail(self, method: str) -> None:
        if method in self.failing:
            raise ProviderUnavailable("The image store is unavailable; try again later.")


class FailingIdentityProvider(IdentityProvider):
    """A pool whose every call fails with one error: throttled, unreachable, and so on."""

    def __init__(self, error: DomainError) -> None:
        self.error = error
        self.calls = 0

    def _fail(self, *args: object, **kwargs: object) -> NoReturn:
        self.calls += 1
        raise self.error

    sign_up = confirm_sign_up = resend_confirmation_code = initiate_auth = respond_to_challenge = _fail
    refresh = global_sign_out = forgot_password = confirm_forgot_password = _fail
    change_password = delete_user = _fail
    get_user = update_user_attributes = get_user_attribute_verification_code = verify_user_attribute = _fail
    associate_software_token = verify_software_token = set_mfa_preference = _fail
    start_sign_in = sign_in_with_session = _fail
    start_passkey_registration = complete_passkey_registration = list_passkeys = delete_passkey = _fail


class PartlyUnreachableRevocationList(InMemoryRevocationList):
    """Refuses what it is told in this process, then fails to tell the others (`ProviderUnavailable`),
    as the Redis list does while Redis is down; the first `reachable` revocations get through."""

    def __init__(self, clock: Clock, reachable: int = 0) -> None:
        super().__init__(clock)
        self.reachable = reachable

    def revoke(self, claims: Claims, until: float) -> None:
        super().revoke(claims, until)
        self._maybe_fail()

    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        super().revoke_user(sub, issued_before, until)
        self._maybe_fail()

    def _maybe_fail(self) -> None:
        if self.reachable <= 0:
            raise ProviderUnavailable("The revocation could not reach the other servers; try again.")
        self.reachable -= 1


@attrs.define
class HangingCheck:
    """A dependency check that hangs, as a dependency that accepts a connection and never answers,
    until `release()` (or 10 s, so that no test leaves a thread behind for long)."""

    calls: int = 0
    _released: threading.Event = attrs.field(factory=threading.Event, init=False)

    def __call__(self) -> None:
        self.calls += 1
        self._released.wait(timeout=10)

    def release(self) -> None:
        self._released.set()


@attrs.frozen
class FailingCheck:
    """A dependency check that fails at once with `error`."""

    error: Exception

    def __call__(self) -> None:
        raise self.error
