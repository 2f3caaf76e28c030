"""User administration (admins) and one's own profile: the typed core
behind ``routes/users.py`` and ``routes/profile.py``.

Deactivating a user ends every session of theirs at once and distrusts
their devices (for good: reactivating them trusts none again); a role change
reaches their live sessions on the next request. An admin cannot demote or
deactivate themselves, and the last active admin cannot be removed, so a
tenant can never lock itself out.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc
import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, insert, select

from pulse_backend import passwords, session_state, users_repo
from pulse_backend.context import Principal
from pulse_backend.db import tenant_write
from pulse_backend.errors import FieldConflict, FieldInvalid
from pulse_backend.params import Text
from pulse_backend.rbac import Role
from pulse_backend.schemas import NAME, Email, UserOut
from pulse_backend.state import AppClients
from pulse_common.errors import Conflict
from pulse_common.models.enums import ThemeMode, UserRole

log = structlog.get_logger("pulse_backend.users")
users = users_repo.users


class Invite(Email):
    role: Role = Role.member
    first_name: Text | None = NAME
    last_name: Text | None = NAME


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    first_name: Text | None = NAME
    last_name: Text | None = NAME
    active: bool | None = None


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Text | None = NAME
    last_name: Text | None = NAME


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme_mode: ThemeMode


class SetPasswordLink(BaseModel):
    user: UserOut
    set_password_url: str = Field(description="one-time link; shown once, never stored")
    expires_in: int


def list_users(conn: Connection, *, include_inactive: bool = True) -> list[UserOut]:
    query = select(*users_repo.PUBLIC_COLUMNS).order_by(users.c.id)
    if not include_inactive:
        query = query.where(users.c.active)
    return [UserOut.from_row(r) for r in conn.execute(query)]


def _link(clients: AppClients, principal: Principal, user: UserOut) -> SetPasswordLink:
    ttl = clients.settings.invite_ttl_seconds
    token = passwords.issue_link_token(clients.redis, principal.names, user.id, ttl)
    base = clients.settings.public_url.rstrip("/")
    # In the fragment: never sent to a server, so never in an access log.
    return SetPasswordLink(
        user=user, set_password_url=f"{base}/set-password#token={token}", expires_in=ttl
    )


def invite(clients: AppClients, principal: Principal, body: Invite) -> SetPasswordLink:
    with tenant_write(clients, principal) as conn:
        try:
            with conn.begin_nested():
                row = conn.execute(
                    insert(users)
                    .values(
                        tenant_id=principal.tenant_id,
                        email=body.email,
                        first_name=body.first_name,
                        last_name=body.last_name,
                        role=body.role.to_db(),
                        must_change_password=False,
                    )
                    .returning(*users_repo.PUBLIC_COLUMNS)
                ).one()
        except sqlalchemy.exc.IntegrityError:
            raise FieldConflict("email", "a user with this email already exists") from None
        user = UserOut.from_row(row)
        # Inside the transaction: if Redis cannot store the link, no user is created.
        link = _link(clients, principal, user)
    log.info("user invited", category="AUTH", invited_user=user.id, role=user.role.value)
    return link


def issue_reset(clients: AppClients, principal: Principal, user_id: int) -> SetPasswordLink:
    with tenant_write(clients, principal) as conn:
        user = users_repo.get(conn, user_id)
    if not user.active:
        raise Conflict("user is deactivated; reactivate them first")
    log.info("password reset issued", category="AUTH", target_user=user_id)
    return _link(clients, principal, user)


def _active_admins(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.active, users.c.role == UserRole.admin.value)
        ).scalar_one()
    )


def _guard_admin_loss(
    conn: Connection, principal: Principal, target: Any, patch: UserPatch
) -> None:
    loses_admin = target.role == UserRole.admin.value and (
        (patch.role is not None and patch.role is not Role.admin) or patch.active is False
    )
    if not loses_admin:
        return
    if target.id == principal.user_id:
        raise Conflict("you cannot remove your own admin rights or deactivate yourself")
    if target.active and _active_admins(conn) <= 1:
        raise Conflict("the tenant's last active admin cannot be removed")


def update(clients: AppClients, principal: Principal, user_id: int, patch: UserPatch) -> UserOut:
    values = patch.model_dump(exclude_unset=True)
    for field in ("role", "active"):
        if field in values and values[field] is None:
            raise FieldInvalid(field, "must not be null")
    if patch.role is not None:
        values["role"] = patch.role.to_db()
    ended: list[int] = []
    with tenant_write(clients, principal) as conn:
        target = users_repo.by_id(conn, user_id, for_update=True)
        _guard_admin_loss(conn, principal, target, patch)
        user = (
            users_repo.update_user(conn, user_id, **values) if values else UserOut.from_row(target)
        )
        if patch.active is False:
            ended = session_state.end_user_sessions(clients, conn, principal.names, user_id, None)
        else:
            session_state.recache_user(clients, conn, principal.names, user)
    session_state.forget(clients, principal.names, ended)
    log.info("user updated", category="AUTH", target_user=user_id, fields=sorted(values))
    return user


def deactivate(clients: AppClients, principal: Principal, user_id: int) -> UserOut:
    return update(clients, principal, user_id, UserPatch(active=False))


def update_profile(conn: Connection, principal: Principal, patch: ProfilePatch) -> UserOut:
    values = patch.model_dump(exclude_unset=True)
    if not values:
        return users_repo.get(conn, principal.user_id)
    return users_repo.update_user(conn, principal.user_id, **values)


def set_preferences(conn: Connection, principal: Principal, prefs: Preferences) -> Preferences:
    user = users_repo.update_user(conn, principal.user_id, theme_mode=prefs.theme_mode)
    return Preferences(theme_mode=user.theme_mode)
