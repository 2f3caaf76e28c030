"""The branding API's nouns."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from pulse_common.models.enums import ColorMode
from pulse_common.provisioning.models import HEX_COLOR

# A mismatch is answered with the pattern's words (pulse_common.patterns), as
# the web app's colour fields say before sending.
HexColor = Annotated[str, StringConstraints(pattern=HEX_COLOR), AfterValidator(str.upper)]
SCHEME_FIELDS = (
    "primary_color",
    "secondary_color",
    "accent_color",
    "background_color",
    "surface_color",
    "text_color",
)


class SchemeOverride(BaseModel):
    """Colours of one mode set explicitly instead of derived from the brand colours."""

    model_config = ConfigDict(extra="forbid")

    primary_color: HexColor | None = None
    secondary_color: HexColor | None = None
    accent_color: HexColor | None = None
    background_color: HexColor | None = None
    surface_color: HexColor | None = None
    text_color: HexColor | None = None


class BrandingUpdate(BaseModel):
    """A tenant's override of the platform default: two brand colours from
    which both modes are derived, plus optional per-mode colours."""

    model_config = ConfigDict(extra="forbid")

    primary_color: HexColor
    secondary_color: HexColor
    light: SchemeOverride = SchemeOverride()
    dark: SchemeOverride = SchemeOverride()


class ColorScheme(BaseModel):
    """One mode's palette; ``on_*`` are text colours computed to reach WCAG
    contrast >= 4.5:1 on the colour they name."""

    mode: ColorMode
    primary_color: str
    secondary_color: str
    accent_color: str
    background_color: str
    surface_color: str
    text_color: str
    on_primary: str
    on_secondary: str
    on_accent: str
    on_surface: str
    text_contrast: float


class BrandingOut(BaseModel):
    source: Literal["platform", "tenant"]
    light: ColorScheme
    dark: ColorScheme
    logo_url: str | None
    logo_source: Literal["platform", "tenant", "none"]


class FeatureFlags(BaseModel):
    flags: dict[str, bool]


class FeatureFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class SystemSettingOut(BaseModel):
    key: str
    value: object
    description: str | None
