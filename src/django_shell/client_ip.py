"""The address a request came from, as far as the service can trust it: what limits are counted by.

`REMOTE_ADDR` is the peer of the connection. Behind proxies, each appends the address it received
from to `X-Forwarded-For`, so with `TRUSTED_PROXY_HOPS=n` the client is the n-th entry from the
right, the one the outermost trusted proxy wrote; everything left of it is whatever the client
sent, and is never read. A header with fewer entries than that, or a malformed entry, did not come
through the proxies as configured: then `REMOTE_ADDR` counts, so a forged header never buys a fresh
budget.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# An IPv6 client usually holds a whole /64: counting by address would give it 2**64 budgets.
_IPV6_PREFIX = 64


def client_ip(request: HttpRequest) -> str:
    """The client's address, an IPv6 client's as its /64 network."""
    address = _trusted_forwarded_for(request, settings.TRUSTED_PROXY_HOPS) or request.META.get("REMOTE_ADDR") or ""
    return _budget_key(address)


def _trusted_forwarded_for(request: HttpRequest, hops: int) -> str | None:
    if hops == 0:
        return None
    header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",")]
    if len(entries) < hops:
        return None
    entry = entries[-hops]
    try:
        ipaddress.ip_address(entry)
    except ValueError:
        return None
    return entry


def _budget_key(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        # Not an address (a unix socket's peer): one budget for whatever comes that way.
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, _IPV6_PREFIX), strict=False))
    return str(parsed)
