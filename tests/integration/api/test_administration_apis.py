"""The staff-only administration endpoints, walked against each identity provider."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from application.ports.user_pool_administration import UserPoolAdministration
from django_shell.accounts.models import User
from domain.values import FILTERABLE_ATTRIBUTES
from tests.integration.api.conftest import basic
from tests.pools import Backend, CognitoBackend, EmbeddedBackend, Gap, skip_if, xfail_if

ADMIN, ADMIN_PASSWORD = "root@example.com", "Correct-Horse-9"
USERNAME, TEMPORARY, NEW_PASSWORD = "lee@example.com", "Temp0rary-pass", "Battery-st4ple"


@pytest.fixture
def administration(backend: Backend, container):
    built: UserPoolAdministration
    if isinstance(backend, EmbeddedBackend):
        built = EmbeddedUserPoolAdministration(backend.provider)
    else:
        assert isinstance(backend, CognitoBackend)
        built = CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)
    with container.user_pool_administration.override(built):
        yield built


def signed_in(api, backend, username, password, *, staff=False):
    """The access token of a fresh confirmed user; `staff` as set in Django's admin."""
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(username, password))
    api.post("/auth/confirm_signup", {"username": username, "code": backend.sign_up_code(username)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, password))
    assert response.status_code == 200, response.json()
    User.objects.filter(username=username).update(is_staff=staff)
    api.client.cookies.clear()
    return response["AccessToken"]


def sign_in_again(api, username, password):
    """The access token of another sign-in of an existing user, as from a second device."""
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(username, password))
    assert response.status_code == 200, response.json()
    api.client.cookies.clear()
    return response["AccessToken"]


def me(api, token):
    return api.client.get("/auth/me", HTTP_ACCESSTOKEN=token)


@pytest.fixture
def admin_token(api, backend, administration):
    return signed_in(api, backend, ADMIN, ADMIN_PASSWORD, staff=True)


def create(api, token, username=USERNAME):
    return api.post(
        "/admin-api/users",
        {
            "username": username,
            "temporary_password": TEMPORARY,
            "user_attributes": [{"Name": "given_name", "Value": "Lee"}],
        },
        HTTP_ACCESSTOKEN=token,
    )


class TestStaffOnly:
    def test_refuses_a_request_without_a_token(self, api, administration):
        response = api.client.get(f"/admin-api/users/{USERNAME}")
        assert response.status_code == 401
        assert response.json()["code"] == "NotAuthenticated"

    def test_refuses_a_user_who_is_not_staff(self, api, backend, administration):
        token = signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        response = create(api, token)
        assert response.status_code == 403
        assert response.json()["code"] == "PermissionDenied"


