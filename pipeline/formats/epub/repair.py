"""Repair a chapter's raw HTML into what EPUB 3 XHTML allows, keeping every word of its text.

An article's raw HTML may hold anything a browser forgives: tags pasted from Word
(``<o:p>``), invented tags, HTML 4's presentational elements and attributes, a ``<div>`` inside
a ``<p>``, a ``<li>`` outside a list, frames and forms. EPUBCheck refuses all of them. Each is
mended at one place here, in an order where a later pass never undoes an earlier one: elements
(unknown ones unwrapped, obsolete ones renamed, embedded frames and forms unwrapped), then
attributes, then the parents some elements require, then flow content lifted out of phrasing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from pipeline.errors import location
from pipeline.formats.epub.xhtml import EPUB_NS, MATHML_NS, ORIGINAL_TAG, SVG_NS, XML_NS, X
from pipeline.markup import (
    KNOWN,
    PHRASING,
    PHRASING_ONLY,
    REMOVED,
    RENAMED,
    SHELLS,
    TRANSPARENT,
    UNWRAPPED,
    unwrap,
    words,
)

log = logging.getLogger(__name__)


GLOBAL_ATTRIBUTES = words("""
    accesskey class contenteditable dir draggable hidden id lang role spellcheck style
    tabindex title translate itemid itemprop itemref itemscope itemtype
""")
ELEMENT_ATTRIBUTES = {
    "a": {"href", "target", "download", "rel", "hreflang", "type", "referrerpolicy"},
    "area": {"alt", "coords", "shape", "href", "target", "download", "rel", "hreflang"},
    # Not srcset: the pictures it names are not in the ebook; src is.
    "img": {"src", "alt", "width", "height", "usemap", "ismap", "crossorigin", "decoding",
            "loading"},
    "audio": {"src", "controls", "autoplay", "loop", "muted", "preload", "crossorigin"},
    "video": {"src", "controls", "autoplay", "loop", "muted", "preload", "crossorigin",
              "poster", "width", "height", "playsinline"},
    "source": {"src", "type", "srcset", "sizes", "media", "width", "height"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "canvas": {"width", "height"}, "map": {"name"}, "data": {"value"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"}, "time": {"datetime"},
    "ol": {"reversed", "start", "type"}, "li": {"value"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope",
                                                    "abbr"},
    "col": {"span"}, "colgroup": {"span"}, "details": {"open"}, "dialog": {"open"},
    "meter": {"value", "min", "max", "low", "high", "optimum"}, "progress": {"value", "max"},
    "label": {"for"}, "output": {"for", "name"}, "bdo": {"dir"},
}
# Attributes whose value must be a whole number: "50%" or "auto" is HTML 4, refused in EPUB 3.
INTEGER_ATTRIBUTES = frozenset({"width", "height", "colspan", "rowspan", "start", "span"})
ALWAYS_ALLOWED = {f"{{{EPUB_NS}}}type", f"{{{XML_NS}}}lang"}

# Elements that exist only inside a certain parent: the parents allowed, and the one to add.
REQUIRED_PARENT = {
    "li": ({"ul", "ol", "menu"}, "ul"),
    "dt": ({"dl", "div"}, "dl"), "dd": ({"dl", "div"}, "dl"),
    "td": ({"tr"}, "tr"), "th": ({"tr"}, "tr"),
    "tr": ({"table", "thead", "tbody", "tfoot"}, "table"),
    "thead": ({"table"}, "table"), "tbody": ({"table"}, "table"), "tfoot": ({"table"}, "table"),
    "caption": ({"table"}, "table"), "colgroup": ({"table"}, "table"),
    "col": ({"colgroup"}, "colgroup"),
    "figcaption": ({"figure"}, "figure"), "summary": ({"details"}, "details"),
    "rt": ({"ruby"}, "ruby"), "rp": ({"ruby"}, "ruby"),
    "source": ({"audio", "video", "picture"}, "picture"),
    "track": ({"audio", "video"}, "video"),
}
# Elements that hold only certain children: those, and the element that wraps anything else.
ALLOWED_CHILDREN = {
    "ul": ({"li"}, "li"), "ol": ({"li"}, "li"), "menu": ({"li"}, "li"),
    "dl": ({"dt", "dd", "div"}, "dd"),
    "tr": ({"td", "th"}, "td"),
    "thead": ({"tr"}, "tr"), "tbody": ({"tr"}, "tr"), "tfoot": ({"tr"}, "tr"),
    "table": ({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}, "tr"),
    "colgroup": ({"col"}, "col"),
}
INTEGER = re.compile(r"^\s*\d+\s*$")
# The tags of MathML and SVG elements begin so: what they hold is left as it is.
ISLANDS = (f"{{{MATHML_NS}}}", f"{{{SVG_NS}}}")


def repair(body: etree._Element, where: Path) -> None:
    """Make the XHTML under ``body`` valid EPUB 3, warning once per kind of change."""
    notes = _Notes(where)
    _elements(body, notes)
    _attributes(body, notes)
    _parents(body)
    _lift_blocks(body)
    _unnest_links(body)
    notes.report()


class _Notes:
    """Gather what was changed in one document, to tell it in a few lines instead of many."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.unknown: dict[str, None] = {}
        self.renamed: dict[str, str] = {}
        self.unwrapped: dict[str, None] = {}
        self.removed: dict[str, None] = {}
        self.attributes: dict[str, None] = {}

    def report(self) -> None:
        """Log one warning per kind of change, naming the tags and attributes concerned."""
        if not (self.unknown or self.renamed or self.unwrapped or self.removed
                or self.attributes):
            return  # the usual case, where even finding the file's name would cost a little
        place = location(self.where)
        if self.unknown:
            log.warning("%s: tags an ebook cannot hold unwrapped, their text kept: %s", place,
                        _names(self.unknown))
        if self.renamed:
            log.warning("%s: HTML 4 tags replaced for the ebook: %s", place,
                        ", ".join(f"<{old}> by <{new}>" for old, new in self.renamed.items()))
        if self.unwrapped:
            log.warning("%s: frames, embedded objects and forms do not work in an ebook: %s "
                        "unwrapped, their text kept", place, _names(self.unwrapped))
        if self.removed:
            log.warning("%s: left out of the ebook: %s", place, _names(self.removed))
        if self.attributes:
            log.warning("%s: attributes EPUB 3 does not allow left out: %s", place,
                        ", ".join(self.attributes))


