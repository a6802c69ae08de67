"""Quarto books: the chapters a _quarto.yml lists, in their parts, as one book."""

from __future__ import annotations

import logging
import re
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import yaml

from pipeline.importers.base import Book, Importer, ImportFailed, decode_text, register, split_names
from pipeline.importers.chapters import Chapter, read_chapters
from pipeline.importers.markdown import split_front
from pipeline.schema import LANG_RE
from pipeline.source import slugify

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin, Skipped
    from pipeline.project import Project

log = logging.getLogger(__name__)

PROJECT_FILES = {"_quarto.yml", "_quarto.yaml"}
# What Quarto names the part that holds a book's appendices.
APPENDICES = "Appendices"


@register
class QuartoBookImporter(Importer):
    """A Quarto book, by its _quarto.yml: every chapter, in order and parts, as one book."""

    name = "Quarto book (its _quarto.yml)"
    priority = 35

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise a Quarto project file that lists a book's chapters."""
        return PurePath(name).name in PROJECT_FILES and re.search(
            rb"^[ \t]*chapters[ \t]*:", data, re.MULTILINE) is not None

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the chapters as articles of one book; a chapter that fails is one warning."""
        try:
            config = yaml.safe_load(decode_text(data, origin.label))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{origin.label}:{mark.line + 1}" if mark else origin.label
            raise ImportFailed(f"not YAML Folio can read ({getattr(exc, 'problem', exc)})",
                               where) from None
        book = config.get("book") if isinstance(config, dict) else None
        if not isinstance(book, dict):
            raise ImportFailed("a Quarto project, but not a book: no 'book:' with its "
                               "chapters", origin.label)
        chapters = _chapters(book.get("chapters"), origin, None)
        chapters += _chapters(book.get("appendices"), origin, APPENDICES)
        return read_chapters(chapters, _book(book, config, origin), origin, options, project,
                             origin.folder)


def _chapters(entries: Any, origin: Origin, part: str | None) -> list[Chapter]:
    """Return the chapters a list of Quarto's book entries names, with the part of each.

    An entry is a file, or a part: ``part:`` a title or a file that opens it (its first
    chapter, whose title names the part), and its ``chapters:``.
    """
    found: list[Chapter] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(Chapter(entry, part=part))
        elif isinstance(entry, dict) and "part" in entry:
            name = str(entry["part"])
            opening = origin.inside(name) if PurePath(name).suffix else None
            title = _title_of(opening) if opening is not None else name
            if opening is not None:
                found.append(Chapter(name, part=title))
            found += _chapters(entry.get("chapters"), origin, title)
        elif isinstance(entry, dict) and "href" in entry:
            found.append(Chapter(str(entry["href"]), entry.get("text"), part))
    return found


def _title_of(path: Any) -> str:
    """Return the title of a part's opening file: its front matter's, or its first heading."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return PurePath(path).stem
    front, body = split_front(text, str(path))
    if isinstance(front.get("title"), str):
        return front["title"]
    heading = re.search(r"^#[ \t]+(.+?)[ \t]*(?:\{[^}]*\})?[ \t]*$", body, re.MULTILINE)
    return heading.group(1) if heading else PurePath(path).stem


def _book(book: dict[str, Any], config: dict[str, Any], origin: Origin) -> Book:
    """Return the book as its _quarto.yml names it: title, subtitle, authors, date, language."""
    folder = origin.folder.name if origin.folder is not None else "book"
    meta: dict[str, Any] = {"title": str(book.get("title") or folder)}
    for key in ("subtitle", "description", "date"):
        if isinstance(book.get(key), str | int) and str(book[key]).strip():
            meta[key] = str(book[key]).strip()
    names = split_names(book.get("author") or book.get("authors"))
    if names:
        meta["author"] = names  # one name is written as one (importers/write.py)
    lang = config.get("lang")
    if isinstance(lang, str) and LANG_RE.fullmatch(lang):
        meta["lang"] = lang
    return Book(slugify(meta["title"]) or "book", meta)
