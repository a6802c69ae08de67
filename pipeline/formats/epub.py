"""The EPUB format: an EPUB 3 ebook per article and one per book file, valid and reproducible."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
import os
import re
import textwrap
import zipfile
from dataclasses import dataclass
from functools import cache, cached_property, partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from lxml import etree
from markupsafe import Markup

from pipeline.books import Book, Entry, Part, book_paths, load_book
from pipeline.brand.outputs import ebook_files
from pipeline.brand.raster import draw_cover_logo
from pipeline.context import article_context, brand_context
from pipeline.errors import BuildError, ConfigError, FolioError, location
from pipeline.formats import Format, Target, register
from pipeline.i18n import format_date, join_names, translate
from pipeline.model import Article
from pipeline.resources import article_assets, is_remote, resolve, rewrite_sources
from pipeline.templates import render

if TYPE_CHECKING:
    from pipeline.brand import Brand
    from pipeline.output import OutputDir
    from pipeline.project import Project

log = logging.getLogger(__name__)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
SVG_NS = "http://www.w3.org/2000/svg"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML_NS, "epub": EPUB_NS}
X = f"{{{XHTML_NS}}}"

STYLESHEET = "style.css"
XHTML_TYPE = "application/xhtml+xml"
# EPUB 3 core media types for images: every reading system shows these without a fallback.
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
# Fonts a stylesheet may embed: the EPUB 3 core media types for fonts.
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
              ".otf": "font/otf"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
# The zip format cannot store times before 1980; it is also the time of a dateless ebook.
ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
COVER_SIZE = (1200, 1800)
CSS_VARIABLE = re.compile(r"^\s*(--[\w-]+)\s*:\s*([^;]+);\s*$", re.MULTILINE)
CSS_VAR_USE = re.compile(r"var\((--[\w-]+)\)")


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
        cover = resolve(article.cover, article, project) if article.cover else None
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
                                  partial(self.write_book, book, members), inputs=inputs))
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
        return _Ebook(self, book, articles, collection).build()

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
            rel = PurePosixPath(unquote(urlsplit(url).path))
            if urlsplit(url).scheme or url.startswith(("/", "#")) or ".." in rel.parts:
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


def modified_time(dates: list[dt.date | None]) -> dt.datetime:
    """Return the ebook's modification time: SOURCE_DATE_EPOCH, else the newest content date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        known = [d for d in dates if d is not None]
        when = dt.datetime.combine(max(known), dt.time(), dt.UTC) if known else ZIP_EPOCH
    return max(when, ZIP_EPOCH)


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents, and the lines nested under it."""

    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class _Page:
    """An XHTML document of the ebook: its manifest id, file name and title."""

    uid: str
    file_name: str
    title: str


class _Files:
    """Collect what EbookLib's writer would put in its zip, so Folio can zip it reproducibly."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes, compress_type: int | None = None) -> None:
        """Keep one file's bytes under its name."""
        self.entries[name] = data.encode("utf-8") if isinstance(data, str) else data


def zip_epub(files: dict[str, bytes], when: dt.datetime) -> bytes:
    """Zip an EPUB reproducibly: ``mimetype`` first and stored, fixed times, the rest deflated."""
    buffer = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [("mimetype", b"application/epub+zip"), *files.items()]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            # Fixed, platform-independent attributes: zipfile would record the host system.
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


