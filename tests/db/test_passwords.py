"""Issue 8 item 6: user passwords are hashed with argon2id, old scrypt hashes
still verify (and ask to be upgraded), and the first admin's initial password
is the one the caller asked for, reset only while the admin has not changed it."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy import text

from pulse_common.db import connect
from pulse_common.provisioning import ensure_tenant, reset_admin_password
from pulse_common.security import hash_password, needs_rehash, verify_password
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory


def _old_scrypt_hash(password: str) -> str:
    """Exactly the format of the releases before argon2id."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${2**14}$8$1${b64(salt).decode()}${b64(digest).decode()}"


def test_new_hashes_are_argon2id() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong horse", stored)
    assert not needs_rehash(stored)


def _params(stored: str) -> dict[str, int]:
    # $argon2id$v=19$m=...,t=...,p=...$salt$hash
    return {k: int(v) for k, v in (kv.split("=") for kv in stored.split("$")[3].split(","))}


def test_production_parameters_and_cheaper_hashes_need_rehash(
    production_argon2: PasswordHasher,
) -> None:
    """RFC 9106's low-memory profile; a hash with any other parameters (the
    tests' cheap ones among them) verifies and asks to be re-hashed."""
    stored = hash_password("correct horse")
    assert _params(stored) == {"m": 64 * 1024, "t": 3, "p": 4}
    assert not needs_rehash(stored)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    assert verify_password("correct horse", cheap)
    assert not verify_password("wrong horse", cheap)
    assert needs_rehash(cheap)


def test_the_test_session_hashes_cheaply_and_verifies_production_hashes(
    cheap_argon2: PasswordHasher,
) -> None:
    """The suite-wide swap (tests/conftest.py) is in effect outside
    ``production_argon2``, and still reads hashes made with the real
    parameters (by the operator or make dev in their own processes)."""
    assert _params(hash_password("correct horse")) == {"m": 8, "t": 1, "p": 1}
    real = PasswordHasher().hash("correct horse")
    assert verify_password("correct horse", real)
    assert needs_rehash(real)


def test_old_scrypt_hashes_verify_and_need_rehash() -> None:
    stored = _old_scrypt_hash("legacy pw")
    assert verify_password("legacy pw", stored)
    assert not verify_password("other pw", stored)
    assert needs_rehash(stored)


@pytest.mark.parametrize(
    "stored",
    ["", "scrypt$1$2", "scrypt$x$8$1$AAAA$AAAA", "$argon2id$garbage", "md5$abc", "plain"],
)
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)
    assert needs_rehash(stored)


def _admin_hash(db: PulseDb, slug: str) -> tuple[str, bool]:
    n = TenantNames(slug)
    with connect(db.engine) as conn:
        row = conn.execute(
            text(
                f"SELECT password_hash, must_change_password FROM {quote_ident(n.schema)}.users "
                "WHERE role = 'admin'"
            )
        ).one()
    return str(row[0]), bool(row[1])


@pytest.mark.postgres
def test_admin_initial_password_is_the_given_one_and_rotates_only_until_changed(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    req, made = make_tenant("adm", admin_password="first-initial-pw")
    assert made.admin_password is not None
    assert made.admin_password.get_secret_value() == "first-initial-pw"
    stored, must_change = _admin_hash(pulse_db, req.slug)
    assert must_change and verify_password("first-initial-pw", stored)

    # Re-running without a password changes nothing.
    again = ensure_tenant(pulse_db.engine, req.model_copy(update={"admin_password": None}))
    assert again.admin_password is None
    assert _admin_hash(pulse_db, req.slug)[0] == stored

    # Rotation on request, while the admin still must change it.
    rotated = req.model_copy(update={"admin_password": SecretStr("second-initial-pw")})
    assert ensure_tenant(pulse_db.engine, rotated).admin_password is not None
    assert verify_password("second-initial-pw", _admin_hash(pulse_db, req.slug)[0])
    assert reset_admin_password(pulse_db.engine, req.slug, str(req.admin_email), "third-pw")
    assert verify_password("third-pw", _admin_hash(pulse_db, req.slug)[0])

    # Once the admin chose their own password, nothing resets it.
    n = TenantNames(req.slug)
    with connect(pulse_db.engine) as conn:
        conn.execute(
            text(
                f"UPDATE {quote_ident(n.schema)}.users SET must_change_password = false, "
                "password_hash = :h WHERE role = 'admin'"
            ),
            {"h": hash_password("chosen-by-admin")},
        )
    assert not reset_admin_password(pulse_db.engine, req.slug, str(req.admin_email), "fourth")
    final = req.model_copy(update={"admin_password": SecretStr("fifth")})
    assert ensure_tenant(pulse_db.engine, final).admin_password is None
    assert verify_password("chosen-by-admin", _admin_hash(pulse_db, req.slug)[0])
