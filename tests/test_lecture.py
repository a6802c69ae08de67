"""A lecture in every format: highlighted code, aligned tables, citations, cross-references."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html
from PIL import Image
from pptx import Presentation
from pptx.slide import Slide as PptxSlide
from pypdf import PdfReader

from pipeline.cli import cli
from tests.conftest import article, build_warnings, require_tool
from tests.outputs import epub_text, pdf_text, pptx_text
from tests.validators import epubcheck_problems, vnu_errors

SLUG = "gradient-descent"
LECTURE = article("Gradient Descent", """\
    # Code {#sec-code}

    ```{.python .numberLines}
    def step(theta, grad, eta=0.1):
        \"\"\"One step of gradient descent.\"\"\"
        return theta - eta * grad  # move downhill
    ```

    # Results {#sec-results}

    Stochastic approximation goes back to @robbins1951; see also [@knuth1984, p. 5].
    @fig-plot shows the loss, @tbl-loss the numbers, @eq-step the update and
    @sec-results this section.

    $$\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)$$ {#eq-step}

    ![The loss curve](plot.png){#fig-plot width=50%}

    | Method | Steps | Loss |
    |:-------|------:|:----:|
    | GD     |   100 | 0.25 |
    | SGD    |    20 | 0.31 |

    : Loss after training {#tbl-loss}

    # Long listing

    ```python
    import numpy as np
    """ + "".join(f"    value_{i} = np.zeros({i})  # a row of the listing\n" for i in range(14))
    + """\
    ```
    """, author="Ada Lovelace", date="2024-03-01", bibliography="refs.bib",
    nocite="'@lecun1998'", **{"link-citations": "true"})
BIBLIOGRAPHY = """\
@book{knuth1984, author = {Donald E. Knuth}, title = {The TeXbook},
  publisher = {Addison-Wesley}, year = {1984}}
@article{robbins1951, author = {Herbert Robbins and Sutton Monro},
  title = {A Stochastic Approximation Method},
  journal = {The Annals of Mathematical Statistics}, year = {1951}}
@article{lecun1998, author = {Yann LeCun and others}, title = {Gradient-Based Learning},
  journal = {Proceedings of the IEEE}, year = {1998}}
"""
# Rough colours: a PDF or PPTX colour counts as one of these kinds when close to it.
STRING_RED, KEYWORD_GREEN = (0xBA, 0x21, 0x21), (0x00, 0x80, 0x00)


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the build folder of a project holding the lecture, built in every format."""
    root = tmp_path_factory.mktemp("lecture")
    (root / "source").mkdir()
    (root / "source" / "folio.yaml").write_text("site_title: Lectures\nlang: en\n")
    (root / "source" / f"{SLUG}.md").write_text(LECTURE, encoding="utf-8")
    (root / "source" / "refs.bib").write_text(BIBLIOGRAPHY, encoding="utf-8")
    Image.new("RGB", (40, 30), (200, 50, 50)).save(root / "source" / "plot.png")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build"


def _page(build: Path) -> lxml_html.HtmlElement:
    return lxml_html.parse(str(build / "html" / f"{SLUG}.html")).getroot()


def _css_colours(css: str) -> dict[str, str]:
    """Return the colour each ``.highlight .CLASS`` rule of a stylesheet gives."""
    return {m.group(1): m.group(2).lower() for m in
            re.finditer(r"^\.highlight \.([\w-]+) \{[^}]*?color: (#[0-9a-fA-F]{6})", css, re.M)}


def _pdf_fill_colours(path: Path) -> set[tuple[int, int, int]]:
    """Return the RGB fill colours the PDF's pages paint with (the ``rg`` operators)."""
    colours = set()
    for page in PdfReader(path).pages:
        data = page.get_contents().get_data().decode("latin-1")
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", data):
            colours.add(tuple(round(float(v) * 255) for v in (r, g, b)))
    return colours


def _near(colour: tuple[int, ...], target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 3 for a, b in zip(colour, target, strict=True))


def _pptx(build: Path) -> Presentation:
    return Presentation(str(build / "slides" / f"{SLUG}.pptx"))


def _slide_with(prs: Presentation, text: str) -> PptxSlide:
    return next(slide for slide in prs.slides
                if any(text in shape.text_frame.text for shape in slide.shapes
                       if shape.has_text_frame))


def test_page_code_has_three_colours_and_a_dark_style(lecture: Path) -> None:
    page = _page(lecture)
    code = page.xpath("//pre[contains(@class, 'highlight')]")[0]
    assert "python" in code.get("class").split()
    css = (lecture / "html" / "folio.css").read_text()
    colours = _css_colours(css)
    used = {cls for span in code.iter("span") for cls in (span.get("class") or "").split()}
    assert len({colours[cls] for cls in used if cls in colours}) >= 3
    # Line numbers, on request, one per line.
    assert [n.text for n in code.xpath(".//span[@class='linenos']")] == ["1", "2", "3"]
    assert "prefers-color-scheme: dark" in css.split(".highlight .k", 1)[1]


def test_handout_and_deck_pdf_paint_code_in_its_colours(lecture: Path) -> None:
    for pdf in (lecture / "pdf" / f"{SLUG}.pdf", lecture / "slides" / f"{SLUG}.pdf"):
        colours = _pdf_fill_colours(pdf)
        for wanted in (STRING_RED, KEYWORD_GREEN, (0x00, 0x00, 0xFF)):
            assert any(_near(c, wanted) for c in colours), (pdf.name, wanted, colours)


def test_pptx_code_is_coloured_monospace_runs(lecture: Path) -> None:
    slide = _slide_with(_pptx(lecture), "def step")
    body = slide.placeholders[1].text_frame
    runs = [run for p in body.paragraphs for run in p.runs if run.text.strip()]
    colours = {str(run.font.color.rgb) for run in runs
               if run.font.color and run.font.color.type is not None}
    assert len(colours) >= 3, colours
    assert {run.font.name for run in runs} == {"DejaVu Sans Mono"}


def test_long_listing_continues_on_numbered_slides(lecture: Path) -> None:
    deck = lxml_html.parse(str(lecture / "slides" / f"{SLUG}.html")).getroot()
    titles = [" ".join(t.text_content().split()) for t in deck.xpath("//h2[@class='slide-title']")]
    assert "Long listing (1/2)" in titles and "Long listing (2/2)" in titles
    shown = "".join(pre.text_content() for pre in deck.xpath("//section//pre"))
    assert all(f"value_{i} = np.zeros({i})" in shown for i in range(14))


def test_right_aligned_column_in_page_deck_and_pptx(lecture: Path) -> None:
    for path in (lecture / "html" / f"{SLUG}.html", lecture / "slides" / f"{SLUG}.html"):
        doc = lxml_html.parse(str(path)).getroot()
        cells = doc.xpath("//table//tr/*[2]")
        assert cells and all("text-align: right" in c.get("style", "") for c in cells), path
        assert all("text-align: center" in c.get("style", "")
                   for c in doc.xpath("//table//tr/*[3]")), path
    table = next(shape.table for slide in _pptx(lecture).slides for shape in slide.shapes
                 if shape.has_table)
    xml = etree.tostring(table.cell(1, 1)._tc).decode()
    assert 'algn="r"' in xml
    assert 'algn="ctr"' in etree.tostring(table.cell(1, 2)._tc).decode()
    assert "Table 1: Loss after training" in _texts(lecture)["pptx"]  # split() ate the nbsp


def test_right_aligned_column_in_handout_pdf(lecture: Path) -> None:
    pdftotext = require_tool("pdftotext", "to read word positions in the handout")
    done = subprocess.run([pdftotext, "-bbox", str(lecture / "pdf" / f"{SLUG}.pdf"), "-"],
                          capture_output=True, text=True, check=True)
    right = {word: float(x) for x, word in
             re.findall(r'xMax="([\d.]+)"[^>]*>(100|20|Steps)</word>', done.stdout)}
    assert set(right) == {"100", "20", "Steps"}
    assert abs(right["100"] - right["20"]) < 0.5 and abs(right["20"] - right["Steps"]) < 0.5


def test_lecture_outputs_pass_the_validators(lecture: Path) -> None:
    assert epubcheck_problems(lecture / "epub" / f"{SLUG}.epub") == []
    assert vnu_errors(lecture / "html" / f"{SLUG}.html", lecture / "slides" / f"{SLUG}.html") == []


def test_epub_code_is_highlighted(lecture: Path) -> None:
    with zipfile.ZipFile(lecture / "epub" / f"{SLUG}.epub") as epub:
        chapter = epub.read(f"EPUB/chapter-{SLUG}.xhtml")
        css = epub.read("EPUB/style.css").decode()
    tree = etree.fromstring(chapter)
    spans = tree.xpath("//x:pre[contains(@class, 'highlight')]//x:span/@class",
                       namespaces={"x": "http://www.w3.org/1999/xhtml"})
    colours = _css_colours(css)
    assert len({colours[c] for c in spans if c in colours}) >= 3


def _texts(build: Path) -> dict[str, str]:
    """Return the visible text of the lecture in every format."""
    def pdf_text(path: Path) -> str:
        return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())

    def html_text(path: Path) -> str:
        return " ".join(lxml_html.parse(str(path)).getroot().body.text_content().split())

    with zipfile.ZipFile(build / "epub" / f"{SLUG}.epub") as epub:
        chapter = etree.fromstring(epub.read(f"EPUB/chapter-{SLUG}.xhtml"))
    prs = _pptx(build)
    return {
        "page": html_text(build / "html" / f"{SLUG}.html"),
        "handout": pdf_text(build / "pdf" / f"{SLUG}.pdf"),
        "epub": " ".join("".join(chapter.itertext()).split()),
        "deck": html_text(build / "slides" / f"{SLUG}.html"),
        "deck pdf": pdf_text(build / "slides" / f"{SLUG}.pdf"),
        "pptx": " ".join(" ".join(shape.text_frame.text for slide in prs.slides
                                  for shape in slide.shapes if shape.has_text_frame).split()),
        "pptx notes": " ".join(slide.notes_slide.notes_text_frame.text
                               for slide in prs.slides if slide.has_notes_slide),
    }


def test_cross_references_resolve_in_every_format(lecture: Path) -> None:
    for name, text in _texts(lecture).items():
        if name == "pptx notes":
            continue
        assert "@fig" not in text and "@tbl" not in text and "@eq-" not in text, name
        assert "Figure\u00a01" in text or "Figure 1" in text, name
        if name not in {"pptx"}:  # the PPTX figure slide shows the picture and its caption
            assert "Table\u00a01" in text or "Table 1" in text, name
    page = _page(lecture)
    links = {a.get("href"): a.text_content() for a in page.xpath("//a[@class='crossref']")}
    assert links == {"#fig-plot": "Figure\u00a01", "#tbl-loss": "Table\u00a01",
                     "#eq-step": "(1)", "#sec-results": "Section\u00a02"}
    assert page.xpath("string(//figure[@id='fig-plot']/figcaption)").startswith("Figure\u00a01:")
    assert page.xpath("string(//table[@id='tbl-loss']/caption)").startswith("Table\u00a01:")
    equation = page.xpath("//span[@id='eq-step']")[0]
    assert equation.xpath("string(span[@class='equation-number'])") == "(1)"
    assert equation.xpath("count(.//*[local-name()='math'][@display='block'])") == 1


def test_citations_and_references_in_every_format(lecture: Path) -> None:
    for name, text in _texts(lecture).items():
        if name != "pptx notes":
            assert "Robbins and Monro" in text and "Knuth" in text, name
        # nocite brings in a work the text never cites.
        assert "LeCun" in text, name
    page = _page(lecture)
    assert page.xpath("//div[@id='refs']/div[@id='ref-robbins1951']")
    # link-citations: the citation links to its entry.
    assert page.xpath("//span[@class='citation']/a[@href='#ref-robbins1951']")
    deck = lxml_html.parse(str(lecture / "slides" / f"{SLUG}.html")).getroot()
    assert "References" in [" ".join(h.text_content().split())
                            for h in deck.xpath("//h2[@class='slide-title']")]
    notes = _texts(lecture)["pptx notes"]
    assert "A Stochastic Approximation Method" in notes and "Proceedings of the IEEE" in notes


def test_figure_width_is_kept(lecture: Path) -> None:
    assert "width:50" in _page(lecture).xpath("//figure[@id='fig-plot']//img")[0].get("style")
    with zipfile.ZipFile(lecture / "epub" / f"{SLUG}.epub") as epub:
        chapter = etree.fromstring(epub.read(f"EPUB/chapter-{SLUG}.xhtml"))
    image = chapter.xpath("//x:figure//x:img", namespaces={"x": "http://www.w3.org/1999/xhtml"})
    assert "width:50" in image[0].get("style")


def test_german_cross_references_and_unknown_ids_warn(make_project, folio) -> None:
    root = make_project({"source/de.md": article("Abstieg", """\
        Siehe @tbl-x und @fig-none.

        | a | b |
        |---|--:|
        | 1 | 2 |

        : Zahlen {#tbl-x}

        Wie @nobody2000 zeigt.
        """, lang="de", bibliography="refs.bib"), "source/refs.bib": BIBLIOGRAPHY})
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "abstieg.html")).getroot()
    assert page.xpath("string(//a[@class='crossref'])") == "Tabelle\u00a01"
    assert page.xpath("string(//table/caption)").startswith("Tabelle\u00a01:")
    warnings = build_warnings(result)
    assert any(w.endswith("source/de.md:7: cross-reference 'fig-none' not found")
               for w in warnings), warnings
    assert any(w.endswith("source/de.md:15: citation 'nobody2000' not found")
               for w in warnings), warnings