class _Ebook:
    """One ebook being made: its documents, images and table of contents."""

    def __init__(self, fmt: EpubFormat, book: Book, articles: list[Article],
                 collection: bool) -> None:
        # Imported here, like every heavy library: see EpubFormat.heavy_modules.
        from ebooklib import epub

        self.fmt = fmt
        self.project = fmt.site.project
        self.env = fmt.site.env
        self.book = book
        self.articles = articles
        self.is_book = collection
        self.epub = epub.EpubBook()
        self.images: dict[Path, str] = {}
        self.has_math = False
        self.undescribed = False  # some image shown without alternative text
        # Links between articles of the same book (to the source or the web page) lead to
        # their chapters.
        self.link_targets: dict[str, str] = {}
        for article in articles:
            file_name = f"chapter-{article.slug}.xhtml"
            for name in (file_name, f"{article.slug}.html", article.source.name,
                         f"{article.source.stem}.html"):
                self.link_targets[name] = file_name

    def build(self) -> bytes:
        """Assemble the package and return the zipped EPUB."""
        from ebooklib import epub

        book, lang = self.book, self.book.lang
        css, style_files = self.fmt.stylesheet
        self._add("style", STYLESHEET, "text/css", css)
        for number, (name, path, media_type) in enumerate(style_files, 1):
            self._add(f"style-file-{number}", name, media_type, path.read_bytes())
        cover_page = self._cover()
        title_page = self._page("title.xhtml", "epub/titlepage.xhtml.j2",
                                translate(lang, "title_page"))
        toc: list[TocEntry] = []
        body: list[_Page] = []
        chapter_number = part_number = 0
        for part in book.parts:
            entries: list[TocEntry] = []
            part_page = None
            if part.title is not None:
                part_number += 1
                part_page = self._page(f"part-{part_number}.xhtml", "epub/part.xhtml.j2",
                                       part.title, part=part)
                body.append(part_page)
            for _ in part.entries:
                article = self.articles[chapter_number]
                chapter_number += 1
                chapter = self._chapter(article)
                body.append(chapter)
                entries.append(TocEntry(article.title, chapter.file_name,
                                        nest_headings(article, chapter.file_name)))
            if part_page is not None:
                toc.append(TocEntry(part_page.title, part_page.file_name, tuple(entries)))
            else:
                toc.extend(entries)
        colophon = self._page("colophon.xhtml", "epub/colophon.xhtml.j2",
                              translate(lang, "colophon"))
        nav = _Page("nav", "nav.xhtml", translate(lang, "contents"))
        # A landmark must lead to a spine item: the nav is read as a page only in books.
        landmarks = [("cover", cover_page, "cover"), ("titlepage", title_page, "title-page"),
                     *([("toc", nav, "toc")] if self.is_book else []),
                     ("bodymatter", body[0], "text"),
                     ("copyright-page", colophon, "copyright-page")]
        self._nav(nav, toc, landmarks)
        self.epub.add_item(epub.EpubNcx())
        front = [cover_page, title_page] + ([nav] if self.is_book else [])
        self.epub.spine = [page.uid for page in (*front, *body, colophon)]
        self.epub.toc = _ebooklib_toc(toc)
        self.epub.guide = [{"type": kind, "href": page.file_name, "title": page.title}
                           for _, page, kind in landmarks]
        self._metadata()
        when = modified_time([book.date, *(a.date for a in self.articles)])
        # EbookLib writes the package document and the NCX; Folio zips them reproducibly.
        writer = epub.EpubWriter("", self.epub, {"mtime": when,
                                                 "play_order": {"enabled": True,
                                                                "start_from": 1}})
        writer.out = _Files()
        writer._write_container()
        writer._write_opf()
        writer._write_items()
        # EbookLib always claims a depth of 0; older readers size their TOC view by it.
        ncx = f"{self.epub.FOLDER_NAME}/toc.ncx"
        writer.out.entries[ncx] = writer.out.entries[ncx].replace(
            b'content="0" name="dtb:depth"', f'content="{_depth(toc)}" name="dtb:depth"'.encode())
        return zip_epub(writer.out.entries, when)

    def _add(self, uid: str, file_name: str, media_type: str, content: bytes,
             properties: list[str] | None = None) -> None:
        """Add a file Folio made to the package; EbookLib lists it and never re-parses it."""
        from ebooklib import epub

        item = epub.EpubItem(uid=uid, file_name=file_name, media_type=media_type,
                             content=content)
        item.properties = properties or []
        self.epub.add_item(item)

    # Documents

    def _render(self, template: str, context: dict[str, Any], where: Path,
                chapter: bool = False) -> tuple[bytes, list[str]]:
        """Render an XHTML template; return well-formed XHTML and its manifest properties."""
        text = render(self.env, template, context)
        root = to_xhtml(text, where)
        properties = self._clean(root, where, chapter)
        data = etree.tostring(root, encoding="utf-8", xml_declaration=True,
                              doctype="<!DOCTYPE html>")
        return data, properties

    def _page_context(self, **extra: Any) -> dict[str, Any]:
        book = self.book
        return {"site": self.project.settings, "book": book, "lang": book.lang,
                "stylesheet": STYLESHEET,
                "date_text": format_date(book.date, book.lang) if book.date else None,
                "authors_text": join_names(book.authors, book.lang),
                "editors_text": join_names(book.editors, book.lang),
                "chapters": [article_context(a, self.project) for a in self.articles],
                "is_book": self.is_book, **brand_context(self.project), **extra}

    def _page(self, file_name: str, template: str, title: str, **extra: Any) -> _Page:
        """Render one of the ebook's own pages (cover, title page, part, colophon)."""
        page = _Page(f"page-{file_name.removesuffix('.xhtml')}", file_name, title)
        data, properties = self._render(template, self._page_context(title=title, **extra),
                                        self.book.path)
        self._add(page.uid, file_name, XHTML_TYPE, data, properties)
        return page

    def _nav(self, nav: _Page, toc: list[TocEntry],
             landmarks: list[tuple[str, _Page, str]]) -> None:
        marks = [(epub_type, page.file_name, page.title) for epub_type, page, _ in landmarks]
        data, _ = self._render("epub/nav.xhtml.j2",
                               self._page_context(title=nav.title, toc=toc, landmarks=marks),
                               self.book.path)
        self._add(nav.uid, nav.file_name, XHTML_TYPE, data, ["nav"])

    def _chapter(self, article: Article) -> _Page:
        """Render one article as a chapter, embedding the images it shows."""
        assets = []
        for asset in article_assets(article, self.project):
            if asset.src == article.cover and not any(i.src == asset.src for i in article.images):
                continue
            name = self._image(asset.path, article.source)
            if name is not None:
                assets.append(dataclasses.replace(asset, output=name))
        body = rewrite_sources(article.body_html, assets)
        notes = [Markup(_numbered(note.number, note.html)) for note in article.notes]
        context = article_context(article, self.project, body=Markup(body), notes=notes,
                                  stylesheet=STYLESHEET)
        data, properties = self._render("epub/chapter.xhtml.j2", context, article.source,
                                        chapter=True)
        page = _Page(f"chapter-{article.slug}", f"chapter-{article.slug}.xhtml", article.title)
        self._add(page.uid, page.file_name, XHTML_TYPE, data, properties)
        return page

    def _image(self, path: Path, source: Path) -> str | None:
        """Embed the image at ``path`` once; return its name in the EPUB (None if unfit)."""
        if path in self.images:
            return self.images[path]
        media_type = IMAGE_TYPES.get(path.suffix.lower())
        if media_type is None:
            log.warning("%s: image '%s' left out of the ebook: e-readers show only %s",
                        location(source), path.name, ", ".join(IMAGE_TYPES))
            return None
        data = path.read_bytes()
        # Named by content, not by where the project lies: the same bytes on every machine.
        name = f"images/{hashlib.sha256(data).hexdigest()[:10]}-{path.name}"
        self.images[path] = name
        self._add(f"image-{len(self.images)}", name, media_type, data)
        return name

    def _cover(self) -> _Page:
        """Add the cover image (the book's own or a generated one) and the page showing it."""
        from ebooklib import epub

        book = self.book
        suffix = book.cover.suffix.lower() if book.cover else ""
        if book.cover is not None and suffix in IMAGE_TYPES:
            name = f"images/cover{suffix}"
            data = book.cover.read_bytes()
        else:
            if book.cover is not None:
                log.warning("%s: cover '%s' is not an image e-readers show (%s); a cover is "
                            "made instead", location(book.path), book.cover.name,
                            ", ".join(IMAGE_TYPES))
            name, suffix = "images/cover.jpg", ".jpg"
            data = generated_cover(book.title, book.subtitle,
                                   join_names(book.authors, book.lang),
                                   self.project.brand)
        # Declared both ways: EbookLib gives an EpubCover the EPUB 3 cover-image property,
        # and Kobo and EPUB 2 readers look for <meta name="cover"> naming its id.
        cover = epub.EpubCover(uid="cover-image", file_name=name)
        cover.media_type = IMAGE_TYPES[suffix]
        cover.content = data
        self.epub.add_item(cover)
        self.epub.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
        return self._page("cover.xhtml", "epub/cover.xhtml.j2", translate(book.lang, "cover"),
                          cover_image=name)

    def _clean(self, root: etree._Element, where: Path, chapter: bool) -> list[str]:
        """Make a document fit for e-readers; return its manifest properties."""
        for script in list(root.iter(f"{X}script")):
            # A JSON-LD block is data, not a program: it goes without a word.
            if script.get("type") != "application/ld+json":
                log.warning("%s: removed a <script> from the ebook: e-readers do not run "
                            "scripts", location(where))
            script.getparent().remove(script)
        for element in root.iter():
            handlers = [name for name in element.attrib if name.startswith("on")]
            for name in handlers:
                log.warning("%s: removed the '%s' script from the ebook", location(where), name)
                del element.attrib[name]
        for noscript in list(root.iter(f"{X}noscript")):
            _unwrap(noscript)
        # Folio's own pages link only to each other; an article's links and images are checked.
        for link in list(root.iter(f"{X}a")) if chapter else ():
            if "footnote-ref" in link.get("class", "").split():
                link.set(f"{{{EPUB_NS}}}type", "noteref")
            self._fix_link(link, where)
        for image in list(root.iter(f"{X}img")) if chapter else ():
            if image.get("src") in self.images.values():
                self.undescribed = self.undescribed or not image.get("alt", "").strip()
            else:
                replacement = etree.Element(f"{X}span", {"class": "image-missing"})
                replacement.text = image.get("alt") or ""
                replacement.tail = image.tail
                image.getparent().replace(image, replacement)
        properties = []
        if next(root.iter(f"{{{MATHML_NS}}}math"), None) is not None:
            properties.append("mathml")
            self.has_math = True
        if next(root.iter(f"{{{SVG_NS}}}svg"), None) is not None:
            properties.append("svg")
        return properties

    def _fix_link(self, link: etree._Element, where: Path) -> None:
        """Point links at other chapters inside the book; unwrap links to files it lacks."""
        href = link.get("href")
        if href is None:
            return
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or is_remote(href) or not parts.path:
            return
        name = PurePosixPath(unquote(parts.path)).name
        target = self.link_targets.get(name)
        if target is not None:
            link.set("href", target + (f"#{parts.fragment}" if parts.fragment else ""))
            return
        log.warning("%s: link to '%s' unlinked in the ebook: the file is not part of it",
                    location(where), href)
        _unwrap(link)

    # Package metadata

    def _metadata(self) -> None:
        book, ebook = self.book, self.epub
        ebook.set_identifier(book.identifier)
        if (book.source_identifier
                and book.source_identifier.removeprefix("urn:uuid:") not in book.identifier):
            ebook.add_metadata("DC", "identifier", book.source_identifier,
                               {"id": "source-identifier"})
        ebook.add_metadata("DC", "title", book.title, {"id": "title"})
        ebook.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
        if book.subtitle:
            ebook.add_metadata("DC", "title", book.subtitle, {"id": "subtitle"})
            ebook.add_metadata(None, "meta", "subtitle",
                               {"refines": "#subtitle", "property": "title-type"})
        ebook.title = book.title
        ebook.set_language(book.lang)
        authors = book.authors or tuple(dict.fromkeys(n for a in self.articles for n in a.authors))
        creators = [(name, "aut") for name in authors] + [(name, "edt") for name in book.editors]
        for number, (name, role) in enumerate(creators, 1):
            ebook.add_author(name, role=role, uid=f"creator-{number}")
        dates = [d for d in (book.date, *(a.date for a in self.articles)) if d is not None]
        if dates:
            ebook.add_metadata("DC", "date", (book.date or max(dates)).isoformat())
        if book.description:
            ebook.add_metadata("DC", "description", book.description)
        keywords = book.keywords or tuple(dict.fromkeys(k for a in self.articles
                                                        for k in a.keywords))
        for keyword in keywords:
            ebook.add_metadata("DC", "subject", keyword)
        if book.publisher:
            ebook.add_metadata("DC", "publisher", book.publisher)
        rights = book.rights or next((a.rights for a in self.articles if a.rights), None)
        if rights:
            ebook.add_metadata("DC", "rights", rights)
        for prop, value in self._accessibility():
            ebook.add_metadata(None, "meta", value, {"property": prop})

    def _accessibility(self) -> list[tuple[str, str]]:
        """Return the EPUB Accessibility 1.1 metadata, true to what this ebook contains."""
        visual = bool(self.images)
        # Text alone suffices only if every image the chapters show has a description.
        described = not self.undescribed
        features = ["structuralNavigation", "tableOfContents", "readingOrder"]
        if visual and described:
            features.append("alternativeText")
        if self.has_math:
            features.append("MathML")
        metadata = [("schema:accessMode", "textual")]
        if visual:
            metadata += [("schema:accessMode", "visual"),
                         ("schema:accessModeSufficient", "textual,visual")]
        if described:
            metadata.append(("schema:accessModeSufficient", "textual"))
        metadata += [("schema:accessibilityFeature", f) for f in features]
        metadata += [("schema:accessibilityHazard", "none"),
                     ("schema:accessibilitySummary",
                      translate(self.book.lang, "accessibility_summary"))]
        if described:
            metadata.append(("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"))
        return metadata


