"""Math in every format: MathML on the page, MathJax SVG in PDFs, OMML in PPTX, never TeX text."""
# ruff: noqa: E501, RUF001, RUF003  (a lecturer's formulas run long, and the expected text uses U+2212)

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pypandoc
import pypdf
import pytest
from click.testing import CliRunner
from lxml import etree, html
from pptx import Presentation

from pipeline import math as mathrender
from pipeline.cli import cli
from pipeline.math import formulas, is_display_math, mathml_to_text, readable, with_svg
from pipeline.math.omml import omml
from tests.conftest import article, build_warnings, pdf_figure_alts
from tests.validators import epubcheck_problems, vnu_errors

MATHML = "http://www.w3.org/1998/Math/MathML"
SLUG = "gradient-descent"
# A lecture on gradient descent with the constructs a lecturer's formulas use.
LECTURE = article("Gradient Descent", r"""
    # The loss

    We fit a linear model by minimising $L(\theta) = \frac{1}{n}\sum_{i=1}^{n} (y_i - \theta^T x_i)^2$
    over the data set $\mathcal{D} \subset \mathbb{R}^d$.

    $$\nabla_\theta L(\theta) = -\frac{2}{n} \sum_{i=1}^{n} x_i \left( y_i - \theta^T x_i \right)$$

    # The update

    Each step moves against the gradient: $\theta_{t+1} = \theta_t - \eta \nabla_\theta L(\theta_t)$
    with a step size $0 < \eta < 2/L$, an estimate $\hat{\theta}$ and a mean $\bar{x}$.

    $$\theta_{t+1} = \theta_t - \eta \, \nabla_\theta L(\theta_t), \qquad \mathbb{E}\left[\|\theta_t - \theta^\ast\|^2\right] \le \left(1 - \frac{\mu}{L}\right)^{t} \|\theta_0 - \theta^\ast\|^2 + \frac{\eta \sigma^2}{\mu} \quad \text{for all } t \ge 0$$

    # Matrices and cases

    The Hessian is $H = \begin{pmatrix} a & b \\ c & d \end{pmatrix}$ and

    $$A = \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}, \quad f(x) = \begin{cases} x^2 & \text{if } x \ge 0 \\ -x & \text{otherwise} \end{cases}$$

    $$\begin{aligned} \operatorname{prox}_{\eta g}(v) &= \arg\min_x \left( g(x) + \frac{1}{2\eta}\|x - v\|^2 \right) \\ \int_0^1 x^2 \, dx &= \overbrace{\frac{1}{3}}^{\text{area}} \end{aligned}$$

    The integral $\int_0^\infty e^{-x}\,dx = 1$ is inline.
    """, lang="en")
DISPLAY_EQUATIONS = 4
FORMULAS = 12
# A TeX command as visible text: what no output may show.
TEX = re.compile(r"\\(frac|sum|int|theta|begin|end|left|right|mathbb|mathcal|text|operatorname|"
                 r"nabla|hat|bar|overbrace|eta|le)\b")

needs_mathjax = pytest.mark.skipif(
    mathrender.mathjax_dir() is None or mathrender.node_executable() is None,
    reason="MathJax is not installed (make build installs it)")


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the lecture in every format once; return the project root."""
    root = tmp_path_factory.mktemp("math")
    (root / "source").mkdir()
    (root / "source/folio.yaml").write_text("site_title: Lectures\nlang: en\n", "utf-8")
    (root / "source" / f"{SLUG}.md").write_text(LECTURE, "utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


def pdf_text(path: Path) -> str:
    """Return the text of every page of a PDF."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_page_has_mathml_with_display_blocks_annotation_and_alttext(lecture):
    page = etree.parse(str(lecture / f"build/html/{SLUG}.html"), etree.HTMLParser())
    maths = page.xpath("//*[local-name()='math']")
    assert len(maths) == FORMULAS
    blocks = [m for m in maths if m.get("display") == "block"]
    assert len(blocks) == DISPLAY_EQUATIONS
    for math in maths:
        annotation = math.xpath(".//*[local-name()='annotation']")
        assert annotation and annotation[0].get("encoding") == "application/x-tex"
        assert math.get("alttext") == " ".join(annotation[0].text.split())


