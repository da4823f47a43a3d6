"""`MeApi.profile` builds the answer `MeApi.OutputSerializer` documents: the two must never differ."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_shell.accounts.apis import MeApi
from django_shell.accounts.models import User
from tests.fakes import access_token_claims

texts = st.text(max_size=20)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@pytest.mark.django_db
@settings(deadline=None, max_examples=60)
@given(
    username=texts.filter(bool),
    email=texts,
    given_name=texts,
    family_name=texts,
    attributes=st.dictionaries(st.sampled_from(["email_verified", "phone_number", "locale", "custom:x"]), texts),
    groups=st.lists(texts.filter(bool), max_size=3),
    is_staff=st.booleans(),
    date_joined=times,
    last_login=st.none() | times,
    image_url=st.none() | st.just("https://media.example/alice.png"),
)
def test_the_profile_is_what_the_documented_serializer_answers(
    username, email, given_name, family_name, attributes, groups, is_staff, date_joined, last_login, image_url
):
    user = User(
        sub="7d3c1b2a-0000-4000-8000-000000000001",
        username=username,
        email=email,
        given_name=given_name,
        family_name=family_name,
        attributes=attributes,
        is_staff=is_staff,
        date_joined=date_joined,
        last_login=last_login,
    )
    claims = attrs.evolve(access_token_claims(1_800_000_000), groups=tuple(groups))

    documented = MeApi.OutputSerializer(user, context={"image_url": image_url, "claims": claims}).data

    assert json.dumps(MeApi.profile(user, claims, image_url)) == json.dumps(documented)
