"""The slides format end to end: HTML deck, PDF deck, PPTX and slide handout, parsed and checked."""

from __future__ import annotations

import io
import math
import subprocess
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Pt
from pypdf import PdfReader

from pipeline.deck import Deck, Slide, Table, build_deck
from pipeline.pptx import write_pptx
from pipeline.project import load_project
from pipeline.source import read_article
from pipeline.weasy import render_pdf
from tests.conftest import SAMPLE_SLUG, article, require_tool
from tests.test_accessibility import structure_kinds
from tests.test_deck import paragraph, png, sentence
from tests.validators import vnu_errors

# Lets a slide grow with its content: a slide whose content overflows its frame then spills onto
# a second page, so "pages == slides" proves that every slide fits.
SPILL_CSS = (".slide { height: auto !important; min-height: 0 !important; }"
             ".slide-footer { position: static !important; margin-top: 0.5em; }")


def hard_article(**meta: str) -> str:
    """Return an article with every case the fit rules handle."""
    long_paragraph = " ".join(sentence(i, 18) for i in range(20))
    twelve = "\n\n".join(paragraph(i) for i in range(12))
    rows = "\n".join(f"| row {i} | {sentence(i, 5)} |" for i in range(14))
    quote = " ".join(sentence(i) for i in range(8))
    # Narrow columns of long words wrap each cell over several lines (cfn-lint's README).
    options = ("| Command Line | Metadata | Options | Description |\n|---|---|---|---|\n"
               + "\n".join(f"| -x{i}, --include-experimental-{i} | include_experimental_{i} | "
                           f"INCLUDE_EXPERIMENTAL_{i} [INCLUDE_EXPERIMENTAL_{i} ...] | Whether "
                           "experimental rules should be enabled everywhere |" for i in range(7)))
    heading = ("A very long heading that goes on and on about the many facets of the "
               "therapeutic relationship and its history in the twentieth century")
    body = (f"{long_paragraph}\n\n## Twelve points\n\n{twelve}\n\n## {heading}\n\n"
            f"{paragraph(40)}\n\n## Evidence\n\n"
            "![The growth curve of trust over twelve sessions](figure.png)\n\n"
            f"| Name | Value |\n|------|-------|\n{rows}\n\n: Results by row\n\n"
            f"> {quote}\n\n{paragraph(41)}\n\n## Options\n\n{options}\n\n## A list\n\n"
            + "\n".join(f"- {sentence(i, 9)}" for i in range(9)) + "\n")
    return article("Fitting Everything", body, author="Ada Lovelace", date="2024-05-06",
                   **meta)


@pytest.fixture
def built(make_project: Callable[..., Path], folio: Callable[..., object]
          ) -> Callable[..., tuple[Path, Deck]]:
    """Return a function: build an article's slides, return the output folder and its deck."""

    def build(text: str | None = None, settings: str = "site_title: T\nlang: en\n"
              ) -> tuple[Path, Deck]:
        files = {"source/figure.png": png()}
        if text is not None:
            files["source/a.md"] = text
        root = make_project(files, sample=text is None, settings=settings)
        result = folio(root, "build", "--format", "slides")
        assert result.exit_code == 0, result.output
        project = load_project(root)
        source = next(project.source_dir.glob("*.md"))
        return root / "build", build_deck(read_article(source, project),
                                          project.settings.get("base_url"))

    return build


def outputs(out: Path, slug: str) -> dict[str, Path]:
    """Return the four files the slides format writes for ``slug``."""
    return {"html": out / "slides" / f"{slug}.html", "pdf": out / "slides" / f"{slug}.pdf",
            "pptx": out / "slides" / f"{slug}.pptx",
            "handout": out / "pdf" / f"{slug}-slides-handout.pdf"}


