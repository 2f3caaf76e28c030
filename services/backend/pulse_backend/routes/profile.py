"""/api/v1/profile: one's own profile and preferences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from pulse_backend import users_repo, users_service
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn, WriteConn
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.schemas import UserOut
from pulse_backend.users_service import Preferences, ProfilePatch

router = APIRouter(prefix="/profile", tags=["profile"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("profile:read")]
Writer = Annotated[Principal, require("profile:write")]


@router.get("")
def get_profile(conn: ReadConn, principal: Reader) -> UserOut:
    return users_repo.get(conn, principal.user_id)


@router.patch("")
def update_profile(body: ProfilePatch, conn: WriteConn, principal: Writer) -> UserOut:
    return users_service.update_profile(conn, principal, body)


@router.get("/preferences")
def get_preferences(conn: ReadConn, principal: Reader) -> Preferences:
    return Preferences(theme_mode=users_repo.get(conn, principal.user_id).theme_mode)


@router.put("/preferences")
def set_preferences(body: Preferences, conn: WriteConn, principal: Writer) -> Preferences:
    return users_service.set_preferences(conn, principal, body)
