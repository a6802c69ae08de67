"""Check a file an article shows before any format uses it: what it is, by its bytes, and safe.

Raster images are decoded once with Pillow under a pixel limit; SVG is parsed without DTDs or
entities and cleaned of scripts and outside references; PDF, video and audio files are
recognised so each format can say what they are. Results are kept per file content.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import struct
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Pillow's own bomb limit is ~89 megapixels (a warning) and twice that (an error); a figure in
# an article never needs more than this, and decoding it costs 4 bytes a pixel.
MAX_PIXELS = 50_000_000
# The raster formats browsers, e-readers, WeasyPrint and PowerPoint can all be handed; Pillow
# knows many more (EPS would even start Ghostscript), so it is told to try only these.
RASTER_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                "WEBP": "image/webp", "BMP": "image/bmp"}
SVG_TYPE = "image/svg+xml"
SVG_NS = "http://www.w3.org/2000/svg"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Elements that run code, pull in other documents or embed HTML inside an SVG.
SVG_DROPPED = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener",
               "include"}
# A reference an SVG may keep: a fragment of itself, or an inline raster image.
INSIDE_REFERENCE = re.compile(r"\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.IGNORECASE)
# A bare MPEG audio stream has no magic number, only frame sync bits random bytes may have too:
# it is believed only when the name says audio.
BARE_AUDIO = {".mp3", ".mp2", ".mpga", ".aac"}
KIND_WORDS = {"video": "Video", "audio": "Audio", "pdf": "PDF"}
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
# Kept results, by content digest; cleared when a long `folio serve` has seen very many.
_MEMO_LIMIT = 1024
_memo: dict[str, Media | Unusable] = {}
_strict_lock = threading.Lock()


@dataclass(frozen=True)
class Media:
    """What a file used as an image is: its kind, its media type, and the bytes to publish."""

    kind: str  # "image", "video", "audio" or "pdf"
    media_type: str
    # The bytes every format writes: the file's own, or the cleaned SVG.
    data: bytes
    width: int | None = None
    height: int | None = None

    @property
    def is_picture(self) -> bool:
        """Tell whether the file can be shown as a picture (a raster image or an SVG)."""
        return self.kind == "image"

    @property
    def is_svg(self) -> bool:
        """Tell whether the file is an SVG image."""
        return self.media_type == SVG_TYPE

    def label(self, name: str) -> str:
        """Return what a format without a player says instead: "Video: talk.mp4"."""
        # The same word in English and German, Folio's two languages.
        return f"{KIND_WORDS.get(self.kind, 'File')}: {name}"


class Unusable(Exception):
    """A file that may not be shown: the reason completes "image 'x.png' ..."."""

    def __init__(self, reason: str, svg: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.svg = svg


def check(path: Path, data: bytes | None = None) -> Media:
    """Return what the file at ``path`` (or its ``data``) is, or raise ``Unusable``.

    The result is kept per content, so a build checks each image once however often it is used.
    """
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Unusable(f"cannot be read ({exc.strerror or exc})") from None
    key = hashlib.sha256(data).hexdigest()
    if key not in _memo:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        try:
            _memo[key] = inspect(data, path.suffix.lower())
        except Unusable as exc:
            _memo[key] = exc
    found = _memo[key]
    if isinstance(found, Unusable):
        raise found
    return found


def inspect(data: bytes, suffix: str = "") -> Media:
    """Return what ``data`` is, from its bytes (``suffix`` only tells Ogg audio from video)."""
    if not data:
        raise Unusable("is an empty file")
    sniffed = sniff_media(data, suffix)
    if sniffed is not None:
        return Media(sniffed[0], sniffed[1], data)
    if looks_like_svg(data):
        return Media("image", SVG_TYPE, clean_svg(data))
    return _raster(data)


def sniff_media(data: bytes, suffix: str = "") -> tuple[str, str] | None:
    """Return (kind, media type) when ``data`` starts like a PDF, video or audio file."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"M4A ", b"M4B ", b"F4A "}:
            return "audio", "audio/mp4"
        return "video", "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video", "video/webm" if b"webm" in head else "video/x-matroska"
    if head.startswith(b"OggS"):
        start = data[:512]
        if b"theora" in start or (suffix in {".ogv", ".ogm"} and b"vorbis" not in start):
            return "video", "video/ogg"
        return "audio", "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] in {b"WAVE", b"AVI "}:
        return ("audio", "audio/wav") if head[8:12] == b"WAVE" else ("video", "video/x-msvideo")
    if head.startswith(b"fLaC"):
        return "audio", "audio/flac"
    if head.startswith(b"ID3"):
        return "audio", "audio/mpeg"
    if suffix in BARE_AUDIO and _mpeg_frame(head):
        return "audio", "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """Tell whether ``head`` starts with a plausible MPEG audio (or ADTS AAC) frame header."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = head[1] >> 3 & 3, head[1] >> 1 & 3
    if layer == 0:  # ADTS: MPEG-4 AAC, a valid sampling index
        return head[1] & 0xF0 == 0xF0 and (head[2] >> 2 & 0xF) < 13
    bitrate, rate = head[2] >> 4, head[2] >> 2 & 3
    return version != 1 and bitrate not in {0, 15} and rate != 3


