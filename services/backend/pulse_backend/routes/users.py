"""/api/v1/users: user administration (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from pulse_backend import users_repo, users_service
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.schemas import UserOut
from pulse_backend.state import Clients
from pulse_backend.users_service import Invite, SetPasswordLink, UserPatch

router = APIRouter(prefix="/users", tags=["users"], route_class=RetriedOnPrimary)
UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Reader = Annotated[Principal, require("users:read")]
Writer = Annotated[Principal, require("users:write")]


@router.get("")
def list_users(conn: ReadConn, _: Reader) -> list[UserOut]:
    return users_service.list_users(conn)


@router.post("", status_code=201)
def invite_user(body: Invite, clients: Clients, principal: Writer) -> SetPasswordLink:
    """Creates the user and returns a one-time set-password link for them."""
    return users_service.invite(clients, principal, body)


@router.get("/{user_id}")
def get_user(user_id: UserId, conn: ReadConn, _: Reader) -> UserOut:
    return users_repo.get(conn, user_id)


@router.patch("/{user_id}")
def update_user(user_id: UserId, body: UserPatch, clients: Clients, principal: Writer) -> UserOut:
    return users_service.update(clients, principal, user_id, body)


@router.delete("/{user_id}")
def deactivate_user(user_id: UserId, clients: Clients, principal: Writer) -> UserOut:
    """Deactivates (never deletes) the user; their sessions end at once."""
    return users_service.deactivate(clients, principal, user_id)


@router.post("/{user_id}/password-reset", status_code=201)
def reset_password(user_id: UserId, clients: Clients, principal: Writer) -> SetPasswordLink:
    return users_service.issue_reset(clients, principal, user_id)