def _depth(entries: list[TocEntry] | tuple[TocEntry, ...]) -> int:
    """Return how many levels the table of contents has."""
    return max((1 + _depth(entry.children) for entry in entries), default=0)


def _numbered(number: int, html: str) -> str:
    """Start a note with its number, linking back to where it is cited."""
    label = (f'<a class="footnote-label" href="#fnref{number}" role="doc-backlink">'
             f"{number}.</a> ")
    if html.startswith("<p>"):
        return f"<p>{label}{html[3:]}"
    return f"<p>{label}</p>{html}"


def _unwrap(element: etree._Element) -> None:
    """Replace ``element`` by its content, keeping the text around it in order."""
    parent = element.getparent()
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (element.text or "")
    else:
        parent.text = (parent.text or "") + (element.text or "")
    children = list(element)
    index = parent.index(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else previous
    if last is not None:
        last.tail = (last.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)


def nest_headings(article: Article, file_name: str) -> tuple[TocEntry, ...]:
    """Return the article's headings as a tree: each nested under the last higher one."""
    root: list[tuple[int, list[Any]]] = [(0, [])]
    for heading in article.headings:
        href = f"{file_name}#{heading.id}" if heading.id else file_name
        node: list[Any] = [heading.text, href, []]
        while root[-1][0] >= heading.level:
            root.pop()
        root[-1][1].append(node)
        root.append((heading.level, node[2]))

    def freeze(nodes: list[Any]) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(t, h, freeze(c)) for t, h, c in nodes)

    return freeze(root[0][1])


