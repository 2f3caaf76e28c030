"""SQL over the tenant's ``users`` table (inside a tenant transaction)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Row, func, select, update

from pulse_backend.schemas import UserOut
from pulse_common.errors import NotFound
from pulse_common.models.base import table_of
from pulse_common.models.tenant_identity import User

users = table_of(User)
PUBLIC_COLUMNS: list[Any] = [
    users.c[name]
    for name in (
        "id",
        "email",
        "first_name",
        "last_name",
        "role",
        "theme_mode",
        "active",
        "must_change_password",
        "last_login_at",
        "created_at",
    )
]
# Whether the user has a password at all (never the hash itself): an
# invited user has none until they use the invite link.
PUBLIC_COLUMNS.append(users.c.password_hash.is_(None).label("invited"))


def by_email(conn: Connection, email: str) -> Row[Any] | None:
    """The user signing in: with the password hash and the device revocation
    count (``devices.require_current``)."""
    row = conn.execute(
        select(*PUBLIC_COLUMNS, users.c.password_hash, users.c.device_revocations).where(
            users.c.email == email.lower()
        )
    ).first()
    return cast("Row[Any] | None", row)


def by_id(conn: Connection, user_id: int, *, for_update: bool = False) -> Row[Any]:
    query = select(*PUBLIC_COLUMNS, users.c.password_hash).where(users.c.id == user_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return cast("Row[Any]", row)


def get(conn: Connection, user_id: int) -> UserOut:
    return UserOut.from_row(by_id(conn, user_id))


def update_user(conn: Connection, user_id: int, **values: Any) -> UserOut:
    row = conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(**values, last_updated_at=func.now())
        .returning(*PUBLIC_COLUMNS)
    ).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return UserOut.from_row(row)


def set_password(conn: Connection, user_id: int, password_hash: str) -> UserOut:
    return update_user(conn, user_id, password_hash=password_hash, must_change_password=False)


def touch_login(conn: Connection, user_id: int) -> None:
    conn.execute(
        update(users).where(users.c.id == user_id).values(last_login_at=dt.datetime.now(dt.UTC))
    )


def revoke_devices(conn: Connection, user_id: int) -> None:
    """One more revocation of every device of the user (``devices.distrust_all``)."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(device_revocations=users.c.device_revocations + 1)
    )
