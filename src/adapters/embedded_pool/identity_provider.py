"""The embedded pool as an `IdentityProvider`: each operation one transaction on the pool's database."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any, ClassVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool import listing, mfa, protections
from adapters.embedded_pool.challenges import Challenges, Step
from adapters.embedded_pool.choice_based_sign_in import SignInFactors
from adapters.embedded_pool.codes import Delivery, masked, new_code, sign_up_destination, use_code, verification_purpose
from adapters.embedded_pool.passkeys import DEFAULT_RELYING_PARTY, Passkeys, PasskeySignIn, RelyingParty
from adapters.embedded_pool.store import PoolDatabase, delete_user_rows
from adapters.embedded_pool.tokens import TokenIssuer, digest, load_signing_key, revoke_tokens
from adapters.embedded_pool.users import (
    INCORRECT_CREDENTIALS,
    USER_DISABLED,
    Status,
    User,
    check_schema,
    dummy_hash,
    existing_user,
    find_user,
    group_names,
    hash_password,
    insert_user,
    merge_attributes,
    password_matches,
    write_attributes,
)
from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose, CodeSender
from application.ports.identity_provider import IdentityProvider
from domain.errors import (
    GroupExists,
    GroupNotFound,
    NotAuthorized,
    PasswordResetRequired,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import (
    GROUP_PAGE_MAX_SIZE,
    USER_PAGE_MAX_SIZE,
    Attributes,
    AuthResult,
    CodeDelivery,
    ConfirmationCode,
    Group,
    GroupName,
    GroupPage,
    MfaPreference,
    Passkey,
    Password,
    PasswordPolicy,
    PoolUser,
    SignInFactor,
    SignUpOutcome,
    TokenSet,
    UserFilter,
    Username,
    UserPage,
    UserProfile,
)

DEFAULT_PASSWORD_POLICY = PasswordPolicy()

_INVALID_REFRESH_TOKEN = "Invalid Refresh Token"  # noqa: S105 -- a message, not a secret


class EmbeddedIdentityProvider(IdentityProvider):
    """A Cognito user pool with one app client, kept in SQLite (`database`: ":memory:" or a file path).

    Beyond the port it offers the pool's `issuer` and `jwks()`, and the administrator's operations
    that tests and local set-ups need to reach every user status.
    """

    # How long a call waits for another process's transaction on a shared file before giving up.
    busy_timeout: ClassVar[float] = 5.0

    def __init__(
        self,
        *,
        pool_id: str,
        client_id: str,
        region: str,
        code_sender: CodeSender,
        clock: Clock,
        database: str = ":memory:",
        password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
        signing_key: rsa.RSAPrivateKey | None = None,
        access_token_lifetime: int = 3600,
        refresh_token_lifetime: int = 30 * 24 * 3600,
        relying_party: RelyingParty = DEFAULT_RELYING_PARTY,
    ) -> None:
        self._code_sender = code_sender
        self._clock = clock
        self._policy = password_policy
        self._issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self._db = PoolDatabase(database, busy_timeout=self.busy_timeout)
        with self._db.transaction() as db:
            key = load_signing_key(db, signing_key)
        self._tokens = TokenIssuer(
            issuer=self._issuer,
            client_id=client_id,
            signing_key=key,
            clock=clock,
            access_token_lifetime=access_token_lifetime,
            refresh_token_lifetime=refresh_token_lifetime,
        )
        # Stand-ins for unknown users are made with a secret of the pool's, which its key already is.
        decoy_key = hashlib.sha256(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ).digest()
        self._challenges = Challenges(tokens=self._tokens, password_policy=password_policy, decoy_key=decoy_key)
        self._sign_in_factors = SignInFactors(challenges=self._challenges, decoy_key=decoy_key)
        self._passkeys = Passkeys(relying_party)
        passkey_sign_in = PasskeySignIn(passkeys=self._passkeys, challenges=self._challenges)
        self._sign_in_factors.add(
            SignInFactor.WEB_AUTHN, passkey_sign_in.offered, passkey_sign_in.start, passkey_sign_in.answer, code=False
        )

    @property
    def issuer(self) -> str:
        return self._issuer

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set that verifies this pool's tokens."""
        return self._tokens.jwks()

    # -- sign-up -------------------------------------------------------------------------------------

    def sign_up(self, username: Username, password: Password | None, attributes: Attributes) -> SignUpOutcome:
        check_schema(attributes, allow_verified_flags=False)
        if password is None:
            # As Cognito: without a password, a user signs in with codes, which need somewhere to go
            # (an empty phone number is nowhere).
            if not attributes.get("email") and not attributes.get("phone_number"):
                raise ValidationError(
                    {"user_attributes": "a user without a password needs an email or phone_number to sign in"}
                )
            password_hash = ""
        else:
            self._policy.check(password)
            password_hash = hash_password(password.value)
        with self._db.transaction() as db:
            now = self._clock.now()
            user = insert_user(db, username, password_hash, Status.UNCONFIRMED, attributes, now)
            destination, masked_delivery = sign_up_destination(user)
            delivery = new_code(db, user, CodePurpose.SIGN_UP, now, destination=destination)
        delivery.send(self._code_sender)
        return SignUpOutcome(user_sub=user.sub, user_confirmed=False, code_delivery=masked_delivery)

    def confirm_sign_up(self, username: Username, code: ConfirmationCode, *, force_alias_creation: bool = False) -> str:
        # `force_alias_creation` decides who keeps an alias (e-mail used as a login name) claimed twice;
        # this pool defines no alias attributes, so there is never such a conflict.
        with self._db.transaction() as db:
            now = self._clock.now()
            user = existing_user(db, username)
            if user.status is not Status.UNCONFIRMED:
                raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
            use_code(db, user, CodePurpose.SIGN_UP, code, now)
            # The code went to the e-mail address (or the phone), so receiving it proves the address.
            attributes = dict(user.attributes)
            _, delivery = sign_up_destination(user)
            if delivery is not None:
                attributes[f"{delivery.attribute_name}_verified"] = "true"
            db.execute(
                "UPDATE users SET status = ?, attributes = ?, updated_at = ? WHERE sub = ?",
                (Status.CONFIRMED, json.dumps(attributes), now, user.sub),
            )
            return self._sign_in_factors.sign_up_session(db, user, now)

    def resend_confirmation_code(self, username: Username) -> CodeDelivery | None:
        with self._db.transaction() as db:
            now = self._clock.now()
            protections.count_code_request(db, username, now)
            user = existing_user(db, username)
            if user.status is not Status.UNCONFIRMED:
                raise NotAuthorized("User is already confirmed.")
            destination, masked_delivery = sign_up_destination(user)
            delivery = new_code(db, user, CodePurpose.SIGN_UP, now, destination=destination)
        delivery.send(self._code_sender)
        return masked_delivery

    # -- sign-in -------------------------------------------------------------------------------------

    def initiate_auth(self, username: Username, password: Password) -> AuthResult:
        with self._db.transaction() as db:
            now = self._clock.now()
            protections.refuse_locked_password(db, username, now)
            user = find_user(db, username)
            if user is None:
                # Unknown users cost a hash too, so response times do not tell which usernames exist.
                password_matches(password.value, dummy_hash())
                protections.count_wrong_password(db, username, now)
                raise NotAuthorized(INCORRECT_CREDENTIALS)
            # The administrator has withdrawn the password: no password, right or wrong, signs in.
            if user.status is Status.RESET_REQUIRED:
                raise PasswordResetRequired("Password reset required for the user")
            if not password_matches(password.value, user.password_hash):
                protections.count_wrong_password(db, username, now)
                raise NotAuthorized(INCORRECT_CREDENTIALS)
            protections.forget_wrong_passwords(db, username)
            if not user.enabled:
                raise NotAuthorized(USER_DISABLED)
            if user.status is Status.UNCONFIRMED:
                raise UserNotConfirmed("User is not confirmed.")
            if user.status is Status.FORCE_CHANGE_PASSWORD:
                return self._challenges.new_password_required(db, user, now)
            step = self._challenges.second_factor_or_tokens(db, user, now)
        return self._delivered(step)

    def start_sign_in(
        self, username: Username, preferred: SignInFactor | None, password: Password | None = None
    ) -> AuthResult:
        if preferred is SignInFactor.PASSWORD and password is not None:
            return self.initiate_auth(username, password)
        with self._db.transaction() as db:
            step = self._sign_in_factors.start(db, username, preferred, self._clock.now())
        return self._delivered(step)

    def sign_in_with_session(self, username: Username, session: str) -> AuthResult:
        with self._db.transaction() as db:
            step = self._sign_in_factors.trade_sign_up_session(db, username, session, self._clock.now())
        return self._delivered(step)

    def respond_to_challenge(
        self, username: Username, challenge_name: str, responses: Mapping[str, str], session: str
    ) -> AuthResult:
        with self._db.transaction() as db:
            step = self._challenges.answer(db, username, challenge_name, responses, session, self._clock.now())
        return self._delivered(step)

    def refresh(self, refresh_token: str, username: str | None) -> TokenSet:
        with self._db.transaction() as db:
            now = self._clock.now()
            row = db.execute(
                "SELECT * FROM refresh_tokens JOIN users USING (sub) WHERE digest = ?", (digest(refresh_token),)
            ).fetchone()
            if row is None:
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            user = User.from_row(row)
            # Cognito checks the username through the client's SECRET_HASH, computed over the username.
            if username is not None and username.casefold() != user.username.casefold():
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            if not user.enabled:
                raise NotAuthorized(USER_DISABLED)
            if row["revoked"] or row["expires_at"] <= now:
                raise NotAuthorized(_INVALID_REFRESH_TOKEN)
            return self._tokens.tokens(db, user, row["origin_jti"], row["auth_time"], refresh_token, now)

    def global_sign_out(self, access_token: str) -> None:
        claims = self._tokens.access_claims(access_token)
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT revoked FROM refresh_tokens WHERE origin_jti = ? AND sub = ?", (claims.origin_jti, claims.sub)
            ).fetchone()
            if row is None or row["revoked"]:
                raise NotAuthorized("Access Token has been revoked")
            revoke_tokens(db, claims.sub)

    # -- forgotten passwords -------------------------------------------------------------------------

    def forgot_password(self, username: Username) -> CodeDelivery | None:
        with self._db.transaction() as db:
            now = self._clock.now()
            protections.count_code_request(db, username, now)
            user = existing_user(db, username)
            destination = _reset_code_destination(user)
            delivery = new_code(db, user, CodePurpose.PASSWORD_RESET, now, destination=destination)
        delivery.send(self._code_sender)
        return masked(delivery.destination)

    def confirm_forgot_password(self, username: Username, code: ConfirmationCode, new_password: Password) -> None:
        # The policy is checked before the code, so that a rejected password leaves the code usable.
        self._policy.check(new_password)
        password_hash = hash_password(new_password.value)
        with self._db.transaction() as db:
            now = self._clock.now()
            user = existing_user(db, username)
            if not user.enabled:
                raise NotAuthorized(USER_DISABLED)
            use_code(db, user, CodePurpose.PASSWORD_RESET, code, now)
            # Cognito keeps existing refresh tokens valid across a password change.
            db.execute(
                "UPDATE users SET password_hash = ?, status = ?, updated_at = ? WHERE sub = ?",
                (password_hash, Status.CONFIRMED, now, user.sub),
            )

    def _delivered(self, step: Step) -> AuthResult:
        if step.delivery is not None:
            step.delivery.send(self._code_sender)
        return step.result

    # -- self-service --------------------------------------------------------------------------------

    def change_password(self, access_token: str, previous_password: Password, proposed_password: Password) -> None:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            if not password_matches(previous_password.value, user.password_hash):
                raise NotAuthorized(INCORRECT_CREDENTIALS)
            # Checked after the previous password, as Cognito does: a stranger learns nothing of the policy.
            self._policy.check(proposed_password)
            db.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE sub = ?",
                (hash_password(proposed_password.value), self._clock.now(), user.sub),
            )

    def delete_user(self, access_token: str) -> None:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            delete_user_rows(db, user.sub)

    # -- user attributes -----------------------------------------------------------------------------

    def get_user(self, access_token: str) -> UserProfile:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
        return UserProfile(username=user.username, sub=user.sub, attributes=user.attributes)

    def update_user_attributes(self, access_token: str, attributes: Attributes) -> tuple[CodeDelivery, ...]:
        check_schema(attributes, allow_verified_flags=False)
        with self._db.transaction() as db:
            now = self._clock.now()
            user = self._tokens.signed_in_user(db, access_token)
            merged = merge_attributes(user.attributes, attributes)
            write_attributes(db, user.sub, merged, now)
            # A new address is unverified until the user proves it with the code sent there, as
            # Cognito does for attributes it verifies automatically. The pool sends no SMS, so a new
            # phone number is only marked unverified.
            email = merged.get("email")
            if email is None or email == user.attributes.get("email"):
                return ()
            delivery = new_code(db, user, CodePurpose.EMAIL_VERIFICATION, now, destination=email)
        delivery.send(self._code_sender)
        return (CodeDelivery.by_email(email),)

    def get_user_attribute_verification_code(self, access_token: str, name: str) -> CodeDelivery:
        purpose = verification_purpose(name)
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            destination = user.attributes.get(name)
            if destination is None:
                raise ValidationError({"attribute_name": f"the user has no {name!r} to verify"})
            now = self._clock.now()
            protections.count_code_request(db, Username(user.username), now)
            delivery = new_code(db, user, purpose, now, destination=destination)
        delivery.send(self._code_sender)
        return CodeDelivery.by_email(destination)

    def verify_user_attribute(self, access_token: str, name: str, code: ConfirmationCode) -> None:
        purpose = verification_purpose(name)
        with self._db.transaction() as db:
            now = self._clock.now()
            user = self._tokens.signed_in_user(db, access_token)
            # Every change of the attribute issued a new code, so a code still on record went to its current value.
            use_code(db, user, purpose, code, now)
            write_attributes(db, user.sub, {**user.attributes, f"{name}_verified": "true"}, now)

    # -- multi-factor authentication -----------------------------------------------------------------

    def associate_software_token(self, access_token: str) -> str:
        with self._db.transaction() as db:
            return mfa.associate_software_token(db, self._tokens.signed_in_user(db, access_token).sub)

    def verify_software_token(self, access_token: str, code: ConfirmationCode) -> None:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            if mfa.software_token(db, user.sub) is None:
                raise ValidationError({"code": "no authenticator is associated with the user"})
            mfa.use_totp(db, user.sub, code.value, self._clock.now())
            db.execute("UPDATE software_tokens SET verified = 1 WHERE sub = ?", (user.sub,))

    def set_mfa_preference(self, access_token: str, preference: MfaPreference) -> None:
        with self._db.transaction() as db:
            mfa.set_mfa_preference(db, self._tokens.signed_in_user(db, access_token), preference)

    # -- passkeys ------------------------------------------------------------------------------------

    def start_passkey_registration(self, access_token: str) -> dict[str, Any]:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            return self._passkeys.creation_options(db, user, self._clock.now())

    def complete_passkey_registration(self, access_token: str, credential: Mapping[str, Any]) -> None:
        with self._db.transaction() as db:
            user = self._tokens.signed_in_user(db, access_token)
            self._passkeys.register(db, user, credential, self._clock.now())

    def list_passkeys(self, access_token: str) -> tuple[Passkey, ...]:
        with self._db.transaction() as db:
            return self._passkeys.listed(db, self._tokens.signed_in_user(db, access_token).sub)

    def delete_passkey(self, access_token: str, credential_id: str) -> None:
        with self._db.transaction() as db:
            self._passkeys.delete(db, self._tokens.signed_in_user(db, access_token).sub, credential_id)

    # -- administration, for `EmbeddedUserPoolAdministration` ----------------------------------------

    def admin_create_user(
        self, username: Username, temporary_password: Password, attributes: Attributes, *, send_invitation: bool = False
    ) -> str:
        """Create a user who must choose a new password at first sign-in (`NEW_PASSWORD_REQUIRED`).
        With `send_invitation`, the code sender delivers the temporary password to the `email` attribute.

        Returns the user's sub. Raises `UsernameExists`, `InvalidPassword`, `ValidationError`.
        """
        check_schema(attributes, allow_verified_flags=True)
        email = attributes.get("email")
        if send_invitation and email is None:
            raise ValidationError({"send_invitation": "the user has no e-mail address to receive the invitation"})
        self._policy.check(temporary_password)
        password_hash = hash_password(temporary_password.value)
        with self._db.transaction() as db:
            now = self._clock.now()
            user = insert_user(db, username, password_hash, Status.FORCE_CHANGE_PASSWORD, attributes, now)
        if send_invitation:
            Delivery(user.username, email, CodePurpose.INVITATION, temporary_password.value).send(self._code_sender)
        return user.sub

    def admin_disable_user(self, username: Username) -> None:
        """Stop the user from signing in and revoke their tokens. Raises `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            db.execute("UPDATE users SET enabled = 0, updated_at = ? WHERE sub = ?", (self._clock.now(), user.sub))
            revoke_tokens(db, user.sub)

    def admin_enable_user(self, username: Username) -> None:
        """Let a disabled user sign in again. Raises `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            db.execute("UPDATE users SET enabled = 1, updated_at = ? WHERE sub = ?", (self._clock.now(), user.sub))

    def admin_reset_user_password(self, username: Username) -> CodeDelivery | None:
        """Withdraw the user's password (status `RESET_REQUIRED`) and deliver a reset code.

        Raises what `forgot_password` raises.
        """
        with self._db.transaction() as db:
            now = self._clock.now()
            user = existing_user(db, username)
            destination = _reset_code_destination(user)
            delivery = new_code(db, user, CodePurpose.PASSWORD_RESET, now, destination=destination)
            db.execute(
                "UPDATE users SET status = ?, updated_at = ? WHERE sub = ?", (Status.RESET_REQUIRED, now, user.sub)
            )
        delivery.send(self._code_sender)
        return masked(delivery.destination)

    def admin_get_user(self, username: Username) -> PoolUser:
        """The user as the administrator sees them. Raises `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            return listing.pool_user(user, groups=group_names(db, user.sub))

    def admin_list_users(self, user_filter: UserFilter | None, limit: int, page_token: str | None) -> UserPage:
        """Up to `limit` users that `user_filter` matches, in order of their usernames, after the user
        that `page_token` names. Raises `ValidationError` on `page_token` for a token this pool did not issue."""
        if not 1 <= limit <= USER_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {USER_PAGE_MAX_SIZE}"})
        after = "" if page_token is None else listing.page_position(page_token)
        users: list[PoolUser] = []
        with self._db.transaction() as db:
            rows = db.execute("SELECT * FROM users WHERE username_key > ? ORDER BY username_key", (after,))
            for row in rows:
                user = User.from_row(row)
                if user_filter is not None and not listing.matches(user_filter, user):
                    continue
                if len(users) == limit:
                    # Another user matches: there is a next page, and it starts after the last one listed.
                    return UserPage(users, listing.page_token(Username(users[-1].username).key))
                users.append(listing.pool_user(user, groups=None))
        return UserPage(users)

    def admin_create_group(self, group: Group) -> None:
        """Create a group. Raises `GroupExists`."""
        with self._db.transaction() as db:
            if _group_exists(db, group.name):
                raise GroupExists("A group with the name already exists.")
            db.execute(
                "INSERT INTO groups VALUES (?, ?, ?)", (group.name.value, group.description or "", self._clock.now())
            )

    def admin_list_groups(self, limit: int, page_token: str | None) -> GroupPage:
        """Up to `limit` groups in order of their names, after the group that `page_token` names.
        Raises `ValidationError` on `page_token` for a token this pool did not issue."""
        if not 1 <= limit <= GROUP_PAGE_MAX_SIZE:
            raise ValidationError({"limit": f"must be 1 to {GROUP_PAGE_MAX_SIZE}"})
        after = "" if page_token is None else listing.page_position(page_token)
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT name, description FROM groups WHERE name > ? ORDER BY name LIMIT ?", (after, limit + 1)
            ).fetchall()
        groups = [Group(GroupName(row["name"]), row["description"]) for row in rows[:limit]]
        return GroupPage(groups, listing.page_token(groups[-1].name.value) if len(rows) > limit else None)

    def admin_add_user_to_group(self, username: Username, group: GroupName) -> None:
        """Add the user to the group. Raises `GroupNotFound`, and `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            if not _group_exists(db, group):
                raise GroupNotFound("Group not found.")
            db.execute("INSERT OR IGNORE INTO group_members VALUES (?, ?)", (user.sub, group.value))

    def admin_remove_user_from_group(self, username: Username, group: GroupName) -> None:
        """Take the user out of the group. Raises `GroupNotFound`, and `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            if not _group_exists(db, group):
                raise GroupNotFound("Group not found.")
            db.execute("DELETE FROM group_members WHERE sub = ? AND group_name = ?", (user.sub, group.value))

    def admin_delete_user(self, username: Username) -> None:
        """Remove the user with their codes, sessions and tokens. Raises `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            user = existing_user(db, username)
            delete_user_rows(db, user.sub)

    def admin_set_user_mfa_preference(self, username: Username, preference: MfaPreference) -> None:
        """Turn the user's second factors on or off as `set_mfa_preference` does, for a user in any
        status (AdminSetUserMFAPreference). Raises what it raises, and `NotAuthorized` for an unknown user."""
        with self._db.transaction() as db:
            mfa.set_mfa_preference(db, existing_user(db, username), preference)


def _reset_code_destination(user: User) -> str:
    """Where the user's reset code goes, or the error that says why none can be sent."""
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    if user.status is Status.FORCE_CHANGE_PASSWORD:
        raise NotAuthorized("User password cannot be reset in the current state.")
    # Cognito sends reset codes to verified addresses only; an unconfirmed user has none.
    if user.verified_email is None:
        raise ValidationError({"username": "the user has no verified e-mail address to receive a reset code"})
    return user.verified_email


def _group_exists(db: sqlite3.Connection, group: GroupName) -> bool:
    return db.execute("SELECT 1 FROM groups WHERE name = ?", (group.value,)).fetchone() is not None
