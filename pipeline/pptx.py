"""Write a deck as PowerPoint: real title and body placeholders, speaker notes in the notes pane."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import re
import struct
from html import escape
from typing import TYPE_CHECKING

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from pipeline.brand.raster import svg_png
from pipeline.errors import location
from pipeline.highlight import DEFAULT_STYLE, split_lines, token_bold, token_colour
from pipeline.i18n import date_language, format_date, join_names, text_direction
from pipeline.images import Unusable
from pipeline.math import MATH, mathml_to_text
from pipeline.math.slides import add_equation
from pipeline.pptx_theme import apply_brand

if TYPE_CHECKING:
    from pathlib import Path

    from pptx.slide import Slide as PptxSlide
    from pptx.text.text import TextFrame, _Paragraph

    from pipeline.brand import Brand
    from pipeline.deck import Deck, Slide
    from pipeline.resources import Asset

log = logging.getLogger(__name__)

# Layouts of python-pptx's default template, which LibreOffice and PowerPoint both know.
TITLE_LAYOUT, CONTENT_LAYOUT, SECTION_LAYOUT, TITLE_ONLY_LAYOUT = 0, 1, 2, 5
# A shape's frame: a:xfrm in a shape's properties, p:xfrm on a table or chart.
FRAMES = (qn("a:xfrm"), qn("p:xfrm"))
HEIGHT = Emu(6858000)  # 7.5 in; 16:9 is 13.333 in wide, 4:3 is 10 in
WIDTHS = {"16:9": Emu(12192000), "4:3": Emu(9144000)}
# Picture formats PowerPoint shows, by the media type the bytes give (never by file name).
PICTURE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff"}
# An SVG figure is drawn this many pixels high: sharp on a slide shown full screen.
SVG_HEIGHT = 1080
# Sizes match the HTML deck's (28.8px bullets on a 720px slide = 21.6pt on 7.5in).
BODY_SIZE, SMALL_SIZE = Pt(22), Pt(18)
# Two lines of body text: the room a lead-in sentence takes above an equation.
LEAD_HEIGHT = Emu(Pt(22) * 2 * 1.3)
# A column's alignment from the source, as the cell paragraphs' algn.
CELL_ALIGN = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}
# The monospace font of code, as the HTML deck's --font-mono starts.
CODE_FONT = "DejaVu Sans Mono"
# Office's mark for a picture that carries no information (Alt Text: "Mark as decorative").
DECORATIVE = (
    '<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:ext uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}">'
    '<adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/decorative"'
    ' val="1"/></a:ext></a:extLst>')
# Zip entries get this fixed time (1 January 1980, 00:00, in MS-DOS form: the date, then the
# time) so that the same deck gives the same bytes.
ZIP_TIME = struct.pack("<HH", 0, (1980 - 1980) << 9 | 1 << 5 | 1)
# A zip's end record and its central directory's entries: their signatures and fixed sizes.
END_RECORD, END_SIZE = b"PK\x05\x06", 22
DIRECTORY_ENTRY, ENTRY_SIZE = b"PK\x01\x02", 46
LOCAL_HEADER = b"PK\x03\x04"


def write_pptx(deck: Deck, images: dict[str, Asset], brand: Brand | None = None,
               code_style: str = DEFAULT_STYLE) -> bytes:
    """Return the deck as a .pptx file, identical bytes for an identical deck."""
    prs = Presentation()
    _set_size(prs, WIDTHS[deck.aspect])
    if brand is not None:
        apply_brand(prs, brand)
    # SVG figures are drawn once a build, kept with the brand's drawn logos.
    raster = brand.raster_dir if brand is not None else None
    for slide in deck.slides:
        _add_slide(prs, slide, deck, images, code_style, raster)
    article = deck.article
    _mark_language(prs, article.lang)
    _mark_direction(prs, article.lang)
    props = prs.core_properties
    props.title = core_text(article.title)
    props.author = core_text(join_names(article.authors, article.lang))
    props.subject = core_text(article.description or "")
    props.keywords = core_text(", ".join(article.keywords))
    props.language = article.lang
    props.last_modified_by = "Folio"
    props.revision = 1
    stamp = dt.datetime.combine(article.date or dt.date(1980, 1, 1), dt.time())
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    prs.save(buffer)
    return _normalised_zip(buffer.getvalue())


# Office's limit for a document property; python-pptx refuses a longer text outright.
CORE_PROPERTY_CHARS = 255


def core_text(text: str) -> str:
    """Return ``text`` fitted to a document property, cut at a word with an ellipsis."""
    if len(text) <= CORE_PROPERTY_CHARS:
        return text
    head = text[:CORE_PROPERTY_CHARS - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:") + "\u2026"


def _set_size(prs: Presentation, width: Emu) -> None:
    """Set the slide size, and move and stretch the master's and layouts' frames to match.

    Every layout moves, not only those Folio uses: whoever edits the deck picks among them
    all. A layout's placeholder without a frame of its own inherits the master's, and so
    moves with it. The XML is changed directly: python-pptx looks inherited frames up slowly.
    """
    ratio = width / prs.slide_width
    prs.slide_width, prs.slide_height = width, HEIGHT
    if ratio == 1:
        return
    for part in (prs.slide_master, *prs.slide_layouts):
        for xfrm in part.element.iter(*FRAMES):
            offset, extent = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
            if offset is not None:
                offset.set("x", str(int(int(offset.get("x")) * ratio)))
            if extent is not None:
                extent.set("cx", str(int(int(extent.get("cx")) * ratio)))


def _add_slide(prs: Presentation, slide: Slide, deck: Deck, images: dict[str, Asset],
               code_style: str, raster: Path | None = None) -> None:
    kind = slide.kind
    layout = {"title": TITLE_LAYOUT, "closing": TITLE_LAYOUT, "section": SECTION_LAYOUT,
              "figure": TITLE_ONLY_LAYOUT, "table": TITLE_ONLY_LAYOUT,
              "equation": TITLE_ONLY_LAYOUT}.get(kind, CONTENT_LAYOUT)
    page = prs.slides.add_slide(prs.slide_layouts[layout])
    page.shapes.title.text = slide.heading
    lines: list[str] = []
    if kind == "title":
        lines = [slide.text, join_names(deck.article.authors, deck.article.lang)]
        lines.append(format_date(deck.article.date, deck.article.lang) if deck.article.date
                     else "")
    elif kind == "closing":
        lines = [*slide.bullets, slide.text]
    elif kind in {"content", "custom"}:
        lines = list(slide.bullets) or _plain_lines(slide.html)
    elif kind == "quote":
        lines = [slide.text]
    elif kind == "figure":
        _add_figure(prs, page, slide, deck, images, raster)
    elif kind == "table" and slide.table is not None:
        _add_table(prs, page, slide)
    elif kind == "equation":
        left, top, width, height = _content_box(prs)
        if slide.lead:
            _add_lead(page, slide.lead, left, top, width)
            top, height = top + LEAD_HEIGHT, height - LEAD_HEIGHT
        add_equation(page, slide, (left, top, width, height))
    body = next((ph for ph in page.placeholders if ph.placeholder_format.idx == 1), None)
    if body is not None and kind == "code":
        _fill_code(body.text_frame, slide, code_style)
    elif body is not None:
        lines = [line for line in lines if line]
        if lines:
            _fill(body.text_frame, lines, BODY_SIZE)
            if kind == "content" and len(lines) == 1:
                # One point is a statement, not a list: the HTML slide shows it without its
                # marker (.bullets.single), and so does the PowerPoint slide.
                _no_bullet(body.text_frame.paragraphs[0])
            if kind == "title" and deck.article.date:
                _keep_direction(body.text_frame.paragraphs[-1], deck.article.lang,
                                date_language(deck.article.lang))
        else:
            # An empty placeholder would show "Click to add text" to whoever edits the deck.
            body.element.getparent().remove(body.element)
    if slide.notes_text:
        page.notes_slide.notes_text_frame.text = slide.notes_text


def _mark_language(prs: Presentation, lang: str) -> None:
    """Give every text run of the slides and their notes the article's language."""
    # PowerPoint reads a run without lang in the editing language of whoever opens the file;
    # screen readers and the spelling checker take the language from each run.
    for page in prs.slides:
        parts = [page, page.notes_slide] if page.has_notes_slide else [page]
        for part in parts:
            for run in part._element.iter(qn("a:r"), qn("a:fld")):
                run.get_or_add_rPr().set("lang", lang)


