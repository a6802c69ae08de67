"""``folio import``: every kind of document in; articles that check and build in all formats out."""

from __future__ import annotations

import base64
import email
import http.server
import ipaddress
import json
import re
import subprocess
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pypandoc
import pytest
import yaml
from lxml import html as lxml_html
from pptx import Presentation
from pypdf import PdfReader

from pipeline.errors import location
from pipeline.importers import ImportFailed, Options, import_sources, pandoc_ast
from pipeline.importers.fetch import Fetcher
from pipeline.importers.pandoc_ast import clean, count, read_ast
from pipeline.pandoc import pandoc_path
from pipeline.project import load_project
from pipeline.source import read_article, split_front_matter
from tests.conftest import SAMPLE_SLUG, SAMPLE_SOURCE
from tests.outputs import pdf_text
from tests.validators import epubcheck_problems

FIXTURES = Path(__file__).parent / "fixtures" / "import"
# Pages modelled on real sites' ways, kept out of FIXTURES, whose every file is built.
PAGES = Path(__file__).parent / "fixtures" / "web"
FIGURE = Path(__file__).parent / "fixtures" / "figure.png"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_1410582c2ccb5202.txt"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

HANDOUT_MD = """\
---
title: Reading Groups
author: [Ann Lee, Bo Chen]
keywords: [reading, groups]
description: How to run a reading group.
---

# Why meet

A group reads more slowly than anyone alone.[^1] That is the point.

| Week | Chapter |
|------|---------|
| 1    | One     |
| 2    | Two     |

![A circle of chairs](figure.png)

- Before
    - Read the chapter
    - Mark one passage

[^1]: Slowness is a virtue here.
"""

# A paragraph with a tracked deletion and insertion, and the empty paragraphs Word leaves.
TRACKED = (f'<w:p xmlns:w="{W}"><w:r><w:t xml:space="preserve">The group meets </w:t></w:r>'
           '<w:del w:id="901" w:author="Ann" w:date="2024-01-02T00:00:00Z"><w:r>'
           '<w:delText>OLDWORD</w:delText></w:r></w:del><w:ins w:id="902" w:author="Ann" '
           'w:date="2024-01-02T00:00:00Z"><w:r><w:t>weekly</w:t></w:r></w:ins>'
           '<w:r><w:t xml:space="preserve"> at noon.</w:t></w:r></w:p><w:p/><w:p/>')


def pandoc_file(markdown: str, target: Path) -> Path:
    """Write ``markdown`` (and the figure beside it) to ``target`` with pandoc, as Word would."""
    target.parent.mkdir(parents=True, exist_ok=True)
    (target.parent / "figure.png").write_bytes(FIGURE.read_bytes())
    subprocess.run([pandoc_path(), "-f", "markdown", "-o", target.name],
                   input=markdown.encode(), cwd=target.parent, check=True)
    (target.parent / "figure.png").unlink()
    return target


def make_docx(folder: Path) -> Path:
    """Return a .docx with properties, a footnote, a table, an image and tracked changes."""
    path = pandoc_file(HANDOUT_MD, folder / "handout.docx")
    members = {}
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            members[name] = package.read(name)
    document = members["word/document.xml"].decode()
    members["word/document.xml"] = re.sub(r"(<w:sectPr)", TRACKED.replace(
        f' xmlns:w="{W}"', "") + r"\1", document, count=1).encode()
    # Word records when the document was written; pandoc puts today's date there.
    members["docProps/core.xml"] = re.sub(
        rb"(<dcterms:created[^>]*>)[^<]*", rb"\g<1>2024-01-15T09:00:00Z",
        members["docProps/core.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return path


def make_odt(folder: Path) -> Path:
    """Return an .odt with title, author and keywords in meta.xml."""
    text = HANDOUT_MD.replace("Reading Groups", "Seminar Notes").replace("# Why meet\n\n", "")
    return pandoc_file(text, folder / "seminar.odt")


def body_of(path: Path) -> tuple[dict, str]:
    """Return the front matter and body of an article file."""
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
    return yaml.safe_load(meta), body


def imported(project: Path, folio, document: Path, text: str, slug: str):
    """Write ``text`` to ``document``, import it; return the result and the article's body."""
    document.write_text(text, encoding="utf-8")
    result = folio(project, "import", str(document))
    assert result.exit_code == 0, result.output
    return result, body_of(project / "source" / f"{slug}.md")[1]


@pytest.fixture
def project(make_project):
    """Return an empty project."""
    return make_project()


def test_the_sample_text_export_gives_the_sample_article(project, folio):
    if not SEED.is_file():
        pytest.skip(f"the seed text is not beside the repository ({SEED})")
    result = folio(project, "import", str(SEED))
    assert result.exit_code == 0, result.output
    made = project / "source" / f"{SAMPLE_SLUG}.md"
    assert [p.name for p in (project / "source").glob("*.md")] == [made.name]
    meta, body = body_of(made)
    want_meta, want_body = body_of(SAMPLE_SOURCE / f"{SAMPLE_SLUG}.md")
    assert meta == want_meta
    assert body.rstrip("\n").split("\n\n") == want_body.rstrip("\n").split("\n\n")
    assert body.split() == want_body.split()
    # Not only the same words: the very file the sample was made by hand as.
    assert made.read_bytes() == (SAMPLE_SOURCE / f"{SAMPLE_SLUG}.md").read_bytes()
    words = read_article(made, load_project(project)).word_count
    assert result.stderr.strip().splitlines()[-1] == (
        f"imported {location(made)}: 'The Healing Power of the Therapeutic Relationship', "
        f"{words} words, 0 images, 0 footnotes; dropped: comments, reading time")


def test_every_kind_imports_then_checks_and_builds_in_every_format(project, folio, tmp_path):
    inputs = tmp_path / "inputs"
    sources = [make_docx(inputs), make_odt(inputs), *sorted(FIXTURES.glob("*.*"))]
    sources = [s for s in sources if s.suffix != ".png"]
    result = folio(project, "import", *map(str, sources), "--drafts", "--pages")
    assert result.exit_code == 0, result.output
    written = sorted(p.stem for p in (project / "source").glob("*.md"))
    assert written == ["about", "classic-editor-post", "on-margins", "reading-groups",
                       "reading-in-public", "seminar-notes", "slow-reading",
                       "unfinished-thoughts", "why-slow-reading-matters"]
    assert "skipped 'margin' (an attachment" in result.stderr
    assert "Menu" not in result.stderr  # WordPress's own machinery is not even mentioned
    check = folio(project, "check")
    assert check.exit_code == 0, check.output
    assert "9 article(s) and 0 book(s) checked, 0 with errors" in check.stderr
    build = folio(project, "build", "-j", "1")
    assert build.exit_code == 0, build.output
    out = project / "build"
    for slug in written:
        _, body = body_of(project / "source" / f"{slug}.md")
        assert "min read" not in body, slug  # the page's; Folio's byline has its own
        page = lxml_html.parse(str(out / "html" / f"{slug}.html")).getroot()
        text = body + page.text_content()
        for chrome in ("Recent Posts", "Share on", "cookies", "Great post",
                       "Subscribe", "views", "wp:", "[caption", "{{<", "{{%", "[[", "alert("):
            assert chrome not in text, (slug, chrome)
        assert not page.xpath("//article//script | //article//@onclick"), slug
        assert (out / "pdf" / f"{slug}.pdf").is_file()
        assert (out / "epub" / f"{slug}.epub").is_file()
        assert len(Presentation(str(out / "slides" / f"{slug}.pptx")).slides) >= 2
    handout = " ".join(p.extract_text() for p in PdfReader(out / "pdf" / "reading-groups.pdf")
                       .pages)
    assert "Slowness is a virtue here." in handout and "weekly" in handout
    assert epubcheck_problems(out / "epub" / "reading-groups.epub") == []


def test_word_document_keeps_notes_tables_images_and_properties(project, tmp_path):
    path = make_docx(tmp_path / "in")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    source = project / "source" / "reading-groups.md"
    meta, body = body_of(source)
    assert meta == {"title": "Reading Groups", "author": ["Ann Lee", "Bo Chen"],
                    "date": __import__("datetime").date(2024, 1, 15), "lang": "en",
                    "description": "How to run a reading group.",
                    "keywords": ["reading", "groups"]}
    article = read_article(source, load_project(project))
    assert [n.text for n in article.notes] == ["Slowness is a virtue here."]
    kinds = [b.kind for b in article.blocks]
    assert "Table" in kinds and "BulletList" in kinds
    nested = lxml_html.fromstring(next(b.html for b in article.blocks if b.kind == "BulletList"))
    assert nested.xpath("//li/ul/li/text()") == ["Read the chapter", "Mark one passage"]
    [image] = article.images
    assert image.alt == "A circle of chairs" and image.src.startswith("images/reading-groups/")
    assert (source.parent / image.src).read_bytes() == FIGURE.read_bytes()
    # Tracked changes accepted, Word's empty paragraphs and styles gone, no raw markup.
    assert "The group meets weekly at noon." in body and "OLDWORD" not in body
    assert "\n\n\n" not in body and "<" not in body and "{" not in body
    [written] = report.written
    assert (written.words, written.images, written.footnotes) == (article.word_count, 1, 1)


def test_opendocument_metadata_from_meta_xml(project, tmp_path):
    path = make_odt(tmp_path / "in")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    meta, body = body_of(project / "source" / "seminar-notes.md")
    assert meta["title"] == "Seminar Notes" and meta["author"] == ["Ann Lee", "Bo Chen"]
    assert meta["keywords"] == ["reading", "groups"]
    assert "[^1]" in body and "images/seminar-notes/" in body


def test_word_document_whose_parts_have_other_names(project, tmp_path):
    # Word Online and SharePoint may store the document as word/document2.xml (pandoc's
    # test/docx/alternate_document_path.docx): the package's relationships name the parts.
    path = make_docx(tmp_path / "in")
    renames = {"word/document.xml": "word/document2.xml",
               "word/_rels/document.xml.rels": "word/_rels/document2.xml.rels",
               "docProps/core.xml": "docProps/properties.xml"}
    with zipfile.ZipFile(path) as package:
        members = {name: package.read(name) for name in package.namelist()}
    for name in ("_rels/.rels", "[Content_Types].xml"):
        for old, new in renames.items():
            members[name] = members[name].replace(old.encode(), new.encode())
    renamed = tmp_path / "in" / "online.docx"
    with zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(renames.get(name, name), data)
    report = import_sources(load_project(project), [str(renamed)], Options())
    assert report.errors == []
    meta, body = body_of(project / "source" / "reading-groups.md")
    assert meta["author"] == ["Ann Lee", "Bo Chen"] and meta["keywords"] == ["reading", "groups"]
    assert "The group meets weekly at noon." in body and "[^1]" in body
    # A workbook also names its main part so; it is not taken for a Word document.
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main", b"spreadsheetml.sheet.main")
    sheet = tmp_path / "in" / "sheet.docx"
    with zipfile.ZipFile(sheet, "w") as package:
        for name, data in members.items():
            package.writestr(renames.get(name, name), data)
    [error] = import_sources(load_project(project), [str(sheet)], Options()).errors
    assert str(error).endswith("sheet.docx: a zip package holding no Word, OpenDocument or "
                               "EPUB document")


def test_kind_is_sniffed_from_the_content_not_the_name(project, tmp_path):
    docx = make_docx(tmp_path / "in").rename(tmp_path / "in" / "handout.txt")
    page = tmp_path / "in" / "page.txt"
    page.write_bytes((FIXTURES / "saved-post.html").read_bytes())
    report = import_sources(load_project(project), [str(docx), str(page)], Options())
    assert report.errors == []
    assert [w.title for w in report.written] == ["Reading Groups", "Why Slow Reading Matters"]


def test_saved_blog_page_metadata_without_chrome(project, folio, caplog):
    result = folio(project, "import", str(FIXTURES / "saved-post.html"))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "why-slow-reading-matters.md")
    assert meta == {"title": "Why Slow Reading Matters", "author": "Mira Holt",
                    "date": __import__("datetime").date(2024, 3, 5), "lang": "en",
                    "description": "On reading slowly.", "keywords": ["reading", "attention"]}
    assert body.startswith("Reading slowly is a way of *paying attention*.")
    assert "## Three habits" in body and "- Copy out a sentence you like." in body
    for chrome in ("min read", "128 views", "Recent Posts", "Share", "cookies", "Subscribe",
                   "Great post", "All rights reserved", "Home", "steal", "track"):
        assert chrome not in body, chrome
    assert "dropped: view and like counts" in result.stderr
    assert ("image 'https://example.org/media/desk.jpg' stays remote (Folio's formats leave it "
            "out); --images downloads the page's own images") in result.stderr


def test_wordpress_export_posts_only_unless_asked(project, folio):
    result = folio(project, "import", str(FIXTURES / "site-export.xml"))
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in (project / "source").glob("*.md")) == [
        "classic-editor-post", "on-margins"]
    assert "skipped 'Unfinished Thoughts' (a draft post; --drafts imports it)" in result.stderr
    assert "skipped 'About' (a page; --pages imports it)" in result.stderr
    meta, body = body_of(project / "source" / "on-margins.md")
    assert meta == {"title": "On Margins", "author": "Mira Holt",
                    "date": __import__("datetime").date(2024, 2, 1), "lang": "en-GB",
                    "description": "Why the margins of a book matter.",
                    "keywords": ["Reading", "notes"]}
    assert "wp:" not in body and "[caption" not in body and "[gallery" not in body
    assert "contact-form" not in body and "Visit my shop" not in body
    assert "\\[sic\\]" in body  # brackets in the text are not shortcodes
    assert ("![Notes in the margin of an old novel.](https://quietdesk.example/wp-content/"
            "uploads/2024/02/margin.jpg)") in body
    assert "dropped: 6 block comments, 2 reader comments, 3 shortcodes" in result.stderr
    _, classic = body_of(project / "source" / "classic-editor-post.md")
    assert classic == ("The classic editor wrote paragraphs without tags.\n\n"
                       "A second paragraph\\\nwith a line break.\n")