def _ebooklib_toc(entries: list[TocEntry] | tuple[TocEntry, ...], counter: list[int] | None = None
                  ) -> list[Any]:
    """Return the table of contents in EbookLib's shape, from which it writes the NCX."""
    from ebooklib import epub

    counter = counter if counter is not None else [0]
    result: list[Any] = []
    for entry in entries:
        counter[0] += 1
        link = epub.Link(entry.href, entry.title, f"navpoint-{counter[0]}")
        result.append((link, _ebooklib_toc(entry.children, counter)) if entry.children else link)
    return result


def to_xhtml(text: str, where: Path) -> etree._Element:
    """Parse rendered XHTML; HTML that is not well-formed XML is repaired, namespaces restored."""
    try:
        return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False,
                                                                      no_network=True))
    except etree.XMLSyntaxError:
        pass
    # Raw HTML in an article (or an HTML-style template) is read as a browser would read it.
    tree = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    if tree is None:
        raise BuildError("the chapter could not be read as HTML", where)
    return _xml_copy(tree, XHTML_NS, root=True)


def _xml_copy(element: etree._Element, namespace: str, root: bool = False) -> etree._Element:
    """Copy an HTML-parsed element into XHTML, MathML or SVG namespaces."""
    local = element.tag.lower()
    inner = {"math": MATHML_NS, "svg": SVG_NS}.get(local, namespace)
    # MathML and SVG get their namespace as the default, unprefixed, as e-readers expect.
    nsmap = NSMAP if root else {None: inner} if inner != namespace else None
    namespace = inner
    copy = etree.Element(f"{{{namespace}}}{local}", nsmap=nsmap)
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