@needs_mathjax
def test_handout_sets_every_formula_as_tagged_svg_without_tex_text(lecture):
    handout = lecture / f"build/pdf/{SLUG}.pdf"
    text = pdf_text(handout)
    assert not TEX.search(text), TEX.search(text)
    alts = pdf_figure_alts(pypdf.PdfReader(handout))
    texs = [" ".join(tex.split()) for tex, _ in formulas(page_html(lecture))]
    assert sorted(alts) == sorted(texs)


def page_html(root: Path) -> str:
    """Return the web page of the lecture."""
    return (root / f"build/html/{SLUG}.html").read_text("utf-8")


def test_deck_html_shows_math_never_tex(lecture):
    deck = html.parse(str(lecture / f"build/slides/{SLUG}.html")).getroot()
    for hidden in deck.xpath("//script|//*[local-name()='annotation']|//style"):
        hidden.getparent().remove(hidden)
    visible = " ".join(deck.itertext())
    assert not TEX.search(visible), TEX.search(visible)
    equations = deck.xpath("//section[contains(@class, 'kind-equation')]")
    assert len(equations) == DISPLAY_EQUATIONS
    for slide in equations:
        assert slide.xpath(".//*[local-name()='math'][@display='block']")
        # The equation is never shortened (the sentence introducing it, above, may be).
        (equation,) = slide.xpath(".//div[@class='equation']")
        assert "…" not in " ".join(equation.itertext())
    # Inline math in a bullet, or in the sentence that introduces an equation, as Unicode.
    bullets = " ".join(deck.xpath("//section[contains(@class, 'kind-content')]//li//text()"
                                  " | //section//p[@class='lead']//text()"))
    assert "θₜ₊₁ = θₜ − η∇_θL(θₜ)" in bullets


@needs_mathjax
@pytest.mark.parametrize("name", [f"slides/{SLUG}.pdf", f"pdf/{SLUG}-slides-handout.pdf"])
def test_deck_pdfs_show_no_tex(lecture, name):
    pdf = lecture / "build" / name
    assert not TEX.search(pdf_text(pdf))


def test_pptx_has_omml_equations_and_unicode_bullets(lecture):
    path = lecture / f"build/slides/{SLUG}.pptx"
    deck = Presentation(str(path))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame]
    texts += [slide.notes_slide.notes_text_frame.text for slide in deck.slides
              if slide.has_notes_slide]
    assert not any(TEX.search(text) for text in texts), [t for t in texts if TEX.search(t)]
    with zipfile.ZipFile(path) as pptx:
        slides = [pptx.read(name) for name in pptx.namelist()
                  if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)]
    equations = [xml for xml in slides if b"<a14:m>" in xml]
    assert len(equations) == DISPLAY_EQUATIONS
    for xml in equations:
        root = etree.fromstring(xml)
        choice = root.find(".//{http://schemas.openxmlformats.org/markup-compatibility/2006}Choice")
        assert choice is not None and choice.get("Requires") == "a14"
        assert choice.find(".//{http://schemas.openxmlformats.org/officeDocument/2006/math}"
                           "oMathPara") is not None


def test_epub_has_mathml_alttext_and_passes_epubcheck(lecture):
    path = lecture / f"build/epub/{SLUG}.epub"
    assert epubcheck_problems(path) == []
    with zipfile.ZipFile(path) as epub:
        opf_name = next(n for n in epub.namelist() if n.endswith(".opf"))
        opf = etree.fromstring(epub.read(opf_name))
        chapters = [epub.read(n) for n in epub.namelist() if n.endswith(".xhtml")]
    items = opf.xpath("//*[local-name()='item'][contains(@properties, 'mathml')]")
    assert items
    maths = [m for chapter in chapters
             for m in etree.fromstring(chapter).iter(f"{{{MATHML}}}math")]
    assert len(maths) == FORMULAS and all(m.get("alttext") for m in maths)


