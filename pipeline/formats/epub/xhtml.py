"""Turn rendered chapters into XHTML an e-reader holds: well-formed and valid EPUB 3."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.errors import BuildError
from pipeline.markup import emptied

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
SVG_NS = "http://www.w3.org/2000/svg"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML_NS, "epub": EPUB_NS}
X = f"{{{XHTML_NS}}}"
# A tag XML cannot name (Word's <o:p>, the autolink <localhost:5001/foo>) is copied under this
# name, keeping the tag as written for repair.py's warning; repair.py then unwraps it.
PLACEHOLDER = "folio-unknown"
ORIGINAL_TAG = "data-folio-tag"


def to_xhtml(text: str, where: Path) -> etree._Element:
    """Parse rendered XHTML; HTML that is not well-formed XML is repaired, namespaces restored."""
    try:
        return _islands(etree.fromstring(text.encode("utf-8"), etree.XMLParser(
            resolve_entities=False, no_network=True)))
    except etree.XMLSyntaxError:
        pass
    # Raw HTML in an article (or an HTML-style template) is read as a browser would read it.
    tree = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    if tree is None:
        raise BuildError("the chapter could not be read as HTML", where)
    return _xml_copy(emptied(tree), XHTML_NS, root=True)


def _islands(root: etree._Element) -> etree._Element:
    """Return ``root`` with raw ``<svg>`` and ``<math>`` written without xmlns in their own.

    HTML puts them there by their names; XML leaves them in XHTML's, where EPUBCheck knows
    no such elements.
    """
    for name, namespace in (("svg", SVG_NS), ("math", MATHML_NS)):
        for island in list(root.iter(f"{X}{name}")):
            if island.getparent() is None:
                continue
            written = etree.tostring(island, encoding="unicode", with_tail=False)
            moved = etree.fromstring(written.replace(f'xmlns="{XHTML_NS}"',
                                                     f'xmlns="{namespace}"', 1))
            moved.tail = island.tail
            island.getparent().replace(island, moved)
    return root


def _xml_copy(element: etree._Element, namespace: str, root: bool = False) -> etree._Element:
    """Copy an HTML-parsed element into XHTML, MathML or SVG namespaces."""
    local = element.tag.lower()
    inner = {"math": MATHML_NS, "svg": SVG_NS}.get(local, namespace)
    # MathML and SVG get their namespace as the default, unprefixed, as e-readers expect.
    nsmap = NSMAP if root else {None: inner} if inner != namespace else None
    namespace = inner
    try:
        copy = etree.Element(f"{{{namespace}}}{local}", nsmap=nsmap)
    except ValueError:
        copy = etree.Element(f"{{{namespace}}}{PLACEHOLDER}", {ORIGINAL_TAG: local}, nsmap=nsmap)
    for name, value in element.attrib.items():
        if name == "epub:type":
            copy.set(f"{{{EPUB_NS}}}type", value)
        elif name == "xml:lang":
            copy.set(f"{{{XML_NS}}}lang", value)
        elif not name.startswith("xmlns") and ":" not in name:
            try:
                copy.set(name, value)
            except ValueError:
                continue  # not a valid XML attribute name; HTML forgives it, XML cannot carry it
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            copied = _xml_copy(child, namespace)
            copied.tail = child.tail
            copy.append(copied)
        elif child.tail:
            # A comment or processing instruction: its following text stays.
            if len(copy):
                copy[-1].tail = (copy[-1].tail or "") + child.tail
            else:
                copy.text = (copy.text or "") + child.tail
    return copy


