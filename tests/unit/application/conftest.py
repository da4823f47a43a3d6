from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.pools import EmbeddedBackend


@pytest.fixture
def pool(signing_key: rsa.RSAPrivateKey) -> EmbeddedBackend:
    return EmbeddedBackend.create(signing_key, now=1_800_000_000.0)