def test_hugo_and_obsidian_markdown(project, folio, tmp_path):
    result = folio(project, "import", str(FIXTURES / "hugo-post.md"),
                   str(FIXTURES / "obsidian-note.md"))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "reading-in-public.md")
    assert meta["keywords"] == ["reading", "cities", "essays"]
    assert meta["description"] == "What reading on a train tells strangers."
    assert "{{" not in body and "weight" not in meta
    assert "![A carriage at seven in the morning](images/reading-in-public/train.png)" in body
    assert "[the earlier essay](on-margins.html)" in body
    assert "``` python\nprint(\"read\")\n```" in body
    assert "A book cover is a sign held up to the carriage." in body
    assert "Hugo shortcode 'notice' has no Markdown form" in result.stderr
    meta, body = body_of(project / "source" / "slow-reading.md")
    assert meta["title"] == "Slow Reading" and meta["keywords"] == ["zettel", "reading"]
    assert "[the train essay](reading-in-public.html)" in body and "[[" not in body
    assert "![A train carriage](images/slow-reading/train.png)" in body and "==" not in body
    draft = tmp_path / "draft.md"
    draft.write_text("---\ntitle: Later\ndraft: true\n---\n\nSoon.\n", encoding="utf-8")
    result = folio(project, "import", str(draft))
    assert result.exit_code == 0
    assert "skipped 'Later' (a draft; --drafts imports it)" in result.stderr
    assert not (project / "source" / "later.md").exists()


def test_an_escaped_hugo_shortcode_is_shown_as_hugo_shows_it(project, folio, tmp_path):
    # Hugo's documentation shows a shortcode by writing it {{</* ... */>}}.
    post = tmp_path / "shortcodes.md"
    post.write_text('---\ntitle: Shortcodes\n---\n\nTo add a figure, type:\n\n'
                    '```go-html-template\n{{</* figure src="elephant.jpg" */>}}\n```\n\n'
                    'or, with Markdown inside, {{%/* note */%}}.\n', encoding="utf-8")
    result = folio(project, "import", str(post))
    assert result.exit_code == 0, result.output
    assert "no Markdown form" not in result.stderr
    body = body_of(project / "source" / "shortcodes.md")[1]
    assert '```go-html-template\n{{< figure src="elephant.jpg" >}}\n```' in body.replace(
        "``` go", "```go")
    assert "{{% note %}}" in body


def test_jekyll_liquid_goes_but_code_and_raw_blocks_keep_theirs(project, folio, tmp_path):
    result, body = imported(project, folio, tmp_path / "templates.md",
                            "---\nlayout: post\ntitle: Templates\n---\n\n"
                            "Our site lives at {{ site.url }}. [Start here]({{ '/docs/start/' "
                            "| relative_url }}).\n\n"
                            "Write `{{ page.title }}` in the layout:\n\n"
                            "```liquid\n<h1>{{ page.title }}</h1>\n```\n\n"
                            "{% raw %}\nOr show {{ site.url }} as it is.\n{% endraw %}\n\n"
                            "{% include note.html %}\n", "templates")
    # Jekyll would fill in what is outside code and raw blocks: its value is not known here.
    # An address through Jekyll's relative_url is the address itself: here a page of the
    # site, which is not imported, so the link keeps its words only (as any such link).
    assert "Our site lives at . Start here." in body
    assert "1 Liquid expression(s) like '{{ site.url }}' removed" in result.stderr
    assert "Liquid tag 'include' has no Markdown form: removed" in result.stderr
    # The author's own words are kept: code shows the template, a raw block its text.
    assert "Write `{{ page.title }}` in the layout:" in body
    assert "<h1>{{ page.title }}</h1>" in body
    assert "Or show {{ site.url }} as it is." in body and "raw %}" not in body


