"""The passkey pages through Django's test client, with a software authenticator standing in for
the browser's: registering, listing, deleting, and signing in with a passkey."""

from __future__ import annotations

import json
import re

import pytest

from application.ports.code_sender import CodePurpose
from domain.errors import ProviderUnavailable
from tests.fakes import FailingIdentityProvider
from tests.integration.pages.conftest import PASSWORD, text_of
from tests.integration.pages.test_pages import USERNAME, alert, notices, wrong
from tests.webauthn_authenticator import SoftwareAuthenticator

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

NORA = "nora@example.com"


@pytest.fixture
def authenticator() -> SoftwareAuthenticator:
    return SoftwareAuthenticator(origin="http://localhost:8000")


@pytest.fixture
def signed_in(pages, backend) -> str:
    pages.sign_up(backend, USERNAME)
    assert pages.sign_in(USERNAME)["Location"] == "/account/profile"
    return USERNAME


def webauthn_options(response) -> dict:
    """The options the page hands its script, from the JSON data block."""
    html = response.content.decode()
    assert '<script src="/static/pages/webauthn.js" defer></script>' in html
    # Until the script has taken the form over, its button sends nothing: clicked early, it posted an
    # empty answer (a browser test met it on a loaded machine).
    assert re.search(r'<button type="submit" disabled>[^<]*</button>\s*</form>', html), html
    block = re.search(r'<script id="webauthn-options" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert block is not None, html
    return json.loads(block.group(1))


def register(pages, authenticator: SoftwareAuthenticator, proof=None, **made) -> dict:
    """Add a passkey through the pages, with the step-up proof: the password unless another is given."""
    started = pages.post("/account/passkeys", proof or {"new-password": PASSWORD})
    assert started["Location"] == "/account/passkeys/new"
    page = pages.follow(started)
    assert 'data-webauthn="create"' in page.content.decode()
    credential = authenticator.create(webauthn_options(page), **made)
    return pages.post("/account/passkeys/new", {"credential": json.dumps(credential)}), credential


class TestPasskeysPage:
    def test_needs_a_sign_in(self, pages):
        assert pages.get("/account/passkeys")["Location"] == "/account/sign-in"
        assert pages.get("/account/passkeys/new")["Location"] == "/account/sign-in"

    def test_offers_to_add_one(self, pages, signed_in):
        page = pages.get("/account/passkeys")
        assert page.status_code == 200
        assert "You have no passkey yet." in text_of(page)
        assert "Add a passkey" in text_of(page)

    def test_registers_lists_and_deletes_a_passkey(self, pages, signed_in, authenticator):
        registered, credential = register(pages, authenticator)
        assert registered["Location"] == "/account/passkeys"
        listed = pages.follow(registered)
        assert "Your passkey is added." in notices(listed)
        assert f'name="credential_id" value="{credential["id"]}"' in listed.content.decode()
        assert "This device's" in text_of(listed)

        deleted = pages.post("/account/passkeys/delete", {"credential_id": credential["id"]})
        assert deleted["Location"] == "/account/passkeys"
        page = pages.follow(deleted)
        assert "The passkey is deleted" in notices(page)
        assert "You have no passkey yet." in text_of(page)

    def test_a_credential_made_for_another_site_is_refused(self, pages, signed_in, authenticator):
        refused, _ = register(pages, authenticator, origin="https://evil.example")
        assert refused["Location"] == "/account/passkeys"
        page = pages.follow(refused)
        assert "The passkey could not be verified. Try adding it again." in notices(page)
        assert "You have no passkey yet." in text_of(page)
        assert pages.get("/account/passkeys/new")["Location"] == "/account/passkeys"

    def test_no_answer_from_the_browser_is_said(self, pages, signed_in):
        pages.post("/account/passkeys", {"new-password": PASSWORD})
        response = pages.post("/account/passkeys/new", {"credential": "not json"})
        assert response.status_code == 400
        assert alert(response) == "The passkey gave no answer. Try again."

    def test_a_refused_form_whose_page_the_pool_cannot_show_says_so(self, pages, container, signed_in):
        # The form is shown again with its error, above the list the pool cannot give now.
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable(retry_after=7))):
            response = pages.post("/account/passkeys/delete", {})
        assert response.status_code == 503
        assert response["Retry-After"] == "7"
        assert "The sign-in service is unavailable just now." in text_of(response)

    def test_deleting_a_passkey_the_user_lacks_is_said(self, pages, signed_in):
        response = pages.post("/account/passkeys/delete", {"credential_id": "AAAA"})
        assert response["Location"] == "/account/passkeys"
        assert "No such passkey." in notices(pages.follow(response))

    def test_the_ceremony_without_its_options_leads_back(self, pages, signed_in):
        response = pages.get("/account/passkeys/new")
        assert response["Location"] == "/account/passkeys"
        assert "timed out" in notices(pages.follow(response))