def test_references_to_another_article_lead_to_it(make_project, folio) -> None:
    # R for Data Science refers from chapter to chapter (@sec-data-tidy in the import
    # chapter): each was "?@sec-..." and a warning, though the build holds the section.
    one = article("Data import", """\
        ## Reading files {#sec-import}

        Tidy it as in @sec-tidy, plotted in @fig-counts.

        And @sec-nowhere.
        """, slug="import")
    two = article("Tidy data", """\
        ## Pivoting

        ## Tidy tables {#sec-tidy}

        After @sec-import.

        ![Counts](counts.png){#fig-counts}
        """, slug="tidy")
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(picture, "PNG")
    root = make_project({"source/import.md": one, "source/tidy.md": two,
                         "source/counts.png": picture.getvalue(),
                         "source/books/course.yaml": "title: Course\ncontents:\n"
                                                     "  - import.md\n  - tidy.md\n"})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    # Only the id no article has; a single article's ebook keeps the words of the others.
    assert len(warnings) == 1 and warnings[0].endswith(
        "source/import.md:10: cross-reference 'sec-nowhere' not found"), warnings
    page = lxml_html.parse(str(root / "build" / "html" / "import.html")).getroot()
    links = [(a.get("href"), a.text_content()) for a in page.xpath("//a[@class='crossref']")]
    assert links == [("tidy.html#sec-tidy", "Section\u00a02 in Tidy data"),
                     ("tidy.html#fig-counts", "Figure\u00a01 in Tidy data")]
    assert page.xpath("string(//p/strong)") == "?@sec-nowhere"
    back = lxml_html.parse(str(root / "build" / "html" / "tidy.html")).getroot()
    assert back.xpath("//a[@class='crossref']/@href") == ["import.html#sec-import"]
    with zipfile.ZipFile(root / "build" / "epub" / "course.epub") as book:
        chapter = etree.fromstring(book.read("EPUB/chapter-import.xhtml"))
    hrefs = chapter.xpath("//x:a[@class='crossref']/@href",
                          namespaces={"x": "http://www.w3.org/1999/xhtml"})
    assert hrefs == ["chapter-tidy.xhtml#sec-tidy", "chapter-tidy.xhtml#fig-counts"]
    assert epubcheck_problems(root / "build" / "epub" / "course.epub") == []
    assert epubcheck_problems(root / "build" / "epub" / "import.epub") == []
    handout = " ".join(PdfReader(root / "build" / "pdf" / "import.pdf").pages[0]
                       .extract_text().split())
    assert "Tidy it as in Section 2 in Tidy data, plotted in Figure 1 in Tidy data." in handout
    # Renumbered over there, the reference here is made again.
    (root / "source" / "tidy.md").write_text(two.replace("## Pivoting\n\n", ""),
                                             encoding="utf-8")
    assert folio(root, "build", "-j", "1", "-f", "html").exit_code == 0
    page = lxml_html.parse(str(root / "build" / "html" / "import.html")).getroot()
    assert page.xpath("string(//a[@class='crossref'])") == "Section\u00a01 in Tidy data"


