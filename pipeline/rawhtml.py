"""Mend the author's raw HTML for a web page: what HTML5 dropped is replaced, the rest kept.

A web page may hold far more than an ebook (frames, forms, scripts stay), so this is not the
EPUB's repair: only what the HTML standard calls obsolete or cannot name goes. Tags from other
vocabularies (Word's ``<o:p>``) and unknown ones are unwrapped with their text kept; HTML 4's
presentational elements get their HTML5 equivalent; presentational attributes become the CSS
they meant. Only bodies holding raw HTML pass through here: pandoc's own HTML is valid.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from pipeline.errors import location
from pipeline.markup import (
    KNOWN,
    NEW_VOID,
    PHRASING,
    PHRASING_ONLY,
    REMOVED,
    RENAMED,
    TEXT_LEVEL_IN,
    UNWRAPPED,
    emptied,
    unwrap,
)

log = logging.getLogger(__name__)

# Elements a page keeps that an ebook does not: frames, forms, scripts.
PAGE_ONLY = UNWRAPPED | REMOVED | {"script", "noscript", "input"}
# Presentational attributes and the CSS property each meant ("" when it has no CSS meaning).
STYLED = {"align": "text-align", "valign": "vertical-align", "bgcolor": "background-color",
          "color": "color", "nowrap": "white-space", "clear": "clear"}
DROPPED = {"cellpadding", "cellspacing", "hspace", "vspace", "compact", "face", "size",
           "language", "charset", "rules", "frame", "summary", "axis", "char", "charoff",
           "background", "noshade", "bordercolor"}
# The elements an href belongs on (a README's <img href> means nothing to a browser).
LINKING = {"a", "area", "link", "base"}
# Elements whose width and height attributes are still HTML (as whole numbers of pixels).
SIZED = {"img", "video", "canvas", "iframe", "embed", "object", "source", "input"}
WHOLE_NUMBER = re.compile(r"^\s*\d+\s*$")
ISLAND = re.compile(r"<(math|svg)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
# Written empty, they still get an end tag from lxml.
NEW_VOID_END = re.compile(rf"</(?:{'|'.join(NEW_VOID)})>", re.IGNORECASE)
PLACEHOLDER = re.compile(r'<span data-folio-island="(\d+)"></span>')


@dataclass
class Mended:
    """What was changed in one article's raw HTML, to tell in one warning."""

    changes: dict[str, None] = field(default_factory=dict)

    def report(self, source: Path) -> None:
        """Warn once, naming every kind of change, if anything changed."""
        if self.changes:
            log.warning("%s: raw HTML mended for the web page (obsolete in HTML5): %s",
                        location(source), ", ".join(self.changes))


def page_html(html: str, mended: Mended) -> str:
    """Return body HTML with what HTML5 refuses of its raw HTML replaced, noted in ``mended``."""
    # MathML and SVG stand aside while the HTML parser reads the rest: it would fold their
    # camelCase names and misread their self-closed elements.
    islands: list[str] = []

    def aside(match: re.Match[str]) -> str:
        islands.append(match.group(0))
        return f'<span data-folio-island="{len(islands) - 1}"></span>'

    html = ISLAND.sub(aside, html)
    wrapper = lxml_html.fragment_fromstring(html, create_parent="div")
    for element in list(wrapper.iter()):
        if element is wrapper or not isinstance(element.tag, str):
            continue
        name = element.tag.lower()
        if name in RENAMED:
            mended.changes[f"<{name}> by <{RENAMED[name]}>"] = None
            element.tag = RENAMED[name]
        elif ":" in name or name not in KNOWN | PAGE_ONLY:
            mended.changes[f"<{name}> unwrapped"] = None
            unwrap(element)
            continue
        _attributes(element, mended)
    emptied(wrapper)
    _flatten_blocks_in_phrasing(wrapper, mended)
    mended_html = (wrapper.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in wrapper)
    mended_html = NEW_VOID_END.sub("", mended_html)
    return PLACEHOLDER.sub(lambda match: islands[int(match.group(1))], mended_html)


def _flatten_blocks_in_phrasing(wrapper: etree._Element, mended: Mended) -> None:
    """Unwrap blocks inside text-level elements: a figure inside an ``<h1 align>`` is its image.

    Markdown inside raw HTML makes such nesting (an image alone becomes a figure), and HTML
    allows only text-level content in a heading or a paragraph.
    """
    for element in list(wrapper.iter()):
        if not isinstance(element.tag, str) or element.tag not in PHRASING_ONLY:
            continue
        for inner in list(element.iterdescendants()):
            if not isinstance(inner.tag, str) or inner.tag in PHRASING \
                    or inner.getparent().tag in TEXT_LEVEL_IN.get(inner.tag, "").split() \
                    or element not in inner.iterancestors():  # gone with a caption
                continue
            if inner.tag == "figcaption":  # it repeats the image's alternative text
                inner.drop_tree()
            else:
                unwrap(inner)
            mended.changes[f"<{inner.tag}> inside <{element.tag}> unwrapped"] = None


def _attributes(element: etree._Element, mended: Mended) -> None:
    """Turn an element's presentational attributes into CSS, or drop them."""
    styles = []
    for attribute, value in list(element.attrib.items()):
        name = attribute.lower()
        if ":" in name:
            mended.changes[f"{name} dropped"] = None
        elif name in STYLED:
            value = "nowrap" if name == "nowrap" else value.strip()
            if element.tag == "img" and name == "align":
                styles.append(_image_alignment(value))
            elif value:
                styles.append(f"{STYLED[name]}: {value}")
            mended.changes[f"{name} as CSS"] = None
        elif name in DROPPED or (name == "border" and element.tag != "table") or (
                name == "border" and value.strip() not in {"", "1"}) or (
                name == "href" and element.tag not in LINKING):
            mended.changes[f"{name} dropped"] = None
        elif name in {"width", "height"} and (element.tag not in SIZED
                                              or not WHOLE_NUMBER.match(value)):
            number = value.strip()
            styles.append(f"{name}: {number}px" if WHOLE_NUMBER.match(number) else
                          f"{name}: {number}")
            mended.changes[f"{name} as CSS"] = None
        elif name == "name" and element.tag == "a":
            if "id" not in element.attrib:
                element.set("id", value)  # a link target the HTML 4 way keeps working
        else:
            continue
        del element.attrib[attribute]
    if styles:
        own = element.get("style", "").strip().rstrip(";")
        element.set("style", "; ".join([*([own] if own else []), *styles]))


def _image_alignment(value: str) -> str:
    """Return the CSS an image's ``align`` meant: a float to a side, or a vertical alignment."""
    value = value.lower()
    return f"float: {value}" if value in {"left", "right"} else f"vertical-align: {value}"
