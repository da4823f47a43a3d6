from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, settings

# `make mutate` runs pytest many times in one process, with mutated code: a slow mutant must not fail on
# the deadline instead of on what it broke, a mutant's failing examples must not be replayed against the
# next one, and the same test run again from a new test-class instance is expected there. Derandomized,
# so that a mutant is caught or survives alike on every run and the recorded scores can be reproduced.
settings.register_profile(
    "mutation",
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.differing_executors],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    """One RSA key for every embedded pool of the run: generating one costs tens of milliseconds."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
