"""The branding API's nouns."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema

from pulse_common.models.enums import ColorMode
from pulse_common.patterns import words
from pulse_common.provisioning.models import HEX_COLOR

# The web app's colour fields say the same before sending.
HEX_MESSAGE = words(HEX_COLOR) or "use a colour as #RRGGBB"


def _hex_color(value: str) -> str:
    # Our own check, not a pattern constraint: pydantic's "String should
    # match pattern '^#[0-9A-Fa-f]{6}$'" is no message for a person.
    if not re.fullmatch(HEX_COLOR, value):
        raise ValueError(HEX_MESSAGE)
    return value.upper()


HexColor = Annotated[
    str, AfterValidator(_hex_color), WithJsonSchema({"type": "string", "pattern": HEX_COLOR})
]
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
