"""A display equation on a PPTX slide: a native Office equation in a shape of its own."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from lxml import etree
from pptx.util import Pt

from pipeline.math import formulas
from pipeline.math.omml import omml

if TYPE_CHECKING:
    from pptx.slide import Slide as PptxSlide

    from pipeline.deck.model import Slide

MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
A14_NS = "http://schemas.microsoft.com/office/drawing/2010/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
EQUATION_SIZE = Pt(28)


def add_equation(page: PptxSlide, slide: Slide, box: tuple[int, int, int, int]) -> None:
    """Add the slide's display formulas as one OMML equation shape, Unicode text as fallback."""
    # The fallback is what a reader without Office Math sees: the Unicode text, never TeX.
    shape = page.shapes.add_textbox(*box)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = slide.text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = EQUATION_SIZE
    found = [tex for tex, display in formulas(slide.html) if display]
    maths = [m for m in omml(found) if m is not None]
    if not maths:
        return
    fallback = shape.element
    choice_shape = copy.deepcopy(fallback)
    body = choice_shape.find(f"{{{P_NS}}}txBody")
    for old in body.findall(f"{{{A_NS}}}p"):
        body.remove(old)
    for math in maths:
        paragraph = etree.SubElement(body, f"{{{A_NS}}}p")
        holder = etree.SubElement(paragraph, f"{{{A14_NS}}}m", nsmap={"a14": A14_NS})
        holder.append(math)
    alternate = etree.Element(f"{{{MC_NS}}}AlternateContent", nsmap={"mc": MC_NS})
    choice = etree.SubElement(alternate, f"{{{MC_NS}}}Choice", Requires="a14",
                              nsmap={"a14": A14_NS})
    choice.append(choice_shape)
    fallback.addprevious(alternate)
    etree.SubElement(alternate, f"{{{MC_NS}}}Fallback").append(fallback)
