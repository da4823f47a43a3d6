"""The `IdentityProvider` port on an AWS Cognito user pool, through a ready boto3 `cognito-idp` client."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from application.ports.identity_provider import IdentityProvider
from domain.errors import (
    CodeMismatch,
    DomainError,
    ExpiredCode,
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    PasskeyNotFound,
    PasskeyRejected,
    PasswordResetRequired,
    ProviderUnavailable,
    TooManyRequests,
    UsernameExists,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import (
    SELECT_CHALLENGE,
    Attributes,
    AuthResult,
    Challenge,
    CodeDelivery,
    ConfirmationCode,
    MfaFactor,
    MfaPreference,
    Passkey,
    Password,
    SignInFactor,
    SignUpOutcome,
    TokenSet,
    Username,
    UserProfile,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.literals import ChallengeNameTypeType
    from mypy_boto3_cognito_idp.type_defs import (
        AuthenticationResultTypeTypeDef,
        CodeDeliveryDetailsTypeTypeDef,
        ConfirmForgotPasswordRequestTypeDef,
        ConfirmSignUpRequestTypeDef,
        ForgotPasswordRequestTypeDef,
        InitiateAuthRequestTypeDef,
        InitiateAuthResponseTypeDef,
        ListWebAuthnCredentialsRequestTypeDef,
        ResendConfirmationCodeRequestTypeDef,
        RespondToAuthChallengeResponseTypeDef,
        SetUserMFAPreferenceRequestTypeDef,
        SignUpRequestTypeDef,
        WebAuthnCredentialDescriptionTypeDef,
    )

# The one translation of Cognito error codes into domain errors. Codes not listed here (a missing
# pool or app client, an internal error, a code added to the API later) are failures of the
# provider or of our configuration, never of the user's input: they become `ProviderUnavailable`.
_ERRORS: Mapping[str, type[DomainError]] = {
    "UsernameExistsException": UsernameExists,
    "AliasExistsException": UsernameExists,
    "InvalidPasswordException": InvalidPassword,
    "CodeMismatchException": CodeMismatch,
    "ExpiredCodeException": ExpiredCode,
    "NotAuthorizedException": NotAuthorized,
    "UserNotFoundException": NotAuthorized,
    "UserNotConfirmedException": UserNotConfirmed,
    "PasswordResetRequiredException": PasswordResetRequired,
    "TooManyRequestsException": TooManyRequests,
    "LimitExceededException": TooManyRequests,
    "TooManyFailedAttemptsException": TooManyRequests,
    "InvalidParameterException": ValidationError,
    "CodeDeliveryFailureException": ProviderUnavailable,
    # VerifySoftwareToken's answer to a wrong code.
    "EnableSoftwareTokenMFAException": CodeMismatch,
    # Verifying or preferring TOTP before an authenticator is associated.
    "SoftwareTokenMFANotFoundException": ValidationError,
    # A passkey's registration that does not verify: a challenge never issued or spent, another
    # site's or origin's credential, or an authenticator the pool does not take.
    "WebAuthnChallengeNotFoundException": PasskeyRejected,
    "WebAuthnClientMismatchException": PasskeyRejected,
    "WebAuthnCredentialNotSupportedException": PasskeyRejected,
    "WebAuthnOriginNotAllowedException": PasskeyRejected,
    "WebAuthnRelyingPartyMismatchException": PasskeyRejected,
}

# Codes that mean something of their own in one operation only: elsewhere a missing resource is the
# pool or the app client (`ProviderUnavailable`), and an invalid parameter names one of our fields.
_OPERATION_ERRORS: Mapping[tuple[str, str], type[DomainError]] = {
    ("DeleteWebAuthnCredential", "ResourceNotFoundException"): PasskeyNotFound,
    # The credential is the only input of the user's there: one Cognito cannot even read.
    ("CompleteWebAuthnRegistration", "InvalidParameterException"): PasskeyRejected,
}

# Passkeys switched off in the pool (WebAuthn not among its first factors), or no relying party id
# or domain for them: the operator's to fix, said plainly so that it is not taken for an outage.
_PASSKEYS_UNCONFIGURED = frozenset({"WebAuthnNotEnabledException", "WebAuthnConfigurationMissingException"})
_PASSKEYS_UNCONFIGURED_MESSAGE = "Passkeys are not enabled on the identity provider."

# Where SetUserMFAPreference takes each factor's settings.
_MFA_SETTINGS: Mapping[MfaFactor, Literal["SMSMfaSettings", "SoftwareTokenMfaSettings"]] = {
    MfaFactor.SMS: "SMSMfaSettings",
    MfaFactor.TOTP: "SoftwareTokenMfaSettings",
}

# The challenges of choice-based sign-in that this service offers.
_SIGN_IN_FACTORS = frozenset(factor.value for factor in SignInFactor)

# Cognito's messages that are worth showing a user as they are. Every other message is replaced by
# the domain error's own: Cognito (and moto even more) puts usernames, tokens, secret hashes and
# client ids into messages, and "User does not exist." would tell strangers which accounts exist.
_USER_FACING_MESSAGE = re.compile(
    r"Password (?:did|does) not conform (?:with|to) policy: [\w ,.]+"
    r"|(?:Refresh|Access) Token has (?:been revoked|expired)"
    r"|Invalid (?:Refresh|Access) Token"
    r"|Password attempts exceeded"
    r"|Attempt limit exceeded, please try after some time\."
)

# Cognito's answer to a sign-in while wrong passwords keep the user locked out: NotAuthorizedException
# "Password attempts exceeded", a limit to wait out rather than a wrong password.
_PASSWORD_ATTEMPTS_EXCEEDED = re.compile(r"password attempts exceeded", re.IGNORECASE)

# A challenge answered with a session Cognito no longer knows ("Invalid session for the user,
# session is expired.", "... session can only be used once.").
_SESSION_REFUSED = re.compile(r"invalid session", re.IGNORECASE)

# An InvalidParameterException about the app client or its auth flows ("USER_PASSWORD_AUTH flow
# not enabled for this client", or an emulator's "Value 'USER_AUTH' at 'authFlow' failed to satisfy
# constraint") is our misconfiguration: the user can do nothing about it.
_CONFIGURATION_FAULT = re.compile(r"\bclient\b|\bflow\b|\bauthFlow\b|auth method", re.IGNORECASE)

# An app client writing an attribute it has no write permission for (WriteAttributes) gets
# NotAuthorizedException "A client attempted to write unauthorized attribute": the input's fault,
# not the token's.
_UNWRITABLE_ATTRIBUTE = re.compile(r"unauthorized attribute", re.IGNORECASE)

# Cognito refuses to resend a code to a confirmed user with InvalidParameterException "User is
# already confirmed."; the port calls that NotAuthorized, as it does for confirming one twice.
_ALREADY_CONFIRMED = re.compile(r"already confirmed", re.IGNORECASE)

# Words in Cognito's and botocore's validation messages that point at one of our input fields,
# checked in order ("Value at 'userAttributes.1.member.value' failed to satisfy constraint",
# "Invalid email address format.", "Invalid length for parameter Session"). Underscores are
# removed before matching, so `REFRESH_TOKEN` reads as `refreshtoken`.
_FIELD_WORDS: tuple[tuple[str, str], ...] = (
    ("username", "username"),
    ("attributename", "attribute_name"),
    ("attribute", "user_attributes"),
    ("email", "user_attributes"),
    ("phone", "user_attributes"),
    ("confirmationcode", "code"),
    ("session", "session"),
    ("challengeresponses", "responses"),
    ("challengename", "challenge_name"),
    ("refreshtoken", "refresh_token"),
    ("accesstoken", "access_token"),
    ("password", "password"),
    ("usercode", "code"),
)
_REJECTED = "was rejected by the identity provider"
_PARAMETER_NAME = re.compile(r"parameter ([\w.]+)")


def _fields(text: str) -> dict[str, str]:
    words = text.casefold().replace("_", "")
    field = next((field for word, field in _FIELD_WORDS if word in words), "request")
    return {field: _REJECTED}


def _domain_error(error: ClientError) -> DomainError:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in _PASSKEYS_UNCONFIGURED:
        return ProviderUnavailable(_PASSKEYS_UNCONFIGURED_MESSAGE)
    kind = _OPERATION_ERRORS.get((error.operation_name, code)) or _ERRORS.get(code)
    if kind is None or status >= 500:
        return ProviderUnavailable()
    if kind is ValidationError:
        if _CONFIGURATION_FAULT.search(message):
            return ProviderUnavailable()
        if _ALREADY_CONFIRMED.search(message):
            return NotAuthorized()
        return ValidationError(_fields(message))
    if kind is NotAuthorized and _PASSWORD_ATTEMPTS_EXCEEDED.search(message):
        return TooManyRequests("Password attempts exceeded")
    if kind is NotAuthorized and error.operation_name == "RespondToAuthChallenge" and _SESSION_REFUSED.search(message):
        return ExpiredSession()
    if kind is NotAuthorized and _UNWRITABLE_ATTRIBUTE.search(message):
        return ValidationError({"user_attributes": _REJECTED})
    return kind(message if _USER_FACING_MESSAGE.fullmatch(message) else None)


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn whatever botocore raises into a domain error, chained to the original for the logs."""
    try:
        yield
    except ClientError as error:
        raise _domain_error(error) from error
    except ParamValidationError as error:
        # botocore checks lengths and types before sending: a too-short challenge session, say.
        # Only the parameter names are read; the report may quote the refused value.
        names = " ".join(_PARAMETER_NAME.findall(str(error)))
        raise ValidationError(_fields(names)) from error
    except BotoCoreError as error:
        # Connection refused or reset, connect and read timeouts, TLS failures, missing credentials.
        raise ProviderUnavailable() from error


