"""The step-up proof that changes of the ways a user signs in take beside the access token (the MFA
endpoints, the options of a new passkey): the fields, their validation and the words that describe
them in the schema."""

from __future__ import annotations

from typing import Any

import attrs
from rest_framework import serializers

from application.use_cases.step_up import PROVING_CHALLENGES, StepUpProof
from django_shell import openapi
from django_shell.accounts.fields import ChallengeResponsesField, StrictCharField
from domain.values import CODE_MAX_LENGTH, PASSWORD_MAX_LENGTH

# Sessions are opaque, but Cognito's stay well under this (as at `/auth/confirm_login`).
_SESSION_MAX_LENGTH = 16 * 1024
_CHALLENGE_FIELDS = ("challenge_name", "session", "responses")

DESCRIPTION = (
    "The request needs more than the access token, a proof that the user is at hand: either the current "
    "`password`, or the answer to a sign-in challenge of the same user, for users without a password too: "
    'start one at `/auth/login` with `{"username", "preferred_challenge": "EMAIL_OTP"}` (or `SMS_OTP`, '
    "`WEB_AUTHN`), then send `challenge_name`, `session` and `responses` here as `/auth/confirm_login` takes "
    "them, instead of the password. Either way, add `code`, a current code of the authenticator app, when "
    "that sign-in asks for one (a user with TOTP as the factor asked for at sign-in). Without a proof, or with "
    "a wrong one, or another user's session, the answer is 403 `StepUpRequired`, the same whichever part was "
    "missing or wrong. The check is a sign-in of the token's user whose tokens are dropped: a wrong password "
    "counts towards the pool's lock-out and the failed sign-ins as at `/auth/login`, a wrong code towards the "
    "code answers, an assertion that does not verify towards the failed passkey ceremonies (429 "
    "`TooManyRequests` once a budget is spent); a code or the challenge's session is spent, and a user whose "
    "sign-in asks for an SMS code is sent one, which is not needed here: the first factor proves the user."
)

PASSWORD_EXAMPLE: dict[str, Any] = {"password": openapi.EXAMPLE_PASSWORD}
EMAIL_CODE_EXAMPLE: dict[str, Any] = {
    "challenge_name": "EMAIL_OTP",
    "session": openapi.EXAMPLE_SESSION,
    "responses": {"EMAIL_OTP_CODE": openapi.EXAMPLE_CODE},
}
OTHER_EXAMPLES: dict[str, dict[str, Any]] = {
    "proof by an e-mail code": EMAIL_CODE_EXAMPLE,
    "proof by a password and the authenticator's code": {**PASSWORD_EXAMPLE, "code": openapi.EXAMPLE_CODE},
}


class StepUpSerializer(serializers.Serializer):
    password = StrictCharField(
        max_length=PASSWORD_MAX_LENGTH, required=False, help_text="The user's current password: one proof."
    )
    challenge_name = serializers.ChoiceField(
        choices=[factor.value for factor in PROVING_CHALLENGES],
        required=False,
        help_text="The other proof, with `session` and `responses`: the challenge that `/auth/login` returned "
        "for the same user.",
    )
    session = StrictCharField(
        max_length=_SESSION_MAX_LENGTH, required=False, help_text="The `session` of that challenge."
    )
    responses = ChallengeResponsesField(
        max_items=4,
        required=False,
        help_text='Its answer, as at `/auth/confirm_login`: `{"EMAIL_OTP_CODE": ...}`, `{"SMS_OTP_CODE": ...}`, '
        '`{"CREDENTIAL": <the assertion\'s toJSON()>}`.',
    )
    code = StrictCharField(
        max_length=CODE_MAX_LENGTH,
        required=False,
        help_text="A current code of the authenticator app, for a user whose sign-in asks for one.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in _CHALLENGE_FIELDS if name in attrs]
        absent = [name for name in _CHALLENGE_FIELDS if name not in attrs]
        if given and "password" in attrs:
            raise serializers.ValidationError({"password": "A proof is the password or a challenge's answer."})
        if given and absent:
            raise serializers.ValidationError(
                dict.fromkeys(absent, "Required with the other fields of a challenge's answer.")
            )
        return attrs


def proof_of(data: dict[str, Any]) -> StepUpProof:
    """The proof among a request's fields validated by a `StepUpSerializer`."""
    return StepUpProof(**{name: data[name] for name in attrs.fields_dict(StepUpProof) if name in data})