def _names(tags: dict[str, None]) -> str:
    return ", ".join(f"<{tag}>" for tag in tags)


# Tag (or comment and processing-instruction factory) -> XHTML name, or None: the passes ask
# it of every element several times, for a few dozen distinct tags.
_NAMES: dict[object, str | None] = {}
MAX_NAMES = 4096


def _local(element: etree._Element) -> str | None:
    """Return an XHTML element's name; None for comments and for other vocabularies."""
    tag = element.tag
    try:
        return _NAMES[tag]
    except KeyError:
        name = tag[len(X):] if isinstance(tag, str) and tag.startswith(X) else None
        if len(_NAMES) > MAX_NAMES:  # a document of invented tags, or a long `folio serve`
            _NAMES.clear()
        _NAMES[tag] = name
        return name


def _xhtml(root: etree._Element) -> Iterator[etree._Element]:
    """Yield the XHTML elements under ``root`` in document order, not entering MathML or SVG.

    The passes change the tree as they go: an element's children are listed only once the
    element itself has been handled, as a recursive walk would, but without passing every
    element up through one generator per level.
    """
    levels = [iter(list(root))]
    while levels:
        for child in levels[-1]:
            name = _local(child)
            if name is None or name in {"math", "svg"}:
                continue
            yield child
            levels.append(iter(list(child)))
            break
        else:
            levels.pop()


def _elements(body: etree._Element, notes: _Notes) -> None:
    """Unwrap, rename or remove the elements an ebook cannot hold."""
    # One pass in document order over a list made first: an unwrapped element's children
    # stay in the list, after it; a removed element's (and a MathML or SVG island's, left as
    # they are) are the run of entries that follows it, skipped.
    nodes = list(body.iterdescendants())
    index = 0
    while index < len(nodes):
        element = nodes[index]
        index += 1
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction
        if element.tag.startswith(ISLANDS):
            index += _count_descendants(element)
            continue
        name = _local(element)
        if name is None:
            notes.unknown[etree.QName(element).localname] = None
            unwrap(element)
        elif name in REMOVED:
            notes.removed[name] = None
            index += _count_descendants(element)
            _remove(element)
        elif name in UNWRAPPED:
            notes.unwrapped[name] = None
            unwrap(element)
        elif name in RENAMED:
            notes.renamed[name] = RENAMED[name]
            element.tag = X + RENAMED[name]
        elif name in SHELLS:
            unwrap(element)
        elif name == "source" and _local(element.getparent()) == "picture":
            # Its other pictures are not in the ebook: its <img> is the picture.
            _remove(element)
        elif name not in KNOWN:
            notes.unknown[element.attrib.pop(ORIGINAL_TAG, name)] = None
            unwrap(element)


def _count_descendants(element: etree._Element) -> int:
    return sum(1 for _ in element.iterdescendants())


def _remove(element: etree._Element) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _attributes(body: etree._Element, notes: _Notes) -> None:
    """Drop the attributes EPUB 3 XHTML refuses; an old ``<a name>`` becomes its id."""
    ids: set[str | None] | None = None  # found when an old link target first needs them
    for element in _xhtml(body):
        attributes = element.items()
        if not attributes:
            continue
        name = _local(element)
        allowed = ELEMENT_ATTRIBUTES.get(name, set())
        for attribute, value in attributes:
            if attribute == "name" and name == "a" and "id" not in element.attrib:
                if ids is None:
                    ids = {e.get("id") for e in body.iter() if isinstance(e.tag, str)}
                if value not in ids and value.strip() and not re.search(r"\s", value):
                    # A link target written the HTML 4 way keeps working as an id.
                    element.set("id", value)
                    ids.add(value)
                    del element.attrib[attribute]
                    continue
            if not _allowed(attribute, value, allowed):
                notes.attributes[_attribute_name(attribute)] = None
                del element.attrib[attribute]


