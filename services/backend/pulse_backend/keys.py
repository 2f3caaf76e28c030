"""Ed25519 signing keys for access tokens, and the JWKS that publishes them.

Keys live in a directory as ``<kid>.pem`` (PKCS#8 private keys). The active
kid signs; every key verifies, so rotation is: add a key, make it active once
every verifier has the new JWKS, remove the old one after the access-token
TTL. ETL services and other verifiers need only the public keys.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pulse_backend.errors import Unauthenticated
from pulse_backend.settings import Settings
from pulse_common import tokens
from pulse_common.errors import InvalidInput

ALGORITHM = tokens.ALGORITHM
KID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REQUIRED_CLAIMS = ("sub", "tid", "ten", "role", "sid", "exp", "iat", "jti", "iss", "aud")
# Tokens whose signature was already checked (an Ed25519 verification costs
# ~150 us of a request's ~1 ms when its answer is cached). A dashboard sends
# the same token with every request until it refreshes.
VERIFIED_CACHE_SIZE = 4096


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Verified:
    """Claims of tokens this process verified, by the token's digest (the
    token itself is not kept), least recently used first out. An entry is
    used only while its ``exp`` is in the future: the signature, issuer and
    audience cannot change, only time can expire the token."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._claims: OrderedDict[bytes, dict[str, Any]] = OrderedDict()

    @staticmethod
    def digest(token: str) -> bytes:
        return hashlib.blake2b(token.encode(), digest_size=20).digest()

    def get(self, digest: bytes) -> dict[str, Any] | None:
        with self._lock:
            claims = self._claims.get(digest)
            if claims is None:
                return None
            # PyJWT's rule: expired once exp <= now (whole seconds).
            if int(claims["exp"]) <= int(time.time()):
                del self._claims[digest]
                return None
            self._claims.move_to_end(digest)
        return dict(claims)

    def put(self, digest: bytes, claims: dict[str, Any]) -> None:
        with self._lock:
            self._claims[digest] = dict(claims)
            self._claims.move_to_end(digest)
            while len(self._claims) > self.size:
                self._claims.popitem(last=False)

    def __len__(self) -> int:
        return len(self._claims)


@dataclass(frozen=True)
class KeyRing:
    active_kid: str
    private: dict[str, Ed25519PrivateKey]
    issuer: str
    audience: str
    verified: _Verified = field(
        default_factory=lambda: _Verified(VERIFIED_CACHE_SIZE), compare=False, repr=False
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        if settings.jwt_keys_dir:
            keys = load_dir(Path(settings.jwt_keys_dir))
            kid = settings.jwt_active_kid or (sorted(keys)[-1] if keys else "")
            if kid not in keys:
                raise InvalidInput(
                    f"PULSE_BACKEND_JWT_ACTIVE_KID {kid!r} has no key in PULSE_BACKEND_JWT_KEYS_DIR"
                )
        elif settings.is_dev:
            # Dev only (settings refuse this elsewhere): tokens die with the process.
            kid = settings.jwt_active_kid or f"dev-{secrets.token_hex(4)}"
            keys = {kid: Ed25519PrivateKey.generate()}
        else:
            raise InvalidInput("PULSE_BACKEND_JWT_KEYS_DIR is required outside dev")
        return cls(kid, keys, settings.jwt_issuer, settings.jwt_audience)

    def public(self, kid: str) -> Ed25519PublicKey | None:
        key = self.private.get(kid)
        return key.public_key() if key else None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        out = []
        for kid, key in sorted(self.private.items()):
            raw = key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            out.append(
                {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": kid, "alg": ALGORITHM}
                | {"use": "sig"}
            )
        return {"keys": out}

    def sign(self, claims: dict[str, Any], ttl_seconds: int, *, audience: str | None = None) -> str:
        """An access token, or with ``audience`` a token for something else
        (a device token): the API accepts only its own audience as access."""
        now = int(time.time())
        payload = {
            **claims,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
            "aud": audience or self.audience,
        }
        return jwt.encode(
            payload,
            self.private[self.active_kid],
            algorithm=ALGORITHM,
            headers={"kid": self.active_kid},
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token; anything else is Unauthenticated with a
        reason that says what, never echoing the token. A token verified
        before is answered from ``verified`` until it expires."""
        digest = self.verified.digest(token)
        claims = self.verified.get(digest)
        if claims is not None:
            return claims
        claims = self._decode(token, self.audience, REQUIRED_CLAIMS)
        self.verified.put(digest, claims)
        return claims

    def verify_other(
        self, token: str, *, audience: str, required: tuple[str, ...]
    ) -> dict[str, Any]:
        """The claims of a valid token of another audience (a device token).
        Never cached: ``verified`` is keyed by the token alone and answers
        for access tokens, so another token in it could pass as one."""
        return self._decode(token, audience, required)

    def _decode(self, token: str, audience: str, required: tuple[str, ...]) -> dict[str, Any]:
        try:
            kid = tokens.kid_of(token)
            return tokens.decode(
                token,
                self.public(kid) if kid else None,
                issuer=self.issuer,
                audience=audience,
                required=required,
            )
        except tokens.TokenRejected as exc:
            raise Unauthenticated(str(exc)) from None


def load_dir(path: Path) -> dict[str, Ed25519PrivateKey]:
    if not path.is_dir():
        raise InvalidInput(f"PULSE_BACKEND_JWT_KEYS_DIR {str(path)!r} is not a directory")
    keys: dict[str, Ed25519PrivateKey] = {}
    for pem in sorted(path.glob("*.pem")):
        kid = pem.stem
        if not KID_RE.fullmatch(kid):
            raise InvalidInput(f"JWT key file {pem.name!r}: the kid must match {KID_RE.pattern}")
        try:
            key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        except ValueError:
            raise InvalidInput(f"JWT key file {pem.name!r} is not a PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"JWT key file {pem.name!r} is not an Ed25519 key")
        keys[kid] = key
    if not keys:
        raise InvalidInput(f"PULSE_BACKEND_JWT_KEYS_DIR {str(path)!r} holds no <kid>.pem key")
    return keys


def write_key(path: Path, kid: str) -> Path:
    """Generates ``<kid>.pem`` (for tests, ``make dev`` and key rotation)."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    target = path / f"{kid}.pem"
    target.write_bytes(pem)
    target.chmod(0o600)
    return target
