"""SVG as raster images, for the outputs that cannot show it (PowerPoint, the EPUB cover).

Logos, and an article's SVG figures on PowerPoint slides. An SVG is drawn only when such an
output is made, and once a build: the PNG is kept in
the build cache under a digest of the SVG's bytes, so the other worker processes of the build,
and later builds, read it instead of drawing it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import io
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cache import digest
from pipeline.errors import ConfigError
from pipeline.images import Unusable, clean_svg

if TYPE_CHECKING:
    from pipeline.brand import Brand

RASTER = {".png", ".jpg", ".jpeg", ".gif"}


# SVG logos are drawn this many pixels high by default: sharp on a 1-inch PowerPoint logo.
HEIGHT = 300
CSS_DPI = 96.0
# The height of the logo at the foot of a generated EPUB cover.
COVER_LOGO = 150


def logo_png(path: Path, folder: Path | None = None, height: int = HEIGHT) -> bytes:
    """Return the image at ``path`` as PNG bytes, ``height`` pixels high when it is SVG.

    With ``folder`` (in the build cache), a drawing is kept there for every process of the
    build; the first to need it draws it while the others wait for it, rather than draw too.
    """
    if path.suffix.lower() in RASTER:
        return path.read_bytes()
    try:
        return svg_png(path.read_bytes(), folder, height)
    except Unusable as exc:
        raise ConfigError(f"this logo {exc.reason}", path) from None


def svg_png(svg: bytes, folder: Path | None, height: int = HEIGHT) -> bytes:
    """Return ``svg`` drawn, from ``folder`` if it was drawn before; draw it there if not.

    An SVG resvg cannot draw raises ``Unusable``.
    """
    if folder is None:
        return _draw(svg, height)
    kept = folder / f"{digest(_drawer(), svg, str(height))}.png"
    with contextlib.suppress(OSError):
        return kept.read_bytes()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(kept.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with contextlib.suppress(OSError):
                return kept.read_bytes()  # drawn by another process while this one waited
            png = _draw(svg, height)
            fd, temporary = tempfile.mkstemp(prefix=f".{kept.stem}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(png)
            os.replace(temporary, kept)
            return png
    except OSError:  # a cache that cannot be written (read-only, gone): draw here only
        return _draw(svg, height)


@functools.cache
def _drawer() -> str:
    """Return what draws the logos, part of a kept drawing's name: a new resvg redraws."""
    import resvg_py

    # Which fonts the generic families are is not asked here: that costs a fontconfig query
    # per family, in every process needing a logo, most of which find it drawn. A font
    # installed later does not redraw a kept drawing, as it does not remake a kept PDF.
    return f"resvg {resvg_py.__resvg_version__} at {CSS_DPI} dpi, fontconfig's generic families"


# A text element, whatever the prefix of SVG's namespace.
SVG_TEXT = re.compile(r"<(?:[\w.-]+:)?text[\s/>]")
# CSS's generic families, as resvg's options name them.
GENERIC = {"serif_family": "serif", "sans_serif_family": "sans-serif",
           "monospace_family": "monospace", "cursive_family": "cursive",
           "fantasy_family": "fantasy"}


def _families(text: str) -> dict[str, str]:
    """Return the installed families resvg draws the generic ones ``text`` uses with.

    resvg draws text that names no family in Times New Roman, and text in a family it lacks
    not at all: matplotlib's figures lost every label where that font is not installed. The
    families fontconfig picks are the ones WeasyPrint prints the same SVG with. Only the
    generic families the SVG names are looked up (a fontconfig run each), and serif, CSS's
    initial family, which draws the text that names none or only missing ones.
    """
    from pipeline.brand.fonts import installed_family

    found = {key: installed_family(name)[0] for key, name in GENERIC.items()
             if key == "serif_family" or re.search(rf"(?<![\w-]){name}(?![\w-])", text)}
    found = {key: name for key, name in found.items() if name != GENERIC[key]}
    if "serif_family" in found:
        found["font_family"] = found["serif_family"]
    return found


@functools.cache
def _draw(svg: bytes, height: int) -> bytes:
    """Return ``svg`` drawn as PNG, ``height`` pixels high (once per process and content)."""
    import resvg_py

    # resvg would read the images an SVG names from disk: cleaned first, the logo keeps only
    # references to itself and inline images, and declares no XML entity.
    # resvg_py's default of 0 dots per inch makes a size in pt, mm or in (matplotlib's and
    # Inkscape's) no size at all; CSS counts 96 pixels an inch.
    text = clean_svg(svg).decode("utf-8")
    # Fonts matter only to an SVG with text (fontconfig is asked once a process, if at all).
    families = _families(text) if SVG_TEXT.search(text) else {}
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=text, height=height, dpi=CSS_DPI,
                                           **families))
    except ValueError as exc:  # resvg's word for an SVG it cannot draw (no size, say)
        raise Unusable(f"is an SVG that cannot be drawn ({exc})", svg=True) from None


def logo_image(data: bytes, height: int) -> object:
    """Return logo bytes as a Pillow image with transparency, ``height`` pixels high."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    if image.height == height:
        return image
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height))


def draw_cover_logo(image: object, brand: Brand) -> None:
    """Draw the brand's logo at the foot of a generated cover (a Pillow image), if it has one.

    The cover is the brand's primary colour: the dark variant is made for such a ground; the
    light one gets a white plate.
    """
    logo = brand.logo("large", "medium", "small")
    if logo is None:
        return
    from PIL import ImageDraw

    width, height = image.size  # type: ignore[attr-defined]
    # An SVG logo is drawn at the height it shows: sharper than a larger drawing scaled down,
    # and a quarter of the pixels to draw, encode and decode.
    mark = logo_image(brand.raster(logo.dark or logo.light, COVER_LOGO), COVER_LOGO)
    mark.thumbnail((width * 2 // 3, COVER_LOGO))
    left, top = (width - mark.width) // 2, height - 120 - mark.height
    if logo.dark is None:
        ImageDraw.Draw(image).rounded_rectangle(  # type: ignore[arg-type]
            (left - 30, top - 30, left + mark.width + 30, top + mark.height + 30), 16,
            fill="white")
    image.paste(mark, (left, top), mark)  # type: ignore[attr-defined]