class TestStepUp:
    """A passkey signs in on its own: adding one asks for the password, or an e-mailed code for an
    account without one, and the sign-in cookies alone add none."""

    def test_the_form_asks_for_the_password_and_offers_an_emailed_code(self, pages, signed_in):
        page = pages.get("/account/passkeys").content.decode()
        assert '<label for="id_new-password">Current password</label>' in page
        assert 'autocomplete="current-password"' in page
        assert "E-mail me a code" in page
        assert "id_new-emailed_code" not in page

    @pytest.mark.parametrize("proof", [{}, {"new-password": "Wrong-Horse-1"}], ids=["none", "wrong"])
    def test_the_sign_in_alone_adds_no_passkey(self, pages, signed_in, proof):
        refused = pages.post("/account/passkeys", proof)
        assert refused["Location"] == "/account/passkeys"
        page = pages.follow(refused)
        assert "Confirm this change with your current password" in notices(page)
        assert "You have no passkey yet." in text_of(page)
        assert pages.get("/account/passkeys/new")["Location"] == "/account/passkeys"

    def test_an_account_without_a_password_adds_one_with_an_emailed_code(self, pages, backend, authenticator):
        signed_up = pages.post("/account/sign-up", {"username": NORA, "password": "", "given_name": ""})
        assert signed_up.status_code == 302
        confirmed = pages.post("/account/confirm", {"username": NORA, "code": backend.sign_up_code(NORA)})
        assert confirmed["Location"] == "/account/profile"

        sent = pages.post("/account/confirm-it-is-you", {"return_to": "passkeys"})
        assert sent["Location"] == "/account/passkeys"
        page = pages.follow(sent)
        assert "We e-mailed you a code." in notices(page)
        assert '<label for="id_new-emailed_code">Code we e-mailed you</label>' in page.content.decode()

        code = backend.sender.last_code(NORA, CodePurpose.SIGN_IN)
        registered, credential = register(pages, authenticator, proof={"new-emailed_code": code})
        assert registered["Location"] == "/account/passkeys"
        assert f'value="{credential["id"]}"' in pages.follow(registered).content.decode()

    def test_a_wrong_emailed_code_is_refused(self, pages, backend, signed_in):
        pages.post("/account/confirm-it-is-you", {"return_to": "passkeys"})
        code = backend.sender.last_code(USERNAME, CodePurpose.SIGN_IN)
        refused = pages.post("/account/passkeys", {"new-emailed_code": wrong(code)})
        assert "Confirm this change" in notices(pages.follow(refused))
        assert pages.get("/account/passkeys/new")["Location"] == "/account/passkeys"

    def test_asking_for_a_code_needs_a_sign_in(self, pages):
        assert pages.post("/account/confirm-it-is-you", {"return_to": "mfa"})["Location"] == "/account/sign-in"


class TestSignInWithAPasskey:
    @pytest.fixture
    def passkey(self, pages, signed_in, authenticator) -> str:
        registered, credential = register(pages, authenticator)
        assert registered.status_code == 302
        pages.post("/account/sign-out")
        return credential["id"]

    def test_signs_in_with_the_passkey(self, pages, authenticator, passkey):
        started = pages.post("/account/sign-in", {"username": USERNAME, "method": "WEB_AUTHN"})
        assert started["Location"] == "/account/sign-in/challenge"
        page = pages.follow(started)
        assert 'data-webauthn="get"' in page.content.decode()
        assertion = authenticator.get(webauthn_options(page))
        answered = pages.post("/account/sign-in/challenge", {"credential": json.dumps(assertion)})
        assert answered["Location"] == "/account/profile"
        assert pages.cookie("access_token")

    def test_an_assertion_made_for_another_site_leads_to_a_new_sign_in(self, pages, authenticator, passkey):
        page = pages.follow(pages.post("/account/sign-in", {"username": USERNAME, "method": "WEB_AUTHN"}))
        assertion = authenticator.get(webauthn_options(page), origin="https://evil.example")
        refused = pages.post("/account/sign-in/challenge", {"credential": json.dumps(assertion)})
        assert refused["Location"] == "/account/sign-in?username=pat%40example.com"
        assert "The passkey could not be verified. Sign in again." in notices(pages.follow(refused))
        assert pages.cookie("access_token") is None

    def test_the_password_still_signs_in(self, pages, passkey):
        assert pages.sign_in(USERNAME, PASSWORD)["Location"] == "/account/profile"