def test_page_and_deck_with_math_are_valid_html(lecture):
    assert vnu_errors(lecture / f"build/html/{SLUG}.html",
                      lecture / f"build/slides/{SLUG}.html") == []


def test_mathml_reads_as_unicode_text():
    page = ('<math display="inline" xmlns="http://www.w3.org/1998/Math/MathML"><semantics>'
            "<mrow><mi>L</mi><mo>(</mo><mi>θ</mi><mo>)</mo><mo>=</mo><mfrac><mn>1</mn><mi>n</mi>"
            "</mfrac><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi>"
            "</munderover><msup><mrow><mo>(</mo><msub><mi>y</mi><mi>i</mi></msub><mo>−</mo>"
            "<msup><mi>θ</mi><mi>T</mi></msup><msub><mi>x</mi><mi>i</mi></msub><mo>)</mo></mrow>"
            '<mn>2</mn></msup></mrow><annotation encoding="application/x-tex">L</annotation>'
            "</semantics></math>")
    assert mathml_to_text(page) == "L(θ) = 1/n∑ᵢ₌₁ⁿ(yᵢ − θᵀxᵢ)²"


def _pandoc_mathml(tex: str) -> str:
    """Return pandoc's MathML for the inline formula ``tex``, as an article's parse holds it."""
    page = pypandoc.convert_text(f"${tex}$", "html", format="markdown", extra_args=["--mathml"])
    return re.search(r"<math.*</math>", page, re.DOTALL).group(0)


@pytest.mark.parametrize(("tex", "text"), [
    ("f'(x)", "f′(x)"), ("f''(x)", "f″(x)"), (r"x^{\prime}", "x′"),
    (r"\mathbf{x}^\top \mathbf{w}", "𝒙ᵀ𝒘"), (r"X^{\top}", "Xᵀ"),
    (r"\hat{y}", "ŷ"), (r"\bar{x}", "x̄"), (r"\tilde{x}", "x̃"), (r"\vec{v}", "v⃗"),
    (r"\dot{x}", "ẋ"), (r"\hat{y}^{(i)}", "ŷ⁽ⁱ⁾"), (r"\bar{x}_i", "x̄ᵢ"),
    (r"\hat{\mathbf{w}}", "𝒘̂"),
])
def test_slide_math_reads_primes_transposes_and_accents_as_unicode(tex, text):
    # d2l's formulas write f'(x), X^\top and \hat{y}: the deck showed f^′(x), X^⊤ and y^̂,
    # pandoc's combining accent left dangling after a caret.
    assert mathml_to_text(_pandoc_mathml(tex)) == text


def test_block_text_reads_formulas_as_unicode_not_tex():
    fragment = ('<p>Step <math display="inline"><semantics><msup><mi>x</mi><mn>2</mn></msup>'
                '<annotation encoding="application/x-tex">x^2</annotation></semantics></math>'
                " and again x^2.</p>")
    assert readable("Step x^2 and again x^2.", fragment) == "Step x² and again x^2."
    assert not is_display_math(fragment)
    assert is_display_math(fragment.replace('"inline"', '"block"').replace(
        "Step", "").replace(" and again x^2.", ","))


