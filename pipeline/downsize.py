"""Pictures no larger than any output shows them: a phone's photo is made a print's size.

A camera's 12 megapixels became 12 MB in the handout, the deck, the slide handout, the ebook
and the PowerPoint file alike, and decoding them cost every output half a second and half a
gigabyte. Every output but the web page (which keeps the author's file, to be downloaded as it
is) shows a raster picture at most ``LONGEST`` pixels on its longer side and ``AREA`` pixels
in all: a full-width figure on an A4 page at 300 dpi, a full-HD slide, and the 4 megapixels
Apple Books asks of an ebook's images. Smaller pictures, SVG, animations and other media pass
through untouched.
"""

from __future__ import annotations

import functools
import io
import math

from pipeline.images import Media

LONGEST = 2400
AREA = 4_000_000
# JPEG quality of a downsized photo: no visible loss at print size.
JPEG_QUALITY = 88
# The formats a downsized picture is written back in (each as it came).
SAVED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ORIENTATION = 0x0112  # the EXIF tag


def fitted(media: Media) -> Media:
    """Return ``media`` made no larger than the outputs show it; itself if it already is."""
    if (media.media_type not in SAVED or media.width is None or media.height is None
            or _scale(media.width, media.height) >= 1):
        return media
    return _downsized(media)


def _scale(width: int, height: int) -> float:
    """Return the factor that brings a picture within ``LONGEST`` and ``AREA``."""
    return min(LONGEST / max(width, height), math.sqrt(AREA / (width * height)))


@functools.lru_cache(maxsize=32)
def _downsized(media: Media) -> Media:
    """Return the picture scaled down, upright, in its own format (kept per process)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(media.data)) as image:
        if getattr(image, "is_animated", False):
            return media  # an animation keeps every frame
        icc = image.info.get("icc_profile")
        width, height = image.size
        scale = _scale(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if image.format == "JPEG":
            # Decoded at the smallest of the JPEG's own scales at least this large: faster.
            image.draft(image.mode, size)
        # Upright: the EXIF that said how to turn it is not kept. A quarter turn swaps sides.
        if image.getexif().get(ORIENTATION, 1) in {5, 6, 7, 8}:
            size = size[::-1]
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in {"RGB", "RGBA", "L", "LA"}:
            # A palette or CMYK picture is resampled in full colour, its transparency kept.
            upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        picture = upright.resize(size, Image.Resampling.LANCZOS)
    kind = SAVED[media.media_type]
    if kind == "JPEG" and picture.mode not in {"RGB", "L"}:
        picture = picture.convert("RGB")
    options = {"quality": JPEG_QUALITY} if kind in {"JPEG", "WEBP"} else {}
    out = io.BytesIO()
    picture.save(out, kind, icc_profile=icc, **options)
    return Media(media.kind, media.media_type, out.getvalue(), picture.width, picture.height)
