"""Books of chapter files (an mdBook, a Quarto book): each chapter read in order, as one book."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import FolioError, location
from pipeline.importers.base import Book, Imported, ImportFailed, Origin, Skipped, find_importer

if TYPE_CHECKING:
    from pipeline.importers.base import Options
    from pipeline.project import Project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chapter:
    """A chapter a book's contents list: its file (empty for a draft), title and part."""

    target: str
    title: str | None = None
    part: str | None = None


def read_chapters(chapters: list[Chapter], book: Book, origin: Origin, options: Options,
                  project: Project, reach: Path | None = None) -> list[Imported | Skipped]:
    """Return the chapters as articles of ``book``, each read by the importer of its kind.

    Files are named from the contents file's folder, and may be read inside ``reach`` (the
    book's folder). A chapter that cannot be read is one warning; the book goes on.
    """
    items: list[Imported | Skipped] = []
    for chapter in chapters:
        label = chapter.title or chapter.target
        if not chapter.target.strip():
            items.append(Skipped(label, "a draft chapter, not written yet"))
            continue
        path = origin.inside(chapter.target.split("#")[0])
        if path is None or not path.is_file():
            log.warning("%s: chapter '%s' is not a file inside the book: left out",
                        origin.label, label)
            continue
        data = path.read_bytes()
        importer = find_importer(data, path.name)
        try:
            if importer is None:
                raise ImportFailed("not a kind of document Folio imports", location(path))
            read = importer.read(data, Origin(location(path), path=path, reach=reach),
                                 options, project)
        except FolioError as exc:
            log.warning("%s: chapter '%s' left out: %s", origin.label, label, exc.message)
            continue
        for item in read:
            if isinstance(item, Imported):
                item.book, item.part = book, chapter.part
                if chapter.title and item.title == path.stem:  # no heading names it
                    item.title = chapter.title
                if book.meta.get("lang"):
                    item.meta.setdefault("lang", book.meta["lang"])
            items.append(item)
    if not any(isinstance(item, Imported) for item in items):
        raise ImportFailed("it lists no chapter that could be read", origin.label)
    return items
