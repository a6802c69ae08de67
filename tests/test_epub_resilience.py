"""EPUBs of awkward real-world input: raw HTML an ebook cannot hold, images reached by several
paths, headings without text, links to missing anchors. Every ebook must pass EPUBCheck."""

from __future__ import annotations

import email
import re
import sysconfig
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import article
from tests.test_epub import FIGURE, NS, Ebook
from tests.test_epub import environment as environment
from tests.validators import epubcheck_problems

# The packages installed beside Folio: their READMEs are real Markdown by other people.
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])

PREFIXED = """\
Hello<o:p></o:p> from <st1:place>Boston</st1:place>, as Word wrote it.

See <localhost:5001/foo> for the local server.

<foo>An invented tag</foo> and <my-widget>a custom element</my-widget> keep their words.
"""

# Well-formed as XML, so it is not read through the HTML parser: the repair alone must mend it.
WELL_FORMED = """\
<p>Before the block <div>a div inside a paragraph</div> after the block.</p>

<li>A list item outside any list</li>

<p align="center"><font color="red">Red words</font> in a centred paragraph.</p>

<center>Centred words</center>

<table border="1" width="50%"><td>A stray cell</td></table>

<span><p>A paragraph inside a span</p></span>

<a href="#top"><a href="#top">A link in a link</a></a>

<a name="top">An HTML 4 anchor</a>
"""

# Not well-formed: the browser-like HTML parser reads it first.
BROKEN = """\
<p o:spid="_x0000_s1026" class="MsoNormal">A namespaced attribute<br>

<iframe src="https://example.com/embed">Iframe fallback words</iframe>

<form action="/search"><label>Search words <input type="text" name="q"></label>
<button>Go button</button><select><option>Option words</option></select></form>

<style>p { color: red }</style>

<dd>A lonely definition</dd>
"""