def test_text_that_names_html_tags_is_not_a_web_page(project, folio, tmp_path):
    # pandoc's manual, early on: "a valid HTML file including `<head>` and `<body>`".
    manual = tmp_path / "manual.txt"
    manual.write_text("---\ntitle: A Manual\n---\n\nA standalone document (a valid HTML file "
                      "including `<head>` and `<body>`).\n", encoding="utf-8")
    page = tmp_path / "fragment.txt"
    page.write_text("<head><title>A Fragment</title></head>\n<body>\n<p>Saved without a "
                    "doctype, its words are long enough to be an article's.</p>\n</body>\n",
                    encoding="utf-8")
    result = folio(project, "import", str(manual), str(page), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "source/a-manual.md: 'A Manual'" in result.stderr
    assert "source/a-fragment.md: 'A Fragment'" in result.stderr


def test_pandoc_markdown_with_a_title_block_keeps_its_metadata_tables_and_notes(
        project, folio, tmp_path):
    # pandoc's own Markdown, as its test suite and older documents write it: a title block,
    # a simple table and an inline note, which CommonMark reads as a paragraph of '%' lines,
    # a code block and bracketed text.
    notes = tmp_path / "field-notes.md"
    notes.write_text("% Field Notes\n% Ana Ruiz; Ben Okafor\n% March 3, 2021\n\n"
                     "Counts from the spring survey.^[Taken at dawn.]\n\n"
                     "  Site     Birds\n-------   ------\n  North       12\n  South        7\n\n"
                     "Table: Birds seen\n", encoding="utf-8")
    result = folio(project, "import", str(notes))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "field-notes.md")
    assert meta["title"] == "Field Notes"
    assert meta["author"] == ["Ana Ruiz", "Ben Okafor"]
    assert str(meta["date"]) == "2021-03-03"
    assert "%" not in body
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "field-notes.html"))
    assert [cell.text_content().strip() for cell in page.xpath("//table//td")] == [
        "North", "12", "South", "7"]
    assert page.xpath("//table/caption")[0].text_content().strip() == "Birds seen"
    assert "Taken at dawn." in page.xpath("string(//*[@role='doc-endnotes'])")
    # pandoc's own documents are often .txt: the title block says what they are.
    text = tmp_path / "field-notes.txt"
    text.write_bytes(notes.read_bytes())
    assert folio(project, "import", str(text), "--slug", "from-text").exit_code == 0
    assert body_of(project / "source" / "from-text.md")[1] == body


def test_second_import_is_refused_without_force(project, folio):
    page = str(FIXTURES / "saved-post.html")
    target = project / "source" / "why-slow-reading-matters.md"
    assert folio(project, "import", page, "--dry-run").exit_code == 0
    assert not target.exists()
    assert folio(project, "import", page).exit_code == 0
    target.write_text(target.read_text() + "\nMy own edit.\n")
    result = folio(project, "import", page)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].endswith(
        "why-slow-reading-matters.md already exists; use --force to replace it")
    assert "My own edit." in target.read_text()
    assert folio(project, "import", page, "--force").exit_code == 0
    assert "My own edit." not in target.read_text()
    assert folio(project, "import", page, "--slug", "slow", "--dry-run").exit_code == 0
    assert not (project / "source" / "slow.md").exists()
    assert folio(project, "import", page, "--slug", "slow").exit_code == 0
    meta = body_of(project / "source" / "slow.md")[0]
    assert (meta["title"], meta["slug"]) == ("Why Slow Reading Matters", "slow")
    # The same page twice, under two names: both build, each under its own name.
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (project / "build" / "html").glob("*.html")} == {
        "index.html", "slow.html", "why-slow-reading-matters.html"}


