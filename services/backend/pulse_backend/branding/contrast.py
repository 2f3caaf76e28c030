"""WCAG 2.x contrast: relative luminance, contrast ratio, and the text
colour that stays readable on a given background."""

from __future__ import annotations

# WCAG 2.x AA for normal text.
MIN_CONTRAST = 4.5
DARK_TEXT = "#1F2328"
LIGHT_TEXT = "#FFFFFF"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


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
