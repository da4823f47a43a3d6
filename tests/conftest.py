from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    """One RSA key for every embedded pool of the run: generating one costs tens of milliseconds."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
