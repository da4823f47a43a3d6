"""Value objects of the identity domain: frozen, validated on construction, secrets kept out of repr."""

from __future__ import annotations

import datetime
import enum
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from domain.errors import ImageTooLarge, InvalidPassword, ValidationError

# Cognito's own limits (API reference of SignUp, ConfirmSignUp and friends).
USERNAME_MAX_LENGTH = 128
PASSWORD_MAX_LENGTH = 256
CODE_MAX_LENGTH = 2048
ATTRIBUTE_NAME_MAX_LENGTH = 32
ATTRIBUTE_VALUE_MAX_LENGTH = 2048
MAX_ATTRIBUTES = 50

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_:.-]+$")
# Attributes that the pool owns: a client may never set them.
_READ_ONLY_ATTRIBUTES = frozenset({"sub", "cognito:username", "cognito:groups", "identities"})
# Cognito's standard attributes; any other attribute of a user needs the `custom:` prefix.
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
# Attributes the pool verifies by sending a code, each with its `<name>_verified` flag.
VERIFIABLE_ATTRIBUTES = ("email", "phone_number")
VERIFIED_FLAGS = frozenset(f"{name}_verified" for name in VERIFIABLE_ATTRIBUTES)


def _is_visible_text(text: str) -> bool:
    """Letters, marks, symbols, numbers and punctuation only: Cognito's `[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+`."""
    return all(unicodedata.category(char)[0] in "LMSNP" for char in text)


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise ValidationError({field: message})


def _username_valid(instance: Username, attribute: attrs.Attribute[str], value: str) -> None:
    _require(bool(value), "username", "must not be empty")
    _require(len(value) <= USERNAME_MAX_LENGTH, "username", f"must be at most {USERNAME_MAX_LENGTH} characters")
    _require(_is_visible_text(value), "username", "must not contain spaces or control characters")


@attrs.frozen
class Username:
    """A login name as the user typed it; the pool compares usernames case-insensitively."""

    value: str = attrs.field(validator=_username_valid)

    @property
    def key(self) -> str:
        return self.value.casefold()

    @property
    def is_email(self) -> bool:
        return _EMAIL.match(self.value) is not None

    def __str__(self) -> str:
        return self.value


def _password_valid(instance: Password, attribute: attrs.Attribute[str], value: str) -> None:
    _require(bool(value), "password", "must not be empty")
    _require(len(value) <= PASSWORD_MAX_LENGTH, "password", f"must be at most {PASSWORD_MAX_LENGTH} characters")
    _require(value.isprintable(), "password", "must not contain control characters")


@attrs.frozen
class Password:
    value: str = attrs.field(repr=False, validator=_password_valid)