class TestUserLifecycle:
    def test_a_created_user_signs_in_only_after_setting_a_new_password(self, api, admin_token):
        created = create(api, admin_token)
        assert created.status_code == 201, created.json()
        assert created.json()["status"] == "FORCE_CHANGE_PASSWORD"
        assert created.json()["attributes"]["given_name"] == "Lee"

        challenge = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, TEMPORARY)).json()
        assert challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
        answered = api.post(
            "/auth/confirm_login",
            {
                "username": USERNAME,
                "challenge_name": "NEW_PASSWORD_REQUIRED",
                "responses": {"NEW_PASSWORD": NEW_PASSWORD},
                "session": challenge["session"],
            },
        )
        assert answered.status_code == 200, answered.json()
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD)).status_code == 200
        shown = api.client.get(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token).json()
        assert shown["status"] == "CONFIRMED"

    def test_a_disabled_user_is_refused_at_login_and_every_sign_in_at_once(self, api, backend, admin_token):
        first = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        second = sign_in_again(api, USERNAME, NEW_PASSWORD)
        for token in (first, second):
            assert me(api, token).status_code == 200

        disabled = api.post(f"/admin-api/users/{USERNAME}/disable", HTTP_ACCESSTOKEN=admin_token)

        assert disabled.status_code == 200, disabled.json()
        assert disabled.json()["enabled"] is False
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD)).status_code == 401
        for token in (first, second):
            refused = me(api, token)
            assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert not User.objects.get(username=USERNAME).is_active

    def test_an_enabled_user_signs_in_again_but_the_old_tokens_stay_refused(self, api, backend, admin_token):
        token = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        api.post(f"/admin-api/users/{USERNAME}/disable", HTTP_ACCESSTOKEN=admin_token)

        enabled = api.post(f"/admin-api/users/{USERNAME}/enable", HTTP_ACCESSTOKEN=admin_token)

        assert enabled.json()["enabled"] is True
        fresh = sign_in_again(api, USERNAME, NEW_PASSWORD)
        assert me(api, fresh).status_code == 200
        refused = me(api, token)
        assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")

    def test_a_deleted_user_leaves_the_pool_and_the_mirror(self, api, backend, admin_token):
        signed_in(api, backend, USERNAME, NEW_PASSWORD)

        deleted = api.client.delete(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token)

        assert deleted.status_code == 204
        assert not User.objects.filter(username=USERNAME).exists()
        missing = api.client.get(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token)
        assert missing.status_code == 404
        assert missing.json()["code"] == "UserNotFound"

    def test_a_deleted_users_every_sign_in_is_refused_and_no_mirrored_user_comes_back(self, api, backend, admin_token):
        first = signed_in(api, backend, USERNAME, NEW_PASSWORD)
        second = sign_in_again(api, USERNAME, NEW_PASSWORD)
        assert me(api, second).status_code == 200

        assert api.client.delete(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token).status_code == 204

        for token in (first, second):
            refused = me(api, token)
            assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")
        assert not User.objects.filter(username=USERNAME).exists()

    def test_a_taken_username_is_a_conflict(self, api, admin_token):
        create(api, admin_token)
        assert create(api, admin_token).status_code == 409


def listed(api, token, **query):
    response = api.client.get("/admin-api/users", query, HTTP_ACCESSTOKEN=token)
    assert response.status_code == 200, response.json()
    return response.json()


class TestListUsers:
    @pytest.fixture
    def population(self, api, admin_token):
        for username in ("lee@example.com", "leo@example.com", "kim@example.com"):
            assert create(api, admin_token, username).status_code == 201

    @pytest.mark.usefixtures("population")
    def test_pages_through_the_users_a_filter_matches(self, api, admin_token):
        seen, token = [], None
        for _ in range(5):
            query = {"attribute": "email", "match": "prefix", "value": "le", "limit": "1"}
            page = listed(api, admin_token, **query, **({"page_token": token} if token else {}))
            assert len(page["users"]) <= 1
            seen += [user["username"] for user in page["users"]]
            token = page["next_page_token"]
            if token is None:
                break
        assert sorted(seen) == ["lee@example.com", "leo@example.com"]

    @pytest.mark.usefixtures("population")
    def test_lists_everyone_without_a_filter(self, api, admin_token):
        usernames = {user["username"] for user in listed(api, admin_token)["users"]}

        assert {"lee@example.com", "leo@example.com", "kim@example.com", ADMIN} <= usernames

    @pytest.mark.usefixtures("population")
    def test_an_exact_match_by_default(self, api, admin_token):
        page = listed(api, admin_token, attribute="username", value="kim@example.com")

        assert [user["username"] for user in page["users"]] == ["kim@example.com"]
        assert page["next_page_token"] is None
        # A list leaves the groups out: looking them up would cost Cognito a call per user.
        assert set(page["users"][0]) == {"username", "sub", "status", "enabled", "attributes"}

    def test_refuses_a_request_without_a_token(self, api, administration):
        response = api.client.get("/admin-api/users")
        assert (response.status_code, response.json()["code"]) == (401, "NotAuthenticated")

    def test_refuses_a_user_who_is_not_staff(self, api, backend, administration):
        token = signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        response = api.client.get("/admin-api/users", HTTP_ACCESSTOKEN=token)
        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("filter=email%20%5E%3D%20%22a%22", "filter"),
            ("attribute=email&attribute=sub&value=a", "attribute"),
            ("attribute=custom%3Ateam&value=a", "attribute"),
            ("attribute=email&value=a%22%20or%20%22", "value"),
            ("attribute=email", "value"),
            ("value=a", "attribute"),
            ("attribute=email&match=suffix&value=a", "match"),
            ("limit=0", "limit"),
            ("limit=61", "limit"),
            ("limit=ten", "limit"),
            ("page_token=", "page_token"),
        ],
    )
    def test_refuses_a_bad_query_by_its_field(self, api, admin_token, query, field):
        response = api.client.get(f"/admin-api/users?{query}", HTTP_ACCESSTOKEN=admin_token)

        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "ValidationError"
        assert field in response.json()["fields"]

    def test_refuses_a_page_token_it_did_not_issue(self, request, api, backend, admin_token):
        xfail_if(request, backend, Gap.FOREIGN_PAGE_TOKEN_WRONG_CODE)
        response = api.client.get("/admin-api/users?page_token=bm90LWEtdG9rZW4", HTTP_ACCESSTOKEN=admin_token)

        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")
        assert set(response.json()["fields"]) == {"page_token"}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        query=st.dictionaries(
            keys=st.sampled_from(["attribute", "match", "value", "limit", "filter", "Limit"]),
            values=st.one_of(
                st.sampled_from([*FILTERABLE_ATTRIBUTES, "exact", "prefix", "Enabled", "1", "60", "61", "-1", "a"]),
                st.text(max_size=20),
            ),
            max_size=4,
        )
    )
    def test_any_query_is_answered_with_a_page_or_a_validation_error(self, api, admin_token, query):
        response = api.client.get("/admin-api/users", query, HTTP_ACCESSTOKEN=admin_token)

        body = response.json()
        if response.status_code == 200:
            assert set(body) == {"users", "next_page_token"}
            assert set(query) <= {"attribute", "match", "value", "limit"}
        else:
            assert (response.status_code, body["code"]) == (400, "ValidationError"), body
            assert set(body["fields"]) <= set(query) | {"attribute", "value", "match"}


