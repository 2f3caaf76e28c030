"""The PulseTenant spec as a typed model: the CRD already validated it, this
is the second line for anything that slipped past (e.g. an older CRD), and
the only one in the operator. Fields that reach provisioning use its types
(``HexColor``, ``DisplayName``, ``EmailStr``...), so a spec accepted here is
never refused later by ``TenantRequest``."""

from __future__ import annotations

import enum
import zoneinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from pulse_common.errors import InvalidInput
from pulse_common.models.control import TenantTier
from pulse_common.provisioning import Branding, SeedProfile
from pulse_common.provisioning.models import DisplayName, HexColor, LogoUrl
from pulse_common.tenancy import validate_slug
from pulse_operator.network import MAX_CIDRS, Port, check_cidr


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class DeletionPolicy(enum.StrEnum):
    retain = "Retain"
    delete = "Delete"


class SecretRef(_Model):
    name: str = Field(min_length=1)
    key: str = Field(min_length=1)


class Integration(_Model):
    name: str = Field(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    type: Literal["jira", "github"]
    base_url: str | None = Field(default=None, alias="baseUrl")
    projects: list[str] = []
    organization: str | None = None
    repositories: list[str] = []
    credentials_secret_ref: SecretRef = Field(alias="credentialsSecretRef")

    @model_validator(mode="after")
    def _needs(self) -> Integration:
        if self.type == "jira" and not (self.base_url and self.projects):
            raise ValueError("a jira integration needs baseUrl and at least one project")
        if self.type == "github" and not (self.organization or self.repositories):
            raise ValueError("a github integration needs organization or repositories")
        return self


class BrandingSpec(_Model):
    primary_color: HexColor = Field(default="#1F6FEB", alias="primaryColor")
    secondary_color: HexColor = Field(default="#0B1F3A", alias="secondaryColor")
    logo_url: LogoUrl | None = Field(default=None, alias="logoUrl")

    def to_branding(self) -> Branding:
        return Branding(
            primary_color=self.primary_color,
            secondary_color=self.secondary_color,
            logo_url=self.logo_url,
        )


class EgressSpec(_Model):
    """Private addresses this tenant's ETL may reach (self-hosted Jira, GitHub
    Enterprise) on ``ports``; see pulse_operator.network."""

    allow_cidrs: list[str] = Field(default=[], alias="allowCIDRs", max_length=MAX_CIDRS)
    ports: list[Port] = Field(default=[443], min_length=1, max_length=10)

    @field_validator("allow_cidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        return [check_cidr(c, allow=True) for c in v]


class EtlSpec(_Model):
    replicas: int = Field(default=1, ge=0, le=5)
    image: str = ""
    schedule: str = "0 */2 * * *"
    time_zone: str = Field(default="UTC", alias="timeZone", max_length=64)
    egress: EgressSpec = EgressSpec()

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {v!r}") from None
        return v


class VectorStoreSpec(_Model):
    # The built-in offline embedding model's size, so search works out of the box.
    vector_size: int = Field(default=384, ge=8, le=4096, alias="vectorSize")
    distance: Literal["Cosine", "Dot", "Euclid"] = "Cosine"


class AdminSpec(_Model):
    email: EmailStr


class SeedSpec(_Model):
    profile: SeedProfile = SeedProfile.minimal


class TenantSpec(_Model):
    display_name: DisplayName = Field(alias="displayName")
    tier: TenantTier = TenantTier.standard
    suspended: bool = False
    deletion_policy: DeletionPolicy = Field(default=DeletionPolicy.retain, alias="deletionPolicy")
    admin: AdminSpec
    branding: BrandingSpec = BrandingSpec()
    etl: EtlSpec = EtlSpec()
    integrations: list[Integration] = Field(default=[], max_length=20)
    vector_store: VectorStoreSpec = Field(default=VectorStoreSpec(), alias="vectorStore")
    seed: SeedSpec = SeedSpec()

    @model_validator(mode="after")
    def _unique_integrations(self) -> TenantSpec:
        names = [i.name for i in self.integrations]
        if len(names) != len(set(names)):
            raise ValueError("integration names must be unique")
        return self


class Tenant(_Model):
    """A PulseTenant object as the operator needs it."""

    slug: str
    uid: str
    generation: int
    spec: TenantSpec


def parse_tenant(name: str, uid: str, generation: int | None, spec: dict[str, Any]) -> Tenant:
    """Validates a PulseTenant body; InvalidInput (permanent) names the problem."""
    from pydantic import ValidationError

    validate_slug(name)
    try:
        return Tenant(
            slug=name,
            uid=uid,
            generation=generation or 0,
            spec=TenantSpec.model_validate(dict(spec)),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"spec.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(f"invalid PulseTenant {name!r}: {problems}") from None
