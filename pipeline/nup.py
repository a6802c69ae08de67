"""Place the pages of one tagged PDF, scaled, into the frames of another, keeping their tags.

The slide handout shows every slide of the deck PDF: rather than laying the slides out a
second time at a smaller size (WeasyPrint's most expensive work), the deck's own pages are
drawn into the handout's frames as form XObjects. Their marked content keeps its structure:
each page's structure elements are copied under the frame page's, pointing at the placed
XObject's content stream (marked-content references with ``/Stm``, and a parent-tree entry
for the XObject), so a screen reader reads the slides' headings, lists and tables as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, Rectangle

# Copied as they are: what a structure element says about itself (its attributes hold no
# references, only names, numbers and strings).
ELEMENT_KEYS = ("/Alt", "/ActualText", "/E", "/Lang", "/T", "/ID", "/A", "/C")


@dataclass(frozen=True)
class Place:
    """Draw page ``source`` of the placed PDF into ``box`` (left, bottom, right, top, in
    points) on page ``page`` of the frame PDF; pages count from 0."""

    page: int
    source: int
    box: tuple[float, float, float, float]


def place_pages(frame: bytes, placed: bytes, places: Sequence[Place]) -> bytes:
    """Return ``frame`` with pages of ``placed`` drawn into it at ``places``, tags kept.

    The frame keeps its metadata, its permanent ID and its own structure; the placed pages'
    structure elements follow it on each frame page, in the order of ``places``. Links on
    placed pages are not carried over: a thumbnail is not clickable.
    """
    with pikepdf.open(io.BytesIO(frame)) as out, pikepdf.open(io.BytesIO(placed)) as source:
        tree = _Structure(out, source)
        drawn: dict[int, list[bytes]] = {}
        for number, place in enumerate(places, 1):
            page = out.pages[place.page]
            xobject = out.copy_foreign(source.pages[place.source].as_form_xobject())
            name = page.add_resource(xobject, Name.XObject, Name(f"/Placed{number}"))
            drawn.setdefault(place.page, []).append(
                b"q\n" + page.calc_form_xobject_placement(
                    xobject, name, Rectangle(*place.box), allow_shrink=True,
                    allow_expand=True) + b"Q\n")
            tree.place(source.pages[place.source], page, xobject)
        for index, content in drawn.items():
            # The frame's own drawing leaves its coordinate system changed: save the state
            # before it and restore it after, so the placements start from the page's own.
            out.pages[index].contents_add(b"q\n", prepend=True)
            out.pages[index].contents_add(b"Q\n" + b"".join(content), prepend=False)
        tree.finish()
        result = io.BytesIO()
        # The content-derived second ID keeps two builds of the same input byte-identical.
        out.save(result, deterministic_id=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return result.getvalue()


class _Structure:
    """Copies the structure elements of placed pages into the frame's structure tree."""

    def __init__(self, out: pikepdf.Pdf, source: pikepdf.Pdf) -> None:
        self.out = out
        root = out.Root.StructTreeRoot
        self.document = _kids(root)[0]
        self.numbers = root.ParentTree.Nums
        keys = [int(self.numbers[i]) for i in range(0, len(self.numbers), 2)]
        self.next_key = max([int(root.get("/ParentTreeNextKey", 0)), *(k + 1 for k in keys)])
        source_numbers = source.Root.StructTreeRoot.ParentTree.Nums
        # Page /StructParents key -> the structure element of each MCID painted on it.
        self.source_marks = {int(source_numbers[i]): source_numbers[i + 1]
                             for i in range(0, len(source_numbers), 2)}
        self.source_document = _kids(source.Root.StructTreeRoot)[0]
        self.parts: dict[tuple[int, int], pikepdf.Object] = {}

    def place(self, source_page: pikepdf.Page, page: pikepdf.Page,
              xobject: pikepdf.Object) -> None:
        """Copy the elements painted on ``source_page``, now drawn by ``xobject`` on ``page``."""
        key = source_page.obj.get("/StructParents")
        if key is None:
            return
        marks = self.source_marks.get(int(key), Array())
        tops = self._tops(marks)
        by_mcid: list[pikepdf.Object | None] = [None] * len(marks)
        part = self._part(page)
        for top in tops:
            for element in _kids(top) if top.get("/S") == Name.Part else [top]:
                copy = self._copy(element, part, source_page.obj.objgen, page, xobject, by_mcid)
                if copy is not None:
                    part.K.append(copy)
        xobject.StructParents = self.next_key
        self.numbers.extend([self.next_key, self.out.make_indirect(
            Array([mark if mark is not None else pikepdf.Object.parse(b"null")
                   for mark in by_mcid]))])
        self.next_key += 1

    def finish(self) -> None:
        """Drop the frame's empty elements; record the next free parent-tree key."""
        # The frame's boxes that paint nothing tagged (the frames themselves, ruled lines)
        # leave elements with no content: noise for a screen reader's structure view.
        _prune(self.document)
        self.out.Root.StructTreeRoot.ParentTreeNextKey = self.next_key

    def _tops(self, marks: pikepdf.Array) -> list[pikepdf.Object]:
        """Return the children of the document element holding ``marks``, in document order."""
        found: set[tuple[int, int]] = set()
        for mark in marks:
            element = mark
            while isinstance(element, Dictionary) and "/P" in element \
                    and element.P.objgen != self.source_document.objgen:
                element = element.P
            if isinstance(element, Dictionary) and element.is_indirect:
                found.add(element.objgen)
        return [kid for kid in _kids(self.source_document)
                if isinstance(kid, Dictionary) and kid.is_indirect and kid.objgen in found]

    def _part(self, page: pikepdf.Page) -> pikepdf.Object:
        """Return the frame's structure element for ``page``, made when the page had none."""
        known = self.parts.get(page.obj.objgen)
        if known is not None:
            return known
        for kid in _kids(self.document):
            if isinstance(kid, Dictionary) and kid.get("/S") == Name.Part \
                    and kid.get("/Pg") is not None and kid.Pg.objgen == page.obj.objgen:
                part = kid
                break
        else:
            part = self.out.make_indirect(Dictionary(
                Type=Name.StructElem, S=Name.Part, P=self.document, Pg=page.obj, K=Array()))
            self._insert_part(part, page)
        if not isinstance(part.get("/K"), Array):
            part.K = Array(_kids(part))
        self.parts[page.obj.objgen] = part
        return part

    def _insert_part(self, part: pikepdf.Object, page: pikepdf.Page) -> None:
        """Put ``part`` among the document's children before those of later pages."""
        order = {p.obj.objgen: index for index, p in enumerate(self.out.pages)}
        mine = order[page.obj.objgen]
        kids = _kids(self.document)
        position = next((index for index, kid in enumerate(kids)
                         if isinstance(kid, Dictionary) and kid.get("/Pg") is not None
                         and order.get(kid.Pg.objgen, -1) > mine), len(kids))
        kids.insert(position, part)
        self.document.K = Array(kids)

    def _copy(self, element: pikepdf.Object, parent: pikepdf.Object,
              source_page: tuple[int, int], page: pikepdf.Page, xobject: pikepdf.Object,
              by_mcid: list[pikepdf.Object | None]) -> pikepdf.Object | None:
        """Return a copy of ``element`` whose content now lies in ``xobject``, or None when
        nothing of it was painted on ``source_page``."""
        # A link becomes a span: its annotation stays behind on the deck's page.
        kind = Name.Span if element.get("/S") == Name.Link else element.S
        copy = self.out.make_indirect(Dictionary(Type=Name.StructElem, S=kind, P=parent))
        for key in ELEMENT_KEYS:
            if key in element:
                copy[key] = self.out.copy_foreign(element[key]) \
                    if element[key].is_indirect else _direct(element[key])
        kids = Array()
        for mcid in _marks_on(element, source_page):
            if mcid < len(by_mcid):
                by_mcid[mcid] = copy
            kids.append(Dictionary(Type=Name.MCR, Pg=page.obj, Stm=xobject, MCID=mcid))
        for kid in _kids(element):
            if isinstance(kid, Dictionary) and "/S" in kid:
                child = self._copy(kid, copy, source_page, page, xobject, by_mcid)
                if child is not None:
                    kids.append(child)
        if not len(kids):
            return None
        copy.K = kids
        return copy


def _prune(element: pikepdf.Object) -> bool:
    """Remove the descendants of ``element`` that hold no content; return whether it holds any."""
    kids = _kids(element)
    kept = [kid for kid in kids
            if not (isinstance(kid, Dictionary) and "/S" in kid) or _prune(kid)]
    if len(kept) != len(kids):
        element.K = Array(kept)
    return bool(kept)


def _marks_on(element: pikepdf.Object, page: tuple[int, int]) -> Iterator[int]:
    """Yield the MCIDs of ``element``'s own content that lie on the page ``page``."""
    own_page = element.Pg.objgen if "/Pg" in element else None
    for kid in _kids(element):
        if isinstance(kid, Dictionary):
            if kid.get("/Type") == Name.MCR and "/Stm" not in kid:
                where = kid.Pg.objgen if "/Pg" in kid else own_page
                if where == page:
                    yield int(kid.MCID)
        elif own_page == page:
            yield int(kid)


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    """Return the /K entries of a structure element as a list."""
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _direct(value: pikepdf.Object) -> pikepdf.Object:
    """Return a copy of a direct object (a name, string, number, array or dictionary)."""
    return pikepdf.Object.parse(value.unparse())