@attrs.frozen
class PasswordPolicy:
    """A user pool's password rules; the default is Cognito's default policy."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True

    # The symbols Cognito counts as special characters.
    SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")

    def check(self, password: Password) -> None:
        """Raise `InvalidPassword` naming every rule the password breaks."""
        text = password.value
        broken = []
        if len(text) < self.minimum_length:
            broken.append(f"at least {self.minimum_length} characters")
        if self.require_uppercase and not any(char.isupper() for char in text):
            broken.append("an uppercase letter")
        if self.require_lowercase and not any(char.islower() for char in text):
            broken.append("a lowercase letter")
        if self.require_digits and not any(char.isdigit() for char in text):
            broken.append("a digit")
        if self.require_symbols and not any(char in self.SYMBOLS for char in text):
            broken.append("a symbol")
        if broken:
            raise InvalidPassword("The password needs " + ", ".join(broken) + ".")


def _code_valid(instance: ConfirmationCode, attribute: attrs.Attribute[str], value: str) -> None:
    _require(bool(value), "code", "must not be empty")
    _require(len(value) <= CODE_MAX_LENGTH, "code", f"must be at most {CODE_MAX_LENGTH} characters")
    _require(_is_visible_text(value), "code", "must not contain spaces or control characters")


@attrs.frozen
class ConfirmationCode:
    """A one-time code delivered to the user (sign-up confirmation, password reset, MFA)."""

    value: str = attrs.field(repr=False, validator=_code_valid)


def _attribute_name_valid(instance: Attribute, attribute: attrs.Attribute[str], value: str) -> None:
    field = "user_attributes"
    _require(bool(value), field, "attribute names must not be empty")
    _require(
        len(value) <= ATTRIBUTE_NAME_MAX_LENGTH,
        field,
        f"attribute names are at most {ATTRIBUTE_NAME_MAX_LENGTH} characters",
    )
    _require(
        _ATTRIBUTE_NAME.match(value) is not None, field, f"attribute name {value!r} has characters Cognito refuses"
    )
    _require(value not in _READ_ONLY_ATTRIBUTES, field, f"attribute {value!r} cannot be set")


def _attribute_value_valid(instance: Attribute, attribute: attrs.Attribute[str], value: str) -> None:
    _require(
        len(value) <= ATTRIBUTE_VALUE_MAX_LENGTH,
        "user_attributes",
        f"attribute values are at most {ATTRIBUTE_VALUE_MAX_LENGTH} characters",
    )
    _require(value.isprintable(), "user_attributes", "attribute values must not contain control characters")


@attrs.frozen
class Attribute:
    name: str = attrs.field(validator=_attribute_name_valid)
    value: str = attrs.field(validator=_attribute_value_valid)


def _attributes_valid(
    instance: Attributes, attribute: attrs.Attribute[tuple[Attribute, ...]], value: tuple[Attribute, ...]
) -> None:
    _require(len(value) <= MAX_ATTRIBUTES, "user_attributes", f"at most {MAX_ATTRIBUTES} attributes")
    names = [item.name for item in value]
    _require(len(names) == len(set(names)), "user_attributes", "each attribute may appear once")
    email = next((item.value for item in value if item.name == "email"), None)
    _require(email is None or _EMAIL.match(email) is not None, "user_attributes", "email must be an e-mail address")


def _to_attribute_tuple(items: Iterable[Attribute]) -> tuple[Attribute, ...]:
    return tuple(items)


def _to_str_tuple(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _to_str_dict(items: Mapping[str, str]) -> dict[str, str]:
    return dict(items)


@attrs.frozen
class Attributes:
    """User attributes in the order given; names are unique."""

    items: tuple[Attribute, ...] = attrs.field(default=(), converter=_to_attribute_tuple, validator=_attributes_valid)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Attributes:
        return cls(tuple(Attribute(name, value) for name, value in pairs))

    def get(self, name: str) -> str | None:
        return next((item.value for item in self.items if item.name == name), None)

    def with_attribute(self, name: str, value: str) -> Attributes:
        return Attributes((*(item for item in self.items if item.name != name), Attribute(name, value)))

    def as_dict(self) -> dict[str, str]:
        return {item.name: item.value for item in self.items}


@attrs.frozen
class CodeDelivery:
    """Where a code was sent, masked as Cognito masks it (`a***@e***`)."""

    destination: str
    medium: str
    attribute_name: str

    @classmethod
    def by_email(cls, address: str) -> CodeDelivery:
        """A delivery to the `email` attribute `address`, masked: `alice@example.com` becomes `a***@e***`."""
        local, _, domain = address.partition("@")
        return cls(destination=f"{local[:1]}***@{domain[:1]}***", medium="EMAIL", attribute_name="email")


@attrs.frozen
class SignUpOutcome:
    user_sub: str
    user_confirmed: bool
    code_delivery: CodeDelivery | None


@attrs.frozen
class TokenSet:
    """What a successful sign-in or refresh hands out; lifetimes in seconds."""

    access_token: str = attrs.field(repr=False)
    id_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expires_in: int


@attrs.frozen
class Challenge:
    """A further step the provider asks for before it issues tokens (new password, MFA code, a
    one-time sign-in code, a passkey, or the choice between them)."""

    name: str
    session: str = attrs.field(repr=False)
    parameters: dict[str, str] = attrs.field(factory=dict, converter=_to_str_dict)
    available_challenges: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple)
    """`SELECT_CHALLENGE` only: the ways the user may go on (Cognito's `AvailableChallenges`)."""
    credential_request_options: dict[str, Any] | None = None
    """`WEB_AUTHN` only: the WebAuthn request options as JSON, for `navigator.credentials.get`."""


SELECT_CHALLENGE = "SELECT_CHALLENGE"


class SignInFactor(enum.Enum):
    """A way to sign in under Cognito's choice-based sign-in (`USER_AUTH`), valued as the name of
    the challenge that asks for it."""

    EMAIL_OTP = "EMAIL_OTP"
    SMS_OTP = "SMS_OTP"
    WEB_AUTHN = "WEB_AUTHN"
    PASSWORD = "PASSWORD"  # noqa: S105 - the challenge's name, not a secret


@attrs.frozen
class Passkey:
    """A WebAuthn credential registered to a user (Cognito's `WebAuthnCredentialDescription`)."""

    credential_id: str
    """The credential's id, base64url without padding, as the authenticator made it."""
    name: str | None
    relying_party_id: str
    authenticator_attachment: str | None
    """`platform` or `cross-platform`, when the authenticator said."""
    transports: tuple[str, ...] = attrs.field(converter=_to_str_tuple)
    created_at: datetime.datetime


AuthResult = TokenSet | Challenge


class MfaFactor(enum.Enum):
    """A second factor, valued as the name of the sign-in challenge that asks for it."""

    SMS = "SMS_MFA"
    TOTP = "SOFTWARE_TOKEN_MFA"


def _mfa_preference_valid(
    instance: MfaPreference, attribute: attrs.Attribute[MfaFactor | None], value: MfaFactor | None
) -> None:
    named = instance.named()
    _require(bool(named) or value is not None, "preferred", "name a factor to change: sms, totp or preferred")
    _require(value is None or named.get(value) is not False, "preferred", "must not be a factor turned off")
    _require(
        value is not None or list(named.values()).count(True) < 2,
        "preferred",
        "is required when turning both factors on",
    )


@attrs.frozen
class MfaPreference:
    """A change to a user's second factors, as Cognito's SetUserMFAPreference takes it.

    `sms` and `totp` turn a factor on (true) or off (false); a factor left at None stays as it is.
    `preferred` is the factor the pool asks for at sign-in, and naming it turns it on. A change that
    turns both factors on names the preferred one, so a user with two factors always has one (Cognito
    would otherwise ask which, with the SELECT_MFA_TYPE challenge).
    """

    sms: bool | None = None
    totp: bool | None = None
    preferred: MfaFactor | None = attrs.field(default=None, validator=_mfa_preference_valid)

    def named(self) -> dict[MfaFactor, bool]:
        """The factors `sms` and `totp` turn on or off."""
        settings = {MfaFactor.SMS: self.sms, MfaFactor.TOTP: self.totp}
        return {factor: setting for factor, setting in settings.items() if setting is not None}

    @property
    def preferred_factor(self) -> MfaFactor | None:
        """The factor asked for at sign-in from now on: `preferred`, else the one factor this change
        turns on; None when it only turns factors off."""
        if self.preferred is not None:
            return self.preferred
        return next((factor for factor, setting in self.named().items() if setting), None)

    def changes(self) -> dict[MfaFactor, bool]:
        """Every factor this change turns on (the preferred one included) or off."""
        changes = self.named()
        if self.preferred is not None:
            changes[self.preferred] = True
        return changes


@attrs.frozen
class Claims:
    """The verified content of an access or id token, in Cognito's claim names where they differ."""

    sub: str
    username: str
    token_use: str
    client_id: str
    issued_at: int
    expires_at: int
    auth_time: int
    jti: str
    origin_jti: str | None = None
    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    groups: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple)
    scopes: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple)
    attributes: dict[str, str] = attrs.field(factory=dict, converter=_to_str_dict)
    """The user's attributes an id token carries, `sub` apart (access tokens carry none); verified
    flags as "true" or "false", as the pool keeps them."""

    @property
    def sign_in_id(self) -> str:
        """What every token of one sign-in shares, refreshes included: Cognito's `origin_jti`,
        or the user and the time of authentication where a provider gives no origin_jti."""
        return self.origin_jti or f"{self.sub}@{self.auth_time}"

    @property
    def lifetime(self) -> int:
        return self.expires_at - self.issued_at

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Claims:
        """Build from a decoded JWT payload; access tokens say `client_id`, id tokens `aud`."""
        return cls(
            sub=str(payload["sub"]),
            username=str(payload.get("username") or payload.get("cognito:username") or ""),
            token_use=str(payload["token_use"]),
            client_id=str(payload.get("client_id") or payload.get("aud") or ""),
            issued_at=int(payload["iat"]),
            expires_at=int(payload["exp"]),
            auth_time=int(payload.get("auth_time", payload["iat"])),
            jti=str(payload.get("jti", "")),
            origin_jti=payload.get("origin_jti"),
            email=payload.get("email"),
            given_name=payload.get("given_name"),
            family_name=payload.get("family_name"),
            groups=payload.get("cognito:groups", ()),
            scopes=str(payload.get("scope", "")).split(),
            # Only id tokens carry the user's attributes; an access token is spared the search.
            attributes=_attribute_claims(payload) if "client_id" not in payload else {},
        )


