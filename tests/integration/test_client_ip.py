"""Which address a request's budgets are counted by."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from django_shell.client_ip import client_ip


def request(remote_addr: str = "203.0.113.5", forwarded_for: str | None = None):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/auth/login", **meta)


class TestWithoutTrustedProxies:
    def test_the_peer_counts_and_the_header_never(self):
        assert client_ip(request(forwarded_for="10.0.0.1")) == "203.0.113.5"

    def test_an_ipv6_client_counts_as_its_64_network(self):
        assert client_ip(request("2001:db8:1:2:aaaa::1")) == client_ip(request("2001:db8:1:2:bbbb::9"))
        assert client_ip(request("2001:db8:1:2::1")) == "2001:db8:1:2::/64"
        assert client_ip(request("2001:db8:1:3::1")) != client_ip(request("2001:db8:1:2::1"))

    def test_an_ipv4_mapped_address_is_the_ipv4_address(self):
        assert client_ip(request("::ffff:203.0.113.5")) == "203.0.113.5"


class TestBehindTwoProxies:
    @pytest.fixture(autouse=True)
    def _two_hops(self, settings):
        settings.TRUSTED_PROXY_HOPS = 2

    def test_the_entry_the_outer_proxy_wrote_counts(self):
        assert client_ip(request("10.0.0.2", "198.51.100.1, 192.0.2.7, 10.0.0.1")) == "192.0.2.7"

    @pytest.mark.parametrize("forwarded_for", [None, "", "192.0.2.7", "not-an-address, 10.0.0.1", " , 10.0.0.1"])
    def test_a_short_or_malformed_header_counts_as_the_peer(self, forwarded_for):
        assert client_ip(request("10.0.0.2", forwarded_for)) == "10.0.0.2"