def test_project_bibliography_serves_every_article(make_project, folio) -> None:
    root = make_project({"source/a.md": article("A", "As @knuth1984 wrote.\n"),
                         "source/refs.bib": BIBLIOGRAPHY},
                        settings="site_title: T\nlang: en\nbibliography: refs.bib\n")
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "a.html")).getroot()
    assert "Knuth (1984)" in page.xpath("string(//span[@class='citation'])")
    assert page.xpath("//div[@id='refs']")


def test_side_by_side_figures(make_project, folio) -> None:
    pdftotext = require_tool("pdftotext", "to read word positions in the handout")
    root = make_project({"source/two.md": article("Two", """\
        ::: {layout-ncol=2}
        ![Leftplot](a.png){#fig-a}

        ![Rightplot](a.png){#fig-b}
        :::
        """)})
    Image.new("RGB", (40, 30), (200, 50, 50)).save(root / "source" / "a.png")
    result = folio(root, "build", "-f", "html,pdf")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "two.html")).getroot()
    assert len(page.xpath("//div[@data-layout-ncol='2']/figure")) == 2
    done = subprocess.run([pdftotext, "-bbox", str(root / "build" / "pdf" / "two.pdf"), "-"],
                          capture_output=True, text=True, check=True)
    where = {word: (float(x), float(y)) for x, y, word in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(Leftplot|Rightplot)</word>',
                        done.stdout)}
    # The captions sit on one line, the second to the right of the first.
    assert abs(where["Leftplot"][1] - where["Rightplot"][1]) < 1
    assert where["Rightplot"][0] > where["Leftplot"][0] + 100


