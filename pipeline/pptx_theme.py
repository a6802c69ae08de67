"""The brand in PowerPoint: theme colours and fonts, and the logo on the slide master and layout.

Colours and family names go into the theme part (``clrScheme``, ``fontScheme``), so that
PowerPoint's own pickers offer them to whoever edits the deck. A PPTX cannot carry font files:
the names are written, and the machine that opens the deck supplies the fonts.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu

from pipeline.brand.colour import rgb

if TYPE_CHECKING:
    from pptx import Presentation

    from pipeline.brand import Brand, Typeface

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"a": A}
# The theme's colour slots, each from a brand colour (the first the brand has).
SLOTS = (("dk1", ("foreground",)), ("lt1", ("background",)),
         ("dk2", ("dark", "foreground")), ("lt2", ("light", "background")),
         ("accent1", ("primary",)), ("accent2", ("secondary",)),
         ("accent3", ("tertiary", "primary")), ("accent4", ("success", "primary")),
         ("accent5", ("info", "secondary")), ("accent6", ("warning", "primary")))
TITLE_LAYOUT = 0
MARK_HEIGHT, TITLE_LOGO_HEIGHT = Emu(457200), Emu(914400)  # 0.5 in, 1 in
MARGIN = Emu(228600)


def apply_brand(prs: Presentation, brand: Brand) -> None:
    """Write ``brand`` into the deck's theme, master and title layout."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    scheme = root.find(".//a:clrScheme", NS)
    scheme.set("name", _name(brand))
    for slot, names in SLOTS:
        colour = next(brand.colors[name] for name in names if name in brand.colors)
        _set_colour(scheme.find(f"a:{slot}", NS), colour)
    _set_colour(scheme.find("a:hlink", NS), brand.link_color)
    _set_colour(scheme.find("a:folHlink", NS), brand.link_color)
    fonts = root.find(".//a:fontScheme", NS)
    fonts.set("name", _name(brand))
    fonts.find("a:majorFont/a:latin", NS).set("typeface", family(brand.headings))
    fonts.find("a:minorFont/a:latin", NS).set("typeface", family(brand.body))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _add_logos(prs, brand)


def family(face: Typeface) -> str:
    """Return the one family name PowerPoint is given for a role."""
    return face.family or face.stack.split(",")[0].strip().strip('"')


def _name(brand: Brand) -> str:
    return brand.meta_short or brand.meta_name or f"Folio {brand.name}"


def _set_colour(slot: etree._Element, colour: str) -> None:
    """Replace a slot's colour (a system colour or an RGB one) by ``colour``."""
    for child in list(slot):
        slot.remove(child)
    etree.SubElement(slot, f"{{{A}}}srgbClr", val="{:02X}{:02X}{:02X}".format(*rgb(colour)))


def _add_logos(prs: Presentation, brand: Brand) -> None:
    """Put the small mark on the master (every slide) and the large logo on the title layout."""
    mark = brand.logo("small", "medium")
    if mark is not None:
        _picture(prs.slide_master.shapes, brand.raster(mark.light), MARK_HEIGHT,
                 prs.slide_width - MARGIN, MARGIN, mark.alt, anchor_right=True)
    logo = brand.logo("large", "medium")
    if logo is not None:
        layout = prs.slide_layouts[TITLE_LAYOUT]
        # The title slide shows the full logo instead of the master's small mark.
        layout.element.set("showMasterSp", "0")
        _picture(layout.shapes, brand.raster(logo.light), TITLE_LOGO_HEIGHT, MARGIN * 3,
                 MARGIN * 2, logo.alt)


def _picture(shapes: Any, image: bytes, height: int, left: int, top: int, alt: str,
             anchor_right: bool = False) -> None:
    """Add a logo picture ``height`` high, described for screen readers by ``alt``.

    python-pptx adds pictures to slides only; a master's or layout's shape tree is the same
    XML, and its part stores images the same way.
    """
    image_part, rel_id = shapes.part.get_or_add_image_part(io.BytesIO(image))
    pixels_wide, pixels_high = image_part.image.size
    width = int(height * pixels_wide / pixels_high)
    if anchor_right:
        left -= width
    shapes._spTree.add_pic(shapes._next_shape_id, "Logo", alt, rel_id, left, top, width, height)