def _naming_the_attribute(error: ValidationError, attributes: Attributes) -> ValidationError:
    """`error` on `user_attributes`, naming the attribute when Cognito's message names one of those
    sent (`Type for attribute {custom:shoe_size} could not be determined`, `custom:x: Attribute does
    not exist in the schema.`). Only a name the request sent is shown, never Cognito's other words."""
    cause = error.__cause__
    message = str(cause.response.get("Error", {}).get("Message", "")) if isinstance(cause, ClientError) else ""
    named = next(
        (item.name for item in attributes.items if f"{{{item.name}}}" in message or f"{item.name}: " in message), None
    )
    if named is None or "user_attributes" not in error.fields:
        return error
    return ValidationError({"user_attributes": f"attribute {named!r} {_REJECTED}"})


def _code_delivery(details: CodeDeliveryDetailsTypeTypeDef | None) -> CodeDelivery | None:
    if not details:
        return None
    return CodeDelivery(
        destination=details.get("Destination", ""),
        medium=details.get("DeliveryMedium", ""),
        attribute_name=details.get("AttributeName", ""),
    )


def _token_set(result: AuthenticationResultTypeTypeDef, refresh_token: str | None = None) -> TokenSet:
    refresh_token = result.get("RefreshToken", refresh_token)
    if "AccessToken" not in result or "IdToken" not in result or not refresh_token:
        raise ProviderUnavailable()
    return TokenSet(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        refresh_token=refresh_token,
        expires_in=result.get("ExpiresIn", 0),
    )


