"""The one place Folio calls WeasyPrint: confined file access, fixed dates, tagged PDF."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import os
import re
import threading
from collections.abc import Sequence, Sized
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.request import url2pathname

import pyphen

from pipeline.downsize import fitted
from pipeline.errors import BuildError, location
from pipeline.images import Unusable, check, looks_like_svg
from pipeline.libraries import linker_cache_only
from pipeline.project import DEFAULTS
from pipeline.urls import split_url

with linker_cache_only():
    from weasyprint import CSS, HTML, Document
from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text.ffi import ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pipeline.weasy_tags import install as install_tags

if TYPE_CHECKING:
    from pipeline.project import Project

log = logging.getLogger(__name__)
install_tags()

# A C array type written with its length, as cffi is asked for it: "hb_codepoint_t[91]".
SIZED_ARRAY = re.compile(r"([A-Za-z_]\w*)\[(\d+)\]")


class _SubsettingFFI:
    """WeasyPrint's cffi instance as its font subsetting sees it: arrays are made as ``T[]``.

    cffi parses each C type string it has not seen, ~4 ms under WeasyPrint's declarations, and
    the subsetting asks for ``hb_codepoint_t[N]`` with a new N for almost every font of every
    PDF: ~10 parses, 40-60 ms, in each fresh worker, for the first PDFs alone. An array given
    all of its items is the same array made as ``T[]``, whose type is parsed once a process.
    Only ``weasyprint.pdf.fonts`` sees this object: the text layout calls ``ffi.new`` tens of
    thousands of times a PDF, where even a thin wrapper would cost more than it saves.
    """

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: Any, init: Any = None) -> Any:
        """Return ``ffi.new(cdecl, init)``, a full sized array being made as ``T[]``."""
        if init is not None and isinstance(cdecl, str) and isinstance(init, Sized):
            match = SIZED_ARRAY.fullmatch(cdecl)
            if match and len(init) == int(match[2]):
                return self._ffi.new(f"{match[1]}[]", init)
        return self._ffi.new(cdecl, init)


if getattr(pdf_fonts, "ffi", None) is ffi:  # the subsetting module, as in WeasyPrint 70
    pdf_fonts.ffi = _SubsettingFFI(ffi)

# Tagged PDF for screen readers by default; PDF/A-3u (also tagged) for archives on request.
PDF_UA = "pdf/ua-1"
PDF_A = "pdf/a-3u"
VARIANTS = (PDF_UA, PDF_A)

# Per thread: the fontconfig setup (scanning system fonts takes ~10 ms; Folio's styles declare no
# @font-face that would change it) and parsed stylesheets, since parsing CSS costs ~20 ms a PDF
# and every handout of a project shares the same styles.
_local = threading.local()
MAX_SHEETS = 32

# A few words in the faces every output uses (serif, sans, mono; bold, italic).
WARM_UP = ('<p style="font-family: serif">Folio <b>bold</b> <i>italic</i></p>'
           '<p style="font-family: sans-serif">Folio <b>bold</b></p><code>mono</code>')

# A <style> of the document head that applies to print (no media attribute, or print/all).
HEAD_STYLE = re.compile(r'<style(?:\s+media="(?:print|all)")?\s*>(.*?)</style>', re.S | re.I)

# WeasyPrint names each image in a PDF after its URL, so a URL holding where the project lies
# would make the bytes differ between two checkouts, or a cluster worker and this machine.
# Documents are rendered with the project folder at this fixed place instead; it is deep, so
# that an address climbing out of the project still names the real file it points at.
PROJECT_PLACE = PurePosixPath("/", *(f"folio-project-{level}" for level in range(16)))


class ProjectFetcher(URLFetcher):
    """Serve files inside the project and ``data:`` URLs; refuse everything else, with a warning."""

    def __init__(self, project: Project, origin: Path) -> None:
        # fail_on_errors=False: a refused resource is left out and the render goes on.
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.project = project
        self.origin = origin

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource ``url`` names, or raise (after warning) when it may not be read."""
        scheme = split_url(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            log.warning("%s: not fetching network resource '%s' (Folio never goes online)",
                        location(self.origin), url)
            raise PermissionError(f"network resource refused: {url}")
        path = real_path(url2pathname(split_url(url).path), self.project)
        if not self.project.contains(path):
            # A symbolic link inside the project may point anywhere: say so, or the user
            # would stare at a path that looks fine.
            how = ("it is a link leading outside the project"
                   if self.project.contains(path.parent) else "it is outside the project")
            log.warning("%s: refusing resource '%s': %s; only project files are read",
                        location(self.origin), path, how)
            raise PermissionError(f"outside the project: {path}")
        real = path.resolve()
        if not real.is_file():
            # Named as the user sees it (source/x.png), and as here on a cluster's worker.
            log.warning("%s: resource '%s' does not exist", location(self.origin),
                        location(path))
            raise FileNotFoundError(path)
        content_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        # Read the resolved path: the file checked is the file served, whatever links point at.
        data = real.read_bytes()
        if content_type.startswith("image/") or looks_like_svg(data):
            # An image goes to WeasyPrint checked, typed by its bytes (an SVG cleaned of
            # entities and outside references, a large photo downsized): whatever its name,
            # an image Folio refuses is never read.
            try:
                checked = check(real, data)
            except Unusable as exc:
                log.warning("%s: image '%s' %s; left out", location(self.origin), path,
                            exc.reason)
                raise PermissionError(f"unusable image: {path}") from None
            media = fitted(checked)
            content_type, data = media.media_type, media.data
            if media is not checked:
                # WeasyPrint reads a raster picture again from the file its response names,
                # to spare memory: a downsized one is named by no file.
                return URLFetcherResponse(f"folio:downsized/{real.name}", data,
                                          {"Content-Type": content_type})
        return URLFetcherResponse(real.as_uri(), data, {"Content-Type": content_type})


def project_url(folder: Path, project: Project) -> str:
    """Return the ``file:`` URL of ``folder`` (in ``project``) as documents are rendered with it."""
    real = folder.resolve()
    root = project.root.resolve()
    if not real.is_relative_to(root):
        return real.as_uri() + "/"
    return "file://" + PROJECT_PLACE.joinpath(*real.relative_to(root).parts).as_posix() + "/"


def real_path(url_path: str, project: Project) -> Path:
    """Return the file a URL path names, undoing ``project_url``."""
    path = PurePosixPath(url_path)
    place = PROJECT_PLACE.parts
    common = 0
    while common < min(len(path.parts), len(place)) and path.parts[common] == place[common]:
        common += 1
    climbed = len(place) - common
    root = project.root.resolve()
    if common == 1 or climbed > len(root.parents):  # an address written as absolute
        return Path(url_path)
    base = root if climbed == 0 else root.parents[climbed - 1]
    return base.joinpath(*path.parts[common:])


def pdf_dates(date: dt.date | None) -> tuple[str | None, str | None]:
    """Return the (created, modified) W3C dates: from the article and SOURCE_DATE_EPOCH only."""
    created = date.isoformat() if date else None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return created, created
    try:
        stamp = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise BuildError(f"SOURCE_DATE_EPOCH must be seconds since 1970, not '{epoch}'") from None
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return created or modified, modified


def render_pdf(html: str, *, base_dir: Path, project: Project, origin: Path,
               identifier: str, date: dt.date | None = None, variant: str | None = PDF_UA,
               stylesheets: Sequence[str] = ()) -> bytes:
    """Render ``html`` to PDF bytes, identical for identical input.

    ``base_dir`` resolves relative addresses; only files inside ``project`` are read, and a
    refused resource is a warning naming ``origin`` (the article). Title, authors,
    description, keywords and language come from the HTML ``<head>`` and ``<html lang>``;
    ``identifier`` (e.g. the article's urn:uuid) is the PDF's permanent ID; ``date`` is the
    creation date (SOURCE_DATE_EPOCH, when set, is the modification date). ``variant`` is
    ``"pdf/ua-1"``, ``"pdf/a-3u"`` or None; the PDF is tagged in every case.
    ``stylesheets`` are CSS texts applied after the document's own styles, parsed once per
    process (their @import rules are resolved, and refused, on first use only).
    """
    document = lay_out(html, base_dir=base_dir, project=project, origin=origin,
                       variant=variant, stylesheets=stylesheets)
    return write_pdf(document, identifier=identifier, date=date, variant=variant)


def lay_out(html: str, *, base_dir: Path, project: Project, origin: Path,
            variant: str | None = PDF_UA, stylesheets: Sequence[str] = ()) -> Document:
    """Lay ``html`` out in pages, as ``render_pdf`` does, and return WeasyPrint's document."""
    if variant is not None and variant not in VARIANTS:
        raise BuildError(f"unknown PDF variant '{variant}'; choose from {', '.join(VARIANTS)}")
    fetcher = ProjectFetcher(project, origin)
    base_url = project_url(base_dir, project)
    fonts, sheets = _per_thread()
    if len(sheets) > MAX_SHEETS:  # `folio serve` lives long and the styles get edited
        sheets.clear()
    html, head_styles = _take_head_styles(html)
    html = with_breaks_in_long_words(with_list_starts(html))
    stylesheets = [*head_styles, *stylesheets]
    for css in stylesheets:
        if (css, base_url) not in sheets:
            sheets[css, base_url] = CSS(string=css, base_url=base_url, url_fetcher=fetcher,
                                        font_config=fonts)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=fonts, stylesheets=[sheets[css, base_url] for css in stylesheets],
        pdf_variant=variant, pdf_tags=True)