def _mark_direction(prs: Presentation, lang: str) -> None:
    """Set the paragraphs and tables of a right-to-left deck right to left, code excepted."""
    if text_direction(lang) != "rtl":
        return
    # The template's master aligns body text left and lays paragraphs out left to right: an
    # rtl paragraph takes its bullet and indent on the right, and a table its first column.
    code_font = qn("a:latin")
    for page in prs.slides:
        parts = [page, page.notes_slide] if page.has_notes_slide else [page]
        for part in parts:
            for table in part._element.iter(qn("a:tbl")):
                table.find(qn("a:tblPr")).set("rtl", "1")
            for paragraph in part._element.iter(qn("a:p")):
                if any(font.get("typeface") == CODE_FONT for font in paragraph.iter(code_font)):
                    continue  # code reads left to right in every language, as on the HTML slide
                properties = paragraph.get_or_add_pPr()
                if properties.get("rtl") is None:
                    properties.set("rtl", "1")
                if properties.get("algn") is None:
                    properties.set("algn", "r")


def _keep_direction(paragraph: _Paragraph, lang: str, words: str) -> None:
    """Lay out a paragraph in language ``words`` in its own direction when it is not the deck's."""
    # "5 March 2024", Folio's English for a deck in a language the CLDR lacks, would read
    # "March 2024 5" right to left; _mark_direction still aligns it with the other paragraphs.
    if text_direction(words) != text_direction(lang):
        paragraph._p.get_or_add_pPr().set("rtl", "1" if text_direction(words) == "rtl" else "0")


