"""Pydantic models at the provisioning boundary: what callers ask for and get."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, field_validator

from pulse_common.models.control import TenantState, TenantTier
from pulse_common.patterns import worded
from pulse_common.tenancy import validate_slug

HEX_COLOR = worded(r"^#[0-9A-Fa-f]{6}$", "use a colour as #RRGGBB, e.g. #1F6FEB")
# The rules for fields that also arrive through a PulseTenant spec: the
# operator's spec model uses these same types, so that a spec it accepts is
# a request provisioning accepts (one copy of each rule).
HexColor = Annotated[str, Field(pattern=HEX_COLOR)]
LogoUrl = Annotated[str, Field(max_length=500)]
DisplayName = Annotated[str, Field(min_length=1, max_length=100)]


class SeedProfile(enum.StrEnum):
    minimal = "minimal"
    demo = "demo"


class Branding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_color: HexColor = "#1F6FEB"
    secondary_color: HexColor = "#0B1F3A"
    logo_url: LogoUrl | None = None


class TenantRequest(BaseModel):
    """What a tenant needs in PostgreSQL. ``login_password``: the password for
    the tenant's login role, owned by the caller (the operator keeps it in a
    Secret); when omitted, a new role gets a generated one (returned once) and
    an existing role keeps its password."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str
    display_name: DisplayName
    tier: TenantTier = TenantTier.standard
    admin_email: EmailStr
    branding: Branding = Branding()
    seed_profile: SeedProfile = SeedProfile.minimal
    login_password: SecretStr | None = None
    # The first admin's initial password: set on a new admin, and on an
    # existing one who has not changed theirs yet (rotation). None: generate
    # one for a new admin, leave an existing one alone. Only ever a random
    # secret from ``generate_password``: it is hashed with cheap parameters
    # (``security.hash_issued_secret``) until the first sign-in.
    admin_password: SecretStr | None = None
    demo_seed: int = 20261128
    demo_as_of: dt.date | None = None

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return validate_slug(v)


class TenantProvisioned(BaseModel):
    """The result of ``ensure_tenant``. Secrets are only set when this call
    created them; they are ``SecretStr`` so that logging the model hides them."""

    tenant_id: int
    slug: str
    schema_name: str
    login_role: str
    owner_role: str
    schema_revision: str | None
    state: TenantState
    adopted: bool = False
    login_password: SecretStr | None = None
    admin_email: str
    admin_password: SecretStr | None = None


class MigrationProgress(BaseModel):
    index: int
    total: int
    slug: str
    from_revision: str | None
    to_revision: str | None