def test_formulas_in_lists_and_quotes_are_read_without_a_pandoc_warning(make_project, folio):
    # pandoc's test suite puts display math in a list item: pandoc's plain writer cannot turn
    # \lim_{h\to 0} there into text and warned "Could not convert TeX math", of a formula every
    # output shows; the block's text must read as Unicode, as a paragraph's does.
    body = r"""
        - Here's some display math:
          $$\frac{d}{dx}f(x)=\lim_{h\to 0}\frac{f(x+h)-f(x)}{h}$$
        - And $x \in y$ inline.

        > $$\sum_{i=1}^n x_i$$
        """
    root = make_project({"source/calc.md": article("Calculus", body)})
    result = folio(root, "build", "-f", "html,slides", "-j", "1")
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    from pipeline.project import load_project
    from pipeline.source import read_article

    listed, quoted = read_article(root / "source" / "calc.md", load_project(root)).blocks
    assert "\\" not in listed.text + quoted.text and "$" not in listed.text + quoted.text
    assert "x ∈ y" in listed.text and "lim" in listed.text and "∑" in quoted.text
    deck = html.parse(str(root / "build" / "slides" / "calculus.html")).getroot()
    shown = deck.xpath("//section//text()[not(ancestor::*[local-name()='annotation'])]")
    assert "\\frac" not in "".join(shown)


@needs_mathjax
def test_formulas_are_cached_by_content(tmp_path, monkeypatch):
    fragment = ('<p><math display="block"><semantics><mi>x</mi><annotation '
                'encoding="application/x-tex">\\frac{a}{b}</annotation></semantics></math></p>')
    first = with_svg(fragment, tmp_path)
    assert 'class="math math-display"' in first and 'alt="\\frac{a}{b}"' in first

    def no_node(found: list[tuple[str, bool]]) -> list[str | None]:
        raise AssertionError("a warm build must not run MathJax")

    monkeypatch.setattr(mathrender, "_run_mathjax", no_node)
    assert with_svg(fragment, tmp_path) == first


@needs_mathjax
def test_an_svg_that_is_not_xml_keeps_the_mathml_and_warns(tmp_path, monkeypatch, caplog):
    # What MathJax's HTML serialisation gave for "a < b": WeasyPrint printed the alt text.
    broken = json.dumps([{"svg": '<svg xmlns="http://www.w3.org/2000/svg" data-latex="a < b"/>'}])
    monkeypatch.setattr(mathrender.subprocess, "run",
                        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, broken, ""))
    fragment = ('<p><math display="inline"><semantics><mi>a</mi><annotation '
                'encoding="application/x-tex">a &lt; b</annotation></semantics></math></p>')
    assert with_svg(fragment, tmp_path) == fragment
    assert "formula 'a < b' could not be typeset: MathJax's SVG is not well-formed XML" \
        in caplog.text
    assert not list(tmp_path.rglob("*.svg"))  # nothing broken is kept for the next build


def test_omml_from_tex():
    maths = omml([r"\frac{1}{2}", r"\sum_{i=1}^n x_i"])
    assert [m is not None for m in maths] == [True, True]
    assert maths[0].find(".//{http://schemas.openxmlformats.org/officeDocument/2006/math}f") \
        is not None


def test_display_rows_outside_an_environment_are_gathered(make_project, folio):
    # d2l's attention chapter breaks a display formula with \\ and no environment: pandoc's
    # MathML gave up (the page showed the TeX) and MathJax set it on one line.
    body = r"""
        $$\mathbf{Q} = [\mathbf{Q}_1, \ldots, \mathbf{Q}_n] \in \mathbb{R}^{n \times a}, \\
          \mathbf{K} = [\mathbf{K}_1, \ldots, \mathbf{K}_n] \in \mathbb{R}^{n \times b}.$$

        $$a &= b + c \\ d &= e$$

        $$\sum_{\substack{i \\ j}} x_{ij}$$
        """
    root = make_project({"source/rows.md": article("Rows", body)})
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert build_warnings(result) == []
    page = html.parse(str(root / "build" / "html" / "rows.html")).getroot()
    maths = page.xpath("//*[local-name()='math']")
    assert len(maths) == 3
    tables = [m.xpath(".//*[local-name()='mtable']") for m in maths]
    assert len(tables[0][0].xpath("./*[local-name()='mtr']")) == 2  # two rows, gathered
    assert len(tables[1][0].xpath("./*[local-name()='mtr']")) == 2  # aligned at &
    tex = [m.xpath("string(.//*[local-name()='annotation'])") for m in maths]
    assert tex[0].startswith(r"\begin{gathered}") and tex[1].startswith(r"\begin{aligned}")
    assert not tex[2].startswith(r"\begin")  # \substack holds its own rows
    assert not page.xpath("//*[local-name()='merror']")