def generated_cover(title: str, subtitle: str | None, authors: str, brand: Brand) -> bytes:
    """Return a JPEG cover showing the title, authors and brand, for readers' library shelves."""
    from PIL import Image, ImageDraw

    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, brand.colors["primary"])
    draw = ImageDraw.Draw(image)
    title_font = _font("DejaVuSerif-Bold.ttf", 104)
    author_font = _font("DejaVuSans.ttf", 60)
    y = height // 4
    for line in textwrap.wrap(title, 18)[:6]:
        draw.text((width // 2, y), line, font=title_font, fill="white", anchor="ma")
        y += 130
    for line in textwrap.wrap(subtitle or "", 32)[:3]:
        draw.text((width // 2, y), line, font=_font("DejaVuSerif.ttf", 60), fill="white",
                  anchor="ma")
        y += 80
    draw.line((width // 2 - 120, y + 40, width // 2 + 120, y + 40), fill="white", width=4)
    y += 110
    for line in textwrap.wrap(authors, 30)[:3]:
        draw.text((width // 2, y), line, font=author_font, fill="white", anchor="ma")
        y += 80
    draw_cover_logo(image, brand)
    buffer = io.BytesIO()
    # JPEG: ten times faster to encode than PNG here, and every reader shows it.
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@cache
def _font(name: str, size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(name, size)
    except OSError:
        # Without DejaVu, Pillow's own scalable font still gives a legible cover.
        return ImageFont.load_default(size)