def _chapter(root: Path, slug: str) -> etree._Element:
    path = root / "build" / "epub" / f"{slug}.epub"
    assert epubcheck_problems(path) == []
    return Ebook(path).xml(f"EPUB/chapter-{slug}.xhtml")


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_prefixed_and_unknown_tags_are_unwrapped_with_their_text(make_project, folio):
    root = make_project({"source/word.md": article("Word", PREFIXED, slug="word")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    assert ("word.md: tags an ebook cannot hold unwrapped, their text kept: <o:p>, "
            "<st1:place>, <localhost:5001>, <foo>, <my-widget>") in result.output
    text = _text(_chapter(root, "word"))
    assert "Hello from Boston, as Word wrote it." in text
    assert "An invented tag and a custom element keep their words." in text


@pytest.mark.parametrize("body", [WELL_FORMED, BROKEN], ids=["well-formed", "html"])
def test_raw_html_an_ebook_refuses_is_repaired_and_keeps_its_words(make_project, folio, body):
    root = make_project({"source/raw.md": article("Raw", body, slug="raw")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    chapter = _chapter(root, "raw")
    text = _text(chapter)
    # Every run of words between two tags is there, in order, except the style sheet's.
    runs = re.split(r"<[^>]*>", body.replace("<style>p { color: red }</style>", ""))
    phrases = [" ".join(run.split()) for run in runs if run.strip()]
    assert re.search(".*".join(map(re.escape, phrases)), text), (phrases, text)
    assert not chapter.xpath(".//x:font | .//x:center | .//x:iframe | .//x:form | .//x:input"
                             " | .//x:style | .//@align | .//@border | .//@width",
                             namespaces=NS)


def test_repair_gives_structure_where_html_forgives_its_absence():
    from pipeline.formats.epub.repair import repair
    from pipeline.formats.epub.xhtml import X, to_xhtml

    root = to_xhtml(f'<html xmlns="{NS["x"]}"><body>{WELL_FORMED}</body></html>', Path("x.md"))
    repair(root.find(f"{X}body"), Path("x.md"))
    body = root.find(f"{X}body")
    # The div was lifted out of the paragraph, which now ends before it and starts after it.
    div = body.find("x:div", NS)
    assert div.text == "a div inside a paragraph"
    assert div.getprevious().tag == f"{X}p" and div.getnext().tag == f"{X}p"
    assert body.find("x:ul/x:li", NS).text == "A list item outside any list"
    assert body.find("x:table/x:tr/x:td", NS).text == "A stray cell"
    assert not body.xpath(".//x:a//x:a | .//x:span//x:p | .//x:a[@name]", namespaces=NS)
    assert body.find("x:a[@id='top']", NS) is not None


def test_image_reached_by_several_paths_is_one_manifest_item(make_project, folio):
    body = ("![one](images/a.png)\n\n![two](./images/a.png)\n\n"
            "![three](sub/../images/a.png)\n\n![copy](other/a.png)\n")
    root = make_project({"source/images/a.png": FIGURE, "source/other/a.png": FIGURE,
                         "source/sub/keep.txt": "", "source/img.md": article("I", body,
                                                                             slug="img")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    chapter = _chapter(root, "img")
    book = Ebook(root / "build" / "epub" / "img.epub")
    sources = {image.get("src") for image in chapter.iterfind(".//x:img", NS)}
    assert len(sources) == 1
    assert len(book.opf.xpath(".//opf:item[@media-type='image/png']", namespaces=NS)) == 1
    assert book.zip.read(f"EPUB/{sources.pop()}") == FIGURE


def test_headings_without_text_stay_out_of_nav_and_ncx(make_project, folio):
    body = ("#\n\nText.\n\n# Real heading\n\n## ![](images/a.png)\n\n## [^1]\n\n"
            "### Under an empty one\n\n[^1]: A note.\n")
    root = make_project({"source/images/a.png": FIGURE,
                         "source/empty.md": article("Empty", body, slug="empty")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    assert "empty.md: a heading without text is left out" in result.output
    _chapter(root, "empty")
    book = Ebook(root / "build" / "epub" / "empty.epub")
    assert book.toc() == [("Empty", "chapter-empty.xhtml", [
        ("Real heading", "chapter-empty.xhtml#real-heading", [
            ("Under an empty one", "chapter-empty.xhtml#under-an-empty-one", [])])])]
    labels = book.ncx.xpath(".//ncx:navLabel/ncx:text/text()", namespaces=NS)
    assert labels == ["Empty", "Real heading", "Under an empty one"]


def test_link_to_a_missing_anchor_is_unlinked(make_project, folio):
    body = "# Installing pandoc\n\n[here](#installing-pandoc) and [there](#Installing-pandoc).\n"
    root = make_project({"source/a.md": article("A", body, slug="a")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    assert ("a.md:8: link to '#Installing-pandoc' unlinked in the ebook: the article has no such "
            "anchor") in result.output
    chapter = _chapter(root, "a")
    assert [a.get("href") for a in chapter.iterfind(".//x:p/x:a", NS)] == ["#installing-pandoc"]
    assert "here and there." in _text(chapter)


def test_a_link_the_ebook_lacks_is_one_warning_naming_its_line(make_project, folio):
    # A Carpentries lesson links its glossary (../learners/reference.md) dozens of times:
    # one warning for each address, at the line that first writes it, not one for each link.
    glossary = "../learners/reference.md#slice"
    body = (f"A [slice]({glossary}) here.\n\nAgain a [slice]({glossary}), a [b](b) and "
            f"[a list][list].\n\nAnd a [slice]({glossary}).\n\n[list]: <lists.md>\n")
    root = make_project({"source/a.md": article("A", body, slug="a")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    unlinked = [line.split("/project/", 1)[1] for line in result.output.splitlines()
                if "unlinked in the ebook" in line]
    assert unlinked == [
        f"source/a.md:6: link to '{glossary}' unlinked in the ebook: the file is not part of it",
        "source/a.md:8: link to 'b' unlinked in the ebook: the file is not part of it",
        "source/a.md:12: link to 'lists.md' unlinked in the ebook: the file is not part of it"]
    assert "slice here. Again a slice" in _text(_chapter(root, "a"))


def test_book_of_articles_with_every_problem(make_project, folio):
    files: dict[str, str | bytes] = {
        "source/images/a.png": FIGURE,
        "source/one.md": article("One", PREFIXED + '\n<hr id="intro">\n\n# Intro\n\n'
                                 "![x](./images/a.png)\n\n#\n", slug="one"),
        "source/two.md": article("Two", WELL_FORMED + '\n<hr id="intro"><hr id="intro">\n\n'
                                 "![x](images/a.png)\n\n[one](one.md#intro)\n", slug="two"),
        "source/three.md": article("Three", BROKEN, slug="three"),
        "source/books/all.yaml": "title: All\ncontents: [one.md, two.md, three.md]\n",
    }
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    path = root / "build" / "epub" / "all.epub"
    assert epubcheck_problems(path) == []
    book = Ebook(path)
    assert len(book.opf.xpath(".//opf:item[@media-type='image/png']", namespaces=NS)) == 1
    # Each chapter is its own file: both may hold an "intro", each only once.
    two = book.xml("EPUB/chapter-two.xhtml")
    assert two.xpath("count(.//*[@id='intro'])") == 1
    assert two.find(".//x:a[@href='chapter-one.xhtml#intro']", NS) is not None


def _markdown_readmes(count: int) -> list[tuple[str, str]]:
    """Return the longest Markdown package descriptions installed: real text by other people."""
    found = []
    for metadata in sorted(SITE_PACKAGES.glob("*.dist-info/METADATA")):
        message = email.message_from_string(metadata.read_text(encoding="utf-8",
                                                               errors="replace"))
        name = message.get("Name", "")
        if "markdown" in (message.get("Description-Content-Type") or "") and name != "folio":
            found.append((name, str(message.get_payload())))
    found.sort(key=lambda item: -len(item[1]))
    return found[:count]


def test_real_readmes_make_a_valid_book(make_project, folio):
    readmes = _markdown_readmes(8)
    if not readmes:
        pytest.skip("no Markdown package descriptions installed")
    slugs = {name: re.sub(r"[^a-z0-9]+", "-", name.lower()) for name, _ in readmes}
    files: dict[str, str | bytes] = {f"source/{slugs[name]}.md": article(name, body)
                                     for name, body in readmes}
    contents = ", ".join(f"{slug}.md" for slug in slugs.values())
    files["source/books/readmes.yaml"] = f"title: Readmes\ncontents: [{contents}]\n"
    root = make_project(files)
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert epubcheck_problems(root / "build" / "epub" / "readmes.epub") == []