def test_a_formula_pandoc_cannot_read_is_one_warning_with_its_line(make_project, folio):
    # pandoc says so over seven lines, the TeX's own lines among them, without a line number:
    # each became a warning of its own, naming the file only.
    body = r"""
        Some text.

        $$\frac{a}{b} \\
          c \badcommand{x}}$$
        """
    root = make_project({"source/bad.md": article("Bad", body)})
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert [w.split("source/", 1)[1] for w in build_warnings(result)] == [
        r"bad.md:8: pandoc could not read the formula '\frac{a}{b} \\ c \badcommand{x}}' "
        r"(unexpected control sequence \badcommand); it is shown as TeX"]


def test_old_tex_font_switches_are_read(make_project, folio):
    # The Python Data Science Handbook writes Bayes' theorem with {\rm features}, which
    # MathJax reads and pandoc's MathML conversion did not: printed as TeX, one warning each.
    body = r"Bayes: $P(L~|~{\rm features}) = {\bf x} + {\rm P(x_{1})}$."
    root = make_project({"source/bayes.md": article("Bayes", body)})
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert build_warnings(result) == []
    page = html.parse(str(root / "build" / "html" / "bayes.html"))
    [formula] = page.xpath("//math/@alttext")
    assert formula == r"P(L~|~\mathrm{features}) = \mathbf{x} + \mathrm{P(x_{1})}"
    assert page.xpath("//math//mi[@mathvariant='normal' and text()='f']")


WIDE = (r"\frac{\partial y}{\partial x} = \frac{\partial y}{\partial u_m} "
        r"\frac{\partial u_m}{\partial u_{m-1}} \frac{\partial u_{m-1}}{\partial u_{m-2}} \cdots "
        r"\frac{\partial u_2}{\partial u_1} \frac{\partial u_1}{\partial x} + \lambda "
        r"\sum_{i=1}^{n} \left( w_i^2 + b_i^2 \right) + \epsilon_{\mathrm{machine}}")


def test_a_formula_wider_than_the_slide_shrinks_to_fit(make_project, folio, monkeypatch):
    # d2l's chain rule: a display formula wider than the slide was cut at its right edge in the
    # deck PDF and the slide handout (the equation's flex item would not shrink below it).
    if mathrender.mathjax_dir() is None:
        pytest.skip("MathJax is not installed; `make test` installs it")
    from pipeline import weasy

    laid_out = []
    real = weasy.lay_out
    monkeypatch.setattr(weasy, "lay_out", lambda *a, **k: laid_out.append(real(*a, **k))
                        or laid_out[-1])
    root = make_project({"source/w.md": article("Wide", f"## Chain\n\nThe rule:\n\n$${WIDE}$$\n",
                                                slug="w")})
    result = folio(root, "build", "-f", "slides", "-j", "1")
    assert result.exit_code == 0, result.output
    def formulas(box: object, slide: object | None) -> list[tuple[object, object]]:
        element = getattr(box, "element", None)
        classes = element.get("class", "") if element is not None else ""
        if "slide" in classes.split() and getattr(box, "element_tag", "") == "section":
            slide = box
        found = []
        if getattr(box, "element_tag", "") == "img" and "math-display" in classes:
            found.append((box, slide))
        for child in getattr(box, "children", ()):
            found += formulas(child, slide)
        return found

    placed = [pair for document in laid_out for page in document.pages
              for pair in formulas(page._page_box, None)]
    assert placed
    for formula, slide in placed:
        right = formula.position_x + formula.margin_width()
        assert right <= slide.content_box_x() + slide.width + 0.5, (right, slide.width)
