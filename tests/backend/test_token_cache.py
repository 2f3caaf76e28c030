"""The key ring remembers tokens it verified (``KeyRing.verified``): a
repeated token skips the signature check, but never outlives its ``exp``,
never vouches for a different string, and the memory stays bounded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pulse_backend import keys
from pulse_backend.errors import Unauthenticated
from pulse_backend.keys import KeyRing, _Verified
from pulse_common import tokens

CLAIMS = {"sub": "7", "tid": 3, "ten": "acme", "role": "viewer", "sid": 11}


def _ring(size: int = keys.VERIFIED_CACHE_SIZE) -> KeyRing:
    return KeyRing(
        "k1", {"k1": Ed25519PrivateKey.generate()}, "pulse", "pulse-api", _Verified(size)
    )


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature was checked."""
    seen: list[str] = []
    real = tokens.decode

    def counting(token: str, *a: Any, **k: Any) -> dict[str, Any]:
        seen.append(token)
        return real(token, *a, **k)

    monkeypatch.setattr(tokens, "decode", counting)
    return seen


def test_a_repeated_token_is_verified_once(decodes: list[str]) -> None:
    ring = _ring()
    token = ring.sign(CLAIMS, 900)
    first, second = ring.verify(token), ring.verify(token)
    assert first == second
    assert first["sub"] == "7" and first["aud"] == "pulse-api"
    assert decodes == [token]
    # Each caller gets its own dict: changing one answer changes no other.
    second["role"] = "admin"
    assert ring.verify(token)["role"] == "viewer"


def test_a_remembered_token_still_expires() -> None:
    ring = _ring()
    token = ring.sign(CLAIMS, 1)
    exp = ring.verify(token)["exp"]
    while int(time.time()) < exp:
        time.sleep(0.05)
    with pytest.raises(Unauthenticated, match="expired"):
        ring.verify(token)
    assert len(ring.verified) == 0


def test_a_remembered_token_does_not_vouch_for_a_tampered_one() -> None:
    ring = _ring()
    token = ring.sign(CLAIMS, 900)
    ring.verify(token)
    head, payload, sig = token.split(".")
    # One character inside the signature: still canonical base64url, so the
    # check fails on the signature. (Its end was changed before: an Ed25519
    # signature ends in "AA" one time in 16, and "BB" has padding bits set,
    # which PyJWT refuses as a malformed token: a flaky test.)
    forged = f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    with pytest.raises(Unauthenticated, match="invalid access token"):
        ring.verify(forged)
    # Another ring (another process's keys) has not verified it.
    with pytest.raises(Unauthenticated, match="invalid access token"):
        KeyRing("k1", {"k1": Ed25519PrivateKey.generate()}, "pulse", "pulse-api").verify(token)


def test_the_memory_is_bounded_least_recently_used_out(decodes: list[str]) -> None:
    ring = _ring(size=2)
    a, b, c = (ring.sign({**CLAIMS, "sid": n}, 900) for n in (1, 2, 3))
    for token in (a, b, a, c):  # a used again after b: b is the oldest
        ring.verify(token)
    assert len(ring.verified) == 2
    decodes.clear()
    ring.verify(a)
    ring.verify(c)
    assert decodes == []
    ring.verify(b)
    assert decodes == [b]
    assert len(ring.verified) == 2
