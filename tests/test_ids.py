"""Repeated ids in raw HTML are renamed once, in the model, so every format's HTML is valid."""

from __future__ import annotations

import logging

import lxml.html

from pipeline.project import load_project
from pipeline.source import read_article
from tests.conftest import article
from tests.test_epub import NS, Ebook
from tests.test_epub import environment as environment  # autouse: dates from the content
from tests.validators import epubcheck_problems, vnu_errors

BODY = """\
# Bar

<hr id="bar">
<hr id="bar">

::: {#box}
<span id="bar">in a div</span> and <a id="fn1">an anchor named like a note</a>.[^1]
<span id="two words">spaced</span>
:::

[back to the heading](#bar)

[^1]: A note with <b id="bar">its own bar</b>.
"""


def test_repeated_ids_are_renamed_in_the_model(make_project, caplog):
    root = make_project({"source/ids.md": article("Ids", BODY, slug="ids")})
    with caplog.at_level(logging.WARNING):
        parsed = read_article(root / "source" / "ids.md", load_project(root))
    html = parsed.body_html + "".join(note.html for note in parsed.notes)
    ids = [element.get("id") for element in lxml.html.fragment_fromstring(
        html, create_parent="div").iter() if element.get("id")]
    assert ids == ["bar", "bar-2", "bar-3", "box", "bar-4", "fn1-2", "fnref1", "two-words",
                   "bar-5"]
    # The first keeps its id, so the link still arrives at the heading.
    assert parsed.headings[0].id == "bar"
    assert 'href="#bar"' in parsed.body_html
    # The deck reads a div's children, written on their own: they carry the same new names.
    box = next(block for block in parsed.blocks if block.id == "box")
    assert 'id="bar-4"' in box.children[0].html and 'id="fn1-2"' in box.children[0].html
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.endswith("ids.md: id 'bar' is used more than once: renamed 'bar-2' here; "
                          "links to it lead to the first") for m in messages)
    assert any("id 'fn1' is the id of a footnote: renamed 'fn1-2'" in m for m in messages)
    assert any("id 'two words' holds spaces: renamed 'two-words'" in m for m in messages)


def test_a_raw_id_before_a_heading_keeps_it_and_the_nav_follows(make_project, folio):
    body = '<a id="intro"></a>\n\n# Intro\n\n[to the intro](#intro)\n'
    root = make_project({"source/a.md": article("A", body, slug="a")})
    result = folio(root, "build", "--format", "epub")
    assert result.exit_code == 0, result.output
    path = root / "build" / "epub" / "a.epub"
    assert epubcheck_problems(path) == []
    assert Ebook(path).toc()[0][2] == [("Intro", "chapter-a.xhtml#intro-2", [])]


def test_web_page_and_ebook_are_valid_with_repeated_ids(make_project, folio, monkeypatch):
    root = make_project({"source/ids.md": article("Ids", BODY, slug="ids")})
    result = folio(root, "build", "--format", "html,epub")
    assert result.exit_code == 0, result.output
    # The Nu checker's JSON is read from its stderr, where Java would announce these options.
    monkeypatch.delenv("JAVA_TOOL_OPTIONS")
    assert vnu_errors(root / "build" / "html" / "ids.html") == []
    path = root / "build" / "epub" / "ids.epub"
    assert epubcheck_problems(path) == []
    chapter = Ebook(path).xml("EPUB/chapter-ids.xhtml")
    assert chapter.xpath("count(.//*[@id='bar'])", namespaces=NS) == 1


def test_a_repeated_id_warning_names_its_line(make_project, folio):
    # pandoc's test suite repeats <hr id="bar"> three times: each renaming named only the file.
    body = 'Text.\n\n<hr class="foo" id="bar" />\n\n<hr id="bar">\n\n## Head {#bar .x}\n'
    root = make_project({"source/a.md": article("A", body, slug="a"),
                         "source/b.md": article("B", "# Bar\n\n<hr id='bar'>\n", slug="b")})
    result = folio(root, "check")
    warnings = [line for line in result.stderr.splitlines() if "is used more than once" in line]
    assert [line.split("source/")[1].split(": id")[0] for line in warnings] == [
        "a.md:10", "a.md:12",
        # The heading's id is pandoc's, written nowhere: counting would name the wrong line.
        "b.md"]
