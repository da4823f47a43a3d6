"""The embedded pool's model of ListUsers and of groups, beyond what the contract suite pins."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from domain.errors import ValidationError
from domain.values import Attributes, FilterMatch, Group, GroupName, Password, UserFilter, Username
from tests.fakes import ManualClock, RecordingCodeSender
from tests.pools import EmbeddedBackend

TEMPORARY = "Temp0rary-pass"
PASSWORD = "Correct-h0rse"


def pool(signing_key: rsa.RSAPrivateKey) -> EmbeddedUserPoolAdministration:
    provider = EmbeddedIdentityProvider(
        pool_id="eu-west-1_TestPool",
        client_id="test-client",
        region="eu-west-1",
        code_sender=RecordingCodeSender(),
        clock=ManualClock(),
        signing_key=signing_key,
    )
    return EmbeddedUserPoolAdministration(provider)


def all_pages(administration: EmbeddedUserPoolAdministration, user_filter: UserFilter | None, limit: int) -> list[str]:
    usernames: list[str] = []
    token: str | None = None
    while True:
        page = administration.list_users(user_filter, limit, token)
        usernames.extend(user.username for user in page.users)
        token = page.next_page_token
        if token is None:
            return usernames


# Short names over few letters, so that prefixes and case differences are common.
names = st.text(alphabet="abAB", min_size=1, max_size=3)


class TestListUsers:
    @settings(max_examples=30, deadline=None)
    @given(
        usernames=st.lists(names, max_size=6, unique_by=str.casefold),
        attribute=st.sampled_from(["username", "given_name", "email"]),
        match=st.sampled_from(FilterMatch),
        value=names,
        limit=st.integers(min_value=1, max_value=4),
    )
    def test_pages_hold_each_matching_user_once_in_username_order(
        self,
        signing_key: rsa.RSAPrivateKey,
        usernames: list[str],
        attribute: str,
        match: FilterMatch,
        value: str,
        limit: int,
    ):
        administration = pool(signing_key)
        for name in usernames:
            attributes = Attributes.from_pairs([("given_name", name.upper()), ("email", f"{name}@example.com")])
            administration.create_user(Username(name), Password(TEMPORARY), attributes)
        searched = {
            name: {"username": name, "given_name": name.upper(), "email": f"{name}@example.com"}[attribute]
            for name in usernames
        }
        expected = sorted(
            (
                name
                for name, actual in searched.items()
                if (actual == value if match is FilterMatch.EXACT else actual.startswith(value))
            ),
            key=str.casefold,
        )

        assert all_pages(administration, UserFilter(attribute, match, value), limit) == expected

    def test_a_page_token_outlives_the_user_it_follows(self, signing_key: rsa.RSAPrivateKey):
        administration = pool(signing_key)
        for name in ("ann", "bob", "cy"):
            administration.create_user(Username(name), Password(TEMPORARY), Attributes())
        first = administration.list_users(None, 1, None)
        administration.delete_user(Username("ann"))

        rest = administration.list_users(None, 5, first.next_page_token)

        assert [user.username for user in rest.users] == ["bob", "cy"]

    @pytest.mark.parametrize("token", ["", "e30=", "WyJhIl0=", "eyJhZnRlciI6IDF9", "\u00e9"])
    def test_refuses_tokens_it_did_not_issue(self, signing_key: rsa.RSAPrivateKey, token: str):
        with pytest.raises(ValidationError) as raised:
            pool(signing_key).list_users(None, 5, token)

        assert set(raised.value.fields) == {"page_token"}


class TestGroups:
    @pytest.fixture
    def member(self, signing_key: rsa.RSAPrivateKey) -> EmbeddedBackend:
        backend = EmbeddedBackend.create(signing_key, now=1_800_000_000.0)
        administration = EmbeddedUserPoolAdministration(backend.provider)
        administration.create_user(Username("ann"), Password(TEMPORARY), Attributes())
        administration.create_group(Group(GroupName("admins")))
        administration.add_user_to_group(Username("ann"), GroupName("admins"))
        return backend

    def test_a_refresh_names_the_groups_as_they_are_now(self, member: EmbeddedBackend):
        challenge = member.provider.initiate_auth(Username("ann"), Password(TEMPORARY))
        tokens = member.provider.respond_to_challenge(
            Username("ann"), "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": PASSWORD}, challenge.session
        )
        assert member.verifier.verify_access_token(tokens.access_token).groups == ("admins",)
        EmbeddedUserPoolAdministration(member.provider).remove_user_from_group(Username("ann"), GroupName("admins"))

        refreshed = member.provider.refresh(tokens.refresh_token, "ann")

        assert member.verifier.verify_access_token(refreshed.access_token).groups == ()

    def test_a_deleted_user_leaves_their_groups(self, member: EmbeddedBackend):
        administration = EmbeddedUserPoolAdministration(member.provider)
        administration.delete_user(Username("ann"))

        administration.create_user(Username("ann"), Password(TEMPORARY), Attributes())

        assert administration.get_user(Username("ann")).groups == ()
