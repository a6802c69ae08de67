"""PDF/UA tags WeasyPrint lacks: page furniture as artifacts, notes as Note, math as Formula."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydyf
from weasyprint import draw
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.pdf import stream as pdf_stream
from weasyprint.pdf import tags

_installed = False


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
TEX = "application/x-tex"


def install() -> None:
    """Patch WeasyPrint's drawing and tagging for PDF/UA, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    # WeasyPrint 70 marks margin-box content with MCIDs, then builds a structure subtree for
    # it that nothing links to (tags.py says why: an Artifact element needs PDF 2.0). PDF/UA
    # (Matterhorn 01-005) requires such repeated page furniture to be an artifact instead.
    original_context = draw.draw_stacking_context
    original_tree = tags._build_box_tree
    original_marked = pdf_stream.Stream.marked

    def draw_stacking_context(stream: Any, context: Any) -> None:
        if not _furniture(context.box) or getattr(stream, "_tags", None) is None:
            original_context(stream, context)
            return
        stream._folio_artifact = True
        try:
            with stream.artifact():
                original_context(stream, context)
        finally:
            stream._folio_artifact = False

    @contextmanager
    def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        if getattr(self, "_folio_artifact", False):
            yield
            return
        with original_marked(self, box, tag):
            yield

    def build_box_tree(box: Any, *args: Any) -> Iterator[Any]:
        if _furniture(box):
            # Whatever was marked inside (a positioned descendant drawn outside the artifact)
            # leaves the list, which WeasyPrint asserts is empty at the end of a page.
            marked_boxes = args[-1]
            for descendant in box.descendants():
                marked_boxes.pop(descendant, None)
            return iter(())
        return _retagged(box, original_tree(box, *args))

    draw.draw_stacking_context = draw_stacking_context
    pdf_stream.Stream.marked = marked
    tags._build_box_tree = build_box_tree


def _furniture(box: Any) -> bool:
    """Tell whether ``box`` is page furniture: a margin box, or positioned and aria-hidden."""
    if isinstance(box, MarginBox):
        return True
    # A positioned box is drawn as its own stacking context, so its drawing can be wrapped
    # whole; aria-hidden says the HTML keeps it from assistive technology (a slide's footer).
    element = box.element
    return (element is not None and element.get("aria-hidden") == "true"
            and box.style["position"] != "static")


def _retagged(box: Any, elements: Iterator[Any]) -> Iterator[Any]:
    """Yield the structure elements of ``box``, a footnote as Note and a formula as Formula."""
    element = box.element
    classes = (element.get("class") or "").split() if element is not None else []
    for number, structure in enumerate(elements):
        if "footnote" in classes and box.element_tag == "span":
            # Matterhorn 19-003: a Note has an ID; a note split over pages gets one per part.
            structure["S"] = "/Note"
            ident = element.get("id") or f"note-{id(element)}"
            structure["ID"] = pydyf.String(ident if number == 0 else f"{ident}-{number}")
        elif box.element_tag == "img" and "math" in classes and number == 0:
            # A formula MathJax drew (pipeline/math): its alt is the TeX.
            structure["S"] = "/Formula"
            structure["Alt"] = pydyf.String(element.get("alt") or "")
        elif box.element_tag in ("math", f"{{{MATHML_NS}}}math"):
            # Matterhorn 17-003: a Formula has alternative text; read out, the TeX is the
            # formula, where the glyphs alone read "E = 1 2 m v 2".
            structure["S"] = "/Formula"
            structure["Alt"] = pydyf.String(_formula_text(element))
        yield structure


def _formula_text(math: Any) -> str:
    """Return a formula's alternative text: its alttext, its TeX annotation, else its text."""
    if (math.get("alttext") or "").strip():
        return math.get("alttext").strip()
    # WeasyPrint's parser gives ElementTree elements, named with or without the namespace.
    for annotation in math.iter():
        if (str(annotation.tag).rpartition("}")[2] == "annotation"
                and annotation.get("encoding") == TEX and (annotation.text or "").strip()):
            return annotation.text.strip()
    return " ".join("".join(math.itertext()).split())