def _json_object(text: str) -> dict[str, Any]:
    """A JSON object that Cognito sends as a string; anything else is the provider's failure."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ProviderUnavailable() from error
    if not isinstance(value, dict):
        raise ProviderUnavailable()
    return value


def _auth_result(response: InitiateAuthResponseTypeDef | RespondToAuthChallengeResponseTypeDef) -> AuthResult:
    # Cognito sends an empty ChallengeParameters beside the tokens, so the tokens are looked at first.
    if "AuthenticationResult" in response:
        return _token_set(response["AuthenticationResult"])
    if "ChallengeName" in response:
        parameters = dict(response.get("ChallengeParameters", {}))
        # WEB_AUTHN's request options arrive as a JSON string among the parameters; they travel on
        # parsed, once, in the challenge's own field.
        request_options = parameters.pop("CREDENTIAL_REQUEST_OPTIONS", None)
        return Challenge(
            name=response["ChallengeName"],
            session=response.get("Session", ""),
            parameters=parameters,
            # Only the factors this service signs in with: PASSWORD_SRP needs the SRP exchange,
            # which it does not do.
            available_challenges=[name for name in response.get("AvailableChallenges", []) if name in _SIGN_IN_FACTORS],
            credential_request_options=None if request_options is None else _json_object(request_options),
        )
    raise ProviderUnavailable()


def _passkey(description: WebAuthnCredentialDescriptionTypeDef) -> Passkey:
    return Passkey(
        credential_id=description["CredentialId"],
        name=description.get("FriendlyCredentialName") or None,
        relying_party_id=description["RelyingPartyId"],
        authenticator_attachment=description.get("AuthenticatorAttachment") or None,
        transports=description.get("AuthenticatorTransports", []),
        created_at=description["CreatedAt"].astimezone(datetime.UTC),
    )


class CognitoIdentityProvider(IdentityProvider):
    """Calls the public (app client) operations of one user pool.

    With a client secret, every call that identifies a user carries
    SECRET_HASH = Base64(HMAC-SHA256(secret, username + client id)).
    """

    def __init__(self, client: CognitoIdentityProviderClient, *, client_id: str, client_secret: str | None) -> None:
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret

    def _secret_hash(self, username: str) -> str | None:
        if self._client_secret is None:
            return None
        digest = hmac.new(
            self._client_secret.encode("utf-8"), (username + self._client_id).encode("utf-8"), hashlib.sha256
        ).digest()
        return base64.b64encode(digest).decode("ascii")

    def _with_secret_hash(self, parameters: dict[str, str], username: str) -> dict[str, str]:
        """AuthParameters or ChallengeResponses, with SECRET_HASH added when the client has a secret."""
        secret_hash = self._secret_hash(username)
        return parameters if secret_hash is None else {**parameters, "SECRET_HASH": secret_hash}

    def sign_up(self, username: Username, password: Password | None, attributes: Attributes) -> SignUpOutcome:
        request: SignUpRequestTypeDef = {
            "ClientId": self._client_id,
            "Username": username.value,
            "UserAttributes": [{"Name": item.name, "Value": item.value} for item in attributes.items],
        }
        if password is not None:
            request["Password"] = password.value
        if (secret_hash := self._secret_hash(username.value)) is not None:
            request["SecretHash"] = secret_hash
        with _translated_errors():
            response = self._client.sign_up(**request)
        return SignUpOutcome(
            user_sub=response["UserSub"],
            user_confirmed=response["UserConfirmed"],
            code_delivery=_code_delivery(response.get("CodeDeliveryDetails")),
        )

    def confirm_sign_up(
        self, username: Username, code: ConfirmationCode, *, force_alias_creation: bool = False
    ) -> str | None:
        request: ConfirmSignUpRequestTypeDef = {
            "ClientId": self._client_id,
            "Username": username.value,
            "ConfirmationCode": code.value,
            "ForceAliasCreation": force_alias_creation,
        }
        if (secret_hash := self._secret_hash(username.value)) is not None:
            request["SecretHash"] = secret_hash
        with _translated_errors():
            response = self._client.confirm_sign_up(**request)
        # Only pools with choice-based sign-in issue one.
        return response.get("Session") or None

    def resend_confirmation_code(self, username: Username) -> CodeDelivery | None:
        request: ResendConfirmationCodeRequestTypeDef = {"ClientId": self._client_id, "Username": username.value}
        if (secret_hash := self._secret_hash(username.value)) is not None:
            request["SecretHash"] = secret_hash
        with _translated_errors():
            response = self._client.resend_confirmation_code(**request)
        return _code_delivery(response.get("CodeDeliveryDetails"))

    def initiate_auth(self, username: Username, password: Password) -> AuthResult:
        parameters = {"USERNAME": username.value, "PASSWORD": password.value}
        with _translated_errors():
            response = self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters=self._with_secret_hash(parameters, username.value),
            )
        return _auth_result(response)

    def _user_auth(self, username: Username, parameters: dict[str, str], session: str | None = None) -> AuthResult:
        """InitiateAuth in choice-based sign-in (`USER_AUTH`)."""
        request: InitiateAuthRequestTypeDef = {
            "ClientId": self._client_id,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": self._with_secret_hash({"USERNAME": username.value, **parameters}, username.value),
        }
        if session is not None:
            request["Session"] = session
        with _translated_errors():
            response = self._client.initiate_auth(**request)
        return _auth_result(response)

    def start_sign_in(
        self, username: Username, preferred: SignInFactor | None, password: Password | None = None
    ) -> AuthResult:
        if preferred is not SignInFactor.PASSWORD:
            return self._user_auth(username, {} if preferred is None else {"PREFERRED_CHALLENGE": preferred.value})
        if password is not None:
            return self._user_auth(username, {"PREFERRED_CHALLENGE": preferred.value, "PASSWORD": password.value})
        # Cognito takes PREFERRED_CHALLENGE PASSWORD only with the password beside it. Without one, the
        # choice it offers is asked for, and answered (in `respond_to_challenge`) with PASSWORD chosen
        # and the password in one step, as its SELECT_CHALLENGE allows.
        result = self._user_auth(username, {})
        if (
            isinstance(result, Challenge)
            and result.name == SELECT_CHALLENGE
            and preferred.value in result.available_challenges
        ):
            return Challenge(name=preferred.value, session=result.session)
        return result

    def sign_in_with_session(self, username: Username, session: str) -> AuthResult:
        try:
            return self._user_auth(username, {}, session)
        except NotAuthorized as error:
            # The session is the only credential here: whatever Cognito refuses, it is the session.
            raise ExpiredSession() from error.__cause__

    def respond_to_challenge(
        self, username: Username, challenge_name: str, responses: Mapping[str, str], session: str
    ) -> AuthResult:
        # Every challenge wants USERNAME among the answers; the port's argument is authoritative.
        answers = {**responses, "USERNAME": username.value}
        if challenge_name == SignInFactor.PASSWORD.value:
            # The PASSWORD challenge `start_sign_in` presents is Cognito's SELECT_CHALLENGE.
            challenge_name = SELECT_CHALLENGE
            answers["ANSWER"] = SignInFactor.PASSWORD.value
        try:
            with _translated_errors():
                response = self._client.respond_to_auth_challenge(
                    ClientId=self._client_id,
                    # Cognito itself refuses names it does not know.
                    ChallengeName=cast("ChallengeNameTypeType", challenge_name),
                    Session=session,
                    ChallengeResponses=self._with_secret_hash(answers, username.value),
                )
        except NotAuthorized as error:
            # Cognito refuses an assertion that does not verify as it refuses a wrong password.
            if "CREDENTIAL" in responses:
                raise PasskeyRejected() from error.__cause__
            raise
        return _auth_result(response)

    def start_passkey_registration(self, access_token: str) -> dict[str, Any]:
        with _translated_errors():
            response = self._client.start_web_authn_registration(AccessToken=access_token)
        options = response.get("CredentialCreationOptions")
        if not isinstance(options, dict):
            raise ProviderUnavailable()
        return options

    def complete_passkey_registration(self, access_token: str, credential: Mapping[str, Any]) -> None:
        with _translated_errors():
            self._client.complete_web_authn_registration(AccessToken=access_token, Credential=credential)

    def list_passkeys(self, access_token: str) -> tuple[Passkey, ...]:
        request: ListWebAuthnCredentialsRequestTypeDef = {"AccessToken": access_token}
        passkeys: list[Passkey] = []
        while True:
            with _translated_errors():
                response = self._client.list_web_authn_credentials(**request)
            passkeys.extend(_passkey(description) for description in response["Credentials"])
            if "NextToken" not in response:
                return tuple(sorted(passkeys, key=lambda passkey: passkey.created_at))
            request["NextToken"] = response["NextToken"]

    def delete_passkey(self, access_token: str, credential_id: str) -> None:
        with _translated_errors():
            self._client.delete_web_authn_credential(AccessToken=access_token, CredentialId=credential_id)

    def refresh(self, refresh_token: str, username: str | None) -> TokenSet:
        parameters = {"REFRESH_TOKEN": refresh_token}
        if self._client_secret is not None:
            if username is None:
                raise ValidationError({"access_token": "needed to refresh with this app client"})
            # Over the Cognito username, not the alias the user typed: in a pool that signs in by
            # e-mail alias they differ, and Cognito then refuses the hash.
            parameters = self._with_secret_hash(parameters, username)
        with _translated_errors():
            response = self._client.initiate_auth(
                ClientId=self._client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=parameters
            )
        if "AuthenticationResult" not in response:
            raise ProviderUnavailable()
        # Cognito issues no new refresh token here; the one given stays valid.
        return _token_set(response["AuthenticationResult"], refresh_token)

    def global_sign_out(self, access_token: str) -> None:
        with _translated_errors():
            self._client.global_sign_out(AccessToken=access_token)

    def forgot_password(self, username: Username) -> CodeDelivery | None:
        request: ForgotPasswordRequestTypeDef = {"ClientId": self._client_id, "Username": username.value}
        if (secret_hash := self._secret_hash(username.value)) is not None:
            request["SecretHash"] = secret_hash
        with _translated_errors():
            response = self._client.forgot_password(**request)
        return _code_delivery(response.get("CodeDeliveryDetails"))

    def confirm_forgot_password(self, username: Username, code: ConfirmationCode, new_password: Password) -> None:
        request: ConfirmForgotPasswordRequestTypeDef = {
            "ClientId": self._client_id,
            "Username": username.value,
            "ConfirmationCode": code.value,
            "Password": new_password.value,
        }
        if (secret_hash := self._secret_hash(username.value)) is not None:
            request["SecretHash"] = secret_hash
        with _translated_errors():
            self._client.confirm_forgot_password(**request)

    def change_password(self, access_token: str, previous_password: Password, proposed_password: Password) -> None:
        with _translated_errors():
            self._client.change_password(
                AccessToken=access_token,
                PreviousPassword=previous_password.value,
                ProposedPassword=proposed_password.value,
            )

    def delete_user(self, access_token: str) -> None:
        with _translated_errors():
            self._client.delete_user(AccessToken=access_token)

    def get_user(self, access_token: str) -> UserProfile:
        with _translated_errors():
            response = self._client.get_user(AccessToken=access_token)
        attributes = {item["Name"]: item.get("Value", "") for item in response.get("UserAttributes", [])}
        return UserProfile.from_attributes(response["Username"], attributes)

    def update_user_attributes(self, access_token: str, attributes: Attributes) -> tuple[CodeDelivery, ...]:
        try:
            with _translated_errors():
                response = self._client.update_user_attributes(
                    AccessToken=access_token,
                    UserAttributes=[{"Name": item.name, "Value": item.value} for item in attributes.items],
                )
        except ValidationError as error:
            raise _naming_the_attribute(error, attributes) from error.__cause__
        deliveries = (_code_delivery(details) for details in response.get("CodeDeliveryDetailsList", []))
        return tuple(delivery for delivery in deliveries if delivery is not None)

    def get_user_attribute_verification_code(self, access_token: str, name: str) -> CodeDelivery:
        with _translated_errors():
            response = self._client.get_user_attribute_verification_code(AccessToken=access_token, AttributeName=name)
        delivery = _code_delivery(response.get("CodeDeliveryDetails"))
        if delivery is None:
            raise ProviderUnavailable()
        return delivery

    def verify_user_attribute(self, access_token: str, name: str, code: ConfirmationCode) -> None:
        with _translated_errors():
            self._client.verify_user_attribute(AccessToken=access_token, AttributeName=name, Code=code.value)

    def associate_software_token(self, access_token: str) -> str:
        with _translated_errors():
            response = self._client.associate_software_token(AccessToken=access_token)
        if "SecretCode" not in response:
            raise ProviderUnavailable()
        return response["SecretCode"]

    def verify_software_token(self, access_token: str, code: ConfirmationCode) -> None:
        with _translated_errors():
            response = self._client.verify_software_token(AccessToken=access_token, UserCode=code.value)
        # Cognito may answer a wrong code with Status ERROR rather than an exception.
        if response.get("Status") != "SUCCESS":
            raise CodeMismatch()

    def set_mfa_preference(self, access_token: str, preference: MfaPreference) -> None:
        changes = preference.changes()
        preferred = preference.preferred_factor
        if preferred is None:
            # Turning factors off only. A factor left on but not preferred is asked for or not at the
            # pool's discretion (moto then asks for none), so it is made the preferred one, as the
            # port promises; that needs the user's factors, which only GetUser tells.
            with _translated_errors():
                user = self._client.get_user(AccessToken=access_token)
            left_on = [
                factor
                for factor in MfaFactor
                if factor.value in user.get("UserMFASettingList", []) and factor not in changes
            ]
            if left_on:
                preferred = left_on[0]
                changes[preferred] = True
        request: SetUserMFAPreferenceRequestTypeDef = {"AccessToken": access_token}
        for factor, enabled in changes.items():
            request[_MFA_SETTINGS[factor]] = {"Enabled": enabled, "PreferredMfa": factor is preferred}
        with _translated_errors():
            self._client.set_user_mfa_preference(**request)
