"""The brand's files in the outputs: copied beside web pages, packed into ebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.brand import Brand
    from pipeline.output import OutputDir

# EPUB 3 core media types of the files a brand names.
MEDIA_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
               ".otf": "font/otf", ".svg": "image/svg+xml", ".png": "image/png",
               ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
# The ebook's title page shows the first of these logos the brand has.
TITLE_PAGE_LOGO = ("large", "medium", "small")


def copy_brand_files(brand: Brand, out: OutputDir, folder: str, *, logos: bool = True) -> None:
    """Copy the brand's fonts (and logos) to ``folder/brand/`` for the pages there."""
    for file in brand.files if logos else tuple(face.file for face in brand.faces):
        out.copy(file.path, f"{folder}/{file.output}")


def ebook_files(brand: Brand) -> tuple[tuple[str, object, str], ...]:
    """Return (name, path, media type) of the brand files an ebook carries.

    Its fonts (the stylesheet names them) and the logo its title page shows; nothing else,
    since EPUBCheck counts an unused file against the package.
    """
    files = [face.file for face in brand.faces]
    logo = brand.logo(*TITLE_PAGE_LOGO)
    if logo is not None:
        files.append(logo.light)
    found = {}
    for file in files:
        suffix = "." + file.rel.rsplit(".", 1)[-1].lower()
        if suffix in MEDIA_TYPES:
            found[file.output] = (file.output, file.path, MEDIA_TYPES[suffix])
    return tuple(found.values())
