"""The embedded pool's passkeys on their own: the relying party's origins, the assertions a sign-in
will verify, and credentials of any shape, which are refused, never crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.embedded_pool.passkeys import Passkeys, RelyingParty
from adapters.embedded_pool.store import PoolDatabase
from adapters.embedded_pool.users import Status, insert_user
from domain.errors import PasskeyRejected
from domain.values import Attributes, Username
from tests.webauthn_authenticator import SoftwareAuthenticator, b64url, unb64url

NOW = 1_800_000_000.0


@pytest.fixture
def db():
    with PoolDatabase(":memory:", busy_timeout=1).transaction() as connection:
        yield connection


@pytest.fixture
def passkeys():
    return Passkeys(RelyingParty("localhost"))


def user(db, username):
    return insert_user(db, Username(username), "unused", Status.CONFIRMED, Attributes(), NOW)


@pytest.fixture
def alice(db):
    return user(db, "alice@example.com")


@pytest.fixture
def bob(db):
    return user(db, "bob@example.com")


def registered(db, passkeys, owner, authenticator):
    passkeys.register(db, owner, authenticator.create(passkeys.creation_options(db, owner, NOW)), NOW)
    return authenticator


def sign_count(db, credential):
    return db.execute("SELECT sign_count FROM passkeys WHERE credential_id = ?", (credential["id"],)).fetchone()[0]


class TestRelyingParty:
    @pytest.mark.parametrize(
        "origin", ["http://localhost:8000", "http://localhost:5173", "https://localhost:8443", "http://localhost"]
    )
    def test_localhost_is_served_on_any_port_by_default(self, origin):
        assert RelyingParty("localhost").allows(origin)

    @pytest.mark.parametrize(
        "origin",
        [
            "http://127.0.0.1:8000",
            "http://localhost.evil.example",
            "http://evil.example/http://localhost:8000",
            "http://localhost:8000/",
            "http://user@localhost:8000",
            "http://localhost:port",
            None,
            8000,
        ],
    )
    def test_nothing_else_is_served_by_default(self, origin):
        assert not RelyingParty("localhost").allows(origin)

    def test_another_site_is_served_over_https_only(self):
        relying_party = RelyingParty("auth.example.com")
        assert relying_party.allows("https://auth.example.com")
        assert not relying_party.allows("http://auth.example.com")
        assert not relying_party.allows("https://auth.example.com:8443")

    def test_takes_the_origins_it_is_given(self):
        relying_party = RelyingParty("example.com", origins=("https://app.example.com", "https://example.com"))
        assert relying_party.allows("https://app.example.com")
        assert not relying_party.allows("https://login.example.com")


class TestAssertion:
    def test_the_users_passkey_answering_the_challenge_verifies_and_counts(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)

        assertion = authenticator.get(options)
        passkeys.verify_assertion(db, alice, json.dumps(assertion), challenge, NOW)

        assert options["rpId"] == "localhost"
        assert options["userVerification"] == "required"
        assert [item["id"] for item in options["allowCredentials"]] == [assertion["id"]]
        assert options["challenge"] == challenge
        assert sign_count(db, assertion) == 1

    def test_a_passkey_without_a_counter_verifies_again_and_again(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator(counter_step=0))
        for _ in range(2):
            options, challenge = passkeys.request_options(db, alice)
            passkeys.verify_assertion(db, alice, json.dumps(authenticator.get(options)), challenge, NOW)

    def test_refuses_a_replayed_assertion(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)
        assertion = json.dumps(authenticator.get(options))
        passkeys.verify_assertion(db, alice, assertion, challenge, NOW)

        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, assertion, challenge, NOW)

    @pytest.mark.parametrize("reported", [0, 3, 5])
    def test_refuses_a_sign_counter_that_did_not_grow(self, db, passkeys, alice, reported):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator(counter_step=5))
        options, challenge = passkeys.request_options(db, alice)
        passkeys.verify_assertion(db, alice, json.dumps(authenticator.get(options)), challenge, NOW)

        options, challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(
                db, alice, json.dumps(authenticator.get(options, sign_count=reported)), challenge, NOW
            )

    def test_refuses_an_assertion_of_another_challenge(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, _ = passkeys.request_options(db, alice)
        _, other_challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, json.dumps(authenticator.get(options)), other_challenge, NOW)

    @pytest.mark.parametrize(
        "made",
        [
            pytest.param({"origin": "https://evil.example"}, id="another-origin"),
            pytest.param({"rp_id": "evil.example"}, id="another-relying-party"),
            pytest.param({"user_verified": False}, id="without-user-verification"),
        ],
    )
    def test_refuses_an_assertion_made_elsewhere_or_without_verification(self, db, passkeys, alice, made):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, json.dumps(authenticator.get(options, **made)), challenge, NOW)

    def test_refuses_another_users_passkey(self, db, passkeys, alice, bob):
        registered(db, passkeys, alice, SoftwareAuthenticator())
        bobs = registered(db, passkeys, bob, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)

        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(
                db, alice, json.dumps(bobs.get({**options, "allowCredentials": []})), challenge, NOW
            )

    def test_refuses_a_passkey_the_pool_does_not_know(self, db, passkeys, alice):
        stranger = SoftwareAuthenticator()
        stranger.create(passkeys.creation_options(db, alice, NOW))  # made, never registered
        options, challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, json.dumps(stranger.get(options)), challenge, NOW)

    def test_refuses_a_forged_signature(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)
        assertion = authenticator.get(options)
        signature = bytearray(unb64url(assertion["response"]["signature"]))
        signature[-1] ^= 1
        assertion["response"]["signature"] = b64url(bytes(signature))
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, json.dumps(assertion), challenge, NOW)

    def test_refuses_an_assertion_naming_another_account(self, db, passkeys, alice):
        authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
        options, challenge = passkeys.request_options(db, alice)
        assertion = authenticator.get(options)
        assertion["response"]["userHandle"] = b64url(b"someone-else")
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, json.dumps(assertion), challenge, NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=20,
)
base64ish = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ", max_size=80)
# Credentials of the right shape whose every part may be wrong.
credential_shapes = st.fixed_dictionaries(
    {"id": base64ish, "rawId": base64ish, "type": st.sampled_from(["public-key", "other"]) | json_values},
    optional={
        "response": st.dictionaries(
            st.sampled_from(
                ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle", "transports"]
            ),
            base64ish | json_values,
        ),
        "authenticatorAttachment": st.sampled_from(["platform", "cross-platform", "other"]) | json_values,
    },
)
fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class TestHostileCredentials:
    @fuzz
    @given(credential=json_values | credential_shapes)
    def test_a_registration_of_any_shape_is_rejected(self, db, passkeys, alice, credential):
        passkeys.creation_options(db, alice, NOW)
        with pytest.raises(PasskeyRejected):
            passkeys.register(db, alice, credential if isinstance(credential, dict) else {"value": credential}, NOW)

    @fuzz
    @given(credential=json_values.map(json.dumps) | credential_shapes.map(json.dumps) | st.text(max_size=200))
    def test_an_assertion_of_any_shape_is_rejected(self, db, passkeys, alice, credential):
        _, challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, credential, challenge, NOW)

    @fuzz
    @given(data=st.data())
    def test_a_real_credential_with_one_part_replaced_is_rejected(self, passkeys, data):
        with PoolDatabase(":memory:", busy_timeout=1).transaction() as db:
            alice = user(db, "alice@example.com")
            authenticator = registered(db, passkeys, alice, SoftwareAuthenticator())
            options, challenge = passkeys.request_options(db, alice)
            assertion = authenticator.get(options)
            part = data.draw(st.sampled_from(["clientDataJSON", "authenticatorData", "signature"]))
            assertion["response"][part] = data.draw(
                base64ish.filter(lambda text: text != assertion["response"][part]) | json_values
            )
            with pytest.raises(PasskeyRejected):
                passkeys.verify_assertion(db, alice, json.dumps(assertion), challenge, NOW)

    def test_deeply_nested_json_is_rejected(self, db, passkeys, alice):
        _, challenge = passkeys.request_options(db, alice)
        with pytest.raises(PasskeyRejected):
            passkeys.verify_assertion(db, alice, "[" * 100_000 + "]" * 100_000, challenge, NOW)
