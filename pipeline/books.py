"""Book files: ``source/books/<book>.yaml`` gives a book's metadata and its articles in order."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from pipeline.errors import ConfigError
from pipeline.project import ARTICLE_SUFFIXES, Project
from pipeline.resources import is_remote
from pipeline.schema import PUBLICATION_FIELDS, Field, load_yaml_mapping, validate

BOOKS_DIR = "books"
BOOK_SUFFIXES = (".yaml", ".yml")
# Image types every EPUB reader must show (EPUB 3 core media types), hence fit for a cover.
COVER_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg")

# Everything but `contents`, which is a list of paths and parts checked on its own below.
BOOK_FIELDS: dict[str, Field] = {
    **PUBLICATION_FIELDS,
    "editor": Field("texts"),
    "publisher": Field("text"),
    "identifier": Field("text"),
}


@dataclass(frozen=True)
class Entry:
    """An article the book contains: its source and the book-file line that names it."""

    source: Path
    line: int


@dataclass(frozen=True)
class Part:
    """A run of articles, under a part title or (title None) outside any part."""

    title: str | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Book:
    """A book: its own metadata and its parts, each holding articles in reading order."""

    path: Path
    slug: str
    title: str
    lang: str
    identifier: str
    parts: tuple[Part, ...]
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    date: dt.date | None = None
    description: str | None = None
    keywords: tuple[str, ...] = ()
    publisher: str | None = None
    rights: str | None = None
    cover: Path | None = None
    source_identifier: str | None = None

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Return every article entry, in reading order."""
        return tuple(entry for part in self.parts for entry in part.entries)


def book_paths(project: Project) -> list[Path]:
    """Return the book files of ``project`` in a stable order."""
    folder = project.source_dir / BOOKS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in BOOK_SUFFIXES and p.is_file() and not p.name.startswith("."))


def load_book(path: Path, project: Project) -> Book:
    """Read and check the book file at ``path``, or raise a one-line ``ConfigError``."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path) from None
    data, lines = load_yaml_mapping(text, path, 1, ConfigError)
    contents = data.pop("contents", None)
    meta = validate(data, BOOK_FIELDS, path, lines, ConfigError)
    parts = _contents(contents, text, path, lines.get("contents"), project)
    slug = meta.get("slug") or path.stem
    raw_id = meta.get("identifier")
    return Book(
        path=path,
        slug=slug,
        title=meta["title"],
        lang=meta.get("lang") or project.settings["lang"],
        identifier=book_identifier(raw_id, slug, project.settings.get("base_url")),
        parts=parts,
        subtitle=meta.get("subtitle"),
        authors=meta.get("author") or tuple(project.settings["author"]),
        editors=meta.get("editor", ()),
        date=meta.get("date"),
        description=meta.get("description"),
        keywords=meta.get("keywords", ()),
        publisher=meta.get("publisher"),
        rights=meta.get("rights") or project.settings["rights"],
        cover=_cover(meta.get("cover"), path, lines.get("cover"), project),
        source_identifier=raw_id,
    )


def book_identifier(identifier: str | None, slug: str, base_url: str | None) -> str:
    """Return the book's UUID URN: derived from its identifier or slug, never from the clock."""
    if identifier:
        try:
            return uuid.UUID(identifier.removeprefix("urn:uuid:")).urn
        except ValueError:
            name = identifier
    else:
        name = f"{base_url.rstrip('/')}/books/{slug}" if base_url else f"folio:book:{slug}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _contents(value: object, text: str, path: Path, line: int | None,
              project: Project) -> tuple[Part, ...]:
    """Check ``contents:`` item by item, reporting every problem with its line at once."""
    if value is None:
        raise ConfigError("contents is required: list the article sources of the book, "
                          "relative to source/", path, line or 1)
    if not isinstance(value, list) or not value:
        raise ConfigError("contents must be a list of article sources (or parts holding "
                          "'articles:'), relative to source/", path, line)
    node = _contents_node(text)
    problems: list[tuple[int, str]] = []
    seen: dict[Path, int] = {}
    parts: list[Part] = []
    loose: list[Entry] = []
    for item, item_node in zip(value, node.value, strict=True):
        item_line = item_node.start_mark.line + 1
        if isinstance(item, str):
            loose.extend(_entries([(item, item_line)], path, project, seen, problems))
            continue
        if loose:
            parts.append(Part(None, tuple(loose)))
            loose = []
        if not (isinstance(item, dict) and isinstance(item.get("part"), str)
                and item["part"].strip()):
            problems.append((item_line, "contents: expected an article source or "
                                        "'part: <title>' with 'articles:'"))
            continue
        articles = item.get("articles")
        nodes = dict((str(k.value), v) for k, v in item_node.value)
        if not isinstance(articles, list) or not articles:
            problems.append((item_line, f"part '{item['part']}' needs 'articles:', a list of "
                                        "article sources"))
            continue
        named = [(a, n.start_mark.line + 1) for a, n in zip(articles, nodes["articles"].value,
                                                             strict=True)]
        parts.append(Part(item["part"].strip(),
                          tuple(_entries(named, path, project, seen, problems))))
    if loose:
        parts.append(Part(None, tuple(loose)))
    if problems:
        problems.sort()
        first_line, first = problems[0]
        rest = "; ".join(f"line {ln}: {msg}" for ln, msg in problems[1:])
        raise ConfigError(first + (f"; {rest}" if rest else ""), path, first_line)
    return tuple(parts)


