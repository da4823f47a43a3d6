"""Passkeys under /auth/me/passkeys over HTTP, with a software authenticator in the browser's place:
registered, listed and deleted; forged, replayed and misdirected credentials refused with a 4xx, and
hostile bodies too, never a 500."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.ports.attempt_limiter import Attempt
from application.ports.code_sender import CodePurpose
from domain.errors import TooManyRequests
from domain.values import Username
from tests.integration.api.conftest import Api, basic, confirmed
from tests.integration.api.test_hostile_input import assert_clean_error, fuzz, json_values
from tests.pools import Gap, skip_if
from tests.webauthn_authenticator import SoftwareAuthenticator, b64url

PASSWORD = "Correct-Horse-9"
ALICE = "alice@example.com"
BOB = "bob@example.com"
NORA = "nora@example.com"


# JSON as any client sends it: DRF refuses Infinity outright (400 BadRequest), before any view.
finite_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)


def error_of(response):
    return response.status_code, response.json()["code"]


@pytest.fixture
def passkey_backend(backend):
    skip_if(backend, Gap.NO_PASSKEYS)
    return backend


def signed_in(api, backend, username):
    """`username` signed up, confirmed and signed in; the access token as the header that carries it."""
    confirmed(api, backend, username, PASSWORD)
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, PASSWORD))
    assert response.status_code == 200
    api.client.cookies.clear()
    return {"HTTP_ACCESSTOKEN": response["AccessToken"]}


@pytest.fixture
def alice(api, passkey_backend):
    return signed_in(api, passkey_backend, ALICE)


@pytest.fixture
def bob(api, passkey_backend):
    return signed_in(api, passkey_backend, BOB)


@pytest.fixture
def authenticator():
    return SoftwareAuthenticator(origin="http://localhost:8000")


def options(api, token, proof=None):
    """The creation options, with the step-up proof: the password unless another is given."""
    response = api.post("/auth/me/passkeys/options", proof or {"password": PASSWORD}, **token)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"credential_creation_options"}
    return response.json()["credential_creation_options"]


def register(api, token, credential):
    return api.post("/auth/me/passkeys", {"credential": credential}, **token)


def listed(api, token):
    response = api.client.get("/auth/me/passkeys", **token)
    assert response.status_code == 200
    return response.json()["passkeys"]


def delete(api, token, credential_id):
    return api.client.delete(f"/auth/me/passkeys/{credential_id}", **token)


def test_a_passkey_is_registered_listed_and_deleted(api, alice, authenticator):
    creation_options = options(api, alice)
    assert creation_options["rp"]["id"] == "localhost"
    assert creation_options["user"]["name"] == ALICE
    credential = authenticator.create(creation_options)

    registered = register(api, alice, credential)
    assert registered.status_code == 201
    assert registered.json() == {"msg": "Passkey registered."}

    (passkey,) = listed(api, alice)
    assert passkey["credential_id"] == credential["id"]
    assert passkey["name"] == "Passkey 1"
    assert passkey["relying_party_id"] == "localhost"
    assert passkey["authenticator_attachment"] == "platform"
    assert passkey["transports"] == ["internal"]
    assert passkey["created_at"].endswith("Z")
    assert [item["id"] for item in options(api, alice)["excludeCredentials"]] == [credential["id"]]

    deleted = delete(api, alice, credential["id"])
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert listed(api, alice) == []
    assert error_of(delete(api, alice, credential["id"])) == (404, "PasskeyNotFound")


def test_a_replayed_registration_is_refused(api, alice, authenticator):
    credential = authenticator.create(options(api, alice))
    assert register(api, alice, credential).status_code == 201

    assert error_of(register(api, alice, credential)) == (400, "PasskeyRejected")
    options(api, alice)
    assert error_of(register(api, alice, credential)) == (400, "PasskeyRejected")
    assert len(listed(api, alice)) == 1


def test_a_credential_answering_another_users_options_is_refused(api, alice, bob, authenticator):
    options(api, alice)
    credential = authenticator.create(options(api, bob))

    assert error_of(register(api, alice, credential)) == (400, "PasskeyRejected")
    assert listed(api, alice) == []


@pytest.mark.parametrize(
    "made",
    [
        pytest.param({"origin": "https://evil.example"}, id="another-origin"),
        pytest.param({"origin": "http://127.0.0.1:8000"}, id="an-origin-outside-the-relying-party"),
        pytest.param({"rp_id": "evil.example"}, id="another-relying-party"),
        pytest.param({"user_verified": False}, id="without-user-verification"),
    ],
)
def test_a_credential_made_elsewhere_or_unverified_is_refused(api, alice, authenticator, made):
    credential = authenticator.create(options(api, alice), **made)
    assert error_of(register(api, alice, credential)) == (400, "PasskeyRejected")
    assert listed(api, alice) == []


def test_any_port_of_localhost_is_served(api, alice):
    credential = SoftwareAuthenticator(origin="http://localhost:5173").create(options(api, alice))
    assert register(api, alice, credential).status_code == 201


def test_another_users_passkey_cannot_be_deleted(api, alice, bob, authenticator):
    credential = authenticator.create(options(api, bob))
    assert register(api, bob, credential).status_code == 201

    assert error_of(delete(api, alice, credential["id"])) == (404, "PasskeyNotFound")
    assert len(listed(api, bob)) == 1


def test_failed_registrations_spend_the_budget(api, alice, authenticator, container):
    limiter = LimitsAttemptLimiter.from_url(None, settings.PRODUCTION_ATTEMPT_BUDGETS)
    with container.attempt_limiter.override(limiter):
        for _ in range(5):
            forged = authenticator.create(options(api, alice), origin="https://evil.example")
            assert error_of(register(api, alice, forged)) == (400, "PasskeyRejected")

        refused = register(api, alice, authenticator.create(options(api, alice)))
        assert error_of(refused) == (429, "TooManyRequests")
        assert int(refused["Retry-After"]) >= 1
    assert listed(api, alice) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/auth/me/passkeys/options"),
        ("post", "/auth/me/passkeys"),
        ("get", "/auth/me/passkeys"),
        ("delete", "/auth/me/passkeys/hT4mPUpwo-eWf6hcbQbAMbVK3tJeFVCuaOKdHIFQ8J4"),
    ],
)
def test_needs_a_signed_in_user(api, passkey_backend, method, path):
    response = api.client.generic(method.upper(), path, "{}", content_type="application/json")
    assert error_of(response) == (401, "NotAuthenticated")


class TestHostileBodies:
    @pytest.fixture
    def registering(self, api, alice):
        """Alice, with creation options open: a hostile body meets a registration that could succeed."""
        options(api, alice)
        return alice

    @pytest.mark.parametrize(
        "body",
        [
            None,
            [],
            "credential",
            {"credential": None},
            {"credential": []},
            {"credential": "{}"},
            {"credential": 1},
            {"credential": {}},
            {"credential": {"id": 1, "rawId": [], "response": "x", "type": None}},
            {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}},
        ],
    )
    def test_a_body_of_the_wrong_shape_is_a_4xx(self, api, registering, body):
        response = (
            register(api, registering, body) if body is not None else api.post("/auth/me/passkeys", **registering)
        )
        assert 400 <= response.status_code < 500
        assert_clean_error(response)

    def test_a_deeply_nested_credential_is_a_bad_request(self, api, registering):
        nested = '{"credential": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
        response = api.post_raw("/auth/me/passkeys", nested, **registering)
        assert error_of(response) == (400, "BadRequest")

    def test_a_huge_credential_is_too_large(self, api, registering):
        huge = {"credential": {"id": "A" * (64 * 1024)}}
        assert error_of(register(api, registering, huge)) == (413, "PayloadTooLarge")

    @fuzz
    @given(credential=json_values)
    def test_any_credential_is_a_clean_4xx(self, api, registering, credential):
        response = register(api, registering, credential)
        assert 400 <= response.status_code < 500
        assert_clean_error(response)

    @fuzz
    @given(
        credential=st.fixed_dictionaries(
            {"id": st.text(max_size=40), "rawId": st.text(max_size=40), "type": st.just("public-key")},
            optional={
                "response": st.dictionaries(st.sampled_from(["clientDataJSON", "attestationObject"]), finite_json)
            },
        )
    )
    def test_a_credential_of_the_right_shape_and_wrong_values_is_rejected(self, api, registering, credential):
        options(api, registering)
        assert error_of(register(api, registering, credential)) == (400, "PasskeyRejected")

    @fuzz
    @given(
        credential_id=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=300)
    )
    def test_any_id_to_delete_is_a_clean_4xx(self, api, registering, credential_id):
        response = delete(api, registering, credential_id)
        # 404 for an id the user has no passkey with; `options` is the path of the creation options.
        assert response.status_code in (400, 404, 405)
        assert_clean_error(response)


def test_a_fresh_client_registers_with_the_cookies_and_the_csrf_token(passkey_backend, authenticator):
    """A browser page of the site: the token cookies and the CSRF token, no token header."""
    browser = Api()
    browser.client = Client(enforce_csrf_checks=True)
    confirmed(browser, passkey_backend, ALICE, PASSWORD)
    assert browser.post("/auth/login", HTTP_AUTHORIZATION=basic(ALICE, PASSWORD)).status_code == 200
    csrf = {"HTTP_X_CSRFTOKEN": browser.client.cookies["csrftoken"].value}

    assert error_of(browser.post("/auth/me/passkeys/options")) == (403, "CsrfFailed")
    credential = authenticator.create(options(browser, csrf))
    assert register(browser, csrf, credential).status_code == 201


class TestSignIn:
    """A passkey registered, the user signed out, then signed in with it: `/auth/login` with the
    preferred challenge `WEB_AUTHN` (or the choice), `/auth/confirm_login` with the assertion."""

    @pytest.fixture
    def passkey(self, api, alice, authenticator):
        assert register(api, alice, authenticator.create(options(api, alice))).status_code == 201
        assert api.post("/auth/logout", **alice).status_code == 200
        return authenticator

    def start(self, api, **body):
        response = api.post("/auth/login", {"username": ALICE, **body})
        assert response.status_code == 200, response.content
        assert "AccessToken" not in response
        return response.json()

    def confirm(self, api, challenge, responses):
        body = {"username": ALICE, "challenge_name": challenge["challenge"], "responses": responses}
        return api.post("/auth/confirm_login", {**body, "session": challenge["session"]})

    def test_signs_in_with_the_passkey(self, api, passkey):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        assert challenge["challenge"] == "WEB_AUTHN"
        request_options = challenge["parameters"]["credential_request_options"]
        assert request_options["rpId"] == "localhost"
        assert request_options["userVerification"] == "required"
        assert [item["id"] for item in request_options["allowCredentials"]] == list(map(b64url, passkey.credentials))

        answered = self.confirm(api, challenge, {"CREDENTIAL": passkey.get(request_options)})

        assert answered.status_code == 200, answered.content
        assert answered.json() == {"msg": f"Welcome {ALICE}"}
        me = api.client.get("/auth/me", HTTP_ACCESSTOKEN=answered["AccessToken"])
        assert me.status_code == 200
        assert me.json()["username"] == ALICE

    def test_signs_in_through_the_choice(self, api, passkey):
        choice = self.start(api)
        assert choice["challenge"] == "SELECT_CHALLENGE"
        assert "WEB_AUTHN" in choice["parameters"]["available_challenges"]

        chosen = self.confirm(api, choice, {"ANSWER": "WEB_AUTHN"})
        assert chosen.status_code == 200
        challenge = chosen.json()
        assert challenge["challenge"] == "WEB_AUTHN"

        answered = self.confirm(
            api, challenge, {"CREDENTIAL": passkey.get(challenge["parameters"]["credential_request_options"])}
        )
        assert answered.status_code == 200
        assert answered["AccessToken"]

    def test_a_replayed_assertion_is_refused(self, api, passkey):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        responses = {"CREDENTIAL": passkey.get(challenge["parameters"]["credential_request_options"])}
        assert self.confirm(api, challenge, responses).status_code == 200

        assert error_of(self.confirm(api, challenge, responses)) == (400, "ExpiredSession")
        again = self.start(api, preferred_challenge="WEB_AUTHN")
        refused = self.confirm(api, again, responses)
        assert error_of(refused) == (400, "PasskeyRejected")
        assert "AccessToken" not in refused

    @pytest.mark.parametrize(
        "made",
        [
            pytest.param({"origin": "https://evil.example"}, id="another-origin"),
            pytest.param({"rp_id": "evil.example"}, id="another-relying-party"),
            pytest.param({"user_verified": False}, id="without-user-verification"),
        ],
    )
    def test_an_assertion_made_elsewhere_is_refused(self, api, passkey, made):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        credential = passkey.get(challenge["parameters"]["credential_request_options"], **made)
        assert error_of(self.confirm(api, challenge, {"CREDENTIAL": credential})) == (400, "PasskeyRejected")

    def test_a_sign_counter_gone_back_is_refused(self, api, passkey):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        responses = {"CREDENTIAL": passkey.get(challenge["parameters"]["credential_request_options"])}
        assert self.confirm(api, challenge, responses).status_code == 200

        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        credential = passkey.get(challenge["parameters"]["credential_request_options"], sign_count=1)
        assert error_of(self.confirm(api, challenge, {"CREDENTIAL": credential})) == (400, "PasskeyRejected")

    def test_a_forged_signature_is_refused(self, api, passkey):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        credential = passkey.get(challenge["parameters"]["credential_request_options"])
        credential["response"]["signature"] = credential["response"]["signature"][:-6] + "AAAAAA"
        assert error_of(self.confirm(api, challenge, {"CREDENTIAL": credential})) == (400, "PasskeyRejected")

    def test_another_users_passkey_is_refused(self, api, passkey, bob):
        bobs = SoftwareAuthenticator(origin="http://localhost:8000")
        assert register(api, bob, bobs.create(options(api, bob))).status_code == 201
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        credential = bobs.get({**challenge["parameters"]["credential_request_options"], "allowCredentials": []})
        assert error_of(self.confirm(api, challenge, {"CREDENTIAL": credential})) == (400, "PasskeyRejected")

    @fuzz
    @given(credential=finite_json)
    def test_any_credential_is_a_clean_4xx(self, api, passkey, credential):
        challenge = self.start(api, preferred_challenge="WEB_AUTHN")
        response = self.confirm(api, challenge, {"CREDENTIAL": credential})
        assert 400 <= response.status_code < 500
        assert_clean_error(response)


def sign_in_code(backend, username):
    return backend.sender.last_code(username, CodePurpose.SIGN_IN)


def challenge_proof(api, username, preferred):
    """A sign-in of `username` started at /auth/login, to be answered as a step-up proof."""
    started = api.post("/auth/login", {"username": username, "preferred_challenge": preferred})
    assert started.status_code == 200, started.content
    challenge = started.json()
    assert challenge["challenge"] == preferred
    return challenge


def email_code_proof(api, backend, username, code=None):
    challenge = challenge_proof(api, username, "EMAIL_OTP")
    return {
        "challenge_name": "EMAIL_OTP",
        "session": challenge["session"],
        "responses": {"EMAIL_OTP_CODE": code or sign_in_code(backend, username)},
    }


class TestStepUp:
    """A passkey signs in on its own: the creation options need the proof an MFA change needs, so that
    a stolen access token alone adds no passkey; the registration is bound to those options."""

    @pytest.mark.parametrize(
        "body",
        [None, {}, {"password": "Wrong-Pass-42"}, {"code": "123456"}],
        ids=["no-body", "no-proof", "wrong-password", "a-code-alone"],
    )
    def test_a_stolen_access_token_alone_starts_no_registration(self, api, alice, body):
        refused = api.post("/auth/me/passkeys/options", body, **alice)
        assert error_of(refused) == (403, "StepUpRequired")
        assert "credential_creation_options" not in refused.json()
        assert listed(api, alice) == []

    def test_a_user_without_a_password_registers_with_an_email_code(self, api, passkey_backend, authenticator):
        body = {"username": NORA, "user_attributes": []}
        assert api.post("/auth/signup", body).status_code == 201
        code = passkey_backend.sign_up_code(NORA)
        session = api.post("/auth/confirm_signup", {"username": NORA, "code": code}).json()["session"]
        signed_in = api.post("/auth/login", {"username": NORA, "session": session})
        token = {"HTTP_ACCESSTOKEN": signed_in["AccessToken"]}
        api.client.cookies.clear()
        assert error_of(api.post("/auth/me/passkeys/options", {}, **token)) == (403, "StepUpRequired")

        proof = email_code_proof(api, passkey_backend, NORA)
        credential = authenticator.create(options(api, token, proof))

        assert register(api, token, credential).status_code == 201
        assert [passkey["credential_id"] for passkey in listed(api, token)] == [credential["id"]]

    def test_a_passkey_proves_the_user_for_another(self, api, alice, authenticator):
        assert register(api, alice, authenticator.create(options(api, alice))).status_code == 201
        challenge = challenge_proof(api, ALICE, "WEB_AUTHN")
        assertion = authenticator.get(challenge["parameters"]["credential_request_options"])
        proof = {"challenge_name": "WEB_AUTHN", "session": challenge["session"], "responses": {"CREDENTIAL": assertion}}

        second = SoftwareAuthenticator(origin="http://localhost:8000", attachment="cross-platform")
        assert register(api, alice, second.create(options(api, alice, proof))).status_code == 201
        assert len(listed(api, alice)) == 2

    def test_another_users_session_is_no_proof(self, api, passkey_backend, alice, bob):
        bobs_proof = email_code_proof(api, passkey_backend, BOB)
        refused = api.post("/auth/me/passkeys/options", bobs_proof, **alice)
        assert error_of(refused) == (403, "StepUpRequired")

    @pytest.mark.parametrize(
        "proof",
        [
            {"password": PASSWORD, "challenge_name": "EMAIL_OTP", "session": "s", "responses": {"EMAIL_OTP_CODE": "1"}},
            {"challenge_name": "EMAIL_OTP", "responses": {"EMAIL_OTP_CODE": "123456"}},
            {"challenge_name": "PASSWORD", "session": "s", "responses": {"PASSWORD": PASSWORD}},
            {"challenge_name": "EMAIL_OTP", "session": "s", "responses": {"EMAIL_OTP_CODE": 123456}},
        ],
        ids=["two-kinds", "no-session", "a-challenge-that-proves-nothing", "a-code-not-a-string"],
    )
    def test_a_proof_of_the_wrong_shape_is_a_400(self, api, alice, proof):
        assert error_of(api.post("/auth/me/passkeys/options", proof, **alice)) == (400, "ValidationError")

    def test_wrong_codes_spend_the_code_budget(self, api, passkey_backend, alice, container):
        """Production's budget: five code answers a minute per account, wrong proofs included."""
        limiter = LimitsAttemptLimiter.from_url(None, settings.PRODUCTION_ATTEMPT_BUDGETS)
        with container.attempt_limiter.override(limiter):
            # A session takes three wrong codes; two sessions are two codes sent, within that budget.
            for wrong_codes in (3, 2):
                proof = email_code_proof(api, passkey_backend, ALICE)
                right = proof["responses"]["EMAIL_OTP_CODE"]
                for _ in range(wrong_codes):
                    wrong = {**proof, "responses": {"EMAIL_OTP_CODE": f"{(int(right) + 1) % 1_000_000:06d}"}}
                    refused = api.post("/auth/me/passkeys/options", wrong, **alice)
                    assert error_of(refused) == (403, "StepUpRequired")

            refused = api.post("/auth/me/passkeys/options", proof, **alice)
            assert error_of(refused) == (429, "TooManyRequests")
            assert int(refused["Retry-After"]) >= 1
        # The proofs spent the service's budget (the pool locks its own challenges after five wrong codes too).
        with pytest.raises(TooManyRequests):
            limiter.check(Attempt.CODE, None, Username(ALICE).key)
