"""The HTML page and index: parsed with lxml, and checked by the Nu HTML Checker."""

from __future__ import annotations

import json
import re

import pytest
from lxml import html as lxml_html

from tests.conftest import REPO, SAMPLE_SLUG, article
from tests.validators import vnu_errors

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()

RICH_BODY = """\
## Background {#background}

A claim with a note.[^a] Another with a second note.[^b]

> A long quotation from someone wise,
> which goes on for a while.

| Term | Meaning |
|------|---------|
| ego  | self    |

![A small blue figure](images/figure.png)

Transference
:   Bringing the past into the room.

```python
print("hello")
```

Inline math $e^{i\\pi} + 1 = 0$ and display math:

$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$

<div class="callout"><strong>Raw HTML</strong> survives.</div>

[^a]: The first note, with a [link](https://example.org/).
[^b]: The second note.
"""


def seed_paragraphs() -> list[str]:
    """Return the paragraphs of the sample article's source, as the author wrote them."""
    text = (REPO / "source" / f"{SAMPLE_SLUG}.md").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def text_of(element) -> str:
    """Return the text of an element with whitespace collapsed."""
    return " ".join(element.text_content().split())


@pytest.fixture
def rich_project(make_project):
    return make_project({
        "source/rich.md": article("Rich Article", RICH_BODY, slug="rich",
                                  author="[Ann Author, Bo Writer]", date="2024-05-01",
                                  description="'Everything at once.'",
                                  keywords="[therapy, testing]"),
        "source/images/figure.png": FIGURE,
    })


def test_sample_page_has_metadata_and_every_paragraph_in_order(make_project, folio):
    root = make_project(sample=True)
    result = folio(root, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / f"{SAMPLE_SLUG}.html")).getroot()
    assert page.get("lang") == "en"
    assert page.findtext(".//title") == "The Healing Power of the Therapeutic Relationship"
    assert text_of(page.xpath("//article/header/h1")[0]) == (
        "The Healing Power of the Therapeutic Relationship")
    assert page.xpath("//meta[@name='author']/@content") == ["Dana Samperio"]
    assert page.xpath("//article//header//*[@class='author']/text()") == ["Dana Samperio"]
    time = page.xpath("//article/header//time")[0]
    assert (time.get("datetime"), time.text) == ("2023-11-02", "2 November 2023")
    assert page.xpath("//*[@class='reading-time']/text()") == ["2 min read"]
    paragraphs = [text_of(p) for p in page.xpath("//article/p")]
    assert paragraphs == seed_paragraphs()
    assert "2 min read" not in seed_paragraphs()[0] and "Comments" not in paragraphs[-1]
    description = page.xpath("//meta[@name='description']/@content")[0]
    assert description.startswith("How can a relationship heal?")
    ld = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    assert ld["@type"] == "Article" and ld["headline"].startswith("The Healing Power")
    assert ld["datePublished"] == "2023-11-02"
    assert ld["author"] == [{"@type": "Person", "name": "Dana Samperio"}]