def _contents_node(text: str) -> yaml.SequenceNode:
    """Return the YAML node of ``contents:``, whose items carry the lines for messages."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return next(v for k, v in root.value if k.value == "contents")


def _entries(named: list[tuple[object, int]], path: Path, project: Project,
             seen: dict[Path, int], problems: list[tuple[int, str]]) -> list[Entry]:
    entries = []
    for name, line in named:
        source = _article_source(name, project)
        if isinstance(source, str):
            problems.append((line, source))
        elif source in seen:
            problems.append((line, f"'{name}' is listed twice (first on line {seen[source]})"))
        else:
            seen[source] = line
            entries.append(Entry(source, line))
    return entries


def _article_source(name: object, project: Project) -> Path | str:
    """Return the article file ``name`` names, or the reason it cannot be used."""
    if not isinstance(name, str) or not name.strip():
        return f"expected an article source such as 'essay.md', got {name!r}"
    rel = PurePosixPath(name.strip())
    if rel.is_absolute() or is_remote(name) or ".." in rel.parts:
        return f"'{name}' must be a path inside source/, such as 'essay.md'"
    if rel.suffix not in ARTICLE_SUFFIXES:
        return f"'{name}' is not a Markdown article ({', '.join(ARTICLE_SUFFIXES)})"
    source = project.source_dir.joinpath(*rel.parts)
    if not source.is_file():
        return f"article '{name}' does not exist in source/"
    if not project.contains(source):
        return f"'{name}' leads outside the project"
    return source


def _cover(name: str | None, path: Path, line: int | None, project: Project) -> Path | None:
    """Return the cover image file, which lies inside source/ like the articles."""
    if name is None:
        return None
    rel = PurePosixPath(name)
    target = project.source_dir.joinpath(*rel.parts)
    if rel.is_absolute() or is_remote(name) or ".." in rel.parts or not project.contains(target):
        raise ConfigError(f"cover '{name}' must be a path inside source/", path, line)
    if rel.suffix.lower() not in COVER_SUFFIXES:
        raise ConfigError(f"cover '{name}' is not an image e-readers show "
                          f"({', '.join(COVER_SUFFIXES)})", path, line)
    if not target.is_file():
        raise ConfigError(f"cover '{name}' does not exist in source/", path, line)
    return target