def _built_cells(make_project, folio, body: str, formats: str):
    """Build an article of code cells; return its project, the run's output and its page."""
    root = make_project({"source/cells.md": article("Cells", body)})
    result = folio(root, "build", "-f", formats, "-j", "1")
    assert result.exit_code == 0, result.output
    return root, result.output, lxml_html.parse(str(root / "build" / "html" / "cells.html"))


def _listings(page) -> list[tuple[str, str]]:
    """Return each listing of a page: its code and its class."""
    return [("".join(pre.itertext()), pre.get("class")) for pre in page.iter("pre")]


def test_r_markdown_and_quarto_code_cells_are_code_blocks(make_project, folio) -> None:
    # bookdown-demo's chapters and Quarto's pages open code cells with ```{r label, opts}:
    # pandoc's Markdown does not know the form and ran each cell into one line of inline code.
    body = """\
        ```{r nice-fig, fig.cap='Here is a nice figure!', out.width='80%'}
        par(mar = c(4, 4, .1, .1))
        plot(pressure, type = 'b', pch = 19)
        ```

        ~~~{python}
        #| echo: false
        print(1)
        ~~~

        ```{.python}
        x = 1
        ```

        ```{=html}
        <p class="raw">kept</p>
        ```

        [a]: https://example.org/x
        [a]: https://example.org/y
        """
    root, output, page = _built_cells(make_project, folio, body, "html,epub")
    # The cell's fence changed, not the lines: a warning after it names its own line.
    assert "cells.md:24: pandoc: Duplicate link reference '[a]'" in output
    # The cell with "#| echo: false" is not shown in Quarto, and not here.
    assert _listings(page) == [
        ("par(mar = c(4, 4, .1, .1))\nplot(pressure, type = 'b', pch = 19)", "highlight r"),
        ("x = 1", "highlight python")]
    assert page.xpath("//p[@class='raw']/text()") == ["kept"]
    assert not page.xpath("//p/code")
    assert vnu_errors(root / "build" / "html" / "cells.html") == []