@pytest.fixture
def reset_user(api, backend, admin_token):
    """`USERNAME`, confirmed with a verified e-mail address, whose password an administrator withdrew."""
    signed_in(api, backend, USERNAME, NEW_PASSWORD)
    backend.mark_email_verified(USERNAME)
    response = api.post(f"/admin-api/users/{USERNAME}/reset_password", HTTP_ACCESSTOKEN=admin_token)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "RESET_REQUIRED"


class TestResetPassword:
    @pytest.mark.usefixtures("reset_user")
    def test_login_requires_the_reset(self, request, api, backend):
        xfail_if(request, backend, Gap.RESET_PASSWORD_STILL_SIGNS_IN)
        response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD))

        assert (response.status_code, response.json()["code"]) == (403, "PasswordResetRequired")

    @pytest.mark.usefixtures("reset_user")
    def test_the_user_sets_a_new_password_with_the_delivered_code(self, api, backend):
        skip_if(backend, Gap.NO_ADMIN_RESET_CODE)
        confirmed = api.post(
            "/auth/confirm_forgot_password",
            {"email": USERNAME, "new_password": "Fresh-passw0rd", "code": backend.reset_code(USERNAME)},
        )

        assert confirmed.status_code == 200, confirmed.json()
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Fresh-passw0rd")).status_code == 200

    @pytest.mark.usefixtures("reset_user")
    def test_the_user_may_ask_for_a_fresh_code(self, api, backend):
        assert api.post("/auth/forgot_password", {"email": USERNAME}).status_code == 200
        confirmed = api.post(
            "/auth/confirm_forgot_password",
            {"email": USERNAME, "new_password": "Fresh-passw0rd", "code": backend.reset_code(USERNAME)},
        )

        assert confirmed.status_code == 200, confirmed.json()
        assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Fresh-passw0rd")).status_code == 200

    def test_a_user_who_never_chose_a_password_is_a_conflict(self, api, admin_token):
        create(api, admin_token)

        response = api.post(f"/admin-api/users/{USERNAME}/reset_password", HTTP_ACCESSTOKEN=admin_token)

        assert (response.status_code, response.json()["code"]) == (409, "UserStatusConflict")

    def test_an_unknown_user_is_not_found(self, api, admin_token):
        response = api.post("/admin-api/users/nobody@example.com/reset_password", HTTP_ACCESSTOKEN=admin_token)

        assert (response.status_code, response.json()["code"]) == (404, "UserNotFound")

    def test_refuses_a_user_who_is_not_staff(self, api, backend, administration):
        token = signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        response = api.post(f"/admin-api/users/{USERNAME}/reset_password", HTTP_ACCESSTOKEN=token)
        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")