def _fill(frame: object, lines: list[str], size: Pt) -> None:
    frame.text = lines[0]  # type: ignore[attr-defined]
    for line in lines[1:]:
        frame.add_paragraph().text = line  # type: ignore[attr-defined]
    for paragraph in frame.paragraphs:  # type: ignore[attr-defined]
        for run in paragraph.runs:
            run.font.size = size


def _fill_code(frame: TextFrame, slide: Slide, style: str) -> None:
    """Fill ``frame`` with the slide's code: a paragraph a line, a coloured run a token."""
    lines = split_lines(list(slide.tokens)) or [[("", slide.text)]]
    frame.word_wrap = True  # a long line wraps, as on the HTML slide, rather than overflowing
    if slide.lead:
        # The sentence introducing the code, in body text above it, as on the HTML slide.
        lead = frame.paragraphs[0]
        _no_bullet(lead)
        run = lead.add_run()
        run.text = slide.lead
        run.font.size = BODY_SIZE
        lead.space_after = Pt(8)  # the HTML slide's margin under the sentence
    for index, line in enumerate(lines):
        paragraph = (frame.paragraphs[0] if index == 0 and not slide.lead
                     else frame.add_paragraph())
        paragraph.level = 0
        # A bullet before each line of code would read as a list; keep indentation exact.
        _no_bullet(paragraph)
        for kind, text in line or [("", "")]:
            run = paragraph.add_run()
            run.text = text
            run.font.size = SMALL_SIZE
            run.font.name = CODE_FONT
            colour = token_colour(kind, style)
            if colour:
                run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper()[-6:])
            if token_bold(kind, style):
                run.font.bold = True