def write_pdf(document: Document, *, identifier: str, date: dt.date | None = None,
              variant: str | None = PDF_UA) -> bytes:
    """Return the PDF bytes of a laid-out ``document`` (see ``render_pdf``)."""
    document.metadata.created, document.metadata.modified = pdf_dates(date)
    return document.write_pdf(pdf_variant=variant, pdf_tags=True,
                              pdf_identifier=identifier.encode("utf-8"))


def warm_up() -> None:
    """Lay out a few words once, so that processes forked later find the fonts loaded.

    WeasyPrint's first document in a process pays for loading the system's fonts through
    fontconfig and Pango (~0.1 s), and its first hyphenated one for the language's patterns;
    done before the workers are forked, each is paid once.
    """
    fonts, _ = _per_thread()
    HTML(string=WARM_UP).render(font_config=fonts)
    # Hyphenation: pyphen parses a language's patterns on first use (~0.1 s) and keeps them
    # for the process; those of Folio's default language are parsed here, for every worker.
    pyphen.Pyphen(lang=pyphen.language_fallback(DEFAULTS["lang"]))


# A run of text this long has no room on any line of a handout or slide: it breaks anyway.
# Latin letters, digits and signs only: scripts written without spaces (Chinese, Thai) have
# their own break opportunities, and a space between a letter and its marks would spoil them.
LONG_RUN = re.compile(r"(?:&[#\w]+;|[!-%'-;=?-~\u00a1-\u024f]){100,}")
# Markup, skipped whole (style sheets, scripts and the title too), or a stretch of text.
MARKUP_OR_TEXT = re.compile(r"<(style|script|template|title|textarea)\b.*?</\1\s*>|<!--.*?-->"
                            r"|<[^>]*>|([^<]+)", re.S | re.I)