def make_group(api, token, name="editors"):
    return api.post("/admin-api/groups", {"name": name, "description": "Edit things"}, HTTP_ACCESSTOKEN=token)


class TestGroups:
    def test_a_group_is_created_once(self, api, admin_token):
        created = make_group(api, admin_token)
        assert (created.status_code, created.json()) == (201, {"name": "editors", "description": "Edit things"})

        again = make_group(api, admin_token)
        assert (again.status_code, again.json()["code"]) == (409, "GroupExists")

    def test_a_group_without_a_description_has_null(self, api, admin_token):
        created = api.post("/admin-api/groups", {"name": "readers", "description": ""}, HTTP_ACCESSTOKEN=admin_token)

        assert (created.status_code, created.json()) == (201, {"name": "readers", "description": None})

    def test_lists_the_groups_a_page_at_a_time(self, api, admin_token):
        make_group(api, admin_token, "editors")
        api.post("/admin-api/groups", {"name": "readers"}, HTTP_ACCESSTOKEN=admin_token)
        seen, token = [], None
        for _ in range(5):
            query = {"limit": "1", **({"page_token": token} if token else {})}
            response = api.client.get("/admin-api/groups", query, HTTP_ACCESSTOKEN=admin_token)
            assert response.status_code == 200, response.json()
            page = response.json()
            assert len(page["groups"]) <= 1
            seen += page["groups"]
            token = page["next_page_token"]
            if token is None:
                break

        assert sorted(seen, key=lambda group: group["name"]) == [
            {"name": "editors", "description": "Edit things"},
            {"name": "readers", "description": None},
        ]

    @pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "61"}, {"page_token": ""}, {"filter": "x"}])
    def test_refuses_a_bad_group_query(self, api, admin_token, query):
        response = api.client.get("/admin-api/groups", query, HTTP_ACCESSTOKEN=admin_token)

        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")
        assert set(response.json()["fields"]) == set(query)

    @pytest.mark.parametrize("name", ["", "two words", "x" * 129, 7])
    def test_refuses_a_group_name_cognito_refuses(self, api, admin_token, name):
        response = api.post("/admin-api/groups", {"name": name}, HTTP_ACCESSTOKEN=admin_token)

        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")

    def test_membership_reaches_the_user_the_mirror_and_the_tokens(self, api, backend, admin_token):
        make_group(api, admin_token)
        signed_in(api, backend, USERNAME, NEW_PASSWORD)

        added = api.post(f"/admin-api/users/{USERNAME}/groups", {"group": "editors"}, HTTP_ACCESSTOKEN=admin_token)

        assert added.status_code == 200, added.json()
        assert added.json()["groups"] == ["editors"]
        assert User.objects.get(username=USERNAME).cognito_groups == ["editors"]
        fresh = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD))
        assert api.client.get("/auth/me", HTTP_ACCESSTOKEN=fresh["AccessToken"]).json()["groups"] == ["editors"]

        removed = api.client.delete(f"/admin-api/users/{USERNAME}/groups/editors", HTTP_ACCESSTOKEN=admin_token)

        assert (removed.status_code, removed.json()["groups"]) == (200, [])
        assert User.objects.get(username=USERNAME).cognito_groups == []
        shown = api.client.get(f"/admin-api/users/{USERNAME}", HTTP_ACCESSTOKEN=admin_token).json()
        assert shown["groups"] == []

    def test_an_unknown_group_is_not_found(self, api, admin_token):
        create(api, admin_token)

        added = api.post(f"/admin-api/users/{USERNAME}/groups", {"group": "editors"}, HTTP_ACCESSTOKEN=admin_token)
        removed = api.client.delete(f"/admin-api/users/{USERNAME}/groups/editors", HTTP_ACCESSTOKEN=admin_token)

        assert (added.status_code, added.json()["code"]) == (404, "GroupNotFound")
        assert (removed.status_code, removed.json()["code"]) == (404, "GroupNotFound")

    def test_an_unknown_user_is_not_found(self, api, admin_token):
        make_group(api, admin_token)

        added = api.post("/admin-api/users/nobody/groups", {"group": "editors"}, HTTP_ACCESSTOKEN=admin_token)

        assert (added.status_code, added.json()["code"]) == (404, "UserNotFound")

    def test_refuses_a_user_who_is_not_staff(self, api, backend, administration):
        token = signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        for response in (
            make_group(api, token),
            api.client.get("/admin-api/groups", HTTP_ACCESSTOKEN=token),
            api.post(f"/admin-api/users/{USERNAME}/groups", {"group": "editors"}, HTTP_ACCESSTOKEN=token),
            api.client.delete(f"/admin-api/users/{USERNAME}/groups/editors", HTTP_ACCESSTOKEN=token),
        ):
            assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")

    def test_refuses_a_request_without_a_token(self, api, administration):
        for response in (
            api.post("/admin-api/groups", {"name": "editors"}),
            api.client.get("/admin-api/groups"),
            api.post(f"/admin-api/users/{USERNAME}/groups", {"group": "editors"}),
            api.client.delete(f"/admin-api/users/{USERNAME}/groups/editors"),
        ):
            assert (response.status_code, response.json()["code"]) == (401, "NotAuthenticated")


