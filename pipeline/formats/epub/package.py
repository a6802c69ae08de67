"""Zip an EPUB reproducibly, and the time its entries carry."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

XHTML_TYPE = "application/xhtml+xml"
# EPUB 3 core media types for images: every reading system shows these without a fallback.
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
# The file name ending for an image whose name says another type than its bytes.
IMAGE_SUFFIXES = {media_type: suffix for suffix, media_type in reversed(IMAGE_TYPES.items())}
# Fonts a stylesheet may embed: the EPUB 3 core media types for fonts.
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
              ".otf": "font/otf"}
# The zip format cannot store times before 1980; it is also the time of a dateless ebook.
ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def modified_time(dates: list[dt.date | None]) -> dt.datetime:
    """Return the ebook's modification time: SOURCE_DATE_EPOCH, else the newest content date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        known = [d for d in dates if d is not None]
        when = dt.datetime.combine(max(known), dt.time(), dt.UTC) if known else ZIP_EPOCH
    return max(when, ZIP_EPOCH)


class Files:
    """Collect what EbookLib's writer would put in its zip, so Folio can zip it reproducibly."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes, compress_type: int | None = None) -> None:
        """Keep one file's bytes under its name."""
        self.entries[name] = data.encode("utf-8") if isinstance(data, str) else data


def zip_epub(files: dict[str, bytes], when: dt.datetime) -> bytes:
    """Zip an EPUB reproducibly: ``mimetype`` first and stored, fixed times, the rest deflated."""
    buffer = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [("mimetype", b"application/epub+zip"), *files.items()]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            # Fixed, platform-independent attributes: zipfile would record the host system.
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