def test_quarto_cell_options_are_not_shown_and_hidden_cells_left_out(make_project, folio):
    # r4ds opens nearly every cell with "#|" lines (label, fig-alt over several lines, echo):
    # they showed as the first lines of every listing, and "source('_common.R')" cells that
    # Quarto hides were set in every format.
    body = """\
        ```{r}
        #| echo: false
        source("_common.R")
        ```

        ```{r}
        #| label: fig-flow
        #| fig-alt: |
        #|   Workflow diagram starting with a qmd file.
        library(tidyverse)
        #| not an option once the code has begun
        ```

        ```{r setup, include=FALSE}
        knitr::opts_chunk$set(comment = "#>")
        ```

        ```{python}
        #| include: false
        import secret
        ```

        ```{.python}
        #| echo: false
        print("a plain block is not a cell: shown as written")
        ```

        Missing @sec-nowhere.
        """
    root, output, page = _built_cells(make_project, folio, body, "html,slides")
    # The cells left out take their lines with them only from the output: lines still count.
    assert "cells.md:32: cross-reference 'sec-nowhere' not found" in output
    assert _listings(page) == [
        ("library(tidyverse)\n#| not an option once the code has begun", "highlight r"),
        ('#| echo: false\nprint("a plain block is not a cell: shown as written")',
         "highlight python")]
    deck = (root / "build" / "slides" / "cells.html").read_text(encoding="utf-8")
    assert "_common.R" not in deck and "fig-alt" not in deck and "secret" not in deck


