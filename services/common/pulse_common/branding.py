"""Light and dark palettes derived from a tenant's two brand colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from pulse_common.colors import MIN_GRAPHIC_CONTRAST, contrast, difference, rgb
from pulse_common.models.base import table_of
from pulse_common.models.enums import ColorMode
from pulse_common.models.tenant_settings import ClientColorSettings

if TYPE_CHECKING:
    # Only a type here; at run time the provisioning package imports this
    # module (through the seed), so importing it back made
    # ``import pulse_common.branding`` fail when it came first.
    from pulse_common.provisioning.models import Branding


def _mix(color: str, other: str, weight: float) -> str:
    """``weight`` of ``other`` blended into ``color`` (both #RRGGBB)."""
    return "#" + "".join(
        f"{round(x + (y - x) * weight):02X}" for x, y in zip(rgb(color), rgb(other), strict=True)
    )


DARK_BACKGROUND = "#0D1117"
# The web app's dark cards (styles.css --surface), where the buttons sit: a
# little lighter than the page, so reaching 3:1 here reaches it on both.
DARK_SURFACE = "#161B22"


def _dark_primary(primary: str) -> str:
    """The brand colour lightened for dark mode, by a fifth as before (so
    that existing palettes stay as they were) or more for a dark brand
    colour, until it reaches 3:1 on the dark cards (WCAG 1.4.11: it fills
    buttons and the selected navigation item and draws the charts). A
    black brand colour became #333333 (1.5:1) and vanished; 40 % of white
    reaches 3:1 from any colour."""
    for weight in (0.2, 0.25, 0.3, 0.35, 0.4):
        lighter = _mix(primary, "#FFFFFF", weight)
        if contrast(lighter, DARK_SURFACE) >= MIN_GRAPHIC_CONTRAST:
            break
    return lighter


def palettes(branding: Branding) -> dict[ColorMode, dict[str, str]]:
    primary, secondary = branding.primary_color.upper(), branding.secondary_color.upper()
    return {
        ColorMode.light: {
            "primary_color": primary,
            "secondary_color": secondary,
            "accent_color": _mix(primary, "#FFFFFF", 0.35),
            "background_color": "#FFFFFF",
            "surface_color": _mix(secondary, "#FFFFFF", 0.95),
            "text_color": "#1F2328",
        },
        ColorMode.dark: {
            "primary_color": _dark_primary(primary),
            "secondary_color": _mix(secondary, "#FFFFFF", 0.15),
            "accent_color": _mix(primary, "#FFFFFF", 0.5),
            "background_color": DARK_BACKGROUND,
            "surface_color": _mix(secondary, DARK_BACKGROUND, 0.6),
            "text_color": "#E6EDF3",
        },
    }


# The least CIE76 difference between the primary colour and the page: the
# primary fills buttons and the selected navigation item, and with less
# they cannot be told from the page (white is 0 from white, #F0F0F0 5,
# #CCCCCC 18, the palest #FFEE88 still 52). Its text is chosen by contrast,
# so any colour further away than this stays usable. The one rule for the
# API (422 primary_color_invisible) and the operator (spec.branding).
MIN_PRIMARY_DIFFERENCE = 20.0


@dataclass(frozen=True)
class InvisiblePrimary:
    """A palette whose primary colour the page would swallow."""

    mode: ColorMode
    primary: str
    page: str
    gap: float

    def explain(self) -> str:
        return (
            f"{self.primary} is too close to the {self.mode.value} page ({self.page}) for "
            f"buttons and the selected navigation item to show: colour difference "
            f"{self.gap:.0f}, at least {MIN_PRIMARY_DIFFERENCE:.0f} needed"
        )


def invisible_primary(schemes: dict[ColorMode, dict[str, str]]) -> InvisiblePrimary | None:
    """The first mode (light, then dark) whose primary colour is too close to
    its page, or None when both show."""
    for mode, colors in schemes.items():
        primary, page = colors["primary_color"], colors["background_color"]
        gap = difference(primary, page)
        if gap < MIN_PRIMARY_DIFFERENCE:
            return InvisiblePrimary(mode, primary, page, gap)
    return None


def apply_branding(conn: Connection, tenant_id: int, branding: Branding) -> None:
    """Upserts both palettes; the spec's branding is the source of truth."""
    table = table_of(ClientColorSettings)
    for mode, colors in palettes(branding).items():
        row: dict[str, Any] = {
            "tenant_id": tenant_id,
            "mode": mode,
            "logo_url": branding.logo_url,
            **colors,
        }
        stmt = insert(table).values(**row)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["mode"],
                set_={
                    **{k: stmt.excluded[k] for k in row if k != "mode"},
                    "last_updated_at": stmt.excluded.last_updated_at,
                },
            )
        )