def test_rich_article_keeps_every_construct(rich_project, folio):
    result = folio(rich_project, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    out = rich_project / "build" / "html"
    page = lxml_html.parse(str(out / "rich.html")).getroot()
    # Footnotes: each call links to its note, each note links back.
    refs = page.xpath("//a[@role='doc-noteref']")
    assert [r.get("href") for r in refs] == ["#fn1", "#fn2"]
    notes = page.xpath("//section[@role='doc-endnotes']//li")
    assert [n.get("id") for n in notes] == ["fn1", "fn2"]
    assert notes[0].xpath(".//a[@role='doc-backlink']/@href") == ["#fnref1"]
    assert "The first note" in text_of(notes[0])
    assert page.xpath("//h2[@id='background']")
    assert page.xpath("//blockquote") and page.xpath("//table//td[text()='ego']")
    assert page.xpath("//dl/dt[text()='Transference']")
    assert page.xpath("//pre/code")
    assert len(page.xpath("//*[local-name()='math']")) == 2
    # The author's callout div is drawn as Quarto's callouts are.
    assert page.xpath("//div[@class='callout callout-note']/strong[text()='Raw HTML']")
    img = page.xpath("//figure/img")[0]
    assert img.get("alt") == "A small blue figure"
    assert (out / img.get("src")).read_bytes() == FIGURE
    assert page.xpath("//meta[@name='author']/@content") == ["Ann Author", "Bo Writer"]
    assert page.xpath("//*[@class='author']/text()") == ["Ann Author and Bo Writer"]
    assert page.xpath("//meta[@name='keywords']/@content") == ["therapy, testing"]


def test_no_request_to_another_host(rich_project, folio):
    folio(rich_project, "build", "--format", "html")
    for name in ("rich.html", "index.html"):
        page = lxml_html.parse(str(rich_project / "build" / "html" / name)).getroot()
        loads = page.xpath("//script/@src | //link/@href | //img/@src | //iframe/@src")
        assert all(not re.match(r"^(https?:)?//", url) for url in loads), loads
    css = (rich_project / "build" / "html" / "folio.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_nu_checker_finds_no_errors(rich_project, make_project, folio):
    folio(rich_project, "build", "--format", "html")
    for path in (REPO / "source").glob("*.md"):
        (rich_project / "source" / path.name).write_bytes(path.read_bytes())
    assert folio(rich_project, "build", "--format", "html").exit_code == 0
    out = rich_project / "build" / "html"
    assert vnu_errors(*sorted(out.glob("*.html")), out / "folio.css") == []


def test_index_lists_articles_newest_first(make_project, folio):
    root = make_project({
        "source/old.md": article("Old one", date="2020-01-01"),
        "source/new.md": article("New one", date="2024-01-01"),
        "source/mid.md": article("Middle one", date="2022-06-30"),
    })
    assert folio(root, "build", "--format", "html").exit_code == 0
    index = lxml_html.parse(str(root / "build" / "html" / "index.html")).getroot()
    assert index.xpath("//article/h2/a/text()") == ["New one", "Middle one", "Old one"]
    assert index.xpath("//article/h2/a/@href") == ["new-one.html", "middle-one.html",
                                                   "old-one.html"]
    assert index.findtext(".//h1") == "Test site"


def test_project_template_overrides_one_partial(make_project, folio):
    root = make_project({
        "source/a.md": article("Overridden", author="Someone", date="2024-02-03"),
        "templates/partials/byline.html.j2":
            '<p class="byline custom">Written by {{ article.authors|names(lang) }}</p>\n',
    })
    assert folio(root, "build", "--format", "html").exit_code == 0
    page = lxml_html.parse(str(root / "build" / "html" / "overridden.html")).getroot()
    assert page.xpath("//p[@class='byline custom']/text()") == ["Written by Someone"]
    # Everything else still comes from Folio's defaults.
    assert page.xpath("//header[@class='title-block']/h1/text()") == ["Overridden"]
    assert page.xpath("//link[@rel='stylesheet']/@href") == ["folio.css"]


def test_folio_words_follow_the_article_language(make_project, folio):
    root = make_project({"source/de.md": article("Die Beziehung", lang="de", date="2023-11-02",
                                                 body="Ein Absatz.[^1]\n\n[^1]: Eine Fußnote.\n")})
    assert folio(root, "build", "--format", "html").exit_code == 0
    page = lxml_html.parse(str(root / "build" / "html" / "die-beziehung.html")).getroot()
    assert page.get("lang") == "de"
    assert page.xpath("//time/text()") == ["2. November 2023"]
    assert page.xpath("//*[@class='reading-time']/text()") == ["1 Min. Lesezeit"]
    assert page.xpath("//section[@role='doc-endnotes']/h2/text()") == ["Fußnoten"]


def test_citations_go_through_citeproc(make_project, folio):
    root = make_project({
        "source/cited.md": article("Cited", "As @doe99 argues.\n", bibliography="refs.bib"),
        "source/refs.bib": "@book{doe99, author={Doe, Jane}, title={A Book}, year=1999,"
                           " publisher={Press}}\n",
    })
    assert folio(root, "build", "--format", "html").exit_code == 0, "build failed"
    page = lxml_html.parse(str(root / "build" / "html" / "cited.html")).getroot()
    assert text_of(page.xpath("//span[@class='citation']")[0]) == "Doe (1999)"
    assert "A Book" in text_of(page.xpath("//div[@id='refs']")[0])


def test_links_to_another_articles_source_lead_to_its_page_and_deck(make_project, folio) -> None:
    # Lessons link their episodes by file name (the Carpentries' "[next](02-loops.md)"); the
    # pages are named by slug, so the link as written led nowhere on the site.
    body = ("See [the heading](b.md#x), [the lesson](./episodes/b.md), [its page](b.html), "
            "[the web](https://example.org/b.md), [here](#top) and [gone](missing.md).\n")
    root = make_project({"source/a.md": article("Alpha", body),
                         "source/b.md": article("Beta", "# Heading {#x}\n\nText.\n")})
    result = folio(root, "build", "-f", "html,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    expected = ["beta.html#x", "beta.html", "beta.html", "https://example.org/b.md", "#top",
                "missing.md"]
    page = lxml_html.parse(str(root / "build" / "html" / "alpha.html")).getroot()
    assert [a.get("href") for a in page.xpath("//main//a")] == expected
    deck = lxml_html.parse(str(root / "build" / "slides" / "alpha.html")).getroot()
    assert [a.get("href") for a in deck.xpath("//section//a[not(@aria-hidden)]")] == expected
    assert (root / "build" / "slides" / "beta.html").is_file()
    (root / "source" / "c.md").write_text(article("Gamma", "A note.[^1]\n\n[^1]: In [the lesson]"
                                                  "(b.md#x).\n"), encoding="utf-8")
    assert folio(root, "build", "-f", "html", "-j", "1").exit_code == 0
    page = lxml_html.parse(str(root / "build" / "html" / "gamma.html")).getroot()
    assert page.xpath("//section[@role='doc-endnotes']//p/a/@href") == ["beta.html#x"]
    (root / "source" / "c.md").unlink()
    # The other article's new title names its page anew: the linking page is made again.
    (root / "source" / "b.md").write_text(article("Gamma", "# Heading {#x}\n"), encoding="utf-8")
    assert folio(root, "build", "-f", "html", "-j", "1").exit_code == 0
    page = lxml_html.parse(str(root / "build" / "html" / "alpha.html")).getroot()
    assert page.xpath("//main//a/@href")[:3] == ["gamma.html#x", "gamma.html", "gamma.html"]


def test_task_lists_show_their_boxes_in_every_format(make_project, folio) -> None:
    # GitHub READMEs' "- [ ] to do": pandoc writes disabled checkboxes, which the ebook had to
    # leave out (with a warning), and which neither the handout nor the slides drew.
    from pptx import Presentation
    from pypdf import PdfReader

    from tests.validators import epubcheck_problems

    body = "- [ ] write the handout\n- [x] book the room\n\nThen:\n\n- [ ] one\n- two\n"
    root = make_project({"source/t.md": article("Tasks", body, slug="t")})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "t.html")).getroot()
    assert page.xpath("//input") == []
    assert page.xpath("//span[@class='task-box']/text()") == ["☐", "☒", "☐"]
    # A list of boxes only goes without its bullets; a mixed one keeps them.
    assert len(page.xpath("//div[@class='task-list']/ul/li")) == 2
    assert vnu_errors(root / "build" / "html" / "t.html") == []
    assert epubcheck_problems(root / "build" / "epub" / "t.epub") == []
    handout = " ".join(" ".join(p.extract_text().split())
                       for p in PdfReader(root / "build" / "pdf" / "t.pdf").pages)
    assert "☐ write the handout" in handout and "☒ book the room" in handout
    deck = Presentation(str(root / "build" / "slides" / "t.pptx"))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame]
    assert any("☒ book the room" in text for text in texts)


def test_a_first_heading_that_repeats_the_title_is_not_a_second_title(make_project, folio):
    # Jekyll posts and d2l's chapters: "title: Functions" in the front matter, then
    # "# Functions". The page showed the title twice, the deck a second title slide
    # "Functions 2".
    body = "# Functions\n\nIntro.\n\n## Defining\n\nText.\n"
    root = make_project({"source/f.md": article("Functions", body, slug="f")})
    result = folio(root, "build", "-f", "html,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "f.html")).getroot()
    assert [h.text_content() for h in page.xpath("//h1")] == ["Functions"]
    assert page.xpath("//h2/text()") == ["Defining"]
    deck = lxml_html.parse(str(root / "build" / "slides" / "f.html")).getroot()
    titles = [t.text_content() for t in deck.xpath("//*[@class='slide-title']")]
    assert "Functions 2" not in titles and titles[0] == "Functions"