class TestAdministratorGroup:
    """Members of the pool group `COGNITO_ADMIN_GROUP` names administer as staff do."""

    @pytest.fixture
    def member_token(self, api, backend, admin_token):
        """The access token of kim, not staff, signed in after joining the pool group "admins"."""
        make_group(api, admin_token, "admins")
        signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        joined = api.post("/admin-api/users/kim@example.com/groups", {"group": "admins"}, HTTP_ACCESSTOKEN=admin_token)
        assert joined.status_code == 200, joined.json()
        response = api.post("/auth/login", HTTP_AUTHORIZATION=basic("kim@example.com", ADMIN_PASSWORD))
        api.client.cookies.clear()
        return response["AccessToken"]

    def test_a_member_administers(self, api, settings, member_token):
        settings.COGNITO_ADMIN_GROUP = "admins"

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=member_token)

        assert response.status_code == 200, response.json()

    def test_a_non_member_is_refused(self, api, backend, settings, member_token):
        settings.COGNITO_ADMIN_GROUP = "admins"
        outsider = signed_in(api, backend, "joe@example.com", ADMIN_PASSWORD)

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=outsider)

        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")

    def test_membership_grants_nothing_without_the_setting(self, api, settings, member_token):
        settings.COGNITO_ADMIN_GROUP = None

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=member_token)

        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")

    def test_another_group_grants_nothing(self, api, settings, member_token):
        settings.COGNITO_ADMIN_GROUP = "owners"

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=member_token)

        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")

    def test_a_removed_member_is_refused_at_once_though_the_token_still_names_the_group(
        self, api, backend, settings, admin_token, member_token
    ):
        settings.COGNITO_ADMIN_GROUP = "admins"
        removed = api.client.delete("/admin-api/users/kim@example.com/groups/admins", HTTP_ACCESSTOKEN=admin_token)
        assert removed.status_code == 200

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=member_token)

        assert (response.status_code, response.json()["code"]) == (401, "TokenInvalid")
        backend.start_the_next_second()
        again = api.post("/auth/login", HTTP_AUTHORIZATION=basic("kim@example.com", ADMIN_PASSWORD))
        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=again["AccessToken"])
        assert (response.status_code, response.json()["code"]) == (403, "PermissionDenied")