def is_user_attribute(name: str) -> bool:
    """Whether `name` is a user attribute of a pool (standard, verified flag or custom), not a claim of
    the token itself (`iss`, `aud`, `cognito:groups`, ...)."""
    return name in STANDARD_ATTRIBUTES or name in VERIFIED_FLAGS or name.startswith("custom:")


def _attribute_claims(payload: Mapping[str, Any]) -> dict[str, str]:
    """The user attributes among an id token's claims, as the strings the pool keeps: id tokens carry
    the verified flags as booleans, `updated_at` as a number and `address` as `{"formatted": ...}`."""
    found: dict[str, str] = {}
    for name, value in payload.items():
        if not is_user_attribute(name):
            continue
        if isinstance(value, bool):
            found[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            found[name] = str(value)
        elif isinstance(value, dict) and isinstance(value.get("formatted"), str):
            found[name] = value["formatted"]
    return found


@attrs.frozen
class UserProfile:
    """A user as they see themselves in the pool (Cognito's GetUser): every attribute with its current
    value, the verified flags as "true" or "false"."""

    username: str
    sub: str
    attributes: dict[str, str] = attrs.field(factory=dict, converter=_to_str_dict)
    """Every attribute but `sub`."""

    @classmethod
    def from_attributes(cls, username: str, attributes: Mapping[str, str]) -> UserProfile:
        """From the pool's attribute list, which names the `sub` among the attributes."""
        rest = {name: value for name, value in attributes.items() if name != "sub"}
        return cls(username=username, sub=attributes.get("sub", ""), attributes=rest)


PROFILE_IMAGE_MAX_BYTES = 5 * 1024 * 1024
# Cognito's subs are UUIDs; anything else must not reach an object key or a file path.
_SUB = re.compile(r"[A-Za-z0-9-]{1,64}")


class ImageFormat(enum.Enum):
    """The formats a profile image may have: every browser shows them, and each is told by its first
    bytes, so the format is known without decoding the image."""

    JPEG = ("image/jpeg", "jpg")
    PNG = ("image/png", "png")
    WEBP = ("image/webp", "webp")

    @property
    def content_type(self) -> str:
        return self.value[0]

    @property
    def extension(self) -> str:
        return self.value[1]

    @classmethod
    def of(cls, content: bytes) -> ImageFormat:
        """The format that `content` begins with; `ValidationError` on `image` for any other."""
        if content.startswith(b"\xff\xd8\xff"):
            return cls.JPEG
        if content.startswith(b"\x89PNG\r\n\x1a\n"):
            return cls.PNG
        # RIFF, the container's length (4 bytes), then the form type.
        if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
            return cls.WEBP
        raise ValidationError({"image": "must be a JPEG, PNG or WebP image"})


def _profile_image_valid(instance: ProfileImage, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    ProfileImage.check_size(len(value))
    ImageFormat.of(value)


@attrs.frozen
class ProfileImage:
    """A user's picture. Its format comes from its content, never from a file name or a declared
    content type, which the client chooses freely: what is served as an image is one."""

    content: bytes = attrs.field(repr=False, validator=_profile_image_valid)

    @property
    def format(self) -> ImageFormat:
        return ImageFormat.of(self.content)

    @staticmethod
    def check_size(size: int) -> None:
        """Raise `ImageTooLarge` for a size in bytes past `PROFILE_IMAGE_MAX_BYTES`; lets a caller
        refuse a declared length before it reads the content."""
        if size > PROFILE_IMAGE_MAX_BYTES:
            raise ImageTooLarge(f"The image is larger than {PROFILE_IMAGE_MAX_BYTES // (1024 * 1024)} MiB.")

    def new_key(self, owner_sub: str) -> str:
        """A fresh object key, `profile-images/<sub>/<random>.<ext>`. The 128 random bits keep it
        unguessable from the sub, so nobody can reach an image without being handed its URL; a new
        key per upload also keeps caches from serving a replaced image under the new one's URL.

        Raises `ValidationError` on `sub` for a sub that could not be part of a key or a path.
        """
        _require(_SUB.fullmatch(owner_sub) is not None, "sub", "must be letters, digits and hyphens")
        return f"profile-images/{owner_sub}/{secrets.token_urlsafe(16)}.{self.format.extension}"


def _to_optional_str_tuple(items: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)


@attrs.frozen
class PoolUser:
    """A user as the pool's administrator sees them: `status` is Cognito's UserStatus
    (UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ...). `groups` are the pool's
    groups the user is in; None where they were not looked up (a list of users, which would cost
    Cognito one call per user)."""

    username: str
    sub: str
    status: str
    enabled: bool
    attributes: dict[str, str] = attrs.field(factory=dict, converter=_to_str_dict)
    groups: tuple[str, ...] | None = attrs.field(default=None, converter=_to_optional_str_tuple)


@attrs.frozen
class CreatedUser(PoolUser):
    """A user an administrator has just created, and where the invitation went (None: none was sent)."""

    invitation: CodeDelivery | None = None


# Cognito's limits on group names and descriptions (CreateGroup).
GROUP_NAME_MAX_LENGTH = 128
GROUP_DESCRIPTION_MAX_LENGTH = 2048


def _group_name_valid(instance: GroupName, attribute: attrs.Attribute[str], value: str) -> None:
    _require(bool(value), "group", "must not be empty")
    _require(len(value) <= GROUP_NAME_MAX_LENGTH, "group", f"must be at most {GROUP_NAME_MAX_LENGTH} characters")
    _require(_is_visible_text(value), "group", "must not contain spaces or control characters")


@attrs.frozen
class GroupName:
    """The name of one of the pool's groups; compared exactly, as Cognito compares them."""

    value: str = attrs.field(validator=_group_name_valid)

    def __str__(self) -> str:
        return self.value


def _group_description_valid(instance: Group, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    _require(
        len(value) <= GROUP_DESCRIPTION_MAX_LENGTH,
        "description",
        f"must be at most {GROUP_DESCRIPTION_MAX_LENGTH} characters",
    )
    _require(value.isprintable(), "description", "must not contain control characters")


def _none_if_empty(value: str | None) -> str | None:
    return value or None


@attrs.frozen
class Group:
    """One of the pool's groups; a group without a description has None (Cognito keeps no empty one)."""

    name: GroupName
    description: str | None = attrs.field(default=None, converter=_none_if_empty, validator=_group_description_valid)


# The attributes Cognito's ListUsers can search, and nothing else: `status` is "Enabled" or
# "Disabled", `cognito:user_status` the UserStatus.
FILTERABLE_ATTRIBUTES = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
# Cognito takes filters of at most 256 characters; the longest attribute with its operator and
# quotes takes 25 of them, and a round limit is easier to state.
FILTER_VALUE_MAX_LENGTH = 200
# The most users Cognito's ListUsers returns at once.
USER_PAGE_MAX_SIZE = 60


class FilterMatch(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"


def _filter_attribute_valid(instance: UserFilter, attribute: attrs.Attribute[str], value: str) -> None:
    _require(value in FILTERABLE_ATTRIBUTES, "attribute", "must be one of " + ", ".join(FILTERABLE_ATTRIBUTES))


def _filter_value_valid(instance: UserFilter, attribute: attrs.Attribute[str], value: str) -> None:
    _require(bool(value), "value", "must not be empty")
    _require(len(value) <= FILTER_VALUE_MAX_LENGTH, "value", f"must be at most {FILTER_VALUE_MAX_LENGTH} characters")
    _require(value.isprintable(), "value", "must not contain control characters")
    # Cognito's filter syntax quotes the value and has no escape for a quote inside it: refusing
    # both characters keeps a value from ever ending the quoted string early.
    _require('"' not in value and "\\" not in value, "value", "must not contain double quotes or backslashes")


@attrs.frozen
class UserFilter:
    """Which users to list: those whose `attribute` equals `value`, or starts with it."""

    attribute: str = attrs.field(validator=_filter_attribute_valid)
    match: FilterMatch
    value: str = attrs.field(validator=_filter_value_valid)


def _to_pool_user_tuple(items: Iterable[PoolUser]) -> tuple[PoolUser, ...]:
    return tuple(items)


def _to_group_tuple(items: Iterable[Group]) -> tuple[Group, ...]:
    return tuple(items)


# Cognito's most groups in one ListGroups page.
GROUP_PAGE_MAX_SIZE = 60


@attrs.frozen
class GroupPage:
    """One page of the pool's groups, in the pool's order; `next_page_token` asks for the next one
    (None: this was the last)."""

    groups: tuple[Group, ...] = attrs.field(converter=_to_group_tuple)
    next_page_token: str | None = None


@attrs.frozen
class UserPage:
    """One page of a list of users; `next_page_token` asks for the next one (None: this was the last).
    A page may hold fewer users than asked for, even none, and still have a next one."""

    users: tuple[PoolUser, ...] = attrs.field(converter=_to_pool_user_tuple)
    next_page_token: str | None = None
