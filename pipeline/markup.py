"""What HTML is, for the passes that mend an author's raw HTML: its elements by kind.

Shared by the web page's mending (pipeline/rawhtml.py) and the ebook's stricter repair
(pipeline/formats/epub/repair.py), with the one way to unwrap an element keeping its text.
"""

from __future__ import annotations

import re

from lxml import etree


def words(text: str) -> frozenset[str]:
    """Return the set of white-space separated names in ``text``."""
    return frozenset(text.split())


# Text-level ("phrasing") elements of HTML; MathML and SVG islands count as phrasing too.
PHRASING = words("""
    a abbr area audio b bdi bdo br button canvas cite code data datalist del dfn em embed i
    iframe img input ins kbd label map mark meter noscript object output picture progress q
    ruby s samp select small span strong sub sup template textarea time u var video wbr
""")
# Elements whose content may only be phrasing: a block inside one is lifted out of it.
PHRASING_ONLY = words("""
    p h1 h2 h3 h4 h5 h6 pre span em strong b i u s small sub sup code kbd samp var q cite
    abbr dfn time mark bdi bdo data label output legend dt rt rp button summary
""")
# Elements whose content model is their parent's.
TRANSPARENT = words("""
    a ins del map audio video canvas object noscript
""")
# The other elements EPUB 3 XHTML holds in a body.
OTHER_KNOWN = words("""
    address article aside blockquote body caption col colgroup dd details dialog div dl dt
    fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol
    p pre rp rt search section source summary table tbody td tfoot th thead tr track ul math
    svg
""")
KNOWN = PHRASING | PHRASING_ONLY | TRANSPARENT | OTHER_KNOWN
# HTML 4 elements with an HTML5 equivalent that keeps their meaning.
RENAMED = {"center": "div", "font": "span", "big": "span", "tt": "code", "strike": "s",
           "acronym": "abbr", "dir": "ul", "xmp": "pre", "listing": "pre", "plaintext": "pre",
           "marquee": "span", "blink": "span", "nobr": "span", "rb": "span", "rtc": "span"}
# Embedded frames and programs, and form controls: an ebook can neither load nor submit them.
# Their fallback content and labels stay; the controls themselves go.
UNWRAPPED = words("""
    iframe object applet embed frameset frame noframes form button fieldset legend select
    optgroup option datalist textarea
""")
REMOVED = words("""
    input keygen param style link meta title base basefont spacer bgsound isindex slot
    template
""")
# HTML5's empty elements that libxml2's HTML parser, older than them, reads as containers:
# "a<wbr>b" became "a<wbr>b</wbr>", which no browser or e-reader accepts.
NEW_VOID = words("wbr source track")
# Elements that are text-level inside one parent only: a ruby's annotation and the
# parentheses shown where ruby is not laid out; a picture's or a video's sources.
TEXT_LEVEL_IN = {"rt": "ruby", "rp": "ruby", "source": "picture audio video",
                 "track": "audio video"}
# Nested documents (a whole page pasted into an article) keep only their body's content.
SHELLS = frozenset({"html", "head", "body"})


def emptied(root: etree._Element) -> etree._Element:
    """Return ``root`` with what the HTML parser put inside ``NEW_VOID`` elements after them."""
    for element in list(root.iter(*NEW_VOID)):
        parent = element.getparent()
        index = parent.index(element)
        tail, children = element.tail or "", list(element)
        element.tail, element.text = element.text, None
        for offset, child in enumerate(children, 1):
            parent.insert(index + offset, child)
        last = children[-1] if children else element
        last.tail = (last.tail or "") + tail
    return root


def unwrap(element: etree._Element) -> None:
    """Replace ``element`` by its content, keeping the text around it in order."""
    parent = element.getparent()
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (element.text or "")
    else:
        parent.text = (parent.text or "") + (element.text or "")
    children = list(element)
    index = parent.index(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else previous
    if last is not None:
        last.tail = (last.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)


# pandoc's caption that repeats the image's alternative text, hidden from assistive technology.
_HIDDEN_CAPTION = re.compile(r'<figcaption aria-hidden="true">(.*?)</figcaption>', re.DOTALL)
# What a keyboard reaches: a link (a note reference is one too), a control, a tabindex.
_FOCUSABLE = re.compile(r"<(?:a\s[^>]*\bhref=|button\b|input\b|select\b|textarea\b|"
                        r"[a-z]+\s[^>]*\btabindex=\"(?!-))")


def shown_captions(html: str) -> str:
    """Unhide the figure captions a keyboard can reach into: a link, a note reference."""
    # A link inside aria-hidden would take focus yet be announced as nothing (axe and Ace:
    # aria-hidden-focus); hearing the caption after the alt text is the lesser harm, and the
    # PDF's Figure keeps its alternative text.
    def show(match: re.Match[str]) -> str:
        if not _FOCUSABLE.search(match.group(1)):
            return match.group(0)
        return f"<figcaption>{match.group(1)}</figcaption>"

    return _HIDDEN_CAPTION.sub(show, html) if "<figcaption aria-hidden" in html else html


# A table cell's span as raw HTML writes it, and the most HTML lets it mean.
SPAN = re.compile(r"""(\s(colspan|rowspan)\s*=\s*["']?)(\d+)""", re.IGNORECASE)
SPAN_LIMITS = {"colspan": 1000, "rowspan": 65534}


# A header cell with nothing in it (pandoc writes a table's empty corner so).
EMPTY_HEADER = re.compile(r"<th(\s[^>]*)?>(\s*)</th>")


def without_empty_headers(html: str) -> str:
    """Return ``html`` with each empty header cell a data cell.

    A header that names nothing heads nothing: Ace by DAISY and axe report it to screen-reader
    users (empty-table-header), and an empty data cell says the same to everyone.
    """
    return EMPTY_HEADER.sub(r"<td\1>\2</td>", html) if "<th" in html else html


def clamped_spans(html: str) -> str:
    """Return ``html`` with each cell's span within what HTML allows (1000 columns, 65534 rows).

    Browsers clamp a larger span; WeasyPrint lays every spanned column out, so one cell of
    colspan="100000" in an author's table took the handout 46 seconds to lay out.
    """
    if "span" not in html:
        return html

    def clamp(match: re.Match[str]) -> str:
        limit = SPAN_LIMITS[match.group(2).lower()]
        return match.group(1) + str(min(int(match.group(3)), limit))

    return SPAN.sub(clamp, html)