def test_d2l_roles_are_one_warning_and_leave_no_marks(make_project, folio):
    # d2l's calculus chapter alone holds some forty roles: each showed as ":label:sec_x"
    # in every format, a labelled image was no figure, and nothing said why.
    body = """\
        # Calculus
        :label:`sec_calculus`

        The area (:numref:`fig_circle`) was known, as :citet:`Smith.2020` showed
        :cite:`Jones.1999`.

        ![Finding the area of a circle.](circle.png)
        :label:`fig_circle`

        $$f'(x) = 1$$
        :eqlabel:`eq_derivative`

        :begin_tab:`pytorch`
        Some PyTorch words.
        :end_tab:

        See :numref:`sec_calculus` again.
        """
    root = make_project({"source/d2l.md": article("Calculus", body)})
    Image.new("RGB", (40, 30), (200, 50, 50)).save(root / "source" / "circle.png")
    result = folio(root, "build", "-f", "html,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [w.split("source/", 1)[1] for w in build_warnings(result)]
    assert warnings == [
        "d2l.md:6: roles Folio cannot use, as d2l and Sphinx write them: :label: (2), "
        ":numref: (2), :begin_tab: (1), :cite: (1), :citet: (1), :end_tab: (1), "
        ":eqlabel: (1); labels, widths and tab marks are left out, references show their "
        "target's name"]
    page = lxml_html.parse(str(root / "build" / "html" / "calculus.html")).getroot()
    text = page.xpath("string(//article)")
    assert ":label:" not in text and "sec_calculus" in text and "numref" not in text
    assert "eq_derivative" not in text and ":end_tab:" not in text
    assert "(fig_circle)" in " ".join(text.split())
    assert page.xpath("//figure/figcaption[contains(., 'Finding the area')]")
    deck = (root / "build" / "slides" / "calculus.html").read_text(encoding="utf-8")
    assert ":label:" not in deck and ":numref:" not in deck


def test_untitled_callouts_are_titled_in_the_article_language(make_project, folio):
    body = "::: callout-tip\nUse the pipe.\n:::\n"
    root = make_project({"source/de.md": article("Rohre", body, slug="de", lang="de"),
                         "source/fr.md": article("Tubes", body, slug="fr", lang="fr")})
    result = folio(root, "build", "-f", "html,epub", "-j", "1")
    assert result.exit_code == 0, result.output
    german = lxml_html.parse(str(root / "build" / "html" / "de.html")).getroot()
    assert german.xpath("string(//div[@class='callout callout-tip']/p[1]/strong)") == "Tipp"
    # Folio has no French words: the English one is marked English.
    french = lxml_html.parse(str(root / "build" / "html" / "fr.html")).getroot()
    [word] = french.xpath("//div[@class='callout callout-tip']/p[1]/strong/span")
    assert (word.text, word.get("lang"), word.get("dir")) == ("Tip", "en", "ltr")
    assert epubcheck_problems(root / "build" / "epub" / "fr.epub") == []


def test_a_cell_that_only_shows_a_picture_is_that_figure(make_project, folio) -> None:
    # R for Data Science shows each diagram with a hidden cell: #| label: fig-..., fig-cap,
    # fig-alt, then knitr::include_graphics(). Folio left the hidden cell out, the diagram
    # with it, and every "@fig-ds-diagram" was "?@fig-ds-diagram" with a warning.
    body = """\
        As @fig-ds-diagram shows, it starts with import.
        ```{r}
        #| label: fig-ds-diagram
        #| echo: false
        #| out-width: "75%"
        #| fig-cap: |
        #|   In our model of the data
        #|   science process.
        #| fig-alt: |
        #|   A diagram with "Import" and "Tidy".
        knitr::include_graphics("diagrams/base.png", dpi = 270)
        ```
        After it, `@fig-missing`: @fig-missing.
        """
    picture = io.BytesIO()
    Image.new("RGB", (60, 30), "teal").save(picture, "PNG")
    root = make_project({"source/cells.md": article("Cells", body),
                         "source/diagrams/base.png": picture.getvalue()})
    result = folio(root, "build", "-f", "html,pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "cells.html"))
    [figure] = page.xpath("//figure[@id='fig-ds-diagram']")
    image = figure.xpath(".//img")[0]
    assert image.get("alt") == 'A diagram with "Import" and "Tidy".'
    assert image.get("style") == "width:75.0%"
    assert figure.xpath("string(.//figcaption)").startswith(
        "Figure\u00a01: In our model of the data science process.")
    assert page.xpath("string(//a[@class='crossref'])") == "Figure\u00a01"
    assert page.xpath("//pre") == []
    # The lines after the cell keep their numbers: the missing figure is named at line 17.
    warnings = build_warnings(result)
    assert any(w.endswith("cells.md:17: cross-reference 'fig-missing' not found")
               for w in warnings), warnings


def test_quarto_callouts_are_boxes_with_a_bold_title(make_project, folio):
    # r4ds opens its callouts with a heading ("## magrittr"): it entered the outline and
    # started a slide of its own, and the box itself was not drawn in any format.
    body = """\
        # The pipe

        ::: callout-note
        ## magrittr

        The magrittr package came first.
        :::

        ::: {.callout-tip title="A *good* tip"}
        Tip text.
        :::

        ::: callout-warning
        No title here.
        :::
        """
    root = make_project({"source/pipes.md": article("Pipes", body)})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert build_warnings(result) == []
    page = lxml_html.parse(str(root / "build" / "html" / "pipes.html")).getroot()
    boxes = page.xpath("//div[contains(@class, 'callout')]")
    assert [box.get("class") for box in boxes] == [
        "callout callout-note", "callout callout-tip", "callout callout-warning"]
    # An untitled callout is titled by its kind, as Quarto titles it.
    assert [box.xpath("string(./p[1]/strong)") for box in boxes] == [
        "magrittr", "A good tip", "Warning"]
    assert boxes[1].xpath("./p[1]/strong/em/text()") == ["good"]
    assert not page.xpath("//h2") and not page.xpath("//div[@title]")
    css = (root / "build" / "html" / "folio.css").read_text(encoding="utf-8")
    assert ".callout {" in css
    with zipfile.ZipFile(root / "build" / "epub" / "pipes.epub") as epub:
        assert ".callout {" in epub.read("EPUB/style.css").decode("utf-8")
    assert "magrittr" in pdf_text(root / "build" / "pdf" / "pipes.pdf")
    deck = lxml_html.parse(str(root / "build" / "slides" / "pipes.html")).getroot()
    titles = [" ".join(h.text_content().split()) for h in deck.xpath("//section//h2")]
    assert any(title.startswith("The pipe") for title in titles), titles
    assert not any("magrittr" in title for title in titles), titles


def test_console_listing_keeps_its_last_line(make_project, folio) -> None:
    # The Rust book's console listings end without a newline after the panic's "note:" line;
    # Pygments' session lexers read line by line and dropped that last line from every format.
    body = """\
        ```console
        $ cargo run
        Please type a number!: ParseIntError { kind: InvalidDigit }
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
        ```

        ```pycon
        >>> 1 + 1
        2
        ```
        """
    root = make_project({"source/run.md": article("Run", body)})
    result = folio(root, "build", "-f", "html,epub,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(root / "build" / "html" / "run.html")).getroot()
    codes = ["".join(pre.itertext()) for pre in page.iter("pre")]
    assert codes[0].endswith("to display a backtrace")
    assert codes[1] == ">>> 1 + 1\n2"
    # The prompt is still told from the output: the highlighting is not given up.
    assert page.xpath("//pre[1]//span[@class='gp']/text()") == ["$ "]
    assert "display a backtrace" in epub_text(root / "build" / "epub" / "run.epub")
    # The slide cuts the long line at 72 characters; the notes hold the whole listing.
    shown, notes = pptx_text(root / "build" / "slides" / "run.pptx")
    assert "note: run with" in shown
    assert "display a backtrace" in notes
