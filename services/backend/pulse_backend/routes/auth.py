"""/api/v1/auth: login, refresh, logout, me, password change and set-password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from pulse_backend import auth_service, devices, password_service, users_repo
from pulse_backend.auth_service import ClientInfo, Issued
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn
from pulse_backend.errors import Unauthenticated
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.schemas import Email, UserOut
from pulse_backend.state import AppClients, Clients
from pulse_common.tenancy import SLUG_RE

router = APIRouter(prefix="/auth", tags=["auth"], route_class=RetriedOnPrimary)

REFRESH_COOKIE = "pulse_refresh"
COOKIE_PATH = "/api/v1/auth"
PASSWORD = Field(min_length=1, max_length=256)


class LoginRequest(Email):
    tenant: str = Field(pattern=SLUG_RE.pattern, description="the tenant slug")
    password: str = PASSWORD


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    must_change_password: bool
    user: UserOut
    permissions: list[str] = Field(
        description="what this session may do (``resource:action``): the role's and the "
        "user's extra grants; the web app shows only what is allowed"
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = PASSWORD
    new_password: str = PASSWORD


class SetPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200)
    password: str = PASSWORD


def _client(request: Request) -> ClientInfo:
    return ClientInfo(
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


def _set_cookie(
    clients: AppClients, response: Response, name: str, value: str, max_age: int, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=clients.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def _issue(clients: AppClients, response: Response, issued: Issued) -> TokenResponse:
    ttl = clients.settings.refresh_token_ttl_seconds
    _set_cookie(clients, response, REFRESH_COOKIE, issued.refresh_token, ttl, COOKIE_PATH)
    if issued.device_token:
        # This browser is now a trusted device: sent back to sign-in only.
        ttl = clients.settings.device_token_ttl_seconds
        _set_cookie(
            clients, response, devices.COOKIE, issued.device_token, ttl, devices.COOKIE_PATH
        )
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        must_change_password=issued.user.must_change_password,
        user=issued.user,
        permissions=sorted(issued.permissions),
    )


def _clear(clients: AppClients, response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        secure=clients.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


@router.post("/login")
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    clients: Clients,
    # No max_length: a bad cookie must not refuse the sign-in (it is ignored).
    pulse_device: Annotated[str | None, Cookie()] = None,
) -> TokenResponse:
    """Signs in. ``pulse_device`` (set by an earlier sign-in, HttpOnly) makes
    the browser a trusted device: its failures are counted on their own."""
    issued = auth_service.login(
        clients, body.tenant, body.email, body.password, _client(request), pulse_device
    )
    return _issue(clients, response, issued)


@router.post("/refresh")
def refresh(
    response: Response,
    clients: Clients,
    pulse_refresh: Annotated[str | None, Cookie(max_length=400)] = None,
) -> TokenResponse:
    if not pulse_refresh:
        raise Unauthenticated("no refresh token cookie")
    return _issue(clients, response, auth_service.refresh(clients, pulse_refresh))


@router.post("/logout", status_code=204)
def logout(
    response: Response,
    clients: Clients,
    principal: Annotated[Principal, require("session:write")],
) -> None:
    auth_service.logout(clients, principal)
    _clear(clients, response)


@router.get("/me")
def me(conn: ReadConn, principal: Annotated[Principal, require("profile:read")]) -> UserOut:
    return users_repo.get(conn, principal.user_id)


@router.post("/password")
def change_password(
    body: PasswordChange,
    clients: Clients,
    principal: Annotated[Principal, require("profile:write")],
) -> UserOut:
    return password_service.change_password(
        clients, principal, body.current_password, body.new_password
    )


@router.post("/set-password")
def set_password(body: SetPassword, clients: Clients) -> UserOut:
    """Sets a password with a one-time link from an invite or an admin reset."""
    return password_service.set_password_with_link(clients, body.token, body.password)