class TestRightsFollowTheNewestToken:
    """A user who joins the administrator group administers from their next sign-in or refresh on, in a
    process that has already served them as a non-member (its cached mirror row says nothing of it)."""

    @pytest.fixture
    def kim(self, api, backend, settings, admin_token):
        settings.COGNITO_ADMIN_GROUP = "admins"
        make_group(api, admin_token, "admins")
        signed_in(api, backend, "kim@example.com", ADMIN_PASSWORD)
        before_joining = api.post("/auth/login", HTTP_AUTHORIZATION=basic("kim@example.com", ADMIN_PASSWORD))
        api.client.cookies.clear()
        refused = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=before_joining["AccessToken"])
        assert refused.status_code == 403
        joined = api.post("/admin-api/users/kim@example.com/groups", {"group": "admins"}, HTTP_ACCESSTOKEN=admin_token)
        assert joined.status_code == 200, joined.json()
        return before_joining

    def test_a_sign_in_after_joining_administers_at_once(self, api, kim):
        again = api.post("/auth/login", HTTP_AUTHORIZATION=basic("kim@example.com", ADMIN_PASSWORD))
        api.client.cookies.clear()

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=again["AccessToken"])
        me = api.client.get("/auth/me", HTTP_ACCESSTOKEN=again["AccessToken"])

        assert response.status_code == 200, response.json()
        assert me.json()["groups"] == ["admins"]

    def test_a_refresh_after_joining_administers_at_once(self, api, kim):
        refreshed = api.post(
            "/auth/refresh", HTTP_ACCESSTOKEN=kim["AccessToken"], HTTP_REFRESHTOKEN=kim["RefreshToken"]
        )
        api.client.cookies.clear()

        response = api.client.get(f"/admin-api/users/{ADMIN}", HTTP_ACCESSTOKEN=refreshed["AccessToken"])

        assert response.status_code == 200, response.json()

    def test_the_token_in_hand_still_shows_the_groups_it_was_issued_with(self, api, kim):
        me = api.client.get("/auth/me", HTTP_ACCESSTOKEN=kim["AccessToken"])

        assert me.json()["groups"] == []


class TestInvitation:
    def test_says_where_the_invitation_went(self, api, admin_token):
        response = api.post(
            "/admin-api/users",
            {"username": USERNAME, "temporary_password": TEMPORARY, "send_invitation": True},
            HTTP_ACCESSTOKEN=admin_token,
        )

        assert response.status_code == 201, response.json()
        assert response.json()["invitation"] == {
            "destination": "l***@e***",
            "delivery_medium": "EMAIL",
            "attribute_name": "email",
        }
        assert response.json()["groups"] == []

    def test_sends_nothing_by_default(self, api, backend, admin_token):
        response = create(api, admin_token)

        assert response.json()["invitation"] is None
        if isinstance(backend, EmbeddedBackend):
            assert [sent.username for sent in backend.sender.sent if sent.username == USERNAME] == []

    def test_the_invitation_carries_the_temporary_password_and_no_log_does(self, api, backend, admin_token, caplog):
        skip_if(backend, Gap.NO_INVITATIONS)
        assert isinstance(backend, EmbeddedBackend)
        with caplog.at_level(logging.DEBUG):
            api.post(
                "/admin-api/users",
                {"username": USERNAME, "temporary_password": TEMPORARY, "send_invitation": True},
                HTTP_ACCESSTOKEN=admin_token,
            )

        invitations = [sent for sent in backend.sender.sent if sent.username == USERNAME]
        assert [(sent.destination, sent.code) for sent in invitations] == [(USERNAME, TEMPORARY)]
        assert not [record for record in caplog.records if TEMPORARY in record.getMessage()]

    def test_an_invitation_needs_an_email_address(self, api, admin_token):
        response = api.post(
            "/admin-api/users",
            {"username": "lee", "temporary_password": TEMPORARY, "send_invitation": True},
            HTTP_ACCESSTOKEN=admin_token,
        )

        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")
        assert set(response.json()["fields"]) == {"send_invitation"}
        assert api.client.get("/admin-api/users/lee", HTTP_ACCESSTOKEN=admin_token).status_code == 404

    def test_send_invitation_must_be_a_boolean(self, api, admin_token):
        response = api.post(
            "/admin-api/users",
            {"username": USERNAME, "temporary_password": TEMPORARY, "send_invitation": "yes"},
            HTTP_ACCESSTOKEN=admin_token,
        )

        assert (response.status_code, response.json()["code"]) == (400, "ValidationError")