def test_a_broken_file_is_one_line_and_the_others_are_imported(project, folio, tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip file")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = folio(project, "import", str(broken), str(FIXTURES / "saved-post.html"),
                   str(empty), str(tmp_path / "missing.docx"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 3
    assert errors[2].endswith("missing.docx: no such file")
    assert "broken.docx: a damaged or cut-off zip package (File is not a zip file)" in errors[0]
    assert (project / "source" / "why-slow-reading-matters.md").is_file()


def test_a_bug_in_one_importer_costs_only_that_file(project, folio, monkeypatch, tmp_path):
    from pipeline.importers.text import TextImporter

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(TextImporter, "read", broken)
    notes = tmp_path / "notes.txt"
    notes.write_text("A title\n\nA paragraph.\n", encoding="utf-8")
    result = folio(project, "import", str(notes), str(FIXTURES / "saved-post.html"))
    assert result.exit_code == 1
    assert "import: internal error: ZeroDivisionError: a bug" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "source" / "why-slow-reading-matters.md").is_file()


def test_real_markdown_readmes_of_installed_packages(project, folio, tmp_path):
    site = Path(pypandoc.__file__).parents[1]
    readmes = []
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        message = email.message_from_bytes(metadata.read_bytes())
        if "markdown" in (message.get("Description-Content-Type") or "") and len(
                message.get_payload()) > 2000:
            readmes.append((metadata.parent.name.split("-")[0], message.get_payload()))
    readmes = readmes[:6]
    if not readmes:
        pytest.skip("no installed package ships a Markdown README")
    paths = []
    for name, text in readmes:
        path = tmp_path / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    result = folio(project, "import", *paths)
    assert result.exit_code == 0, result.output
    check = folio(project, "check")
    assert check.exit_code == 0, check.output
    for source in (project / "source").glob("*.md"):
        _, body = body_of(source)
        # No raw HTML left for the formats to refuse: pandoc reads none back.
        raw = read_ast(body.encode(), "markdown-smart", source.name)["blocks"]
        assert count(raw, {"RawBlock", "RawInline"}) == 0, source.name


# --- Web addresses: the one time Folio goes online ---------------------------------------------

class _Site(http.server.BaseHTTPRequestHandler):
    """A tiny web site on the loopback: a post, its image and a few redirects."""

    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not here"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    """Serve ``_Site`` on 127.0.0.1; yield its address."""
    page = (FIXTURES / "saved-post.html").read_bytes().replace(
        b"https://example.org/media/desk.jpg", b"/media/desk.png")
    _Site.routes = {
        "/post": (200, {"Content-Type": "text/html; charset=utf-8"}, page),
        "/media/desk.png": (200, {"Content-Type": "image/png"}, FIGURE.read_bytes()),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/to-private": (302, {"Location": "http://10.1.2.3/post"}, b""),
        "/big": (200, {"Content-Type": "text/html"}, b"<html>" + b"x" * 5000),
    }
    _Site.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _loopback_only(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_loopback


def test_loopback_and_private_addresses_are_refused_for_real(project, folio, site):
    result = folio(project, "import", f"{site}/post", "http://10.1.2.3/post",
                   "http://[::1]:9/post", "file:///etc/passwd")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors[0] == (f"Error: 127.0.0.1:{site.rsplit(':', 1)[1]}: refusing to connect to "
                         "127.0.0.1: 127.0.0.1 is a loopback address; Folio fetches only "
                         "public addresses")
    assert "10.1.2.3 is a private address" in errors[1]
    assert "::1 is a loopback address" in errors[2]
    assert errors[3] == "Error: file:/etc/passwd: no such file"
    assert _Site.requests == []  # refused before any connection was made
    assert list((project / "source").glob("*.md")) == []


def test_a_fetched_page_and_its_own_images(project, site):
    fetcher = Fetcher(allow=_loopback_only)
    report = import_sources(load_project(project), [f"{site}/post"], Options(images=True),
                            fetcher=fetcher)
    assert report.errors == []
    meta, body = body_of(project / "source" / "why-slow-reading-matters.md")
    assert meta["author"] == "Mira Holt"
    assert "![A desk with an open book](images/why-slow-reading-matters/desk.png)" in body
    assert (project / "source" / "images" / "why-slow-reading-matters" / "desk.png"
            ).read_bytes() == FIGURE.read_bytes()


def test_redirects_out_of_the_web_and_oversized_pages_are_refused(project, site):
    fetcher = Fetcher(allow=_loopback_only, max_bytes=1000)
    report = import_sources(load_project(project), [f"{site}/to-file", f"{site}/to-private",
                                                    f"{site}/big"], Options(), fetcher=fetcher)
    messages = [error.format_message() for error in report.errors]
    assert messages[0] == (f"{site}/to-file: refusing the redirect to 'file:///etc/passwd': "
                           "only http and https addresses are fetched")
    assert messages[1] == ("10.1.2.3:80: refusing to connect to 10.1.2.3: 10.1.2.3 is a "
                           "private address; Folio fetches only public addresses")
    assert messages[2] == f"{site}/big: larger than 0 MB; not fetched"
    assert _Site.requests == ["/to-file", "/to-private", "/big"]


def test_wordpress_export_entities_are_not_expanded(project, tmp_path):
    export = (FIXTURES / "site-export.xml").read_text()
    hostile = export.replace('<?xml version="1.0" encoding="UTF-8" ?>',
                             '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM '
                             '"file:///etc/hostname">]>').replace("Margins are", "&x; Margins are")
    path = tmp_path / "hostile.xml"
    path.write_text(hostile)
    import_sources(load_project(project), [str(path)], Options())
    _, body = body_of(project / "source" / "on-margins.md")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "x"
    assert hostname not in body


def test_links_within_a_document_still_lead_somewhere(project, folio, tmp_path):
    # pandoc's test/docx/links.docx links a bookmark in a paragraph: the import unwrapped its
    # span, and the link led nowhere in the page and was unlinked in the ebook.
    markdown = """\
# Links

See [a bookmark](#my_bookmark) and [the end](#the-end).

## Results

A bookmark []{#my_bookmark} right here.

## The end
"""
    path = pandoc_file(markdown, tmp_path / "in" / "links.docx")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    _, body = body_of(project / "source" / "links.md")
    assert "## Results {#my_bookmark}" in body
    result = folio(project, "build", "-f", "html,epub", "-j", "1")
    assert result.exit_code == 0 and "unlinked" not in result.output, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "links.html")).getroot()
    targets = [a.get("href")[1:] for a in page.xpath("//article//p/a[starts-with(@href, '#')]")]
    assert targets == ["my_bookmark", "the-end"]
    assert all(page.xpath(f"//*[@id='{target}']") for target in targets)


def test_links_to_the_heading_that_became_the_title_keep_their_words(project, folio, tmp_path):
    # pandoc's test/docx: anchor_header, a cross-reference to the title, a bookmark in the
    # title's section. The first heading became the title and left the body: its links, and
    # the bookmark moved to it, were unlinked in the ebook and led nowhere on the page.
    markdown = """\
# Anchor Header

A [link](#anchor-header) and [another](#Foo).

Here is the target []{#Foo}.
"""
    path = pandoc_file(markdown, tmp_path / "in" / "anchors.docx")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    meta, body = body_of(project / "source" / "anchor-header.md")
    assert meta["title"] == "Anchor Header"
    assert "A link and another." in body and "](#" not in body
    result = folio(project, "build", "-f", "html,epub", "-j", "1")
    assert result.exit_code == 0 and "unlinked" not in result.output, result.output


def test_a_heading_keeps_the_id_a_link_names_and_no_other():
    def heading(name: str, text: str) -> dict:
        return {"t": "Header", "c": [2, [name, ["unnumbered"], [["data-x", "1"]]],
                                     [{"t": "Str", "c": text}]]}

    def link(target: str) -> dict:
        return {"t": "Para", "c": [{"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "x"}],
                                                       [target, ""]]}]}

    bookmark = {"t": "Span", "c": [["_Toc1", ["anchor"], []], []]}
    blocks = [link("#sec-methods"), link("#_Toc1"), heading("sec-methods", "Methods"),
              {"t": "Para", "c": [{"t": "Str", "c": "Text"}, bookmark]},
              heading("unused-id", "Results")]
    cleaned = clean(blocks, Counter(), image=lambda src: src)
    assert [b["c"][1] for b in cleaned if b["t"] == "Header"] == [
        ["sec-methods", [], []], ["", [], []]]
    # The bookmark in the Methods section leads to its heading, whose id a link already names.
    assert [b["c"][0]["c"][2][0] for b in cleaned[:2]] == ["#sec-methods", "#sec-methods"]


def test_a_word_table_of_head_rows_only_stays_a_table(project, folio, tmp_path):
    # pandoc's test/command/9002.docx: a styled table with a head row and no other. pandoc
    # writes such a table as Markdown it reads back as a paragraph of dashes, and its style
    # as "{custom-style=...}" after the caption; first in the body, it lost its indent too.
    markdown = "---\ntitle: Head Only\n---\n\n| Name | Value |\n|:-----|:------|\n\n: My table\n"
    path = pandoc_file(markdown, tmp_path / "in" / "head.docx")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    _, body = body_of(project / "source" / "head-only.md")
    assert "{" not in body and body.startswith("  ---")
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "head-only.html")).getroot()
    [table] = page.xpath("//article//table")
    assert table.xpath("caption/text()") == ["My table"]
    assert [td.text_content() for td in table.iter("td")] == ["Name", "Value"]
    assert {td.get("style") for td in table.iter("td")} == {"text-align: left;"}
    assert not page.xpath("//article//p[contains(., '---')]")


def _wxr_item(title: str, slug: str, post_id: int, text: str) -> str:
    """Return a published WordPress post as an export's <item>."""
    return (f"<item><title>{title}</title><wp:post_id>{post_id}</wp:post_id>"
            f"<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded>"
            f"<wp:post_name><![CDATA[{slug}]]></wp:post_name><wp:status>publish</wp:status>"
            "<wp:post_type>post</wp:post_type></item>")


def test_wordpress_untitled_post_and_title_markup(project, folio, tmp_path):
    # WordPress's theme unit test data (WPTT/theme-unit-test) holds a post with no title, which
    # failed the whole export, and one titled "Markup: Title <em>With</em> ...", HTML that
    # WordPress prints as emphasis and Folio kept as literal tags in every output's title.
    items = (_wxr_item("", "edge-case-no-title", 1, "This post has no title.")
             + _wxr_item("", "1241", 2, "Neither has this one, nor a worded slug.")
             + _wxr_item("Markup: Title &lt;em&gt;With&lt;/em&gt; &lt;b&gt;Mark&lt;sup&gt;up"
                         "&lt;/sup&gt;&lt;/b&gt; &amp;amp; more", "markup-title", 3, "Text."))
    export = (FIXTURES / "site-export.xml").read_text().replace("</channel>",
                                                                items + "</channel>")
    path = tmp_path / "unit-test.xml"
    path.write_text(export)
    result = folio(project, "import", str(path))
    assert result.exit_code == 0, result.output
    assert (project / "source" / "on-margins.md").exists()
    assert body_of(project / "source" / "edge-case-no-title.md")[0]["title"] == (
        "Edge case no title")
    assert "the post has no title; titled 'Edge case no title'" in result.stderr
    assert body_of(project / "source" / "1241.md")[0]["title"] == "Untitled post 2"
    assert body_of(project / "source" / "markup-title.md")[0]["title"] == (
        "Markup: Title With Markup & more")


def test_wordpress_posts_of_one_slug_and_galleries_of_remote_images(project, folio, tmp_path):
    # WordPress's block test data (WordPress/theme-test-data): two posts with the slug
    # "footnotes", and the second failed with advice (--slug) no export of hundreds of posts
    # can follow; a gallery post's 48 remote images were 48 warnings on import and on build.
    gallery = "".join(f'<img src="https://media.example/g/{n}.jpg" alt="Photo {n}">'
                      for n in range(1, 6))
    items = (_wxr_item("Footnotes", "footnotes", 1, "The first.")
             + _wxr_item("Classic", "footnotes", 2, "The second.")
             + _wxr_item("Notes", "footnotes", 3, "The third.").replace("Notes", "Footnotes", 1)
             + _wxr_item("Gallery", "gallery", 4, gallery).replace(
                 "<wp:post_id>", "<dc:creator>&gt;mholt</dc:creator><wp:post_id>"))
    path = tmp_path / "blocks.xml"
    path.write_text((FIXTURES / "site-export.xml").read_text().replace("</channel>",
                                                                        items + "</channel>"))
    result = folio(project, "import", str(path))
    assert result.exit_code == 0, result.output
    assert body_of(project / "source" / "footnotes.md")[1].startswith("The first.")
    assert body_of(project / "source" / "classic.md")[1].startswith("The second.")
    assert body_of(project / "source" / "footnotes-2.md")[1].startswith("The third.")
    assert ("'Classic' has the slug 'footnotes' of another article imported just now; written "
            "as 'classic'") in result.stderr
    remote = [line for line in result.stderr.splitlines() if "(Gallery)" in line]
    assert remote == [f"warning: {path} (Gallery): 5 images stay remote, the first "
                      "'https://media.example/g/1.jpg' (Folio's formats leave them out); "
                      "--images downloads the page's own images"], remote
    # Its author's login, typed ">mholt" in the export, still names her.
    assert body_of(project / "source" / "gallery.md")[0]["author"] == "Mira Holt"
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    network = [line for line in result.output.splitlines() if "gallery.md" in line]
    assert len(network) == 1 and "not fetching 5 network resources, the first " \
        "'https://media.example/g/1.jpg'" in network[0], network


def test_wordpress_classic_list_after_a_line_of_text(project, folio, tmp_path):
    # The theme unit test's "Edge Case: Nested And Mixed Lists", written in the classic editor:
    # a line of text, then a list on the next line, its items on lines of their own. Every
    # line break became a <br>: empty list items, and a "-" line read as a heading underline.
    text = ("Lists are a corner case that\n<ul>\n\t<li>Lists within lists</li>\n</ul>\n"
            "<h3>Ordered</h3>\n<ol>\n\t<li>ordered item</li>\n\t<li>ordered item\n<ul>\n"
            "\t<li><strong>unordered</strong></li>\n</ul>\n</li>\n</ol>\n"
            "<pre>code\n\nkept</pre>")
    item = _wxr_item("Nested lists", "nested-lists", 1, "").replace("<p></p>", text)
    path = tmp_path / "lists.xml"
    path.write_text((FIXTURES / "site-export.xml").read_text().replace("</channel>",
                                                                        item + "</channel>"))
    result = folio(project, "import", str(path))
    assert result.exit_code == 0, result.output
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "nested-lists.html"))
    assert [h.text_content() for h in page.xpath("//main//h2|//main//h3")] == ["Ordered"]
    assert [" ".join(li.text_content().split()) for li in page.xpath("//li")] == [
        "Lists within lists", "ordered item", "ordered item unordered", "unordered"]
    assert page.xpath("//pre")[0].text_content() == "code\n\nkept"


def test_web_page_metadata_as_the_page_declares_it(project):
    """Modelled on news pages: a section banner as the only ``<h1>``, no charset declared,
    an author with an address, a byline run into its date, tags repeated."""
    report = import_sources(load_project(project),
                            [str(PAGES / "banner-heading.html"),
                             str(PAGES / "dated-byline.html")], Options())
    assert report.errors == []
    meta, body = body_of(project / "source" / "passworter-fur-mac-was-neu-ist.md")
    # <title> names the article (its site's name taken off); the lone <h1> is a banner.
    assert meta["title"] == "Passwörter für Mac: was neu ist"
    assert meta["author"] == "Dana K. Reyes"
    assert meta["keywords"] == ["Passwort", "Mac", "Sicherheit"]
    assert "Einmal-Passwörter nun auch auf dem Mac" in body
    meta, _ = body_of(project / "source" / "the-hidden-heroines-of-chaos.md")
    assert meta["author"] == "Joshua Sokol"


def test_a_pages_links_lead_where_they_can(project, folio):
    """Modelled on Wikipedia and blog pages saved to disk: links to the site's own pages,
    notes and comments that the extraction leaves behind, a page that declares its address."""
    report = import_sources(load_project(project), [str(PAGES / "site-links.html")], Options())
    assert report.errors == []
    _, body = body_of(project / "source" / "tidal-islands.md")
    # The site's own pages, from the address the page declares; protocol-relative made whole.
    assert "(https://notes.example.org/coast/causeways)" in body
    assert "(https://notes.example.org/maps/estuary)" in body
    assert "(https://images.example.org/tides.html)" in body
    # A part of the page that came along stays linked; the others keep their words only.
    assert "[the advice on crossing](#crossing-safely)" in body
    assert "leave a comment" in body and "#comments" not in body and "#cite-1" not in body
    result = folio(project, "build", "-f", "html,epub")
    assert result.exit_code == 0, result.output
    assert "unlinked" not in result.stderr


def test_a_saved_pages_links_to_its_site_keep_their_words_without_its_address(project):
    page = (PAGES / "site-links.html").read_text(encoding="utf-8")
    saved = project / "saved.html"
    saved.write_text(page.replace('<link rel="canonical" '
                                  'href="https://notes.example.org/coast/tidal-islands">', ""),
                     encoding="utf-8")
    report = import_sources(load_project(project), [str(saved)], Options())
    assert report.errors == []
    _, body = body_of(project / "source" / "tidal-islands.md")
    assert "causeways" in body and "/coast/causeways" not in body
    # Relative to the page's folder: perhaps another page imported beside it.
    assert "(../maps/estuary)" in body


def test_obsidian_and_mkdocs_syntax_in_code_is_shown_as_written(project, folio):
    # MkDocs's documentation shows an admonition in a fenced block; a note on Python shows ==.
    result = folio(project, "import", str(FIXTURES / "documents" / "syntax-in-code.md"))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "syntax.md")[1]
    assert "The key idea." in body
    assert '!!! note "Phasellus"\n\n    Lorem ipsum.' in body
    assert "ok = a ==b== c" in body
    assert "`![[diagram.png]]`" in body and "> [!tip] Remember" in body
    assert "::: callout-warning\nMind the gap.\n:::" in body


def test_pandoc_markdown_under_yaml_front_matter_keeps_its_tables_and_notes(project, folio):
    # pandoc's own documents (its manual, its Lua filters guide) open with YAML, as Jekyll's
    # do, but are pandoc's Markdown: a CommonMark reader made rules and text of their tables.
    result = folio(project, "import", str(FIXTURES / "documents" / "scores.md"))
    assert result.exit_code == 0, result.output
    assert "1 footnote" in result.stderr
    assert folio(project, "build", "-f", "html").exit_code == 0
    page = lxml_html.parse(str(project / "build" / "html" / "scores.html"))
    tables = page.findall(".//table")
    assert len(tables) == 2
    assert [td.text_content() for td in tables[0].findall(".//tbody/tr[1]/td")] == [
        "Anxiety", "12", "8"]
    assert tables[0].find(".//caption").text_content().strip() == "Scores before and after."
    assert [th.text_content() for th in tables[1].findall(".//th")] == ["Scale", "Items"]
    assert page.find(".//hr") is None  # no rule where the table's dashes were
    assert "A note in line." in page.find(".//*[@role='doc-endnotes']").text_content()


def test_a_pandoc_papers_bibliography_comes_with_it(project, folio):
    result = folio(project, "import", str(FIXTURES / "documents" / "attachment.md"))
    assert result.exit_code == 0, result.output
    assert "bibliography '../outside.bib' left out: it is not a file inside the document's " \
           "folder" in result.stderr
    assert "citation style 'https://example.org/apa.csl' left out" in result.stderr
    assert "front-matter key" not in result.stderr
    meta, body = body_of(project / "source" / "attachment.md")
    assert meta["bibliography"] == ["references/attachment/refs.bib",
                                    "references/attachment/references.yaml"]
    assert meta["link-citations"] is True and "csl" not in meta
    assert "[@bowlby1969, p. 12]" in body and "@ainsworth1978" in body
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "attachment.html"))
    text = " ".join(page.getroot().text_content().split())
    assert "(Bowlby 1969, 12), as Ainsworth (1978) showed." in text
    assert "Bowlby, John. 1969. Attachment." in text
    assert "Ainsworth, Mary. 1978. Patterns of Attachment." in text