def test_sample_deck_html(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built()
    files = outputs(out, SAMPLE_SLUG)
    assert all(path.is_file() for path in files.values())
    tree = lxml_html.parse(str(files["html"]))
    slides = tree.xpath("//main[@id='deck']/section[contains(@class, 'slide')]")
    assert len(slides) == len(deck.slides) == 5
    assert [s.get("id") for s in slides] == [f"slide-{i}" for i in range(1, 6)]
    assert all(s.get("aria-roledescription") == "slide" for s in slides)
    assert tree.xpath("string(//h1)") == deck.article.title
    assert [s.xpath("string(.//h2)") for s in slides[1:4]] == [s.title for s in deck.slides[1:4]]
    # Self-contained: no stylesheet, script or image fetched from anywhere.
    assert not tree.xpath("//link[@rel='stylesheet'] | //script[@src] | //img[@src]"
                          "[not(starts-with(@src, 'data:'))] | //iframe | //object")
    script = tree.xpath("string(//script[not(@type)])")
    assert "ArrowRight" in script and "BroadcastChannel" in script
    # The speaker notes hold every paragraph, in order.
    notes = " ".join(" ".join(aside.text_content().split())
                     for aside in tree.xpath("//aside[@class='notes']"))
    position = 0
    for block in deck.article.body_blocks:
        position = notes.index(" ".join(block.text.split()), position)


def test_pdf_deck_one_page_per_slide(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built()
    reader = PdfReader(outputs(out, SAMPLE_SLUG)["pdf"])
    assert len(reader.pages) == len(deck.slides)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (960, 540)  # 16:9
    assert [item.title for item in reader.outline] == [s.heading for s in deck.slides]
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert reader.metadata.title == deck.article.title
    assert deck.slides[1].bullets[0] in " ".join(reader.pages[1].extract_text().split())


@pytest.mark.parametrize("options", ["", "{aspect: '4:3'}", "{bullets: 6}"])
def test_no_slide_overflows(built: Callable[..., tuple[Path, Deck]], options: str) -> None:
    text = hard_article(slides=options) if options else hard_article()
    out, deck = built(text)
    files = outputs(out, "fitting-everything")
    kinds = [s.kind for s in deck.slides]
    assert kinds.count("figure") == 1 and kinds.count("quote") == 1
    assert kinds.count("table") >= 3  # fourteen rows: six at most a slide, fewer on 4:3
    reader = PdfReader(files["pdf"])
    assert len(reader.pages) == len(deck.slides)
    assert [item.title for item in reader.outline] == [s.heading for s in deck.slides]
    project = load_project(out.parent)
    spilled = render_pdf(files["html"].read_text(encoding="utf-8"), base_dir=out / "slides",
                         project=project, origin=deck.article.source,
                         identifier=deck.article.identifier, stylesheets=[SPILL_CSS])
    pages = len(PdfReader(io.BytesIO(spilled)).pages)
    assert pages == len(deck.slides), "a slide's content is taller than its page"


def test_deck_passes_the_nu_checker(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, _ = built(hard_article(slides="{aspect: '4:3'}"))
    page = outputs(out, "fitting-everything")["html"]
    assert vnu_errors(page) == []
    # The figure is embedded; nothing, in the notes either, points at another file.
    images = lxml_html.parse(str(page)).xpath("//img/@src")
    assert images and all(src.startswith("data:image/png;base64,") for src in images)


def test_handout(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built(hard_article())
    reader = PdfReader(outputs(out, "fitting-everything")["handout"])
    pages = math.ceil(len(deck.slides) / 3)
    assert len(reader.pages) == pages
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    last = " ".join(reader.pages[-1].extract_text().split())
    assert f"page {pages} of {pages}" in last
    assert "Fitting Everything" in last  # the title in the running header


def test_handout_rules_eight_lines_beside_each_slide(
        built: Callable[..., tuple[Path, Deck]]) -> None:
    # Looked at as a picture: down a column through the notes area of the first page, each
    # of its three slides has eight ruled lines, evenly spaced.
    from PIL import Image

    pdftoppm = require_tool("pdftoppm", "to look at the slide handout as a picture")
    out, _ = built(hard_article())
    handout = outputs(out, "fitting-everything")["handout"]
    subprocess.run([pdftoppm, "-r", "100", "-gray", "-png", "-f", "1", "-l", "1",
                    str(handout), str(out / "page")], check=True)
    picture = Image.open(next(out.glob("page*.png"))).convert("L")
    x = int(picture.width * 0.8)
    column = [picture.getpixel((x, y)) for y in range(picture.height)]
    # A 0.25 mm rule is a pixel of grey at 100 dpi, lighter or darker with where it falls.
    rules = [y for y in range(1, len(column)) if column[y] < 250 <= column[y - 1]]
    assert len(rules) == 3 * 8
    for first in (0, 8, 16):
        group = rules[first:first + 8]
        gaps = [b - a for a, b in pairwise(group)]
        assert max(gaps) - min(gaps) <= 2  # 7.65 mm apart, give or take a pixel


def test_handout_six_per_page_on_letter(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built(hard_article(slides="{handout_per_page: 6}"),
                      settings="lang: en\npaper: letter\n")
    reader = PdfReader(outputs(out, "fitting-everything")["handout"])
    assert len(reader.pages) == math.ceil(len(deck.slides) / 6)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def slide_forms(page: Any) -> dict[str, Any]:
    """Return the slides a handout page can draw, by resource name.

    They are the forms pipeline/nup.py places (named /Placed1, ...); the ruled lines are a
    picture, drawn as a form too.
    """
    return {str(name): form for name, form in page.Resources.get("/XObject", {}).items()
            if form.get("/Subtype") == "/Form" and str(name).startswith("/Placed")}


def placed_slides(handout: Path) -> list[list[tuple[bytes, tuple[float, ...]]]]:
    """Return, per handout page, the content and placement of each slide it draws."""
    import pikepdf

    pages = []
    with pikepdf.open(handout) as pdf:
        for page in pdf.pages:
            forms = slide_forms(page)
            placed = []
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "cm":
                    matrix = tuple(float(value) for value in operands)
                elif str(operator) == "Do" and str(operands[0]) in forms:
                    placed.append((forms[str(operands[0])].read_bytes(), matrix))
            pages.append(placed)
    return pages


@pytest.mark.parametrize("per_page", [3, 6])
def test_handout_draws_the_deck_pdf_pages(built: Callable[..., tuple[Path, Deck]],
                                          per_page: int) -> None:
    # The slides are laid out once: the handout draws the deck PDF's own pages, in order,
    # at the slide's proportions, inside the A4 page.
    import pikepdf

    out, deck = built(hard_article(slides=f"{{handout_per_page: {per_page}}}"))
    files = outputs(out, "fitting-everything")
    with pikepdf.open(files["pdf"]) as pdf:
        slides = [page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array)
                  else b"".join(part.read_bytes() for part in page.Contents)
                  for page in pdf.pages]
    pages = placed_slides(files["handout"])
    assert [len(placed) for placed in pages[:-1]] == [per_page] * (len(pages) - 1)
    drawn = [content for placed in pages for content, _ in placed]
    assert len(drawn) == len(deck.slides) == len(slides)
    assert all(content.strip() == slide.strip() for content, slide in
               zip(drawn, slides, strict=True))
    for placed in pages:
        for _, (a, _b, _c, d, e, f) in placed:
            assert a == pytest.approx(d) and 0.1 < a < 0.5  # scaled, not stretched
            assert 0 < e < 595 - 960 * a and 0 < f < 842 - 540 * d
    text = " ".join(PdfReader(files["handout"]).pages[0].extract_text().split())
    assert text.index("Fitting Everything") < text.index(deck.slides[1].title)


def test_handout_keeps_each_slides_structure(built: Callable[..., tuple[Path, Deck]]) -> None:
    # Every marked content of a drawn slide is reached from the structure tree through the
    # form it lies in, and the slides' headings, lists and tables are there as in the deck.
    import pikepdf

    out, deck = built(hard_article())
    files = outputs(out, "fitting-everything")
    with pikepdf.open(files["handout"]) as pdf:
        numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
        tree = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        # WeasyPrint's pages share one resource dictionary: the forms are told by objects.
        forms = list({form.objgen: form for page in pdf.pages
                      for form in slide_forms(page).values()}.values())
        assert len(forms) == len(deck.slides)
        for form in forms:
            painted = {int(operands[1].MCID) for operands, operator in
                       pikepdf.parse_content_stream(form)
                       if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                       and "/MCID" in operands[1]}
            assert painted
            elements = tree[int(form.StructParents)]
            for mcid in painted:
                kids = elements[mcid].K
                assert any(kid.get("/Stm") is not None and kid.Stm.objgen == form.objgen
                           and int(kid.MCID) == mcid for kid in kids)
    kinds = structure_kinds(files["handout"])
    deck_kinds = structure_kinds(files["pdf"])
    for kind in ("H1", "H2", "L", "LI", "Table", "TH", "Figure", "BlockQuote"):
        assert kinds.count(kind) == deck_kinds.count(kind) + (kind == "H1"), kind
    assert "Link" not in kinds  # a thumbnail is not clickable


def test_pptx_reads_back(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built(hard_article())
    prs = Presentation(str(outputs(out, "fitting-everything")["pptx"]))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert len(prs.slides) == len(deck.slides)
    for page, slide in zip(prs.slides, deck.slides, strict=True):
        assert page.shapes.title.text == slide.heading
        notes = page.notes_slide.notes_text_frame.text if page.has_notes_slide else ""
        assert notes == slide.notes_text
        if slide.kind == "content":
            body = next(ph for ph in page.placeholders if ph.placeholder_format.idx == 1)
            assert [p.text for p in body.text_frame.paragraphs] == list(slide.bullets)
    kinds = [s.kind for s in deck.slides]
    figure = prs.slides[kinds.index("figure")]
    assert any(shape.shape_type == 13 for shape in figure.shapes)  # a picture
    table = prs.slides[kinds.index("table")]
    assert any(shape.has_table for shape in table.shapes)
    # Every layout an editor may pick is the template's, stretched to the wide slide.
    template = Presentation()
    for layout, original in zip(prs.slide_layouts, template.slide_layouts, strict=True):
        for ph, was in zip(layout.placeholders, original.placeholders, strict=True):
            for now, before in ((ph.left, was.left), (ph.left + ph.width, was.left + was.width)):
                assert now / prs.slide_width == pytest.approx(before / template.slide_width,
                                                              abs=0.001), layout.name


def test_pptx_converts_in_libreoffice(built: Callable[..., tuple[Path, Deck]],
                                      tmp_path: Path) -> None:
    soffice = require_tool("soffice", "to check that LibreOffice Impress opens the PPTX")
    out, deck = built()
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(outputs(out, SAMPLE_SLUG)["pptx"])],
                   check=True, capture_output=True, timeout=180)
    converted = PdfReader(tmp_path / f"{SAMPLE_SLUG}.pdf")
    assert len(converted.pages) == len(deck.slides)
    assert deck.slides[1].title in converted.pages[1].extract_text()


def test_rebuild_is_byte_identical(make_project: Callable[..., Path],
                                   folio: Callable[..., object]) -> None:
    root = make_project({"source/a.md": hard_article(), "source/figure.png": png()})
    for folder in ("one", "two"):
        result = folio(root, "build", "--format", "slides", "--out", str(root / folder))
        assert result.exit_code == 0, result.output
    for path in outputs(root / "one", "fitting-everything").values():
        twin = root / "two" / path.relative_to(root / "one")
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_german_deck(built: Callable[..., tuple[Path, Deck]]) -> None:
    out, deck = built(article("Die Beziehung", "Wie heilt eine Beziehung? Durch Zuhören.\n\n"
                              "Zusammenfassend ist die Beziehung das Fundament jeder Therapie.\n",
                              lang="de", author="Anna Muster", date="2024-03-01"))
    tree = lxml_html.parse(str(outputs(out, "die-beziehung")["html"]))
    assert tree.xpath("string(/html/@lang)") == "de"
    assert tree.xpath("string(//main/@aria-label)").startswith("Foliensatz")
    assert "1. März 2024" in tree.xpath("string(//section[@id='slide-1'])")
    assert deck.slides[1].title == "Wie heilt eine Beziehung?"
    assert deck.slides[1].bullets == (
        "Durch Zuhören.", "Zusammenfassend ist die Beziehung das Fundament jeder Therapie.")


def test_slides_theme_overrides_the_project_theme(built: Callable[..., tuple[Path, Deck]]
                                                  ) -> None:
    out, deck = built(article("Themed", "Some words here.\n", slides="{theme: contrast}"),
                      settings="lang: en\ntheme: serif\n")
    assert deck.theme == "contrast"
    page = outputs(out, "themed")["html"].read_text(encoding="utf-8")
    assert "--accent: #00008b" in page and "#7a3b2e" not in page


def test_remote_image_is_refused_but_its_slide_stays(built: Callable[..., tuple[Path, Deck]]
                                                     ) -> None:
    out, deck = built(article("Remote", "Words first.\n\n"
                              "![A chart from elsewhere](https://example.org/chart.png)\n"))
    assert [s.kind for s in deck.slides] == ["title", "content", "figure", "closing"]
    tree = lxml_html.parse(str(outputs(out, "remote")["html"]))
    figure = tree.xpath("//section[@id='slide-3']")[0]
    assert not figure.xpath(".//img") and "A chart from elsewhere" in figure.text_content()


def test_footnote_with_code_keeps_the_deck_valid(built: Callable[..., tuple[Path, Deck]]
                                                 ) -> None:
    out, _ = built(article("Noted", "A claim.[^1] More words follow here.\n\n"
                              "[^1]: See this code:\n\n    ```\n    make test\n    make build\n"
                              "    ```\n\n    And a second paragraph.\n"))
    page = outputs(out, "noted")["html"]
    assert vnu_errors(page) == []
    aside = lxml_html.parse(str(page)).xpath("//section[@id='slide-2']/aside")[0]
    assert aside.xpath("string(.//div[@class='footnote']/pre)") == "make test\nmake build"
    assert aside.xpath("string(.//div[@class='footnote']/p[2])") == "And a second paragraph."
    prs = Presentation(str(outputs(out, "noted")["pptx"]))
    lines = [p.text for p in prs.slides[1].notes_slide.notes_text_frame.paragraphs]
    assert "    make test" in lines and "And a second paragraph." in lines


def test_raw_html_split_across_blocks_keeps_the_deck_valid(
        built: Callable[..., tuple[Path, Deck]]) -> None:
    # As in pyenv's README: <details> opens in one block and closes inside a list item.
    out, _ = built(article("Details", "## Fish\n\n  <details>\n\n  Some words first.\n\n"
                              "  1. Run this:\n     ```fish\n     echo hi\n     ```\n"
                              "  </details>\n\n## Zsh\n\n<details>\n"
                              "<summary>More</summary>\n\nHidden words here.\n</details>\n"))
    page = outputs(out, "details")["html"]
    assert vnu_errors(page) == []
    notes = " ".join(" ".join(lxml_html.parse(str(page)).xpath("//aside//text()")).split())
    assert "Some words first." in notes and "echo hi" in notes and "Hidden words" in notes


@pytest.mark.parametrize("table", [Table("", (), ()), Table("Caption", (), ((),)),
                                   Table("", ("a",), ((),))])
def test_pptx_of_a_table_without_cells(built: Callable[..., tuple[Path, Deck]],
                                       table: Table) -> None:
    _, deck = built(article("Empty", "Words.\n"))
    deck = replace(deck, slides=(*deck.slides, Slide("table", "T", table=table)))
    prs = Presentation(io.BytesIO(write_pptx(deck, {})))
    assert len(prs.slides) == len(deck.slides)
    assert prs.slides[-1].shapes.title.text == "T"


@pytest.mark.parametrize("aspect", ["16:9", "4:3"])
def test_lead_sentence_and_its_block_fit_one_slide(built: Callable[..., tuple[Path, Deck]],
                                                   aspect: str) -> None:
    # The longest lead a bullet allows, over the most code rows a lead leaves, and over a
    # display equation: every output shows the sentence above its block, on the same slide.
    lead = " ".join(["Wordy"] * 13) + " introduction:"
    # Nine rows, each as wide as a row of the aspect's code may be (72 or 50 characters).
    code = "\n".join("x = " + "1 + " * {"16:9": 16, "4:3": 11}[aspect] + "1" for _ in range(9))
    text = article("Leads", f"## Listing\n\n{lead}\n\n```python\n{code}\n```\n\n"
                   f"## Formula\n\n{lead}\n\n$$\\sum_{{i=1}}^n \\frac{{x_i}}{{n}} = \\bar x$$\n",
                   slides=f"{{aspect: '{aspect}'}}")
    out, deck = built(text)
    files = outputs(out, "leads")
    assert [(s.kind, s.lead) for s in deck.slides[1:-1]] == [("code", lead), ("equation", lead)]
    tree = lxml_html.parse(str(files["html"]))
    for kind in ("code", "equation"):
        section = tree.xpath(f"//section[contains(@class, 'kind-{kind}')]")[0]
        first = section.xpath(".//div[@class='slide-body']/*[not(self::h2)]")[0]
        assert first.get("class") == "lead" and first.text_content() == lead
    reader = PdfReader(files["pdf"])
    assert len(reader.pages) == len(deck.slides)
    for page in reader.pages[1:3]:
        words = " ".join(page.extract_text().split())
        assert lead in words
    spilled = render_pdf(files["html"].read_text(encoding="utf-8"), base_dir=out / "slides",
                         project=load_project(out.parent), origin=deck.article.source,
                         identifier=deck.article.identifier, stylesheets=[SPILL_CSS])
    assert len(PdfReader(io.BytesIO(spilled)).pages) == len(deck.slides)
    prs = Presentation(str(files["pptx"]))
    listing, formula = prs.slides[1], prs.slides[2]
    body = next(ph for ph in listing.placeholders if ph.placeholder_format.idx == 1)
    paragraphs = [p.text for p in body.text_frame.paragraphs]
    assert paragraphs == [lead, *code.splitlines()]
    assert body.text_frame.paragraphs[0].runs[0].font.size == Pt(22)
    texts = [shape.text_frame.text for shape in formula.shapes
             if shape.has_text_frame and shape != formula.shapes.title]
    assert texts[0] == lead


def test_pptx_single_point_has_no_bullet_marker(built: Callable[..., tuple[Path, Deck]]
                                                ) -> None:
    # The HTML slide shows a lone point as a statement (.bullets.single); PowerPoint's body
    # placeholder would put a list marker before it.
    text = article("Points", f"## One\n\n{sentence(1)}\n\n## Two\n\n{sentence(2)}\n\n"
                   f"{sentence(3)}\n")
    out, deck = built(text)
    prs = Presentation(str(outputs(out, "points")["pptx"]))
    one, two = (next(ph for ph in page.placeholders if ph.placeholder_format.idx == 1)
                for page in list(prs.slides)[1:3])
    assert [len(s.bullets) for s in deck.slides[1:3]] == [1, 2]
    assert one.text_frame.paragraphs[0]._p.pPr.find(qn("a:buNone")) is not None
    assert all(p._p.pPr is None or p._p.pPr.find(qn("a:buNone")) is None
               for p in two.text_frame.paragraphs)
    html = lxml_html.parse(str(outputs(out, "points")["html"]))
    assert html.xpath("//section[@id='slide-2']//ul/@class") == ["bullets single"]


def test_pptx_keeps_a_news_pages_long_summary_and_tags(
        built: Callable[..., tuple[Path, Deck]]) -> None:
    """A web page's summary and tag list run past Office's 255 characters a property."""
    summary = " ".join(["The committee heard from reporters and editors about the new law."] * 6)
    tags = ", ".join(f"topic {n}" for n in range(60))
    out, _ = built(article("Press Freedom", "Words.\n", description=repr(summary),
                           keywords=repr(tags)))
    props = Presentation(str(outputs(out, "press-freedom")["pptx"])).core_properties
    assert len(props.subject) <= 255 and props.subject.endswith("\u2026")
    assert summary.startswith(props.subject[:-1] + " ")  # cut between words
    assert len(props.keywords) <= 255 and props.keywords.startswith("topic 0, topic 1,")
    assert props.title == "Press Freedom"


def test_a_table_inside_a_cell_is_text_of_that_cell(built: Callable[..., tuple[Path, Deck]]
                                                     ) -> None:
    # Word forms lay tables out inside tables (POI's study-design and drawing documents): the
    # slide's table made each inner row a row of its own, empty rows (<tr></tr>) between.
    grid = ("+------------------------------+------+\n"
            "| +-----------+-------+        | Note |\n"
            "| | Protocol: | A5346 |        |      |\n"
            "| +===========+=======+        |      |\n"
            "| | Version:  | 1.0   |        |      |\n"
            "| +-----------+-------+        |      |\n"
            "+==============================+======+\n"
            "| Study design: a trial.       | ok   |\n"
            "+------------------------------+------+\n")
    out, deck = built(article("Forms", f"## Form\n\n{grid}"))
    [table] = [slide.table for slide in deck.slides if slide.table]
    assert table.header == ("Protocol: A5346 Version: 1.0", "Note")
    assert table.rows == (("Study design: a trial.", "ok"),)
    page = outputs(out, "forms")["html"]
    assert vnu_errors(page) == []
    assert not lxml_html.parse(str(page)).xpath("//table//tr[not(*)]")


# A group's name spans two rows; the last row's first cell, two columns.
PLANETS_GRID = """\
+---------+-------+------+
| Group   | Name  | Mass |
+=========+=======+======+
| Inner   | Venus | 4.87 |
|         +-------+------+
|         | Earth | 5.97 |
+---------+-------+------+
| Both of them    | 10.8 |
+-----------------+------+
"""


def test_cells_spanning_rows_and_columns_keep_the_slide_tables_columns(
        built: Callable[..., tuple[Path, Deck]]) -> None:
    # pandoc's planets table: a group's name spans its rows, the head's first cell two
    # columns. The slide's rows lost those places: Venus came out under the empty head,
    # its mass under "Name", on the web deck, the PDF and in PowerPoint.
    out, deck = built(article("Planets", f"## Masses\n\n{PLANETS_GRID}"))
    [table] = [slide.table for slide in deck.slides if slide.table]
    assert table.header == ("Group", "Name", "Mass")
    assert table.rows == (("Inner", "Venus", "4.87"), ("", "Earth", "5.97"),
                          ("Both of them", "", "10.8"))
    pptx = Presentation(str(outputs(out, "planets")["pptx"]))
    [grid_shape] = [shape for slide in pptx.slides for shape in slide.shapes if shape.has_table]
    cells = [[cell.text for cell in row.cells] for row in grid_shape.table.rows]
    assert cells[2] == ["", "Earth", "5.97"]
