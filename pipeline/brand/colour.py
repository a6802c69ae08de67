"""Brand colours: CSS colour values checked, and text contrast measured as WCAG 2 defines it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pipeline.errors import location

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.brand import Brand

log = logging.getLogger(__name__)

# WCAG 2 level AA for body text.
MINIMUM_CONTRAST = 4.5


def css_colour(value: str) -> str | None:
    """Return ``value`` if it is a CSS colour (hex, rgb(), hsl() or a name), else None."""
    from PIL import ImageColor  # knows CSS's colour names and functions

    text = value.strip()
    try:
        ImageColor.getrgb(text)
    except ValueError:
        return None
    return text


def rgb(value: str) -> tuple[int, int, int]:
    """Return the red, green and blue of a CSS colour, 0-255 each."""
    from PIL import ImageColor

    return ImageColor.getrgb(value)[:3]


def luminance(value: str) -> float:
    """Return the WCAG relative luminance of a colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_contrast(brand: Brand, path: Path) -> None:
    """Warn when text or links on the background fall below WCAG AA (4.5:1)."""
    background = brand.colors["background"]
    pairs = [("color.foreground", brand.colors["foreground"]),
             ("link colour", brand.link_color)]
    for name, colour in pairs:
        ratio = contrast(colour, background)
        if ratio < MINIMUM_CONTRAST:
            log.warning("%s: %s %s on color.background %s has a contrast of %.2f:1, below the "
                        "4.5:1 that WCAG AA asks of text", location(path), name, colour,
                        background, ratio)