def test_restructuredtext_org_and_latex_are_read_by_pandoc_with_their_metadata(
        project, folio, tmp_path):
    (tmp_path / "notes.rst").write_text(
        "=============\nOn Listening\n=============\n\n:Author: Mira Holt\n:Date: 2024-03-05\n"
        ":Abstract: Why silence helps.\n\nTherapists *listen*.\n\n"
        "=====  =====\nWeek   Hours\n=====  =====\n1      3\n2      5\n=====  =====\n\n"
        ".. code-block:: python\n\n   print('heard')\n\n.. include:: appendix.rst\n\n"
        ".. note::\n\n   Silence is not absence.\n", encoding="utf-8")
    (tmp_path / "plan.org").write_text(
        "#+TITLE: Session Plan\n#+AUTHOR: Ben Ortiz\n#+DATE: <2024-04-01 Mon>\n\n"
        "* Opening\nAsk how the week went.\n\n| Step | Minutes |\n|------+---------|\n"
        "| Check-in | 10 |\n", encoding="utf-8")
    (tmp_path / "refs.bib").write_text(
        "@book{rogers1961, author={Rogers, Carl}, title={On Becoming a Person}, "
        "publisher={Houghton Mifflin}, year={1961}}\n", encoding="utf-8")
    (tmp_path / "lecture.tex").write_text(
        "\\documentclass{article}\n\\title{Empathy}\n\\author{Ada Lee \\and Ben Ortiz}\n"
        "\\date{3 March 2025}\n\\begin{document}\n\\maketitle\n"
        "\\section{Accurate empathy}\nAs \\cite{rogers1961} put it, empathy is "
        "$0 < e \\le 1$.\n\\bibliography{refs}\n\\end{document}\n", encoding="utf-8")
    result = folio(project, "import", *(str(tmp_path / name)
                                        for name in ("notes.rst", "plan.org", "lecture.tex")))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "on-listening.md")
    assert meta["author"] == "Mira Holt" and meta["description"] == "Why silence helps."
    assert str(meta["date"]) == "2024-03-05"
    assert "Therapists *listen*." in body and "``` python\nprint('heard')\n```" in body
    assert "::: callout-note\nSilence is not absence.\n:::" in body  # Folio's own box
    assert "notes.rst: 'appendix.rst' is included but not read" in result.stderr
    meta, body = body_of(project / "source" / "session-plan.md")
    assert meta["author"] == "Ben Ortiz" and str(meta["date"]) == "2024-04-01"
    assert body.startswith("# Opening\n\nAsk how the week went.")
    meta, body = body_of(project / "source" / "empathy.md")
    assert meta["author"] == ["Ada Lee", "Ben Ortiz"] and str(meta["date"]) == "2025-03-03"
    assert meta["bibliography"] == ["references/empathy/refs.bib"]
    assert "[@rogers1961]" in body and "$0 < e \\le 1$" in body
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    pages = project / "build" / "html"
    for slug, cells in (("on-listening", ["1", "3"]), ("session-plan", ["Check-in", "10"])):
        row = lxml_html.parse(str(pages / f"{slug}.html")).find(".//table/tbody/tr")
        assert [td.text_content() for td in row.findall("td")] == cells
    text = lxml_html.parse(str(pages / "empathy.html")).getroot().text_content()
    assert "As (Rogers 1961) put it" in " ".join(text.split())
    assert "Rogers, Carl. 1961. On Becoming a Person." in " ".join(text.split())


def test_a_latex_lectures_labels_become_cross_references_folio_numbers(project, folio):
    # \label and \ref, \eqref: Folio numbers sections, equations, figures and tables itself.
    result = folio(project, "import", str(FIXTURES / "documents" / "lecture" / "descent.tex"))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "gradient-descent.md")
    assert meta["description"] == "Why the step size matters."
    assert meta["lang"] == "en-GB"  # babel's british
    assert "# The update {#sec-update}" in body
    assert "$$x_{k+1} = x_k - \\eta \\nabla f(x_k)$$ {#eq-step}" in body  # no \begin{equation}
    assert "Equation\u00a0@eq-step converges" in body and "(see @sec-update)" in body
    assert "@fig-path shows the path, and @tbl-rates the rates." in body
    assert "{#fig-path}" in body and ": Rates by step size. {#tbl-rates}" in body
    result = folio(project, "build", "-f", "html,pdf")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    page = lxml_html.parse(str(project / "build" / "html" / "gradient-descent.html"))
    text = " ".join(page.find(".//main").text_content().split())
    assert "Equation (1) converges" in text and "(see Section 1)" in text
    assert "Figure 1 shows the path, and Table 1 the rates." in text
    assert "Figure 1: The path of the iterates." in text and "Table 1: Rates by step" in text
    assert "(Nesterov 2004)" in text
    handout = " ".join(" ".join(p.extract_text() for p in PdfReader(
        project / "build" / "pdf" / "gradient-descent.pdf").pages).split())
    assert "Equation (1) converges" in handout and "[eq:step]" not in handout


