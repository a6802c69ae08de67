"""EPUB ebooks of articles and books: EPUBCheck-clean, complete, with metadata, reproducible."""

from __future__ import annotations

import os
import pickle
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.source import stable_identifier
from tests.conftest import REPO, SAMPLE_SLUG
from tests.validators import epubcheck_problems

FIXTURES = REPO / "tests" / "fixtures" / "epub"
FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "m": "http://www.w3.org/1998/Math/MathML",
}
EPUB_TYPE = f"{{{NS['epub']}}}type"


def fixture_files(*names: str) -> dict[str, str | bytes]:
    """Return project files: the named fixtures under source/, and the image they show."""
    files: dict[str, str | bytes] = {"source/images/red.png": FIGURE}
    for name in names:
        folder = "source/books" if name.endswith(".yaml") else "source"
        files[f"{folder}/{name}"] = (FIXTURES / name).read_text(encoding="utf-8")
    return files


class Planted:
    """Pickled, it would make a folder when unpickled: what a planted cache file could do."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (self.path,)


class Ebook:
    """An EPUB opened for inspection: its zip, package document, nav and documents."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.opf = self.xml("EPUB/content.opf")
        self.nav = self.xml("EPUB/nav.xhtml")
        self.ncx = self.xml("EPUB/toc.ncx")

    def xml(self, name: str) -> etree._Element:
        """Return the parsed XML file ``name`` (parsing fails on anything not well-formed)."""
        return etree.fromstring(self.zip.read(name))

    def meta(self, name: str) -> list[str]:
        """Return the texts of the Dublin Core element or <meta property> ``name``."""
        if name.startswith("dc:"):
            found = self.opf.findall(f"opf:metadata/{name}", NS)
        else:
            found = self.opf.xpath("opf:metadata/opf:meta[@property=$p]", namespaces=NS, p=name)
        return [element.text for element in found]

    def spine(self) -> list[str]:
        """Return the hrefs of the spine, in reading order."""
        items = {i.get("id"): i.get("href") for i in self.opf.iterfind(".//opf:item", NS)}
        return [items[ref.get("idref")] for ref in self.opf.iterfind(".//opf:itemref", NS)]

    def item(self, href: str) -> etree._Element:
        """Return the manifest item of ``href``."""
        return self.opf.xpath(".//opf:item[@href=$h]", namespaces=NS, h=href)[0]

    def toc(self, ol: etree._Element | None = None) -> list[tuple[str, str, list]]:
        """Return the nav's table of contents as (label, href, children) trees."""
        if ol is None:
            ol = self.nav.find(".//x:nav[@epub:type='toc']/x:ol", NS)
        result = []
        for li in ol.iterfind("x:li", NS):
            link = li.find("x:a", NS)
            sub = li.find("x:ol", NS)
            result.append((link.text, link.get("href"), self.toc(sub) if sub is not None else []))
        return result


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """Dates come from the content unless a test sets SOURCE_DATE_EPOCH itself."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # EPUBCheck is one short JVM run: the quick JIT and a simple collector halve its CPU time.
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")


def test_sample_article_ebook(make_project, folio):
    root = make_project(sample=True)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    path = root / "build" / "epub" / f"{SAMPLE_SLUG}.epub"
    assert epubcheck_problems(path) == []
    book = Ebook(path)
    title = "The Healing Power of the Therapeutic Relationship"
    assert book.meta("dc:title") == [title]
    assert book.meta("dc:language") == ["en"]
    assert book.meta("dc:creator") == ["Dana Samperio"]
    assert book.meta("role") == ["aut"]
    assert book.meta("dc:date") == ["2023-11-02"]
    assert book.meta("dcterms:modified") == ["2023-11-02T00:00:00Z"]
    identifier = book.opf.get("unique-identifier")
    assert book.opf.find(f"opf:metadata/dc:identifier[@id='{identifier}']", NS).text == \
        stable_identifier(SAMPLE_SLUG, None)
    assert book.spine() == ["cover.xhtml", "title.xhtml", f"chapter-{SAMPLE_SLUG}.xhtml",
                            "colophon.xhtml"]
    assert book.toc() == [(title, f"chapter-{SAMPLE_SLUG}.xhtml", [])]
    chapter = book.xml(f"EPUB/chapter-{SAMPLE_SLUG}.xhtml")
    assert chapter.findtext(".//x:h1", namespaces=NS) == title
    assert chapter.find(".//x:time", NS).get("datetime") == "2023-11-02"
    paragraphs = [" ".join("".join(p.itertext()).split())
                  for p in chapter.iterfind(".//x:section[@class='chapter']/x:p", NS)]
    source = (REPO / "source" / f"{SAMPLE_SLUG}.md").read_text(encoding="utf-8")
    written = [p.strip() for p in source.split("\n---\n", 1)[1].split("\n\n") if p.strip()]
    assert paragraphs == written


def test_cover_is_declared_both_ways_and_generated_when_none_is_named(make_project, folio):
    root = make_project(sample=True)
    assert folio(root, "build", "--format", "epub").exit_code == 0
    book = Ebook(root / "build" / "epub" / f"{SAMPLE_SLUG}.epub")
    cover = book.opf.xpath(".//opf:item[contains(concat(' ', @properties, ' '), ' cover-image ')]",
                           namespaces=NS)
    assert len(cover) == 1
    meta = book.opf.find("opf:metadata/opf:meta[@name='cover']", NS)
    assert meta.get("content") == cover[0].get("id")
    assert cover[0].get("media-type") == "image/jpeg"
    data = book.zip.read(f"EPUB/{cover[0].get('href')}")
    assert data.startswith(b"\xff\xd8")
    page = book.xml("EPUB/cover.xhtml")
    assert page.find(".//x:img", NS).get("src") == cover[0].get("href")


def test_accessibility_metadata(make_project, folio):
    root = make_project(fixture_files("rich.md"))
    assert folio(root, "build", "--format", "epub").exit_code == 0
    book = Ebook(root / "build" / "epub" / "everything-more.epub")
    assert book.meta("schema:accessMode") == ["textual", "visual"]
    assert book.meta("schema:accessModeSufficient") == ["textual,visual", "textual"]
    assert set(book.meta("schema:accessibilityFeature")) >= {
        "structuralNavigation", "tableOfContents", "alternativeText", "MathML"}
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert book.meta("schema:accessibilitySummary")[0]
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert book.meta("dc:subject") == ["math", "tables"]
    assert book.meta("dc:description") == [
        "An article with every kind of content an ebook must carry."]


def test_no_accessibility_claims_for_an_image_without_description(make_project, folio):
    files = fixture_files()
    files["source/bare.md"] = "---\ntitle: Bare\n---\n\n![](images/red.png)\n\nText.\n"
    root = make_project(files)
    assert folio(root, "build", "--format", "epub").exit_code == 0
    book = Ebook(root / "build" / "epub" / "bare.epub")
    assert book.meta("schema:accessMode") == ["textual", "visual"]
    assert book.meta("schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in book.meta("schema:accessibilityFeature")
    assert book.meta("dcterms:conformsTo") == []


def test_rich_article_footnotes_tables_images_raw_html_math(make_project, folio):
    root = make_project(fixture_files("rich.md"))
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    assert "rich.md: removed a <script> from the ebook" in result.output
    assert "rich.md: removed the 'onclick' script from the ebook" in result.output
    path = root / "build" / "epub" / "everything-more.epub"
    assert epubcheck_problems(path) == []
    book = Ebook(path)
    name = "chapter-everything-more.xhtml"
    assert book.item(name).get("properties") == "mathml"
    chapter = book.xml(f"EPUB/{name}")
    assert chapter.findtext(".//x:h1", namespaces=NS) == "Everything & <More>"
    # Pop-up notes: each reference is a noteref leading to an aside marked as a footnote.
    refs = chapter.xpath(".//x:a[@epub:type='noteref']", namespaces=NS)
    assert [ref.get("href") for ref in refs] == ["#fn1", "#fn2"]
    notes = chapter.xpath(".//x:aside[@epub:type='footnote']", namespaces=NS)
    assert [note.get("id") for note in notes] == ["fn1", "fn2"]
    assert "Sketch of the Analytical Engine" in "".join(notes[0].itertext())
    assert chapter.find(".//x:table/x:tbody/x:tr/x:td", NS).text == "Difference"
    assert chapter.find(".//m:math", NS) is not None
    image = chapter.find(".//x:figure/x:img", NS)
    assert image.get("alt") == "A red square"
    assert book.zip.read(f"EPUB/{image.get('src')}") == FIGURE
    assert book.item(image.get("src")).get("media-type") == "image/png"
    # Raw HTML became well-formed XHTML; scripts and handlers are gone.
    raw = chapter.find(".//x:div[@class='aside']", NS)
    assert raw.find("x:br", NS) is not None
    assert "unclosed bold" in "".join(raw.itertext())
    assert not chapter.xpath(".//x:script | .//@onclick", namespaces=NS)
    assert "A paragraph with a handler." in "".join(chapter.itertext())


def test_book_with_parts(make_project, folio):
    names = ("first.md", "second.md", "third.md", "rich.md", "essays.yaml")
    root = make_project(fixture_files(*names))
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    path = root / "build" / "epub" / "essays.epub"
    assert epubcheck_problems(path) == []
    book = Ebook(path)
    assert book.meta("dc:title") == ["Collected Essays", "Three beginnings and an ending"]
    assert book.meta("title-type") == ["main", "subtitle"]
    assert book.meta("dc:creator") == ["Mira Holt", "Sam Editor"]
    assert book.meta("role") == ["aut", "edt"]
    assert book.meta("dc:publisher") == ["Folio Press"]
    assert book.meta("dc:rights") == ["CC BY 4.0"]
    assert book.meta("dc:subject") == ["essays", "collection"]
    assert book.meta("dc:description") == ["Essays gathered from the site."]
    expected_id = uuid.uuid5(uuid.NAMESPACE_URL, "isbn:978-3-16-148410-0").urn
    assert book.meta("dc:identifier") == [expected_id, "isbn:978-3-16-148410-0"]
    assert book.meta("dcterms:modified") == ["2024-04-01T00:00:00Z"]
    assert book.spine() == [
        "cover.xhtml", "title.xhtml", "nav.xhtml", "chapter-on-beginnings.xhtml",
        "part-1.xhtml", "chapter-vom-weitergehen.xhtml", "part-2.xhtml",
        "chapter-endings.xhtml", "chapter-everything-more.xhtml", "colophon.xhtml"]
    first = "chapter-on-beginnings.xhtml"
    assert book.toc() == [
        ("On Beginnings", first, [
            ("Where it starts", f"{first}#where-it-starts", [
                ("A smaller step", f"{first}#a-smaller-step", [])])]),
        ("Part one", "part-1.xhtml", [
            ("Vom Weitergehen", "chapter-vom-weitergehen.xhtml", [
                ("The middle", "chapter-vom-weitergehen.xhtml#the-middle", [])])]),
        ("Part two", "part-2.xhtml", [
            ("Endings", "chapter-endings.xhtml", [
                ("Closing", "chapter-endings.xhtml#closing", [])]),
            ("Everything & <More>", "chapter-everything-more.xhtml", [
                ("Numbers", "chapter-everything-more.xhtml#numbers", [
                    ("Raw HTML", "chapter-everything-more.xhtml#raw-html", [])])])]),
    ]
    # The NCX for older readers carries the same entries.
    labels = [t.text for t in book.ncx.iterfind(".//ncx:navLabel/ncx:text", NS)]
    assert labels[:3] == ["On Beginnings", "Where it starts", "A smaller step"]
    assert "Part two" in labels and len(labels) == 12
    assert book.ncx.find("ncx:head/ncx:meta[@name='dtb:depth']", NS).get("content") == "4"
    # Each chapter keeps its own article's title, authors, date and language.
    second = book.xml("EPUB/chapter-vom-weitergehen.xhtml")
    assert second.get("lang") == "de"
    assert second.findtext(".//x:header//x:span[@class='author']", namespaces=NS) == \
        "Jonas Keller und Lea Brandt"
    assert second.find(".//x:time", NS).get("datetime") == "2024-02-20"
    assert second.xpath(".//x:aside[@epub:type='footnote']", namespaces=NS)
    # A link to another article of the book leads to its chapter.
    link = book.xml(f"EPUB/{first}").xpath(".//x:a[.='with a link']", namespaces=NS)[0]
    assert link.get("href") == "chapter-vom-weitergehen.xhtml#the-middle"
    title_page = book.xml("EPUB/title.xhtml")
    assert "edited by Sam Editor" in "".join(title_page.itertext())
    colophon = "".join(book.xml("EPUB/colophon.xhtml").itertext())
    assert "CC BY 4.0" in colophon and "20. Februar 2024" in colophon
    landmarks = book.nav.xpath(".//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)
    assert [a.get(EPUB_TYPE) for a in landmarks] == [
        "cover", "titlepage", "toc", "bodymatter", "copyright-page"]


def test_book_cover_from_the_book_file(make_project, folio):
    files = fixture_files("first.md")
    files["source/books/short.yaml"] = "title: Short\ncover: images/red.png\ncontents: [first.md]\n"
    root = make_project(files)
    assert folio(root, "build", "--format", "epub").exit_code == 0
    book = Ebook(root / "build" / "epub" / "short.epub")
    cover = book.item("images/cover.png")
    assert cover.get("properties") == "cover-image"
    assert book.opf.find("opf:metadata/opf:meta[@name='cover']", NS).get("content") == \
        cover.get("id")
    assert book.zip.read("EPUB/images/cover.png") == FIGURE


def test_partial_build_reads_the_articles_a_book_needs(make_project, folio):
    root = make_project(fixture_files("first.md", "second.md", "third.md", "rich.md",
                                      "essays.yaml"))
    result = folio(root, "build", "--format", "epub", str(root / "source" / "third.md"))
    assert result.exit_code == 0, result.output
    assert not (root / "build" / "epub" / "on-beginnings.epub").exists()
    result = folio(root, "build", "--format", "epub", str(root / "source" / "first.md"))
    assert re.search(r"first\.md:\d+: link to 'second\.md#the-middle' unlinked in the ebook",
                     result.output)
    # On its own, the article keeps the words of a link to a page the ebook lacks.
    chapter = Ebook(root / "build" / "epub" / "on-beginnings.epub").xml(
        "EPUB/chapter-on-beginnings.xhtml")
    paragraph = chapter.xpath(".//x:p[contains(., 'It continues')]", namespaces=NS)[0]
    assert "".join(paragraph.itertext()) == \
        "It continues, as essays do, with a link to the next one."
    assert paragraph.find("x:a", NS) is None
    book = Ebook(root / "build" / "epub" / "essays.epub")
    assert len([h for h in book.spine() if h.startswith("chapter-")]) == 4


def test_reproducible_bytes(make_project, folio, tmp_path):
    root = make_project(fixture_files("first.md", "second.md", "third.md", "rich.md",
                                      "essays.yaml"))
    builds = []
    for name in ("one", "two"):
        out = tmp_path / name
        assert folio(root, "build", "--format", "epub", "--out", str(out)).exit_code == 0
        builds.append(out)
    names = sorted(p.name for p in (builds[0] / "epub").glob("*.epub"))
    assert len(names) == 5
    for name in names:
        assert (builds[0] / "epub" / name).read_bytes() == (builds[1] / "epub" / name).read_bytes()
    infos = zipfile.ZipFile(builds[0] / "epub" / "essays.epub").infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED and not infos[0].extra
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos[1:])
    assert {i.date_time for i in infos} == {(2024, 4, 1, 0, 0, 0)}


def test_source_date_epoch_sets_the_modification_time(make_project, folio, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = make_project(sample=True)
    assert folio(root, "build", "--format", "epub").exit_code == 0
    path = root / "build" / "epub" / f"{SAMPLE_SLUG}.epub"
    assert Ebook(path).meta("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    assert zipfile.ZipFile(path).infolist()[0].date_time == (2023, 11, 14, 22, 13, 20)


BAD_BOOKS = {
    "missing": ("title: Bad\ncontents:\n  - first.md\n  - nowhere.md\n",
                "4: article 'nowhere.md' does not exist in source/"),
    "twice": ("title: Bad\ncontents:\n  - first.md\n  - part: Again\n    articles: [first.md]\n",
              "5: 'first.md' is listed twice (first on line 3)"),
    "none": ("title: Bad\ndescription: no contents at all\n",
             "1: contents is required: list the article sources of the book, relative to "
             "source/"),
    "empty": ("title: Bad\ncontents: []\n",
              "2: contents must be a list of article sources (or parts holding 'articles:'), "
              "relative to source/"),
    "broken": ("title: Bad\ncontents:\n  - drafts/broken.md\n",
               "3: article 'drafts/broken.md' has errors: "),
    "part": ("title: Bad\ncontents:\n  - part: Lonely\n",
             "3: part 'Lonely' needs 'articles:', a list of article sources"),
    "outside": ("title: Bad\ncontents:\n  - ../folio.yaml\n",
                "3: '../folio.yaml' must be a path inside source/, such as 'essay.md'"),
    "untitled": ("contents: [first.md]\n", "1: title is required"),
}


@pytest.mark.parametrize("name", sorted(BAD_BOOKS))
def test_bad_book_is_one_line_and_the_rest_still_builds(make_project, folio, name):
    text, message = BAD_BOOKS[name]
    files = fixture_files("first.md", "second.md", "third.md", "rich.md", "essays.yaml")
    files[f"source/books/{name}.yaml"] = text
    files["source/drafts/broken.md"] = "no front matter here\n"
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    book_errors = [e for e in errors if f"books/{name}.yaml" in e]
    assert len(book_errors) == 1, errors
    assert f"books/{name}.yaml:{message}" in book_errors[0]
    built = sorted(p.name for p in (root / "build" / "epub").glob("*.epub"))
    assert built == ["endings.epub", "essays.epub", "everything-more.epub",
                     "on-beginnings.epub", "vom-weitergehen.epub"]


def test_book_slug_clashing_with_an_article(make_project, folio):
    files = fixture_files("first.md")
    files["source/books/on-beginnings.yaml"] = "title: Clash\ncontents: [first.md]\n"
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 1
    assert ("books/on-beginnings.yaml: the book would overwrite epub/on-beginnings.epub, the "
            "ebook of ") in result.output
    assert Ebook(root / "build" / "epub" / "on-beginnings.epub").meta("dc:title") == \
        ["On Beginnings"]


def test_fonts_named_by_the_stylesheet_are_embedded(make_project, folio):
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.is_file():
        pytest.skip("DejaVu Sans is not installed")
    files = fixture_files("first.md")
    files["templates/fonts/Body.ttf"] = font.read_bytes()
    files["templates/css/epub.css"] = (
        '@font-face { font-family: "Body"; src: url("fonts/Body.ttf"); }\n'
        "body { font-family: Body, serif; }\n")
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    path = root / "build" / "epub" / "on-beginnings.epub"
    book = Ebook(path)
    assert book.item("fonts/Body.ttf").get("media-type") == "font/ttf"
    assert book.zip.read("EPUB/fonts/Body.ttf") == font.read_bytes()
    css = book.zip.read("EPUB/style.css").decode()
    assert 'url("fonts/Body.ttf")' in css and "var(--" not in css
    assert epubcheck_problems(path) == []


def test_stylesheet_naming_a_missing_file_is_one_line(make_project, folio):
    files = fixture_files("first.md")
    files["templates/css/epub.css"] = '@font-face { font-family: X; src: url(fonts/x.woff2); }\n'
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 1
    assert ("Error: the ebook stylesheet names 'fonts/x.woff2', which is not a font or image "
            "in the templates/ folder") in result.output.splitlines()


def test_editing_the_book_file_remakes_only_the_book(make_project, folio):
    files = fixture_files("first.md", "third.md")
    files["source/books/pair.yaml"] = "title: A Pair\ncontents: [first.md, third.md]\n"
    root = make_project(files)
    book_file = root / "source" / "books" / "pair.yaml"
    assert folio(root, "build", "--format", "epub").exit_code == 0
    assert "0 written, 3 skipped" in folio(root, "build", "--format", "epub").output
    book_file.write_text("title: A Fine Pair\ncontents: [first.md, third.md]\n",
                         encoding="utf-8")
    assert "1 written, 2 skipped" in folio(root, "build", "--format", "epub").output
    assert Ebook(root / "build" / "epub" / "pair.epub").meta("dc:title") == ["A Fine Pair"]


def test_article_cover_from_the_front_matter(make_project, folio):
    files = fixture_files()
    files["source/covered.md"] = "---\ntitle: Covered\ncover: images/red.png\n---\n\nText.\n"
    root = make_project(files)
    assert folio(root, "build", "--format", "epub").exit_code == 0
    book = Ebook(root / "build" / "epub" / "covered.epub")
    assert book.item("images/cover.png").get("properties") == "cover-image"
    assert book.zip.read("EPUB/images/cover.png") == FIGURE
    # The cover is the cover: the chapter does not show it again.
    assert book.xml("EPUB/chapter-covered.xhtml").find(".//x:img", NS) is None


def test_a_book_remakes_only_the_chapter_that_changed(make_project, folio, monkeypatch):
    from pipeline.formats.epub import ebook

    files = fixture_files("first.md", "third.md")
    # A chapter that warns: its warning comes back with it when it is reused.
    files["source/linker.md"] = "---\ntitle: Linker\n---\n\nSee [the end](first.md#nowhere).\n"
    files["source/books/trio.yaml"] = "title: Trio\ncontents: [first.md, linker.md, third.md]\n"
    root = make_project(files)
    made: list[str] = []
    document = ebook.Ebook._document

    def counted(self, text, where, images):
        if images is not None:
            made.append(f"{'trio' if self.is_book else 'own'}/{where.name}")
        return document(self, text, where, images)

    monkeypatch.setattr(ebook.Ebook, "_document", counted)
    warning = "linker.md:5: link to 'first.md#nowhere' unlinked in the ebook"
    first = folio(root, "-v", "build", "-j", "1", "--format", "epub")
    # The book's: the article's own ebook holds no other article, and says nothing of them.
    assert sum(warning in line for line in first.output.splitlines()) == 1
    assert sorted(made) == ["own/first.md", "own/linker.md", "own/third.md",
                            "trio/first.md", "trio/linker.md", "trio/third.md"]
    third = root / "source" / "third.md"
    third.write_text(third.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                     encoding="utf-8")
    made.clear()
    second = folio(root, "-v", "build", "-j", "1", "--format", "epub")
    assert "2 written, 2 skipped" in second.output
    assert sorted(made) == ["own/third.md", "trio/third.md"]
    assert sum(warning in line for line in second.output.splitlines()) == 1  # the book's
    kept = (root / "build" / "epub" / "trio.epub").read_bytes()
    # The same bytes as a book made whole; a store that is not Folio's is ignored.
    store = root / "build" / ".folio-cache" / "chapters" / "trio.pickle"
    planted = root / "planted"
    store.write_bytes(pickle.dumps({"key": Planted(str(planted))}))
    made.clear()
    third_run = folio(root, "build", "-j", "1", "--format", "epub", "--force")
    assert third_run.exit_code == 0 and "trio/linker.md" in made
    assert (root / "build" / "epub" / "trio.epub").read_bytes() == kept
    assert not planted.exists()  # a planted file runs no code
    assert not epubcheck_problems(root / "build" / "epub" / "trio.epub")
    assert folio(root, "clean").exit_code == 0
    assert not (root / "build").exists()  # the kept chapters went with the rest
