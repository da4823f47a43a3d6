"""A second server process, for tests: waits for the revocation of one sign-in and says when it saw it.

    python -m tests.integration.redis.listener_process URL KEY CHANNEL ORIGIN_JTI

Prints `ready` once it listens, then the epoch time at which the sign-in turned revoked.
"""

from __future__ import annotations

import sys
import time

from adapters.clock import SystemClock
from adapters.redis.revocation_list import RedisRevocationList
from tests.fakes import access_token_claims

_POLL_SECONDS = 0.0005
_PATIENCE_SECONDS = 10.0


def main(url: str, key: str, channel: str, origin_jti: str) -> int:
    clock = SystemClock()
    now = int(clock.now())
    claims = access_token_claims(now, origin_jti=origin_jti)
    revocations = RedisRevocationList.from_url(url, clock=clock, key=key, channel=channel)
    try:
        if revocations.is_revoked(claims):
            print("revoked before the test revoked it", flush=True)
            return 1
        print("ready", flush=True)
        deadline = time.monotonic() + _PATIENCE_SECONDS
        while not revocations.is_revoked(claims):
            if time.monotonic() > deadline:
                print("never revoked", flush=True)
                return 1
            time.sleep(_POLL_SECONDS)
        print(time.time(), flush=True)
        return 0
    finally:
        revocations.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