def test_a_quarto_documents_cross_references_keep_their_targets(project, folio):
    # Only links used to keep a heading's id: "@sec-method" lost the section it named.
    result = folio(project, "import", str(FIXTURES / "documents" / "tidy.qmd"))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "tidy.md")[1]
    assert "## Method {#sec-method}" in body and "{#fig-map}" in body
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "tidy.html"))
    assert "As Section 1 and Figure 1 show." in " ".join(page.find(".//main").text_content()
                                                          .split())


def test_asciidoc_and_typst_includes_are_said_and_the_rest_imported(project, folio, tmp_path):
    # pandoc's sandbox cannot read an include, and these two readers stopped at it.
    (tmp_path / "guide.adoc").write_text(
        "= Reading Guide\nMira Holt\n\ninclude::chapters/one.adoc[]\n\n"
        "NOTE: Read slowly.\n\n----\ninclude::example.py[tag=main]\n----\n",
        encoding="utf-8")
    (tmp_path / "notes.typ").write_text(
        '#set document(title: "Typst Notes")\n#include "part.typ"\n\n= Start\nHello.\n',
        encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "guide.adoc"), str(tmp_path / "notes.typ"))
    assert result.exit_code == 0, result.output
    for document, name in (("guide.adoc", "chapters/one.adoc"), ("guide.adoc", "example.py"),
                           ("notes.typ", "part.typ")):
        assert f"{document}: '{name}' is included but not read" in result.stderr
    meta, body = body_of(project / "source" / "reading-guide.md")
    assert meta["author"] == "Mira Holt"
    assert "::: callout-note\nRead slowly.\n:::" in body and "include::" not in body
    assert "# Start\n\nHello." in body_of(project / "source" / "typst-notes.md")[1]


def test_a_sphinx_page_shows_what_sphinx_would_not_its_bookkeeping(project, folio):
    # Requests' documentation: Sphinx's roles as words or code, its directives as text.
    result = folio(project, "import", str(FIXTURES / "documents" / "sphinx-page.rst"))
    assert result.exit_code == 0, result.output
    assert "dropped: 3 Sphinx directives that need Sphinx (toctree, autodoc)" in result.stderr
    body = body_of(project / "source" / "quickstart.md")[1]
    assert body.startswith("First, make sure that Requests is installed (see faq). We now have "
                           "a `Response` object; `json()` decodes it, as `requests.get()` "
                           "returns one. A hook runs after.")
    assert "*Added in version 2.10.0:* SOCKS proxies." in body
    assert '::: {.callout-note title="See also"}\nThe advanced usage page.\n:::' in body
    assert "requests.models" not in body and "user/install" not in body


def test_a_latex_book_becomes_a_book_of_its_chapters(project, folio):
    # A lecturer's notes as LaTeX keeps them: a main file with the macros, chapters \input.
    result = folio(project, "import",
                   str(FIXTURES / "documents" / "book" / "mechanics.tex"))
    assert result.exit_code == 0, result.output
    assert ("mechanics.tex: 'chapters/missing' is included but not read: it is not a file "
            "inside the document's folder") in result.stderr
    assert "draft" not in result.stderr  # commented out
    assert "dropped: drawings only LaTeX can draw (Asymptote, TikZ)" in result.stderr
    # One article a chapter (named after the book where the title is not ASCII), in a book.
    assert "source/books/mechanics.yaml: book '经典力学讲义', 2 articles" \
        in result.stderr
    book = yaml.safe_load((project / "source" / "books" / "mechanics.yaml").read_text("utf-8"))
    assert book == {"author": "张大鹏", "title": "经典力学讲义", "lang": "zh",
                    "date": __import__("datetime").date(2010, 9, 1),
                    "contents": [{"part": "分析力学", "articles": ["mechanics-1.md",
                                                                  "motion.md"]}]}
    meta, body = body_of(project / "source" / "mechanics-1.md")
    # Chinese, though it never says so (and so is its chapter in English words); its author
    # without the footnote on the name.
    assert meta["title"] == "约束" and meta["lang"] == "zh" and meta["author"] == "张大鹏"
    assert body_of(project / "source" / "motion.md")[0]["lang"] == "zh"
    # The main file's \mbf and \pl, read with the chapter; a blank line in the equation,
    # and the equation environment and its label (a Chinese one, numbered), gone.
    assert "$$f(\\boldsymbol{r}_1,\\boldsymbol{r}_2;t) = 0$$ {#eq-1}" in body
    assert "$\\dfrac{\\partial f}{\\partial t} = 0$" in body
    # "[@eq-1]": "@eq-1可得" would read as one key. The drawing's figure keeps its caption,
    # and the reference to it the number pandoc gave it.
    assert "如图1.1所示\uff0c由式[@eq-1]可得" in body and "单摆的几何约束" in body
    assert "size(200)" not in body
    # The cases package's numbered cases, which pandoc reads as text, are an equation.
    assert "x, & \\text{for $x \\geq 0$}" in body and "由[@eq-abs]。" in body
    # A section of the other chapter stays a cross-reference; a chapter, its number.
    assert "[@sec-orbits]" in body and "见第1章。" in body_of(project / "source" / "motion.md")[1]
    result = folio(project, "build", "-f", "html,epub")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "mechanics-1.html"))
    text = "".join(page.find(".//main").text_content().split())
    # Folio's words, in Chinese: "第1节", not the author's "见…节" around LaTeX's number.
    assert "由式(1)可得" in text and "见Motion中的第1节\uff09" in text and "由(2)。" in text
    assert epubcheck_problems(project / "build" / "epub" / "mechanics.epub") == []


def test_an_id_markdown_cannot_read_is_written_one_it_can(project, folio, tmp_path):
    # LaTeX labels (an apostrophe, a full-width colon) showed as "{#...}" in their headings.
    notes = tmp_path / "ids.tex"
    notes.write_text("\\title{Ids}\n\\begin{document}\n\\section{Intro}\nSee "
                     "\\hyperref[d'Alambert]{the principle} and \\hyperref[第四章\uff1a散射]"
                     "{scattering}.\n\\section{d'Alembert}\\label{d'Alambert}\nWork.\n"
                     "\\section{Scattering}\\label{第四章\uff1a散射}\nElastic.\n\\end{document}\n",
                     encoding="utf-8")
    result = folio(project, "import", str(notes))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "ids.md")[1]
    assert "{#d-Alambert}" in body and "](#d-Alambert)" in body
    assert "{#第四章-散射}" in body and "](#第四章-散射)" in body
    result = folio(project, "build", "-f", "html,epub")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "ids.html"))
    assert [h.text_content() for h in page.xpath("//main//h1[@id]")] == [
        "Intro", "d\u2019Alembert", "Scattering"]


def test_asciidoc_conditionals_attributes_and_comments_are_asciidoctors(project, folio):
    # Asciidoctor's own README: pandoc's reader printed "ifdef" and "env-github[]" as words,
    # left "{url-docs}" in addresses, and read the header after a comment as a paragraph.
    result = folio(project, "import", str(FIXTURES / "documents" / "readme.adoc"))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "reading-tool.md")
    assert meta["author"] == ["Mira Holt", "Ben Ortiz"]  # their addresses are not names
    assert body.startswith("Version 2.0 is out: read [the docs](https://example.org/docs).\n")
    assert "The changelog follows." in body and "GitHub" not in body
    assert "ifdef" not in body.split("```")[0] and ":url-site:" not in body
    # A listing block shows its references as written; one never closed ends with the
    # document, as Asciidoctor ends it (pandoc's reader looped on it for ever).
    assert "Kept as written: {release-version}" in body and "A listing never closed" in body


def test_a_reader_that_never_returns_is_one_error_line(monkeypatch):
    # pandoc's AsciiDoc reader loops on a listing block never closed, filling memory.
    monkeypatch.setattr(pandoc_ast, "PANDOC_SECONDS", 2)
    with pytest.raises(ImportFailed, match=r"pandoc did not finish reading it in 2 s"):
        pandoc_ast.pandoc(["--from", "asciidoc", "--to", "json"], b"= T\n\n----\nx\n",
                          "loop.adoc")


def test_a_wikis_links_to_its_own_pages_keep_their_words(project, folio, tmp_path):
    # "[[Help:Contents]]" became a link to "Help:Contents", an address of no known scheme,
    # which EPUBCheck warns of and no reader can follow.
    page = tmp_path / "wiki.wiki"
    page.write_text("= Reading =\nSee [[Help:Contents|the help]], [[Category:Books]] and "
                    "[https://example.org the site].\n", encoding="utf-8")
    result = folio(project, "import", str(page))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "reading.md")[1]
    assert "See the help" in body and "Help:" not in body
    assert "[the site](https://example.org)" in body


