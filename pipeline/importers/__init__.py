"""``folio import``: documents of other kinds in, Folio articles in ``source/`` out.

One module per kind registers an ``Importer`` (see ``base``); the kind is found by sniffing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pipeline.errors import FolioError, InternalError, location
from pipeline.importers import (  # noqa: F401  (each registers its importer)
    documents,
    markdown,
    mdbook,
    notebook,
    quarto,
    text,
    textformats,
    web,
    wxr,
)
from pipeline.importers.base import (
    Book,
    Imported,
    ImportFailed,
    Options,
    Origin,
    Skipped,
    find_importer,
    importers,
)
from pipeline.importers.fetch import Fetcher
from pipeline.importers.pandoc_ast import api_version, walk
from pipeline.importers.write import Written, write_article, write_book
from pipeline.project import Project
from pipeline.source import slugify
from pipeline.urls import split_url

__all__ = ["ImportFailed", "ImportReport", "Options", "import_sources", "importers"]

log = logging.getLogger(__name__)
# What a folder named to the import brings: a book's contents file, else its documents.
BOOK_FILES = ("_quarto.yml", "_quarto.yaml", "SUMMARY.md", "src/SUMMARY.md")
DOCUMENT_SUFFIXES = frozenset({*markdown.SUFFIXES, *textformats.READERS, ".ipynb", ".docx",
                               ".odt", ".rtf", ".epub", ".html", ".htm", ".txt"})
# A document larger than this is not an article; reading it whole would only exhaust memory.
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    """What an import did: the articles written (or that would be) and the errors, one each."""

    written: list[Written] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FolioError] = field(default_factory=list)


def import_sources(project: Project, sources: Sequence[str], options: Options,
                   fetcher: Fetcher | None = None) -> ImportReport:
    """Import every file or address in ``sources``; one that fails never stops the others.

    All are read before any is written: a link from one document to another imported with
    it then leads to the article made of the other (see ``_relinked``).
    """
    report = ImportReport()
    api = api_version()
    read: list[tuple[Origin, list[Imported | Skipped]]] = []
    for source in _expanded(sources, report):
        try:
            origin, data = _load(source, fetcher)
            items = _read(origin, data, options, project)
            articles = [item for item in items if isinstance(item, Imported)]
            if options.slug and len(articles) > 1:
                raise ImportFailed(f"--slug names one article, but this holds {len(articles)}",
                                   origin.label)
        except FolioError as exc:
            report.errors.append(exc)
            continue
        except Exception as exc:  # a bug costs this source only, never the other imports
            report.errors.append(InternalError(exc, source, "import"))
            continue
        read.append((origin, items))
    slugs = _slugs([item for _, items in read for item in items if isinstance(item, Imported)],
                   options)
    # Each document's first article (a book's chapters have each their own file).
    first: dict[Path, Imported] = {}
    for _, items in read:
        for item in items:
            if isinstance(item, Imported) and item.origin.path is not None:
                first.setdefault(item.origin.path.resolve(), item)
    for origin, items in read:
        books: dict[Book, list[tuple[str | None, Path]]] = {}
        for item in items:
            if isinstance(item, Skipped):
                report.skipped.append(item)
                log.info("%s: skipped '%s' (%s)", origin.label, item.title, item.reason)
                continue
            try:
                item.blocks = _relinked(item, first, slugs)
                written = write_article(item, project, options, api, slugs[id(item)])
                if item.book is not None:
                    books.setdefault(item.book, []).append((item.part, written.path))
            except FolioError as exc:
                report.errors.append(exc)
                continue
            except Exception as exc:  # a bug costs this article only
                report.errors.append(InternalError(exc, origin.label, "import"))
                continue
            report.written.append(written)
            log.info("%s", summary_line(written, options.dry_run))
        for book, chapters in books.items():
            try:
                path = write_book(book, chapters, project, options,
                                  _book_slug(book, set(slugs.values()), project))
            except FolioError as exc:
                report.errors.append(exc)
                continue
            log.info("%s %s: book '%s', %d articles", "would write" if options.dry_run
                     else "imported", location(path), book.meta["title"], len(chapters))
    return report


def _expanded(sources: Sequence[str], report: ImportReport) -> list[str]:
    """Return ``sources`` with each folder replaced by what it holds to import.

    A book's contents file if it has one (Quarto's _quarto.yml, mdBook's SUMMARY.md, in
    src/ or not), else its documents, in name order: not hidden ones, nor its subfolders'.
    """
    expanded: list[str] = []
    for source in sources:
        folder = Path(source)
        if is_address(source) or not folder.is_dir():
            expanded.append(source)
            continue
        book = next((folder / name for name in BOOK_FILES if (folder / name).is_file()), None)
        held = [book] if book else sorted(
            path for path in folder.iterdir() if path.is_file()
            and not path.name.startswith(".") and path.suffix.lower() in DOCUMENT_SUFFIXES)
        if not held:
            report.errors.append(ImportFailed("a folder holding no document Folio imports",
                                              location(folder)))
        expanded += [str(path) for path in held]
    return expanded


def _slugs(items: list[Imported], options: Options) -> dict[int, str]:
    """Return the slug of each article to write (by ``id``), none taken twice."""
    from pipeline.importers.write import choose_slug

    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for item in items:
        slug = choose_slug(item, options, taken)
        if slug in taken:
            # Two posts of one export with one slug (WordPress's own test data has them): the
            # second must not replace the first, and an export of hundreds of posts cannot
            # be imported one by one with --slug. It takes its title's slug, else a number.
            wanted = slug
            slug = next(name for name in _other_slugs(item, wanted) if name not in taken)
            log.warning("%s: '%s' has the slug '%s' of another article imported just now; "
                        "written as '%s'", item.origin.label, item.title, wanted, slug)
        taken.add(slug)
        chosen[id(item)] = slug
    return chosen


def _book_slug(book: Book, articles: set[str], project: Project) -> str:
    """Return the book's slug, or another if an article has it (an mdBook's title page).

    A book and an article of one slug would write the same ebook.
    """
    taken = articles | {path.stem for path in project.source_dir.glob("*.md")}
    if book.slug not in taken:
        return book.slug
    others = (f"{book.slug}-book{'' if number == 1 else f'-{number}'}"
              for number in itertools.count(1))
    return next(slug for slug in others if slug not in taken)


def _relinked(item: Imported, imported: dict[Path, Imported], slugs: dict[int, str]
              ) -> list[dict[str, Any]]:
    """Return ``item``'s blocks with links to other documents of the import leading to them.

    A set of pages that link to each other ("README-de.adoc", "../guide/install.md", a Hugo
    page's "../about", an mdBook's "ch02.html#setup") is imported together: each such link
    leads to the article made of the document it names (its source, ``<slug>.md``, which
    every format follows, with the part of it the link names), not to a file that is not
    there. A link to a document imported as several articles leads to the first.
    """
    folder = item.origin.folder
    if folder is None or not imported:
        return item.blocks
    by_stem = {path.with_suffix(""): other for path, other in imported.items()}

    def relink(node: dict[str, Any]) -> list[dict[str, Any]]:
        if node["t"] != "Link":
            return [node]
        parts = split_url(node["c"][2][0])
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return [node]
        path = (folder / unquote(parts.path)).resolve()
        # A link to the page a site made of the document ("ch02.html") leads there too, and
        # one to a folder ("guide/", "guide/index.html") to its README.md or index.md.
        if parts.path.endswith("/") or path.name in {"index.html", "index.htm"}:
            folder_of = path if parts.path.endswith("/") else path.parent
            path = next((candidate for name in ("README.md", "index.md")
                         if (candidate := folder_of / name) in imported), path)
        other = imported.get(path) or (by_stem.get(path.with_suffix(""))
                                       if path.suffix in {"", ".html", ".htm", ".ipynb"}
                                       else None)
        if other is not None:
            # The heading that became the title has no anchor: its article's top is there.
            fragment = "" if slugify(parts.fragment) == slugify(other.title) else parts.fragment
            node["c"][2][0] = f"{slugs[id(other)]}.md" + (f"#{fragment}" if fragment else "")
        return [node]

    return walk(item.blocks, relink)


def _other_slugs(item: Imported, slug: str) -> Iterator[str]:
    """Yield the slugs an article may take when its own is taken.

    Its title's, then its folder's and file's names (a course's nineteen "Solution"
    chapters, day-1/solution.md...), then numbered.
    """
    made = slugify(item.title)
    if made and made != slug:
        yield made
    if item.origin.path is not None:
        yield slugify(f"{item.origin.path.parent.name}-{item.origin.path.stem}")
    for number in itertools.count(2):
        yield f"{slug}-{number}"


def summary_line(written: Written, dry_run: bool = False) -> str:
    """Return the one line shown for an imported article."""
    facts = [f"{written.words} words", _plural(written.images, "image"),
             _plural(written.footnotes, "footnote")]
    line = (f"{'would write' if dry_run else 'imported'} {location(written.path)}: "
            f"'{written.title}', {', '.join(facts)}")
    return line + (f"; dropped: {written.dropped}" if written.dropped else "")


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def is_address(source: str) -> bool:
    """Tell whether ``source`` is a web address rather than a file name."""
    return split_url(source).scheme.lower() in {"http", "https"}


def _load(source: str, fetcher: Fetcher | None) -> tuple[Origin, bytes]:
    if is_address(source):
        fetcher = fetcher or Fetcher()
        url, data = fetcher.fetch(source)
        return Origin(label=source, url=url, fetcher=fetcher), data
    path = Path(source)
    if not path.is_file():
        raise ImportFailed("no such file", path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB", path)
    return Origin(label=location(path), path=path.resolve()), path.read_bytes()


def _read(origin: Origin, data: bytes, options: Options,
          project: Project) -> list[Imported | Skipped]:
    importer = find_importer(data, origin.url or origin.label)
    if importer is None:
        reason = next(filter(None, (imp.refusal(data) for imp in importers())), None)
        if reason:
            raise ImportFailed(reason, origin.label)
        raise ImportFailed("cannot tell what kind of document this is; Folio imports "
                           f"{', '.join(imp.name for imp in importers())}", origin.label)
    items = importer.read(data, origin, options, project)
    if not items:
        raise ImportFailed(f"no article found in this {importer.name}", origin.label)
    return items
