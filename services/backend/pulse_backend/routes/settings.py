"""/api/v1/settings: tenant branding (colours, logo), feature flags and the
system settings list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from pulse_backend import system_settings
from pulse_backend.branding import service
from pulse_backend.branding.logo import SVG
from pulse_backend.branding.models import (
    BrandingOut,
    BrandingUpdate,
    FeatureFlag,
    FeatureFlags,
    SystemSettingOut,
)
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn
from pulse_backend.known_query import version_tag
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import Clients
from pulse_common.patterns import worded

router = APIRouter(prefix="/settings", tags=["settings"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("settings:read")]
Writer = Annotated[Principal, require("settings:write")]
MAX_LOGO_BYTES = 512 * 1024
FlagName = Annotated[
    str,
    Path(
        pattern=worded(
            r"^[a-z][a-z0-9_]{1,40}$",
            "use 2-41 lowercase letters, digits and underscores, starting with a letter",
        )
    ),
]


@router.get("/branding")
def get_branding(clients: Clients, principal: Reader) -> BrandingOut:
    """The effective light and dark schemes with accessible text colours."""
    return service.get_branding(clients, principal)


@router.put("/branding")
def set_branding(body: BrandingUpdate, clients: Clients, principal: Writer) -> BrandingOut:
    """Overrides the platform default; refused if body text would not reach 4.5:1."""
    return service.set_branding(clients, principal, body)


@router.delete("/branding")
def reset_branding(clients: Clients, principal: Writer) -> BrandingOut:
    """Back to the platform default (the operator's spec.branding)."""
    return service.reset_branding(clients, principal)


@router.put("/branding/logo")
async def upload_logo(file: UploadFile, clients: Clients, principal: Writer) -> BrandingOut:
    """PNG, JPEG, WebP or SVG up to 512 KiB; the type is judged by content."""
    # One byte more than allowed is enough to know it is too large.
    data = await file.read(MAX_LOGO_BYTES + 1)
    return await run_in_threadpool(service.upload_logo, clients, principal, data, MAX_LOGO_BYTES)


@router.delete("/branding/logo")
def delete_logo(clients: Clients, principal: Writer) -> BrandingOut:
    return service.delete_logo(clients, principal)


@router.get(
    "/branding/logo",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}, "description": "The logo"}},
)
@version_tag("v")  # BrandingOut.logo_url: LOGO_PATH?v=<etag>
def get_logo(
    clients: Clients,
    principal: Reader,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    logo = service.read_logo(clients, principal)
    etag = f'"{logo.etag}"'
    headers = {
        "ETag": etag,
        # Behind a token: caches shared between users must not keep it.
        "Cache-Control": "private, max-age=300, must-revalidate",
        "X-Content-Type-Options": "nosniff",
    }
    if logo.content_type == SVG:
        # Opened directly, an SVG is a document: give it no power at all.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(logo.data, media_type=logo.content_type, headers=headers)


@router.get("/features")
def get_features(clients: Clients, principal: Reader) -> FeatureFlags:
    return service.get_flags(clients, principal)


@router.put("/features/{name}")
def set_feature(
    name: FlagName, body: FeatureFlag, clients: Clients, principal: Writer
) -> FeatureFlags:
    return service.set_flag(clients, principal, name, body.enabled)


@router.get("/system")
def list_system_settings(conn: ReadConn, _: Reader) -> list[SystemSettingOut]:
    """Every setting but the stored logo (served by /branding/logo)."""
    return [
        SystemSettingOut(key=k, value=v, description=d)
        for k, v, d in system_settings.all_settings(conn)
        if k != service.LOGO_KEY
    ]