def test_documents_imported_together_link_to_each_others_articles(project, folio, tmp_path):
    # Asciidoctor's READMEs name each other ("README-de.adoc"); a site's pages, "../guide".
    (tmp_path / "guide").mkdir()
    (tmp_path / "README.rst").write_text(
        "Start\n=====\n\nRead `the guide <guide/install.rst#steps>`_, `in German "
        "<README-de.rst>`_ or `the changelog <CHANGES.rst>`_.\n", encoding="utf-8")
    (tmp_path / "README-de.rst").write_text("Anfang\n======\n\nLies `das <README.rst>`_.\n",
                                            encoding="utf-8")
    (tmp_path / "guide" / "install.rst").write_text(
        "Installing\n==========\n\nBack to `the start <../README.rst>`_.\n\nSteps\n-----\n\n"
        "Run it.\n", encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "README.rst"),
                   str(tmp_path / "README-de.rst"), str(tmp_path / "guide" / "install.rst"))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "start.md")[1]
    # The part of the other page it leads to stays part of the link.
    assert "[the guide](installing.md#steps)" in body and "[in German](anfang.md)" in body
    assert "[the changelog](CHANGES.rst)" in body  # not imported: as it was
    assert "[the start](start.md)" in body_of(project / "source" / "installing.md")[1]
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "start.html"))
    assert {"installing.html#steps", "anfang.html"} <= {a.get("href") for a in page.iter("a")}


def test_pictures_written_as_html_come_in_as_pictures(project, folio, tmp_path):
    # A README centres its logo and sizes its diagram with HTML; badges stay remote.
    (tmp_path / "logo.png").write_bytes(FIGURE.read_bytes())
    readme = ('# Tool\n\n<p align="center">\n  <img src="logo.png" alt="The logo" width="96">\n'
              '</p>\n\nPress <kbd>Ctrl</kbd>, see <img alt=\'a badge\' '
              'src="https://img.shields.io/badge/x-y-green.svg"/> and read on.\n')
    body = imported(project, folio, tmp_path / "README.md", readme, "tool")[1]
    assert "![The logo](images/tool/logo.png)" in body
    assert "see ![a badge](https://img.shields.io/badge/x-y-green.svg) and read on" in body
    assert "Press `Ctrl`, see" in body


def test_callouts_speaker_notes_and_admonitions_stay_what_folio_reads(project, folio, tmp_path):
    # A Quarto lecture's speaker notes were printed in the handout as prose, its callouts
    # were plain paragraphs, and other tools' admonitions were quotations (a quote slide
    # titled "Quotation" for a tip).
    talk = ("---\ntitle: Listening\nformat: revealjs\n---\n\n## First\n\nA point.\n\n"
            "::: notes\nSay this slowly.\n:::\n\n::: {.callout-tip title=\"Pause\" "
            "collapse=\"true\"}\nCount to three.\n:::\n\n::: {.mystyle}\nPlain words.\n:::\n")
    notes = ("---\ntitle: Admonitions\n---\n\n> [!danger]\n> Hot.\n\n> [!tip] Remember\n"
             "> Keep it short.\n> Really.\n\n!!! example \"A case\"\n\n    Indented.\n")
    (tmp_path / "talk.qmd").write_text(talk, encoding="utf-8")
    (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "talk.qmd"), str(tmp_path / "notes.md"))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "listening.md")[1]
    assert "::: notes\nSay this slowly.\n:::" in body
    assert '::: {.callout-tip title="Pause"}\nCount to three.\n:::' in body
    assert "A point.\n\nPlain words." not in body and "\nPlain words." in body
    assert "mystyle" not in body and "collapse" not in body
    body = body_of(project / "source" / "admonitions.md")[1]
    assert '::: {.callout-caution title="Danger"}\nHot.\n:::' in body
    assert '::: {.callout-tip title="Remember"}\nKeep it short. Really.\n:::' in body
    assert '::: {.callout-note title="A case"}\nIndented.\n:::' in body
    result = folio(project, "build", "-f", "pdf,slides")
    assert result.exit_code == 0, result.output
    handout = pdf_text(project / "build" / "pdf" / "listening.pdf")
    assert "Count to three." in handout and "Say this slowly." not in handout


def test_a_quarto_lectures_code_cells_come_in_as_cells(project, folio, tmp_path):
    # R for Data Science's chapters: pandoc's Markdown runs a ```{r} cell into one line of
    # inline code, so the import wrote "`{r} #| echo: false source(...)`" and swallowed the
    # end of a callout with it, leaving the rest of the chapter inside the callout.
    lecture = ("---\ntitle: Transform\nformat: html\n---\n\n```{r}\n#| echo: false\n"
               "source(\"_common.R\")\n```\n\n1.  A question.\n\n    ```{r}\n    x <- 1\n"
               "    ```\n\n"
               "::: callout-note\n## magrittr\n\nThe old pipe:\n\n```{r}\n#| eval: false\n"
               "mtcars %>% count(cyl)\n```\n:::\n\n## Groups\n\nAfter the callout.\n")
    (tmp_path / "transform.qmd").write_text(lecture, encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "transform.qmd"))
    assert result.exit_code == 0, result.output
    assert "unclosed" not in result.stderr
    body = body_of(project / "source" / "transform.md")[1]
    assert body.startswith('```{r}\n#| echo: false\nsource("_common.R")\n```\n')
    assert "    ```{r}\n    x <- 1\n    ```" in body
    assert "```{r}\n#| eval: false\nmtcars %>% count(cyl)\n```\n:::\n\n## Groups" in body
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "transform.html"))
    code = [" ".join(pre.text_content().split()) for pre in page.iter("pre")]
    assert code == ["x <- 1", "mtcars %>% count(cyl)"]  # the hidden cell is not shown
    assert page.xpath("//h2[text()='Groups']/ancestor::div[contains(@class, 'callout')]") == []


def test_inline_html_formatting_comes_in_as_what_it_means(project, folio, tmp_path):
    # Comprehensive Rust's Collatz exercise read "ni+1"; the Rustonomicon's table cells ran
    # "Send + Sync<br>requires" together; a <details> block lost the line a reader clicks.
    text = ("# Bits\n\nn<sub>i+1</sub> = 3n<sup>2</sup>; press <kbd>Ctrl</kbd>+<kbd>C</kbd>, "
            "a <b>bold</b> word.\n\n| a | b |\n|---|---|\n| one<br/>two | three |\n\n"
            "<details>\n<summary>Show the <b>answer</b></summary>\n\nIt is 42.\n\n</details>\n\n"
            "Unpaired <span>words</span> stay.\n")
    body = imported(project, folio, tmp_path / "bits.md", text, "bits")[1]
    assert "n~i+1~ = 3n^2^; press `Ctrl`+`C`, a **bold** word." in body
    assert "one\\   three\n  two" in body and "**Show the answer**\n\nIt is 42." in body
    assert "Unpaired words stay." in body


def test_articles_of_one_title_are_named_after_their_folders(project, folio, tmp_path):
    # A course's exercises: nineteen chapters titled "Solution" were solution-2 to -19.
    for day in ("day-1", "day-2"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "solution.md").write_text(f"# Solution\n\nThe {day} answer.\n",
                                                    encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "day-1" / "solution.md"),
                   str(tmp_path / "day-2" / "solution.md"))
    assert result.exit_code == 0, result.output
    assert "The day-2 answer." in body_of(project / "source" / "day-2-solution.md")[1]
    assert (project / "source" / "solution.md").exists()


def notebook(cells: list[dict], **metadata: object) -> str:
    """Return a Jupyter notebook (nbformat 4) of ``cells`` as its JSON text."""
    return json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
        "language_info": {"name": "python"}, **metadata}})


def code_cell(source: str, outputs: list[dict], tags: tuple[str, ...] = ()) -> dict:
    """Return a code cell of ``source`` with its ``outputs``."""
    return {"cell_type": "code", "execution_count": 1, "source": source, "outputs": outputs,
            "metadata": {"tags": list(tags)}}


def test_a_jupyter_notebook_comes_in_with_its_code_outputs_and_plots(project, folio, tmp_path):
    # A notebook was read as plain text: one paragraph, its whole JSON the title.
    plot = {"output_type": "display_data", "metadata": {}, "data": {
        "image/png": base64.b64encode(FIGURE.read_bytes()).decode(),
        "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}
    printed = {"output_type": "stream", "name": "stdout", "text": ["0.5\n"]}
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": "# Gradient Descent\n\nWe minimise $f(x) = x^2$; see [the next one]"
                        "(02-momentum.ipynb)."},
             code_cell("x = 1.0\nx -= 0.5 * x\nprint(x)", [printed]),
             code_cell("import helpers", [printed], tags=("remove-cell",)),
             code_cell("plt.plot([1, 2])", [plot], tags=("hide-input",)),
             {"cell_type": "raw", "metadata": {}, "source": "\\newpage"}]
    (tmp_path / "01-descent.ipynb").write_text(notebook(cells, authors=[{"name": "Ann Lee"}]),
                                               encoding="utf-8")
    (tmp_path / "02-momentum.ipynb").write_text(notebook([
        {"cell_type": "markdown", "metadata": {}, "source": "# Momentum\n\nFaster."}]),
        encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "01-descent.ipynb"),
                   str(tmp_path / "02-momentum.ipynb"))
    assert result.exit_code == 0, result.output
    assert re.search(r"'Gradient Descent', \d+ words, 1 image, 0 footnotes; dropped: raw cells",
                     result.stderr)
    meta, body = body_of(project / "source" / "gradient-descent.md")
    assert meta["author"] == "Ann Lee"
    assert body.startswith("We minimise $f(x) = x^2$; see [the next one](momentum.md).")
    assert "``` python\nx = 1.0\nx -= 0.5 * x\nprint(x)\n```\n\n    0.5\n" in body
    assert "helpers" not in body and "plt.plot" not in body  # removed cell; hidden input
    [picture] = re.findall(r"!\[\]\((images/gradient-descent/\w+\.png)\)", body)
    assert (project / "source" / picture).read_bytes() == FIGURE.read_bytes()
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0, result.output