def _allowed(attribute: str, value: str, allowed: set[str]) -> bool:
    """Tell whether an attribute of this element may stay in EPUB 3 XHTML."""
    if attribute in ALWAYS_ALLOWED:
        return True
    if attribute.startswith("{"):
        return False  # another vocabulary's attribute, such as Word's o:spid
    if attribute.startswith(("aria-", "data-")):
        return True
    if attribute not in GLOBAL_ATTRIBUTES and attribute not in allowed:
        return False
    return attribute not in INTEGER_ATTRIBUTES or bool(INTEGER.match(value))


def _attribute_name(attribute: str) -> str:
    return etree.QName(attribute).localname if attribute.startswith("{") else attribute


def _parents(body: etree._Element) -> None:
    """Give each element the parent it requires and each list or table only its own children."""
    # Up to three rounds: a stray <td> gets a <tr>, which gets a <table>, which is then
    # whole. A round that added no wrapper leaves nothing for the next (the usual case).
    for _ in range(3):
        added = False
        for element in [body, *_xhtml(body)]:
            if element.getparent() is None and element is not body:
                continue
            added |= _wrap_orphans(element)
            name = _local(element)
            if name in ALLOWED_CHILDREN:
                allowed, wrapper = ALLOWED_CHILDREN[name]
                added |= _wrap_strays(element, allowed, wrapper)
            if name == "dl":
                added |= _term_first(element)
        if not added:
            return


def _wrap_orphans(parent: etree._Element) -> bool:
    """Wrap runs of children lacking their required parent (a lone ``<li>``) in one.

    Return whether a wrapper was added.
    """
    run: etree._Element | None = None
    added = False
    for child in list(parent):
        need = REQUIRED_PARENT.get(_local(child) or "")
        if need is None or _local(parent) in need[0]:
            run = None
            continue
        wrapper = need[1]
        if run is None or _local(run) != wrapper or run.getnext() is not child:
            run = etree.Element(X + wrapper)
            child.addprevious(run)
            added = True
        elif len(run):
            # The white space between two wrapped siblings moves inside with them.
            run[-1].tail, run.tail = run.tail, None
        tail, child.tail = child.tail, None
        run.append(child)
        run.tail = tail
        if tail and tail.strip():
            run = None  # text between them: the next one starts a new wrapper
    return added


def _wrap_strays(parent: etree._Element, allowed: set[str], wrapper: str) -> bool:
    """Wrap text and elements a list or table cannot hold directly in ``wrapper``.

    Return whether a wrapper was added.
    """
    run: etree._Element | None = None
    made: list[etree._Element] = []

    def start(before: etree._Element | None) -> etree._Element:
        new = etree.Element(X + wrapper)
        if before is None:
            parent.insert(0, new)
        else:
            before.addnext(new)
        made.append(new)
        return new

    if parent.text and parent.text.strip():
        run = start(None)
        run.text, parent.text = parent.text, None
    for child in list(parent):
        if child is run:
            continue
        if not isinstance(child.tag, str) or _local(child) in allowed:
            run = None
            if isinstance(child.tag, str) and child.tail and child.tail.strip():
                run = start(child)
                run.text, child.tail = child.tail, None
            continue
        if run is None:
            run = start(child.getprevious())
        run.append(child)
    return bool(made)


def _term_first(dl: etree._Element) -> bool:
    """Start a description list with a term: a ``<dd>`` must follow a ``<dt>``.

    Return whether a term was added.
    """
    first = next((child for child in dl if _local(child) in {"dt", "dd"}), None)
    if first is None or _local(first) != "dd":
        return False
    first.addprevious(etree.Element(X + "dt"))
    return True


def _lift_blocks(body: etree._Element) -> None:
    """Lift each block out of the text-level elements around it, splitting them there."""
    for element in list(_xhtml(body)):
        if _local(element) in PHRASING or element.getparent() is None:
            continue
        while _phrasing_context(element):
            _split_parent(element)


def _phrasing_context(element: etree._Element) -> bool:
    """Tell whether ``element`` stands where only text-level content is allowed."""
    for ancestor in element.iterancestors():
        name = _local(ancestor)
        if name not in TRANSPARENT:
            return name in PHRASING_ONLY
    return False


def _split_parent(element: etree._Element) -> None:
    """Move ``element`` out of its parent: the parent ends before it and starts again after."""
    parent = element.getparent()
    after = etree.Element(parent.tag, {k: v for k, v in parent.attrib.items() if k != "id"})
    after.text, element.tail = element.tail, None
    for sibling in list(element.itersiblings()):
        after.append(sibling)
    after.tail, parent.tail = parent.tail, None
    parent.addnext(element)
    element.addnext(after)
    for part in (parent, after):
        if not len(part) and not (part.text or "").strip() and not part.get("id"):
            _remove(part)


def _unnest_links(body: etree._Element) -> None:
    """Unwrap a link inside another link: HTML allows no interactive content inside one."""
    for link in list(body.iter(f"{X}a")):
        if any(_local(a) == "a" for a in link.iterancestors()):
            unwrap(link)