def looks_like_svg(data: bytes) -> bool:
    """Tell whether ``data`` is XML whose root element may be ``<svg>`` (then it must parse)."""
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<") and re.search(rb"<(\w+:)?svg[\s>/]", start) is not None


def clean_svg(data: bytes) -> bytes:
    """Return the SVG ``data`` without DTD, entities, scripts, handlers or outside references."""
    import defusedxml
    import defusedxml.ElementTree
    from lxml import etree

    # defusedxml refuses entity declarations (external ones read local files, nested ones
    # are "billion laughs") and never fetches a DTD; a DOCTYPE alone is harmless and common.
    try:
        defusedxml.ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                          forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise Unusable("is an SVG that declares XML entities, which Folio never expands",
                       svg=True) from None
    except Exception as exc:
        raise Unusable(f"is a malformed SVG ({exc})", svg=True) from None
    # Checked above: lxml now meets no entity to resolve; it keeps the author's prefixes.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_pis=True, huge_tree=False)
    root = etree.fromstring(data, parser)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise Unusable("is not an SVG image (its root is not an <svg> in the SVG namespace)",
                       svg=True)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in SVG_DROPPED or (local in {"set", "animate"} and "href" in
                                    element.get("attributeName", "").lower()):
            # An animation may turn a harmless href into a javascript: one.
            _remove(element)
            continue
        for name, value in list(element.attrib.items()):
            local_name = etree.QName(name).localname
            # Handlers run code; xml:base and hrefs reach outside (a fragment stays).
            if (local_name.lower().startswith("on") or name == XML_BASE
                    or (local_name == "href" and not INSIDE_REFERENCE.match(value))):
                del element.attrib[name]
            elif "url(" in value.lower() or local_name == "style":
                element.set(name, _inside_urls(value))
        if local == "style" and element.text:
            element.text = _inside_urls(element.text)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _remove(element: object) -> None:
    """Remove ``element`` (an lxml element) and what it holds, keeping the text after it."""
    parent = element.getparent()  # type: ignore[attr-defined]
    if parent is None:
        return
    tail = element.tail  # type: ignore[attr-defined]
    if tail and tail.strip():
        previous = element.getprevious()  # type: ignore[attr-defined]
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _inside_urls(css: str) -> str:
    """Return CSS with ``@import`` gone and every ``url()`` leading outside the file as none."""
    css = CSS_IMPORT.sub("", css)
    return CSS_URL.sub(lambda m: m.group(0) if INSIDE_REFERENCE.match(m.group(2)) else "none",
                       css)


def _raster(data: bytes) -> Media:
    """Decode a raster image fully, under the pixel limit; return its description."""
    from PIL import Image, UnidentifiedImageError

    # Image.open reads only the header: the size is checked before any pixel is decoded.
    # Pillow's own, higher, bomb limit would only warn on stderr: Folio's limit decides (its
    # DecompressionBombError, at twice that, still comes out as a refusal).
    kind, width, height = "", 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(RASTER_TYPES)) as image:
                kind, (width, height) = image.format, image.size
                _check_size(width, height)
                image.verify()  # checksums (PNG chunks), before decoding
            with Image.open(io.BytesIO(data), formats=[kind]) as image, _strict_decoding():
                if kind == "JPEG":
                    # Decoding at 1/8 scale still reads every byte of the stream, eight times
                    # faster and in 1/64 of the memory.
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
        except UnidentifiedImageError:
            raise Unusable("is not an image (its bytes are no format Folio shows: PNG, JPEG, "
                           "GIF, WebP, BMP, SVG, or PDF, video or audio)") from None
        except Image.DecompressionBombError as exc:
            # Raised by Image.open beyond twice Pillow's limit: the size is only in its words.
            pixels = re.search(r"\((\d+) pixels\)", str(exc))
            raise _too_large(width, height, int(pixels.group(1)) if pixels else 0) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
            named = f"{kind} " if kind else ""  # Image.open itself may fail, before a format
            raise Unusable(f"is a damaged {named}image ({exc})") from None
    return Media("image", RASTER_TYPES[kind], data, width, height)


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Make Pillow raise on a truncated image while one is decoded here.

    WeasyPrint, once imported, sets Pillow's global LOAD_TRUNCATED_IMAGES, and a cut-off JPEG
    would then decode as grey without a word. The lock keeps Folio's own checks from
    restoring the setting under one another.
    """
    from PIL import ImageFile

    with _strict_lock:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _too_large(width, height)


def _too_large(width: int, height: int, pixels: int = 0) -> Unusable:
    size = (f"{width} x {height} pixels, " if width else
            f"{pixels // 1_000_000} megapixels, " if pixels else "")
    return Unusable(f"is too large ({size}over the limit of {MAX_PIXELS // 1_000_000} "
                    "megapixels)")
