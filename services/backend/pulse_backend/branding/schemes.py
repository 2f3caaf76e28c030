"""Effective colour schemes: the platform default (``client_color_settings``,
written by the operator from ``spec.branding``) or the tenant's override,
with accessible text colours computed for each brand colour."""

from __future__ import annotations

from sqlalchemy import Connection, select

from pulse_backend.branding.models import SCHEME_FIELDS, BrandingUpdate, ColorScheme
from pulse_backend.errors import FieldInvalid
from pulse_common.branding import invisible_primary, palettes
from pulse_common.colors import MIN_CONTRAST, contrast, text_on
from pulse_common.models.base import table_of
from pulse_common.models.enums import ColorMode
from pulse_common.models.tenant_settings import ClientColorSettings
from pulse_common.provisioning.models import Branding

Palettes = dict[ColorMode, dict[str, str]]
_COLORS = table_of(ClientColorSettings)


def platform_default(conn: Connection) -> tuple[Palettes, str | None]:
    """The operator's palettes and logo URL; the built-in default if the
    rows are missing (a tenant provisioned before branding existed)."""
    rows = conn.execute(select(_COLORS)).mappings().all()
    found: Palettes = {
        ColorMode(r["mode"]): {f: str(r[f]).upper() for f in SCHEME_FIELDS} for r in rows
    }
    default = palettes(Branding())
    logo = next((r["logo_url"] for r in rows if r["logo_url"]), None)
    return {mode: found.get(mode, default[mode]) for mode in ColorMode}, logo


def overridden(update: BrandingUpdate) -> Palettes:
    derived = palettes(
        Branding(primary_color=update.primary_color, secondary_color=update.secondary_color)
    )
    for mode, explicit in ((ColorMode.light, update.light), (ColorMode.dark, update.dark)):
        derived[mode].update(explicit.model_dump(exclude_none=True))
    return derived


class PrimaryInvisible(FieldInvalid):
    """A primary colour too close to the page to mark anything on it."""

    code = "primary_color_invisible"


def check_primary_visible(update: BrandingUpdate) -> None:
    """Refuses a primary colour the page would swallow (white or near-white
    in light mode, near the dark page in dark mode); the field named is the
    one that set it (the rule: ``pulse_common.branding.invisible_primary``)."""
    found = invisible_primary(overridden(update))
    if found is None:
        return
    explicit = getattr(update, found.mode.value).primary_color is not None
    field = f"{found.mode.value}.primary_color" if explicit else "primary_color"
    raise PrimaryInvisible(
        field, f"{found.explain()}; choose a clearly darker or more colourful one"
    )


def check_readable(update: BrandingUpdate) -> None:
    """Refuses an override whose body text would be unreadable; the field
    named is the one the admin can change."""
    for mode, colors in overridden(update).items():
        ratio = contrast(colors["text_color"], colors["background_color"])
        if ratio < MIN_CONTRAST:
            raise FieldInvalid(
                f"{mode.value}.text_color",
                f"contrast {ratio:.2f}:1 against background_color {colors['background_color']} "
                f"is below {MIN_CONTRAST}:1",
            )


def scheme(mode: ColorMode, colors: dict[str, str]) -> ColorScheme:
    return ColorScheme(
        mode=mode,
        **colors,
        on_primary=text_on(colors["primary_color"]),
        on_secondary=text_on(colors["secondary_color"]),
        on_accent=text_on(colors["accent_color"]),
        on_surface=text_on(colors["surface_color"]),
        text_contrast=round(contrast(colors["text_color"], colors["background_color"]), 2),
    )
