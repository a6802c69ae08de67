"""The EPUB format: an EPUB 3 ebook per article and one per book file, valid and reproducible."""

from __future__ import annotations

import logging
import re
from functools import cached_property, partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pipeline.books import Book, Entry, Part, book_paths, load_book
from pipeline.brand.outputs import ebook_files
from pipeline.context import brand_context
from pipeline.errors import BuildError, ConfigError, FolioError, location
from pipeline.formats import Format, Target, register
from pipeline.formats.epub.ebook import Ebook
from pipeline.formats.epub.package import FONT_TYPES, IMAGE_TYPES
from pipeline.model import Article
from pipeline.resources import article_files
from pipeline.templates import render
from pipeline.urls import split_url

if TYPE_CHECKING:
    from pipeline.output import OutputDir
    from pipeline.project import Project

log = logging.getLogger(__name__)

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
CSS_VARIABLE = re.compile(r"^\s*(--[\w-]+)\s*:\s*([^;]+);\s*$", re.MULTILINE)
CSS_VAR_USE = re.compile(r"var\((--[\w-]+)\)")


# Roughly how long a book spends on each chapter (see Target.expected_seconds).
CHAPTER_SECONDS = 0.005


@register
class EpubFormat(Format):
    """Write ``epub/<slug>.epub`` per article and ``epub/<book>.epub`` per book file."""

    name = "epub"
    description = "EPUB 3 ebooks"
    heavy_modules = ("ebooklib.epub", "PIL.ImageDraw", "PIL.ImageFont")

    def article_outputs(self, article: Article) -> list[str]:
        """Return the ebook of ``article``."""
        return [f"epub/{article.slug}.epub"]

    def write_article(self, article: Article, out: OutputDir) -> None:
        """Write the ebook of one article, with its cover or a generated one."""
        project = self.site.project
        # A cover the build refused (and warned about) gives way to a generated one.
        cover = next((asset.path for asset in article_files(article, project).assets
                      if asset.src == article.cover), None)
        book = Book(path=article.source, slug=article.slug, title=article.title,
                    lang=article.lang, identifier=article.identifier,
                    parts=(Part(None, (Entry(article.source, 0),)),),
                    subtitle=article.subtitle, authors=article.authors, date=article.date,
                    description=article.summary, keywords=article.keywords,
                    rights=article.rights, cover=cover)
        out.write_bytes(f"epub/{article.slug}.epub",
                        self.make_ebook(book, [article], collection=False))

    def collection_targets(self, articles: list[Article]) -> list[Target]:
        """Return one target per book file; a bad book becomes a target that reports it."""
        project = self.site.project
        by_source = {a.source.resolve(): a for a in articles}
        article_outputs = {f"epub/{a.slug}.epub": a for a in articles}
        targets: list[Target] = []
        claimed: dict[str, Path] = {}
        for path in book_paths(project):
            output = f"epub/{path.stem}.epub"
            try:
                book = load_book(path, project)
                output = f"epub/{book.slug}.epub"
                members = self._members(book, by_source)
                _check_output(book, output, article_outputs, claimed)
            except FolioError as exc:
                targets.append(Target(self.name, (output,), (), partial(_fail, exc)))
                continue
            claimed[output] = path
            inputs = (book.path, book.cover) if book.cover else (book.path,)
            targets.append(Target(self.name, (output,), tuple(members),
                                  partial(self.write_book, book, members), inputs=inputs,
                                  expected_seconds=CHAPTER_SECONDS * len(members)))
        return targets

    def _members(self, book: Book, by_source: dict[Path, Article]) -> list[Article]:
        """Return the book's articles, reading those the build did not read."""
        members = []
        for entry in book.entries:
            article = by_source.get(entry.source.resolve())
            if article is None:
                try:
                    article = self.site.read(entry.source)
                except FolioError as exc:
                    raise ConfigError(f"article '{_relative(entry.source, self.site.project)}' "
                                      f"has errors: {exc.format_message()}", book.path,
                                      entry.line) from None
            members.append(article)
        slugs: dict[str, Entry] = {}
        for entry, article in zip(book.entries, members, strict=True):
            if article.slug in slugs:
                raise ConfigError(f"two articles of the book have the slug '{article.slug}' "
                                  f"(the other is on line {slugs[article.slug].line})",
                                  book.path, entry.line)
            slugs[article.slug] = entry
        return members

    def write_book(self, book: Book, articles: list[Article], out: OutputDir) -> None:
        """Write the ebook of one book file."""
        out.write_bytes(f"epub/{book.slug}.epub",
                        self.make_ebook(book, articles, collection=True))

    def make_ebook(self, book: Book, articles: list[Article], *, collection: bool) -> bytes:
        """Return the bytes of the EPUB of ``book``, made of ``articles`` in order.

        A ``collection`` (a book file's ebook) shows its table of contents as a page.
        """
        return Ebook(self, book, articles, collection).build()

    @cached_property
    def stylesheet(self) -> tuple[bytes, tuple[tuple[str, Path, str], ...]]:
        """Return the e-reader stylesheet and the fonts and images its ``url()``s name.

        Theme variables are written out: many e-readers know no custom properties.
        """
        project = self.site.project
        css = render(self.site.env, "epub/style.css.j2",
                     {"site": project.settings, **brand_context(project)})
        return (flatten_css_variables(css).encode("utf-8"),
                self._style_files(css) + ebook_files(project.brand))

    def _style_files(self, css: str) -> tuple[tuple[str, Path, str], ...]:
        """Find each file ``url()`` names in the templates folders, as the stylesheet sees them."""
        files: dict[str, tuple[str, Path, str]] = {}
        for _, url in CSS_URL.findall(css):
            if url.startswith("brand/"):  # the brand's own fonts: see ebook_files
                continue
            rel = PurePosixPath(unquote(split_url(url).path))
            if split_url(url).scheme or url.startswith(("/", "#")) or ".." in rel.parts:
                raise BuildError(f"the ebook stylesheet names '{url}': only files in the "
                                 "templates/ folder can be embedded, by a relative address "
                                 "such as 'fonts/Body.woff2'")
            media_type = FONT_TYPES.get(rel.suffix.lower()) or IMAGE_TYPES.get(rel.suffix.lower())
            found = next((folder.joinpath(*rel.parts) for folder
                          in self.site.project.template_search_path
                          if folder.joinpath(*rel.parts).is_file()), None)
            if media_type is None or found is None:
                raise BuildError(f"the ebook stylesheet names '{url}', which is not a font or "
                                 "image in the templates/ folder")
            files[str(rel)] = (str(rel), found, media_type)
        return tuple(files.values())


def _fail(error: FolioError, out: OutputDir) -> None:
    raise error


def _check_output(book: Book, output: str, article_outputs: dict[str, Article],
                  claimed: dict[str, Path]) -> None:
    """Refuse a book whose ebook would overwrite an article's or another book's."""
    if output in article_outputs:
        raise ConfigError(f"the book would overwrite {output}, the ebook of "
                          f"{location(article_outputs[output].source)}; set a different 'slug:'",
                          book.path)
    if output in claimed:
        raise ConfigError(f"the book would overwrite {output}, made from "
                          f"{location(claimed[output])}; set a different 'slug:'", book.path)


def _relative(path: Path, project: Project) -> str:
    try:
        return path.resolve().relative_to(project.source_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def flatten_css_variables(css: str) -> str:
    """Replace ``var(--x)`` by the value of ``--x``: many e-readers know no custom properties."""
    values = dict(CSS_VARIABLE.findall(css))
    css = CSS_VARIABLE.sub("", css)
    return CSS_VAR_USE.sub(lambda m: values.get(m.group(1), m.group(0)).strip(), css)