# HarfBuzz forms ligatures across a zero-width space: the "fi" of "f\u200bi" would be one
# glyph whose text the PDF's text layer loses.
UNLIGATED = '<span style="font-variant-ligatures: none">{}</span>'
CHARACTER = re.compile(r"&[#\w]+;|.", re.S)


# An ordered list's start="N" (pandoc writes it for a list that continues after a paragraph
# or a listing: "3. Run it"), and the style attribute to add its counter to.
OL_TAG = re.compile(r"<ol\b[^>]*>", re.IGNORECASE)
OL_START = re.compile(r'\sstart="\s*(-?\d{1,9})\s*"', re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r'\sstyle="', re.IGNORECASE)


def with_list_starts(html: str) -> str:
    """Return ``html`` with each ordered list's start="N" given as CSS, as WeasyPrint needs.

    WeasyPrint ignores the attribute: a tutorial's steps, continued after a code block at
    "3.", were numbered 1, 2 again in every PDF.
    """
    if " start=" not in html:
        return html

    def started(match: re.Match[str]) -> str:
        tag = match.group(0)
        start = OL_START.search(tag)
        if start is None:
            return tag
        reset = f"counter-reset: list-item {int(start.group(1)) - 1}; "
        style = STYLE_ATTRIBUTE.search(tag)
        if style is not None:
            return tag[:style.end()] + reset + tag[style.end():]
        return f'{tag[:-1]} style="{reset.strip()}">'

    return OL_TAG.sub(started, html)


def with_breaks_in_long_words(html: str) -> str:
    """Return ``html`` with a zero-width space between the characters of each very long word.

    WeasyPrint lays out the whole rest of a paragraph for each line while it finds no break
    in it: a 10,000-letter word (a gene sequence, a hash, base64 pasted as text) took a
    handout 8 s, and 40,000 letters ten minutes. A word that long breaks across lines anyway;
    given a break opportunity at each character it lays out in linear time, and the text
    layer reads the same (the zero-width spaces draw no glyph, and no ligature is formed
    across them).
    """
    if not LONG_RUN.search(html):
        return html

    def text(match: re.Match[str]) -> str:
        if match.group(2) is None or not LONG_RUN.search(match.group(2)):
            return match.group(0)
        return LONG_RUN.sub(lambda run: UNLIGATED.format(
            "\u200b".join(CHARACTER.findall(run.group(0)))), match.group(2))

    return MARKUP_OR_TEXT.sub(text, html)


def _take_head_styles(html: str) -> tuple[str, list[str]]:
    """Return ``html`` without the ``<style>`` elements of its head, and their CSS texts.

    Every deck and slide handout of a build carries the same styles: given to WeasyPrint as
    stylesheets, they are parsed once per process rather than once per document (a third of
    the work for a slide handout). Their rules keep their order and still come before what
    the body itself styles; only styles for other media (``media="screen"``) stay in place.
    """
    end = html.find("</head>")
    if end < 0:
        return html, []
    styles = [match.group(1) for match in HEAD_STYLE.finditer(html, 0, end)]
    if not styles:
        return html, []
    return HEAD_STYLE.sub("", html[:end]) + html[end:], styles


def _per_thread() -> tuple[FontConfiguration, dict[tuple[str, str], CSS]]:
    if not hasattr(_local, "fonts"):
        _local.fonts, _local.sheets = FontConfiguration(), {}
    return _local.fonts, _local.sheets