QUARTO_BOOK = {
    "_quarto.yml": "project:\n  type: book\nlang: en\nbook:\n  title: Tidy Work\n"
                   "  author:\n    - name: Ann Lee\n    - Bo Chen\n  chapters:\n    - index.qmd\n"
                   "    - part: Basics\n      chapters:\n        - a.qmd\n"
                   "    - part: b-part.qmd\n      chapters: [b.qmd]\n"
                   "  appendices:\n    - c.ipynb\n",
    "index.qmd": "# Welcome {.unnumbered}\n\nA book.\n",
    "a.qmd": "# Arrange {#sec-arrange}\n\n## Rows {#sec-rows}\n\nSorted.\n",
    "b-part.qmd": "---\ntitle: Going Further\n---\n\nThe second part.\n",
    "b.qmd": "# Bind\n\nFirst sort (@sec-arrange), then see @sec-rows.\n",
}


def test_a_quarto_book_comes_in_as_one_book_and_its_chapters_refer_to_each_other(
        project, folio, tmp_path):
    # R for Data Science: its _quarto.yml lists 38 chapters in 6 parts, and its chapters
    # refer to each other by the ids of their titles ("@sec-data-transform"), which the
    # import dropped with the heading that became the title: 79 references were lost.
    for name, text in QUARTO_BOOK.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "c.ipynb").write_text(notebook([{"cell_type": "markdown", "metadata": {},
                                                 "source": "# Data\n\nThe files."}]),
                                      encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "_quarto.yml"))
    assert result.exit_code == 0, result.output
    book = yaml.safe_load((project / "source" / "books" / "tidy-work.yaml").read_text())
    assert book["title"] == "Tidy Work" and book["author"] == ["Ann Lee", "Bo Chen"]
    assert book["lang"] == "en"
    assert book["contents"] == ["welcome.md", {"part": "Basics", "articles": ["arrange.md"]},
                                {"part": "Going Further", "articles": ["going-further.md",
                                                                       "bind.md"]},
                                {"part": "Appendices", "articles": ["data.md"]}]
    assert body_of(project / "source" / "arrange.md")[0]["id"] == "sec-arrange"
    result = folio(project, "build", "-f", "html,epub")
    assert result.exit_code == 0, result.output
    assert "cross-reference" not in result.stderr
    page = lxml_html.parse(str(project / "build" / "html" / "bind.html"))
    assert [(a.get("href"), a.text) for a in page.xpath("//a[@class='crossref']")] == [
        ("arrange.html", "Arrange"), ("arrange.html#sec-rows", "Section\u00a01 in Arrange")]
    assert epubcheck_problems(project / "build" / "epub" / "tidy-work.epub") == []


def test_what_real_notebooks_hold_comes_in_as_jupyter_shows_it(project, folio, tmp_path):
    # From the Python Data Science Handbook, rasbt's machine-learning book, Jupyter's own
    # documentation and seaborn's tutorials.
    printed = {"output_type": "stream", "name": "stdout",
               "text": "Epoch 1\r\u2588\u2588   20%\r\u2588\u2588\u2588\u2588 100%\nDone\n"
                       "Spinning |\b/\b-\b\\\b ok\n"}
    # A training loop's progress: shown as Jupyter scrolls it, its head and its tail.
    training = {"output_type": "stream", "name": "stdout",
                "text": "".join(f"step {n}\n" for n in range(100))}
    warned = {"output_type": "stream", "name": "stderr", "text": "DeprecationWarning: old\n"}
    cells = [code_cell("import numpy as np", []),
             {"cell_type": "markdown", "source": "# Real Title\n\nAs Jupyter writes it.[^1] "
                                                 "The area is \\(\\pi r^2\\). See [the end]"
                                                 "(#The-End,-at-Last).\n\n[^1]: A note."},
             {"cell_type": "raw", "metadata": {"raw_mimetype": "text/markdown"},
              "source": "Prose kept in a *raw* cell."},
             {"cell_type": "markdown", "metadata": {},
              "source": "\\begin{equation}\ne^x = \\sum_{i=0}^\\infty x^i / i!\n\\end{equation}"},
             {"cell_type": "code", "metadata": {"tags": ["remove-stderr"]},
              "source": "%%bash\nls -l", "outputs": [printed, warned]},
             {"cell_type": "code", "metadata": {}, "source": "", "outputs": []},
             {"cell_type": "markdown", "metadata": {}, "source": "## The End, at Last"},
             code_cell("train()", [training]),
             code_cell("df", [{"output_type": "execute_result", "metadata": {}, "data": {
                 "text/plain": "   a\n0  1", "text/html": "<style>td {}</style><table><tr>"
                 "<th></th><th>a</th></tr><tr><th>0</th><td>1</td></tr></table>"}},
                 {"output_type": "display_data", "metadata": {}, "data": {
                     "text/markdown": "**Bold** result",
                     "text/plain": "<IPython.core.display.Markdown object>"}},
                 {"output_type": "display_data", "metadata": {}, "data": {
                     "text/latex": "$\\frac{1}{2}$", "text/plain": "1/2"}},
                 {"output_type": "error", "ename": "TypeError", "evalue": "no",
                  "traceback": ["\x1b[0;31mTypeError\x1b[0m: no"]}])]
    # Cells without metadata, execution counts or outputs: Jupyter opens such a notebook.
    (tmp_path / "real.ipynb").write_text(notebook(cells), encoding="utf-8")
    result = folio(project, "import", str(tmp_path / "real.ipynb"))
    assert result.exit_code == 0, result.output
    meta, body = body_of(project / "source" / "real-title.md")
    assert meta["title"] == "Real Title"
    assert body.startswith("``` python\nimport numpy as np\n```\n\nAs Jupyter writes it.[^1] "
                           "The area is $\\pi r^2$. See [the end](#The-End--at-Last).")
    assert "## The End, at Last {#The-End--at-Last}" in body  # Jupyter's id, made readable
    assert "Prose kept in a *raw* cell." in body
    assert "$$\\begin{equation}\ne^x = \\sum_{i=0}^\\infty x^i / i!\n\\end{equation}$$" in body
    assert "``` bash\n%%bash\nls -l\n```\n\n    ████ 100%\n    Done\n    Spinning  ok" in body
    assert "Deprecation" not in body and "``` python\n```" not in body
    assert "[^1]: A note." in body
    # An output's best form: a data frame's table, its Markdown, its formula; no colours.
    assert "      a\n  --- ---\n  0   1" in body and "**Bold** result" in body
    assert "$$\\frac{1}{2}$$" in body and "    TypeError: no" in body
    assert "IPython" not in body and "[0;31m" not in body
    assert "    step 19\n    [… 70 more lines …]\n    step 90\n" in body
    assert "step 20\n" not in body and "dropped: 70 lines of long outputs" in result.stderr


def test_raw_html_blocks_keep_their_words_tables_and_pictures(project, folio, tmp_path):
    # A README's centred paragraph, an HTML table and Jupyter's alert boxes were dropped
    # whole, words and all ("Notebook Basics" lost its three tips).
    (tmp_path / "pic.png").write_bytes(FIGURE.read_bytes())
    text = ('# Raw\n\n<p align="center">Centred <i>words</i> <img src="pic.png" alt="Pic"></p>\n\n'
            '<div class="alert alert-warning">Save often.</div>\n\n'
            "<table><tr><th>Key</th></tr><tr><td>Value</td></tr></table>\n\n"
            "<details>\n<summary>Show the <b>answer</b></summary>\n\nIt is 42.\n\n</details>\n\n"
            '<!-- a comment -->\n\n<div align="center">\n\nMarkdown *inside*.\n\n</div>\n')
    body = imported(project, folio, tmp_path / "raw.md", text, "raw")[1]
    assert "Centred *words* ![Pic](images/raw/pic.png)" in body
    assert "::: callout-warning\nSave often.\n:::" in body
    assert "Key" in body and "Value" in body
    assert "**Show the answer**\n\nIt is 42.\n\nMarkdown *inside*." in body
    assert "comment" not in body


def test_a_folder_brings_its_book_or_its_documents(project, folio, tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for name, text in QUARTO_BOOK.items():
        (book / name).write_text(text, encoding="utf-8")
    (book / "c.ipynb").write_text(notebook([]), encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "one.md").write_text("# One\n\nFirst.\n", encoding="utf-8")
    (notes / "two.rst").write_text("Two\n===\n\nSecond.\n", encoding="utf-8")
    (notes / "figure.png").write_bytes(FIGURE.read_bytes())  # a picture is no article
    (tmp_path / "empty").mkdir()
    result = folio(project, "import", str(book), str(notes), str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert (project / "source" / "books" / "tidy-work.yaml").is_file()
    assert {path.name for path in (project / "source").glob("*.md")} == {
        "welcome.md", "arrange.md", "going-further.md", "bind.md", "one.md", "two.md"}
    assert result.stderr.splitlines()[-1].endswith(
        "empty: a folder holding no document Folio imports")
