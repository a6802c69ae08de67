"""Logos as raster images, for the outputs that cannot show SVG (PowerPoint, the EPUB cover)."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.brand import Brand

RASTER = {".png", ".jpg", ".jpeg", ".gif"}


# SVG logos are drawn this many pixels high: sharp on a 1-inch PowerPoint logo and a cover.
HEIGHT = 300


@functools.cache
def logo_png(path: Path, height: int = HEIGHT) -> bytes:
    """Return the image at ``path`` as PNG bytes, ``height`` pixels high when it is SVG."""
    if path.suffix.lower() in RASTER:
        return path.read_bytes()
    import cairosvg  # only a build drawing an SVG logo where SVG cannot go needs it

    # From its own bytes, and unsafe=False: no file it links to and no XML entity is read.
    return cairosvg.svg2png(bytestring=path.read_bytes(), output_height=height, unsafe=False)


def logo_image(data: bytes, height: int) -> object:
    """Return logo bytes as a Pillow image with transparency, ``height`` pixels high."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
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
    mark = logo_image(brand.raster(logo.dark or logo.light), 150)
    mark.thumbnail((width * 2 // 3, 150))
    left, top = (width - mark.width) // 2, height - 120 - mark.height
    if logo.dark is None:
        ImageDraw.Draw(image).rounded_rectangle(  # type: ignore[arg-type]
            (left - 30, top - 30, left + mark.width + 30, top + mark.height + 30), 16,
            fill="white")
    image.paste(mark, (left, top), mark)  # type: ignore[attr-defined]
