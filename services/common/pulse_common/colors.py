"""Colour arithmetic for branding: WCAG 2.x relative luminance and contrast
(text and graphics), and the CIE76 colour difference (whether a fill can be
told apart from the page it sits on at all). Shared by the palettes the
operator derives and the backend's checks of an admin's colours."""

from __future__ import annotations

# WCAG 2.x AA for normal text (SC 1.4.3).
MIN_CONTRAST = 4.5
# WCAG 2.x AA for user-interface components and graphics (SC 1.4.11).
MIN_GRAPHIC_CONTRAST = 3.0
DARK_TEXT = "#1F2328"
LIGHT_TEXT = "#FFFFFF"
# sRGB's D65 white point in CIE XYZ, for CIELAB.
_WHITE = (0.95047, 1.0, 1.08883)


def rgb(color: str) -> tuple[int, int, int]:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return r, g, b


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (_channel(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """The brand's near-black or white text when that reaches 4.5:1, else
    pure black or white: one of the two always reaches 4.58:1 (the square
    root of 21), so every background gets readable text."""
    best = max((DARK_TEXT, LIGHT_TEXT), key=lambda t: contrast(t, background))
    if contrast(best, background) >= MIN_CONTRAST:
        return best
    return max(("#000000", "#FFFFFF"), key=lambda t: contrast(t, background))


def _lab(color: str) -> tuple[float, float, float]:
    r, g, b = (_channel(v) for v in rgb(color))
    xyz = (
        0.4124 * r + 0.3576 * g + 0.1805 * b,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        0.0193 * r + 0.1192 * g + 0.9505 * b,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, _WHITE, strict=True))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def difference(a: str, b: str) -> float:
    """CIE76 colour difference (Euclidean distance in CIELAB): unlike
    contrast it sees hue, so pure yellow (1.07:1 on white) is far from white
    (about 97) while #F0F0F0 (1.14:1) is not (about 6)."""
    la, lb = _lab(a), _lab(b)
    return float(sum((x - y) ** 2 for x, y in zip(la, lb, strict=True)) ** 0.5)
