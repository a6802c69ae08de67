"""The generated cover: the title and authors on a plain field, for library shelves."""

from __future__ import annotations

import io
import textwrap
from functools import cache
from typing import TYPE_CHECKING, Any

from pipeline.brand.raster import draw_cover_logo

if TYPE_CHECKING:
    from pipeline.brand import Brand

COVER_SIZE = (1200, 1800)


def generated_cover(title: str, subtitle: str | None, authors: str, brand: Brand) -> bytes:
    """Return a JPEG cover showing the title and authors, for readers' library shelves."""
    from PIL import Image, ImageDraw

    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, brand.colors["primary"])
    draw = ImageDraw.Draw(image)
    title_font = _font("DejaVuSerif-Bold.ttf", 104)
    author_font = _font("DejaVuSans.ttf", 60)
    y = height // 4
    for line in textwrap.wrap(title, 18)[:6]:
        draw.text((width // 2, y), line, font=title_font, fill="white", anchor="ma")
        y += 130
    for line in textwrap.wrap(subtitle or "", 32)[:3]:
        draw.text((width // 2, y), line, font=_font("DejaVuSerif.ttf", 60), fill="white",
                  anchor="ma")
        y += 80
    draw.line((width // 2 - 120, y + 40, width // 2 + 120, y + 40), fill="white", width=4)
    y += 110
    for line in textwrap.wrap(authors, 30)[:3]:
        draw.text((width // 2, y), line, font=author_font, fill="white", anchor="ma")
        y += 80
    draw_cover_logo(image, brand)
    buffer = io.BytesIO()
    # JPEG: ten times faster to encode than PNG here, and every reader shows it.
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@cache
def _font(name: str, size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(name, size)
    except OSError:
        # Without DejaVu, Pillow's own scalable font still gives a legible cover.
        return ImageFont.load_default(size)

