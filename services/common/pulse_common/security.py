"""Secrets handling: generating passwords, hashing user passwords (argon2id;
scrypt hashes of earlier releases still verify), and
PostgreSQL SCRAM verifiers (so a role's cleartext password never reaches the
server, its statement log or ``pg_stat_activity``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3,
# m=64 MiB, p=4). ``needs_rehash`` reports hashes made with other parameters.
_ARGON2 = PasswordHasher()
# For secrets the platform generated itself (``generate_password``: 144 bits
# and more), never for a password a person chose. A memory-hard KDF only
# slows the guessing of low-entropy passwords; nobody enumerates 2**144
# candidates at any cost per guess, so the one-way hash is all that protects
# such a secret. The full parameters cost ~0.1-0.9 s of CPU and 64 MiB per
# hash, paid for every tenant's first admin while hundreds are provisioned at
# once. Still argon2id in the PHC format, so ``verify_password`` reads it and
# ``needs_rehash`` reports it: the first sign-in re-hashes with the full
# parameters (and the must-change-password gate replaces it anyway).
_ARGON2_ISSUED = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_SCRYPT_DKLEN = 32


def generate_password(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_password(password: str) -> str:
    """argon2id, PHC string format (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``)."""
    return _ARGON2.hash(password)


def hash_issued_secret(secret: str) -> str:
    """argon2id with cheap parameters, for a random secret from
    ``generate_password`` only (see ``_ARGON2_ISSUED``)."""
    return _ARGON2_ISSUED.hash(secret)


def verify_password(password: str, stored: str) -> bool:
    """Checks argon2id hashes, and the scrypt hashes of earlier releases
    (``scrypt$n$r$p$salt$hash``). False for anything malformed."""
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, stored)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` is not argon2id with today's parameters: callers
    re-hash the password (which they just verified) and store the result."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return _ARGON2.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=_SCRYPT_DKLEN,
            maxmem=256 * 1024 * 1024,
        )
        return hmac.compare_digest(candidate, base64.b64decode(digest))
    except ValueError:  # wrong field count, bad base64, bad numbers, n not a power of 2
        return False


def scram_sha256_verifier(password: str, iterations: int = 4096) -> str:
    """The verifier PostgreSQL stores for ``password_encryption = scram-sha-256``."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
