"""The account endpoints: one thin view per use-case, errors left to `django_shell.errors`."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from django.middleware.csrf import get_token, rotate_token
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.password_reset import (
    ConfirmForgotPassword,
    ConfirmForgotPasswordCommand,
    ForgotPassword,
    ForgotPasswordCommand,
)
from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RefreshTokens,
    RefreshTokensCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignedIn,
    SignInResult,
    SignInWithSession,
    SignInWithSessionCommand,
    StartSignIn,
    StartSignInCommand,
)
from application.use_cases.sign_out import Logout, LogoutCommand
from application.use_cases.sign_up import (
    ConfirmSignUp,
    ConfirmSignUpCommand,
    ResendConfirmationCode,
    ResendConfirmationCodeCommand,
    SignUp,
    SignUpCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials, csrf, images
from django_shell.accounts.fields import (
    AbsentAsNullField,
    AttributeSerializer,
    ChallengeResponsesField,
    CodeField,
    NewPasswordField,
    PasswordField,
    StrictBooleanField,
    StrictCharField,
    UsernameField,
    attribute_pairs,
    validated,
)
from django_shell.client_ip import client_ip
from domain.values import (
    MAX_ATTRIBUTES,
    SELECT_CHALLENGE,
    Claims,
    SignInFactor,
)
from domain.values import Challenge as ChallengeValue

# Sessions and tokens are opaque, but Cognito's stay well under this.
_OPAQUE_MAX_LENGTH = 16 * 1024
# Unbound, it renders a time as every DateTimeField of an answer does, without a serializer around it.
_TIMESTAMP = serializers.DateTimeField()


def _refuse_a_password_in_the_body(serializer: serializers.Serializer) -> None:
    """A password only ever travels in the Basic header (or answers the PASSWORD challenge): one in the
    body would be dropped, and the account signed up, or the sign-in started, without it."""
    if "password" in serializer.initial_data:
        raise serializers.ValidationError(
            {"password": "The password goes in the Authorization: Basic header, not in the body."}
        )


def _challenge_parameters(challenge: ChallengeValue) -> dict[str, Any]:
    """The challenge's parameters as Cognito names them, with the choice of `SELECT_CHALLENGE` and the
    WebAuthn request options of `WEB_AUTHN` among them."""
    parameters: dict[str, Any] = dict(challenge.parameters)
    if challenge.name == SELECT_CHALLENGE:
        parameters["available_challenges"] = list(challenge.available_challenges)
    if challenge.credential_request_options is not None:
        parameters["credential_request_options"] = challenge.credential_request_options
    return parameters


def _sign_in_response(request: Request, result: SignInResult) -> Response:
    if isinstance(result, ChallengeValue):
        return Response(
            {"challenge": result.name, "session": result.session, "parameters": _challenge_parameters(result)}
        )
    greeting = result.claims.email or result.claims.username
    response = Response({"msg": f"Welcome {greeting}"})
    credentials.attach_tokens(response, result.tokens)
    # A fresh CSRF cookie with the token cookies, as Django's login() does for a session: a browser
    # has it for its next unsafe request, and one planted before the sign-in is worth nothing after.
    rotate_token(request)
    return response


class _PostApi(APIView):
    """Every account operation is a POST of a JSON object (or of nothing), and reads or issues
    tokens itself, so the token middleware leaves it alone."""

    http_method_names = ["post", "options"]
    handles_tokens_itself = True
    authentication_classes = ()
    # A 401 here asks for the username and password (`WWW-Authenticate: Basic`); refresh and logout,
    # which take tokens, say Bearer.
    challenge_scheme = "Basic"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Parse the body before anything else, so an oversized or broken one is refused as such
        # whichever header the endpoint would have looked at first.
        request.data  # noqa: B018


class SignUpApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        username = UsernameField(
            required=False,
            help_text="Without a Basic header only, and then required: the account has no password, and signs "
            "in with one-time codes (or passkeys).",
        )
        user_attributes = serializers.ListField(child=AttributeSerializer(), required=False, max_length=MAX_ATTRIBUTES)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            _refuse_a_password_in_the_body(self)
            return attrs

    @openapi.operation(
        summary="Register an unconfirmed account; the pool sends a confirmation code.",
        description="With `Authorization: Basic base64(username:password)`, the account has that password. "
        "Without the header, the body's `username` signs up an account with no password: it signs in with a "
        "code sent by e-mail or SMS (see `/auth/login`), so it needs an `email` (a username that is an e-mail "
        "address is one) or a `phone_number`. A `password` in the body is refused: it goes in the header.",
        request=InputSerializer,
        responses={201: openapi.SignUpResultSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, "InvalidPassword", "UsernameExists"),
        security=[*openapi.BASIC, {}],
        request_example={"user_attributes": openapi.EXAMPLE_ATTRIBUTES},
        response_example={
            **openapi.message("Account created; confirm it with the code that was sent."),
            "user_sub": openapi.EXAMPLE_PROFILE["sub"],
            "user_confirmed": False,
            "code_delivery": openapi.EXAMPLE_DELIVERY,
        },
    )
    @inject
    def post(self, request: Request, sign_up: SignUp = Provide["sign_up"]) -> Response:
        # Without the header and a body, the request is the original service's, which wanted the header.
        if credentials.sends_authorization(request) or not request.data:
            basic = credentials.basic_credentials(request)
            data = validated(self.InputSerializer, request.data if request.data is not None else {})
            if "username" in data:
                raise serializers.ValidationError({"username": "The Basic header names the account already."})
            username, password = basic.username, basic.password
        else:
            data = validated(self.InputSerializer, request.data)
            if "username" not in data:
                raise serializers.ValidationError({"username": "This field is required without a Basic header."})
            username, password = data["username"], None
        outcome = sign_up(
            SignUpCommand(
                username=username,
                password=password,
                attributes=attribute_pairs(data.get("user_attributes", [])),
                client=client_ip(request),
            )
        )
        delivery = outcome.code_delivery
        return Response(
            {
                "msg": "Account created; confirm it with the code that was sent.",
                "user_sub": outcome.user_sub,
                "user_confirmed": outcome.user_confirmed,
                "code_delivery": delivery and openapi.CodeDeliverySerializer(delivery).data,
            },
            status=status.HTTP_201_CREATED,
        )


class ConfirmSignUpApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        username = UsernameField()
        # The seed called the code `password`; `code` says what it is. Either is accepted.
        password = CodeField(required=False)
        code = CodeField(required=False)
        force_alias_creation = StrictBooleanField(required=False, default=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "code" not in attrs and "password" not in attrs:
                raise serializers.ValidationError({"code": "This field is required."})
            return attrs

    class OutputSerializer(serializers.Serializer):
        msg = serializers.CharField()
        session = serializers.CharField(
            allow_null=True,
            help_text='Signs the new user in once, within 3 minutes: `POST /auth/login` with `{"username", '
            '"session"}`. Null where the pool gives none.',
        )

    @openapi.operation(
        summary="Confirm an account with the code it was sent.",
        description="The code goes in `code`, or in `password` as the original service had it; one is required. "
        "Every code that does not confirm the account, for an unknown or already confirmed account too, is 400 "
        "`CodeMismatch` with one message, so the answer tells nobody which accounts exist. The answer's "
        '`session` signs the new user in: `POST /auth/login` with `{"username", "session"}`, once, within 3 '
        "minutes.",
        request=InputSerializer,
        responses={200: OutputSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, "CodeMismatch"),
        security=openapi.NONE,
        request_example={"username": openapi.EXAMPLE_USERNAME, "code": openapi.EXAMPLE_CODE},
        response_example={
            **openapi.message("Account confirmed; you can log in now."),
            "session": openapi.EXAMPLE_SESSION,
        },
    )
    @inject
    def post(self, request: Request, confirm_sign_up: ConfirmSignUp = Provide["confirm_sign_up"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        result = confirm_sign_up(
            ConfirmSignUpCommand(
                username=data["username"],
                code=data.get("code") or data["password"],
                force_alias_creation=data["force_alias_creation"],
                client=client_ip(request),
            )
        )
        return Response({"msg": "Account confirmed; you can log in now.", "session": result.session})


class ResendCodeApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        username = UsernameField()

    @openapi.operation(
        summary="Send a new confirmation code.",
        description="Answers alike whether or not the account exists or is confirmed.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS),
        security=openapi.NONE,
        request_example={"username": openapi.EXAMPLE_USERNAME},
        response_example=openapi.message("If the account exists and is unconfirmed, a new code was sent."),
    )
    @inject
    def post(self, request: Request, resend: ResendConfirmationCode = Provide["resend_confirmation_code"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        resend(ResendConfirmationCodeCommand(username=data["username"], client=client_ip(request)))
        return Response({"msg": "If the account exists and is unconfirmed, a new code was sent."})


class CsrfApi(APIView):
    """The CSRF token for browsers that authenticate with the token cookies."""

    http_method_names = ["get", "head", "options"]
    handles_tokens_itself = True
    authentication_classes = ()

    class OutputSerializer(serializers.Serializer):
        csrf_token = serializers.CharField(help_text="Send it back as the `X-CSRFToken` header.")

    @openapi.operation(
        summary="The CSRF token that cookie-authenticated requests echo in `X-CSRFToken`.",
        description="Sets the `csrftoken` cookie and answers the token, so that a page on another origin, "
        "which cannot read this site's cookies, has it too. A request whose access token comes from the "
        "`access_token` cookie (or that is refreshed from the `refresh_token` cookie) and is not GET, HEAD or "
        "OPTIONS must carry it as `X-CSRFToken` and pass Django's Origin checks, or it is refused with 403 "
        "`CsrfFailed`; a request with the `AccessToken` or `Authorization: Bearer` header needs none. "
        "A sign-in sets a fresh cookie too.",
        responses={200: OutputSerializer},
        errors=("NotAcceptable",),
        security=openapi.NONE,
        operation_id="csrf",
        response_example={"csrf_token": "kq3Pq9Tzd5WZ0wYv8hX2bN4mLr7cJf1sEo6aUiGt"},
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer({"csrf_token": get_token(request)}).data)


# The fields of /auth/login's JSON ways in, and the password a client may wrongly send beside them.
_JSON_SIGN_IN_FIELDS = frozenset({"username", "session", "preferred_challenge", "password"})


class LoginApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        # Not required by the schema, which must let a sign-in with the Basic header send no body.
        username = UsernameField(required=False, help_text="Required without a Basic header.")
        session = StrictCharField(
            max_length=_OPAQUE_MAX_LENGTH,
            required=False,
            help_text="The `session` of `/auth/confirm_signup`: signs the new user in, once.",
        )
        preferred_challenge = serializers.ChoiceField(
            choices=[factor.value for factor in SignInFactor],
            required=False,
            help_text="The way to sign in the user prefers; without it, or when the user lacks it, the answer "
            "is `SELECT_CHALLENGE` with the ways they have.",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "username" not in attrs:
                raise serializers.ValidationError({"username": "This field is required without a Basic header."})
            _refuse_a_password_in_the_body(self)
            if "session" in attrs and "preferred_challenge" in attrs:
                raise serializers.ValidationError({"session": "A session signs in without a preferred challenge."})
            return attrs

    @openapi.operation(
        summary="Sign in: with username and password, the session of a confirmation, or the way the user chooses.",
        description="With `Authorization: Basic base64(username:password)`: a wrong password and an unknown user "
        'get the same 401. Without the header, a JSON body: `{"username", "session"}` trades the session of '
        '`/auth/confirm_signup` for the tokens, once (else 400 `ExpiredSession`); `{"username", '
        '"preferred_challenge"}` or `{"username"}` starts choice-based sign-in and answers a challenge for '
        "`/auth/confirm_login`: `EMAIL_OTP` or `SMS_OTP` (a 6-digit code was sent; `parameters` says where), "
        "`PASSWORD`, `WEB_AUTHN` (with `parameters.credential_request_options`), or `SELECT_CHALLENGE` with "
        "`parameters.available_challenges`, the ways this user has, when there is no preference or the user "
        "lacks it. An unknown, disabled or unconfirmed user gets the challenges a user with a password and an "
        "e-mail address would, which nothing answers: the answer tells nobody which accounts exist. A user "
        "with MFA on owes the MFA code after any of them. A body beside the Basic header that names `username`, "
        "`session` or `preferred_challenge`, and a `password` in the body, are refused (400 `ValidationError`).",
        request=InputSerializer,
        responses={200: openapi.SIGN_IN_RESULT},
        errors=(
            *openapi.BODY_ERRORS,
            *openapi.PROVIDER_ERRORS,
            *openapi.MIRROR_ERRORS,
            "ExpiredSession",
            "NotAuthorized",
            "UserNotConfirmed",
            "PasswordResetRequired",
        ),
        security=[*openapi.BASIC, {}],
        headers=openapi.ISSUED_TOKENS,
        request_example={"username": openapi.EXAMPLE_USERNAME, "preferred_challenge": "EMAIL_OTP"},
        response_example=openapi.message(f"Welcome {openapi.EXAMPLE_USERNAME}"),
    )
    @inject
    def post(
        self,
        request: Request,
        login: Login = Provide["login"],
        start_sign_in: StartSignIn = Provide["start_sign_in"],
        sign_in_with_session: SignInWithSession = Provide["sign_in_with_session"],
    ) -> Response:
        client = client_ip(request)
        # Without the header and a body, the request is the original service's, which wanted the header.
        if credentials.sends_authorization(request) or not request.data:
            basic = credentials.basic_credentials(request)
            # The body's ways in are the header's alternatives: unread, another user's session or a
            # preferred challenge would have been dropped for a password sign-in of the header's user.
            if isinstance(request.data, dict) and (named := sorted(request.data.keys() & _JSON_SIGN_IN_FIELDS)):
                raise serializers.ValidationError(
                    dict.fromkeys(named, "Not with a Basic header, which signs in already.")
                )
            result = login(LoginCommand(username=basic.username, password=basic.password, client=client))
            return _sign_in_response(request, result)
        data = validated(self.InputSerializer, request.data)
        if "session" in data:
            result = sign_in_with_session(
                SignInWithSessionCommand(username=data["username"], session=data["session"], client=client)
            )
        else:
            result = start_sign_in(
                StartSignInCommand(
                    username=data["username"], preferred_challenge=data.get("preferred_challenge"), client=client
                )
            )
        return _sign_in_response(request, result)


class ConfirmLoginApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        username = UsernameField()
        challenge_name = StrictCharField(max_length=64)
        responses = ChallengeResponsesField(max_items=MAX_ATTRIBUTES + 4)
        session = StrictCharField(max_length=_OPAQUE_MAX_LENGTH)

        def validate_responses(self, responses: dict[str, str]) -> dict[str, str]:
            # Passwords are checked as passwords, and a refusal named after its key.
            for name in ("NEW_PASSWORD", "PASSWORD"):
                if name in responses:
                    try:
                        PasswordField().run_validation(responses[name])
                    except serializers.ValidationError as error:
                        raise serializers.ValidationError({name: error.detail}) from None
            return responses

    @openapi.operation(
        summary="Answer the challenge a sign-in returned.",
        description='`responses` holds the challenge\'s answers: `{"NEW_PASSWORD": ...}` (and '
        '`userAttributes.<name>` for attributes to set) for `NEW_PASSWORD_REQUIRED`, `{"SMS_MFA_CODE": ...}` '
        'for `SMS_MFA`, `{"SOFTWARE_TOKEN_MFA_CODE": ...}` for `SOFTWARE_TOKEN_MFA`, `{"EMAIL_OTP_CODE": ...}` '
        'for `EMAIL_OTP`, `{"SMS_OTP_CODE": ...}` for `SMS_OTP`, `{"PASSWORD": ...}` for `PASSWORD`, and '
        '`{"ANSWER": <one of available_challenges>}` for `SELECT_CHALLENGE` (with `"PASSWORD"` too when the '
        'answer is PASSWORD, which then answers at once), and `{"CREDENTIAL": <the assertion\'s toJSON()>}` for '
        "`WEB_AUTHN`. The answer is the tokens, or the next challenge in the "
        "same shape as from `/auth/login`: the chosen way's, or the MFA code a user with MFA on owes after a "
        "new password, a password or a sign-in code. A wrong code is 400 `CodeMismatch` and the session may be "
        "tried again; the third wrong code spends it, and an expired, spent or reused session is 400 "
        "`ExpiredSession`: log in again. A wrong password is 401 `NotAuthorized` and spends the session. An "
        "assertion that does not verify (forged, replayed, of another passkey or site, without user verification) "
        "is 400 `PasskeyRejected`, spends the session and one of the failed passkey ceremonies of the client and "
        "the account; a passkey sign-in asks for no further MFA code.",
        request=InputSerializer,
        responses={200: openapi.SIGN_IN_RESULT},
        errors=(
            *openapi.BODY_ERRORS,
            *openapi.PROVIDER_ERRORS,
            *openapi.MIRROR_ERRORS,
            "CodeMismatch",
            "ExpiredSession",
            "InvalidPassword",
            "NotAuthorized",
            "PasskeyRejected",
        ),
        security=openapi.NONE,
        headers=openapi.ISSUED_TOKENS,
        request_example={
            "username": openapi.EXAMPLE_USERNAME,
            "challenge_name": "SOFTWARE_TOKEN_MFA",
            "responses": {"SOFTWARE_TOKEN_MFA_CODE": openapi.EXAMPLE_CODE},
            "session": "AYABeC1-the-session-of-the-challenge",
        },
        response_example=openapi.message(f"Welcome {openapi.EXAMPLE_USERNAME}"),
    )
    @inject
    def post(self, request: Request, respond: RespondToChallenge = Provide["respond_to_challenge"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        result = respond(
            RespondToChallengeCommand(
                username=data["username"],
                challenge_name=data["challenge_name"],
                responses=data["responses"],
                session=data["session"],
                client=client_ip(request),
            )
        )
        return _sign_in_response(request, result)


class RefreshApi(_PostApi):
    challenge_scheme = "Bearer"

    class InputSerializer(serializers.Serializer):
        refresh_token = StrictCharField(max_length=_OPAQUE_MAX_LENGTH, required=False)

    @openapi.operation(
        summary="Trade the refresh token for fresh tokens.",
        description="The refresh token comes as the `RefreshToken` header, its cookie or the `refresh_token` field. "
        "Send the last access token (expired or not) alongside when the app client has a secret.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, "NotAuthorized", "TokenInvalid"),
        security=[*openapi.REFRESH, {}],
        headers=openapi.ISSUED_TOKENS,
        request_example={},
        response_example=openapi.message("Tokens refreshed."),
    )
    @inject
    def post(self, request: Request, refresh_tokens: RefreshTokens = Provide["refresh_tokens"]) -> Response:
        csrf.enforce_for_cookies(request)
        data = validated(self.InputSerializer, request.data if request.data is not None else {})
        refresh_token = credentials.refresh_token(request) or data.get("refresh_token")
        if not refresh_token:
            raise serializers.ValidationError({"refresh_token": "Send it as the RefreshToken header, cookie or field."})
        result: SignedIn = refresh_tokens(
            RefreshTokensCommand(refresh_token=refresh_token, access_token=credentials.access_token(request))
        )
        response = Response({"msg": "Tokens refreshed."})
        credentials.attach_tokens(response, result.tokens)
        return response


class LogoutApi(_PostApi):
    challenge_scheme = "Bearer"

    @openapi.operation(
        summary="Revoke every token of the user, on every device.",
        description="Every process refuses the user's tokens at once: this sign-in's, and every other "
        "device's issued before the current second (token times count whole seconds; a sign-in right after "
        "the logout must work). Works with an expired access token, or none, while the refresh token still works.",
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, "NotAuthenticated", "NotAuthorized", "TokenInvalid"),
        security=[*openapi.ACCESS, *openapi.REFRESH],
        headers=openapi.CLEARED_COOKIES,
        response_example=openapi.message("Signed out everywhere."),
    )
    @inject
    def post(self, request: Request, logout: Logout = Provide["logout"]) -> Response:
        csrf.enforce_for_cookies(request)
        logout(
            LogoutCommand(
                access_token=credentials.access_token(request), refresh_token=credentials.refresh_token(request)
            )
        )
        response = Response({"msg": "Signed out everywhere."})
        credentials.clear_tokens(response)
        return response


class ForgotPasswordApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        email = UsernameField()

    @openapi.operation(
        summary="Send a password reset code.",
        description="`email` is the username. Answers alike whether or not the account exists.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS),
        security=openapi.NONE,
        request_example={"email": openapi.EXAMPLE_USERNAME},
        response_example=openapi.message("If the account exists, a password reset code was sent."),
    )
    @inject
    def post(self, request: Request, forgot_password: ForgotPassword = Provide["forgot_password"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        forgot_password(ForgotPasswordCommand(username=data["email"], client=client_ip(request)))
        return Response({"msg": "If the account exists, a password reset code was sent."})


class ConfirmForgotPasswordApi(_PostApi):
    class InputSerializer(serializers.Serializer):
        email = UsernameField()
        new_password = NewPasswordField()
        code = CodeField()

    @openapi.operation(
        summary="Set a new password with the reset code.",
        description="Every code that does not reset the password (wrong, expired, spent or never sent), for an "
        "unknown or disabled account too, is 400 `CodeMismatch` with one message, so the answer tells nobody "
        "which accounts exist.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, "CodeMismatch", "InvalidPassword"),
        security=openapi.NONE,
        request_example={
            "email": openapi.EXAMPLE_USERNAME,
            "new_password": openapi.EXAMPLE_PASSWORD,
            "code": openapi.EXAMPLE_CODE,
        },
        response_example=openapi.message("Password changed; you can log in with the new password."),
    )
    @inject
    def post(self, request: Request, confirm: ConfirmForgotPassword = Provide["confirm_forgot_password"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        confirm(
            ConfirmForgotPasswordCommand(
                username=data["email"],
                code=data["code"],
                new_password=data["new_password"],
                client=client_ip(request),
            )
        )
        return Response({"msg": "Password changed; you can log in with the new password."})


class MeApi(APIView):
    """The signed-in user's profile, from the local mirror."""

    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "options"]

    class OutputSerializer(serializers.Serializer):
        sub = serializers.CharField()
        username = serializers.CharField()
        email = AbsentAsNullField(help_text="Null without one.")
        given_name = AbsentAsNullField(help_text="Null without one.")
        family_name = AbsentAsNullField(help_text="Null without one.")
        email_verified = serializers.BooleanField(help_text="Whether the user proved the e-mail address with a code.")
        phone_number = AbsentAsNullField(help_text="Null without one.")
        attributes = serializers.DictField(
            child=serializers.CharField(),
            help_text='Every attribute the pool holds, `sub` apart; verified flags as "true" or "false".',
        )
        groups = serializers.SerializerMethodField(help_text="The pool groups the access token in hand names.")
        is_staff = serializers.BooleanField()
        date_joined = serializers.DateTimeField()
        # Null for a user known only from a token, who never signed in through this service.
        last_login = serializers.DateTimeField(allow_null=True)
        # A presigned URL that works for a few minutes; null without an image.
        image_url = serializers.SerializerMethodField()

        def get_image_url(self, user: Any) -> str | None:
            # The view knows the store and the request's host; the user row knows neither.
            url: str | None = self.context["image_url"]
            return url

        @extend_schema_field(serializers.ListField(child=serializers.CharField()))
        def get_groups(self, user: Any) -> list[str]:
            # Rights follow the token, so the groups shown are the token's, not the mirror's last sign-in.
            return list(self.context["claims"].groups)

    @classmethod
    def profile(cls, user: Any, claims: Claims, image_url: str | None) -> dict[str, Any]:
        """What `OutputSerializer` answers for `user`, built directly: a DRF serializer deep-copies its
        fields for every instance, which made this, the service's busiest authenticated answer, cost
        twice an open one. `OutputSerializer` stays the schema; a test holds the two equal."""
        return {
            "sub": user.sub,
            "username": user.username,
            "email": user.email or None,
            "given_name": user.given_name or None,
            "family_name": user.family_name or None,
            "email_verified": user.email_verified,
            "phone_number": user.phone_number or None,
            "attributes": user.attributes,
            "groups": list(claims.groups),
            "is_staff": user.is_staff,
            "date_joined": _TIMESTAMP.to_representation(user.date_joined),
            "last_login": None if user.last_login is None else _TIMESTAMP.to_representation(user.last_login),
            "image_url": image_url,
        }

    @openapi.operation(
        operation_id="get_me",
        summary="The signed-in user's profile, from the local mirror.",
        description="The mirror holds the pool's attributes as of the user's last sign-in or profile change "
        "through this service. With an expired access token and the refresh token beside it, the request is "
        "served and the response carries the new tokens; it always carries the current ones.",
        responses={200: OutputSerializer},
        errors=("BadRequest", "NotAcceptable", *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS),
        security=openapi.ACCESS,
        response_example=openapi.EXAMPLE_PROFILE,
    )
    def get(self, request: Request) -> Response:
        return Response(
            self.profile(request.user, credentials.authenticated_claims(request), images.profile_image_url(request))
        )