def _no_bullet(paragraph: _Paragraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    properties.set("marL", "0")
    properties.set("indent", "0")
    properties.insert(0, properties.makeelement(qn("a:buNone"), {}))


def _plain_lines(html: str) -> list[str]:
    """Return the text of an author's slide HTML, one line per block element."""
    html = MATH.sub(lambda m: escape(mathml_to_text(m.group(0))), html)  # never TeX
    text = re.sub(r"</(p|li|h\d|pre|div|tr)>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _content_box(prs: Presentation) -> tuple[int, int, int, int]:
    """Return left, top, width, height of the area under the title."""
    margin = int(prs.slide_width * 0.06)
    top = int(HEIGHT * 0.24)
    return margin, top, prs.slide_width - 2 * margin, int(HEIGHT * 0.70) - top


def _add_figure(prs: Presentation, page: PptxSlide, slide: Slide, deck: Deck,
                images: dict[str, Asset], raster: Path | None) -> None:
    left, top, width, height = _content_box(prs)
    asset = images.get(slide.image.src) if slide.image else None
    data = _picture(asset, raster) if asset is not None else None
    if data is not None:
        picture = page.shapes.add_picture(io.BytesIO(data), left, top)
        scale = min(width / picture.width, height / picture.height)
        picture.width, picture.height = int(picture.width * scale), int(picture.height * scale)
        picture.left = left + (width - picture.width) // 2
        # Alternative text, as PowerPoint's "Alt Text" pane reads it; without one the picture
        # is marked decorative, so that the accessibility checker and screen readers skip it.
        alt = slide.image.alt.strip() if slide.image else ""
        properties = picture._element.nvPicPr.cNvPr
        properties.set("descr", alt)
        if not alt:
            properties.append(etree.fromstring(DECORATIVE))
    elif asset is not None:
        log.warning("%s: PowerPoint cannot show '%s'; the PPTX slide has its caption only",
                    location(deck.article.source), asset.name)
    if slide.text:
        _add_caption(page, slide.text, left, top + height + Emu(91440), width)


def _picture(asset: Asset, raster: Path | None) -> bytes | None:
    """Return the picture PowerPoint shows for ``asset``: its bytes, or an SVG drawn as PNG."""
    if asset.media.media_type in PICTURE_TYPES:
        return asset.shown.data
    if asset.media.is_svg:
        # The figures of a lecture are often SVG diagrams; python-pptx takes raster only.
        with contextlib.suppress(Unusable):  # the handout and page warned of it already
            return svg_png(asset.media.data, raster, SVG_HEIGHT)
    return None


def _add_lead(page: PptxSlide, text: str, left: int, top: int, width: int) -> None:
    """Add the sentence introducing an equation at the top of the content area."""
    box = page.shapes.add_textbox(left, top, width, LEAD_HEIGHT)
    _fill(box.text_frame, [text], BODY_SIZE)
    box.text_frame.word_wrap = True


def _add_caption(page: PptxSlide, text: str, left: int, top: int, width: int) -> None:
    """Add a centred caption below a figure or table."""
    box = page.shapes.add_textbox(left, top, width, Emu(914400))
    _fill(box.text_frame, [text], SMALL_SIZE)
    box.text_frame.word_wrap = True
    box.text_frame.paragraphs[0].alignment = PP_ALIGN.CENTER


def _add_table(prs: Presentation, page: PptxSlide, slide: Slide) -> None:
    table = slide.table
    assert table is not None
    rows = [row for row in ([table.header] if table.header else []) + list(table.rows) if row]
    if not rows:
        return  # a table of no cells (pandoc allows one) has nothing to draw
    columns = max(len(row) for row in rows)
    left, top, width, height = _content_box(prs)
    shape = page.shapes.add_table(len(rows), columns, left, top, width,
                                  min(height, Emu(457200) * len(rows)))
    shape.table.first_row = bool(table.header)
    # The caption as the HTML slide shows it: unless it is the slide's title already.
    if table.caption and table.caption != slide.title:
        _add_caption(page, table.caption, left, top + shape.height + Emu(91440), width)
    for r, row in enumerate(rows):
        for c in range(columns):
            cell = shape.table.cell(r, c)
            cell.text = row[c] if c < len(row) else ""
            for paragraph in cell.text_frame.paragraphs:
                if table.alignment(c) in CELL_ALIGN:
                    paragraph.alignment = CELL_ALIGN[table.alignment(c)]
                for run in paragraph.runs:
                    run.font.size = SMALL_SIZE


def _normalised_zip(data: bytes) -> bytes:
    """Return the package with every entry's time set to ZIP_TIME: python-pptx stamps the clock.

    The times are written over in place, in each entry's local header and in the central
    directory, which the entries' checksums do not cover: rewriting the package instead
    would inflate and deflate every part again, a tenth of writing a deck.
    """
    patched = bytearray(data)
    end = patched.rfind(END_RECORD, max(0, len(patched) - END_SIZE - 0xFFFF))
    if end < 0:
        raise ValueError("python-pptx wrote no zip end record")
    count, _, at = struct.unpack_from("<HLL", patched, end + 10)
    for _ in range(count):
        if patched[at:at + 4] != DIRECTORY_ENTRY:
            raise ValueError("python-pptx wrote an unexpected zip directory")
        # The entry's time and date at 12, its name, extra and comment lengths at 28 and
        # the offset of its local header, whose time and date lie at 10, at 42.
        names, extra, comment = struct.unpack_from("<HHH", patched, at + 28)
        (local,) = struct.unpack_from("<L", patched, at + 42)
        if patched[local:local + 4] != LOCAL_HEADER:
            raise ValueError("python-pptx wrote an unexpected zip entry")
        patched[at + 12:at + 16] = patched[local + 10:local + 14] = ZIP_TIME
        at += ENTRY_SIZE + names + extra + comment
    return bytes(patched)
