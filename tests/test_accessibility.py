"""Accessibility proven by the checkers publishers use: Ace, axe-core, PDF/UA, PowerPoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html

from pipeline.cli import cli
from tests import test_slides_browser
from tests.conftest import SAMPLE_SOURCE, article, require_tool

# The npm packages (Ace by DAISY, axe-core) `make test` installs here; see the Makefile.
NODE = Path(__file__).resolve().parents[1] / ".venv" / "node"

# Every construct the outputs must carry accessibly: headings, a table, a figure, footnotes,
# math, code and links (one with its printed address in the handout).
RICH = article("Rich Fixture", author="Ann Example", date="2024-01-02", lang="en", body="""\
    # Heading one

    Text with a note[^1], a [link](https://example.org/page) and math $E = \\frac{1}{2} m v^2$.

    ![A red square](images/red.png)

    $$a^2 + b^2 = c^2$$

    ## Sub heading

    | Name | Value |
    |------|-------|
    | a    | 1     |
    | b    | 2     |

    ```python
    def f(x):
        return x + 1
    ```

    A second paragraph with another note.[^2]

    [^1]: The note text.
    [^2]: The second note, with [a link](https://example.org/other).
    """)


def _red_png() -> bytes:
    """Return a small opaque PNG."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the rich fixture, the sample and a book of both into one project; return build/."""
    root = tmp_path_factory.mktemp("a11y")
    source = root / "source"
    (source / "books").mkdir(parents=True)
    (source / "images").mkdir()
    (source / "folio.yaml").write_text("site_title: Test site\nlang: en\n", encoding="utf-8")
    for path in SAMPLE_SOURCE.glob("*.md"):
        shutil.copy(path, source / path.name)
    (source / "rich.md").write_text(RICH, encoding="utf-8")
    (source / "images" / "red.png").write_bytes(_red_png())
    (source / "books" / "pair.yaml").write_text(
        "title: A Pair\ncontents: [rich.md, " + next(SAMPLE_SOURCE.glob("*.md")).name + "]\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build"


def node_tool(relative: str, why: str) -> Path:
    """Return an npm package's file under .venv/node; skip (in CI fail) when it is missing."""
    require_tool("node", why)
    path = NODE / "node_modules" / relative
    if not path.exists():
        message = f"{path} is missing, needed {why}; `make test` installs it with npm"
        if os.environ.get("FOLIO_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# --- Ace by DAISY on every EPUB --------------------------------------------------------------

def ace_violations(epub: Path, out: Path) -> list[str]:
    """Run Ace by DAISY on ``epub``; return one line per violation of any impact."""
    ace = node_tool(".bin/ace-puppeteer", "to check EPUBs with Ace by DAISY")
    chromium = require_tool("chromium", "for Ace by DAISY to render the EPUB")
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    run = subprocess.run([str(ace), "-f", "-o", str(out), str(epub)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return [f"{doc['earl:testSubject']['url']}: {a['earl:test']['dct:title']} "
            f"({a['earl:test']['earl:impact']}) {a['earl:result'].get('dct:description', '')}"
            for doc in report["assertions"] for a in doc["assertions"]
            if a["earl:result"]["earl:outcome"] == "fail"]


@pytest.mark.parametrize("name", ["rich-fixture.epub", "pair.epub"])
def test_ace_finds_nothing_in_article_and_book(built: Path, tmp_path: Path, name: str) -> None:
    assert ace_violations(built / "epub" / name, tmp_path / "ace") == []


# --- axe-core on the web pages and every view of the deck ------------------------------------

# The headless system Chromium the deck's browser tests drive, shared rather than redefined.
browser = test_slides_browser.browser


def axe(page: object, where: str) -> list[str]:
    """Run axe-core in ``page``; return one line per violation and the nodes it names."""
    script = node_tool("axe-core/axe.min.js", "to check pages with axe-core")
    page.add_script_tag(path=str(script))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "axe.run(document, {resultTypes: ['violations']})")
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"])
            for v in result["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_in_web_pages(built: Path, browser: object, scheme: str) -> None:
    page = browser.new_page(color_scheme=scheme)  # type: ignore[attr-defined]
    found = []
    for name in ["index.html", "rich-fixture.html", *sorted(
            p.name for p in (built / "html").glob("*.html") if p.name not in
            {"index.html", "rich-fixture.html"})]:
        page.goto((built / "html" / name).as_uri())
        found += axe(page, f"{name} ({scheme})")
    assert found == []


@pytest.mark.parametrize("name", ["rich-fixture.html", "sample"])
def test_axe_finds_nothing_in_every_view_of_the_deck(built: Path, browser: object,
                                                     name: str) -> None:
    if name == "sample":
        name = next(SAMPLE_SOURCE.glob("*.md")).stem + ".html"
    url = (built / "slides" / name).as_uri()
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page.goto(url)
    total = page.evaluate("document.querySelectorAll('.slide').length")
    found = []
    for number in range(1, total + 1):
        page.goto(f"{url}#slide-{number}")
        # Once its 0.25 s fade-in is over: axe measured mid-fade finds the half-transparent
        # text of a slide under 4.5:1 (code in the Pygments attribute colour, which passes).
        page.wait_for_function(
            f"(s => s.id === 'slide-{number}' && getComputedStyle(s).opacity === '1')"
            "(document.querySelector('.slide.current'))")
        found += axe(page, f"{name}#slide-{number}")
    page.keyboard.press("Escape")
    page.wait_for_function("document.documentElement.classList.contains('overview')")
    found += axe(page, f"{name} overview")
    # The speaker view on a slide whose heading is not the page's h1.
    page.goto(f"{url}?speaker#slide-2")
    page.wait_for_function("document.documentElement.classList.contains('speaker')")
    found += axe(page, f"{name} speaker view")
    assert found == []


# --- PowerPoint: what its accessibility checker asks -----------------------------------------

PML = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
DML = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def pptx_problems(path: Path) -> list[str]:
    """Return what PowerPoint's accessibility checker would flag in the deck at ``path``."""
    from pptx import Presentation

    problems: list[str] = []
    titles: dict[str, int] = {}
    for number, page in enumerate(Presentation(str(path)).slides, 1):
        title = page.shapes.title
        if title is None or not title.text_frame.text.strip():
            problems.append(f"slide {number}: no title")
        elif title.text_frame.text in titles:
            problems.append(f"slide {number}: the title of slide {titles[title.text_frame.text]}")
        else:
            titles[title.text_frame.text] = number
        # Reading order is the order of the shape tree: the title must come first.
        shapes = list(page.shapes)
        if shapes and title is not None and shapes[0].shape_id != title.shape_id:
            problems.append(f"slide {number}: '{shapes[0].name}' is read before the title")
        for picture in page._element.iter(f"{PML}pic"):
            properties = picture.find(f"{PML}nvPicPr/{PML}cNvPr")
            decorative = any(e.tag.endswith("}decorative") and e.get("val") == "1"
                             for e in properties.iter())
            if not properties.get("descr", "").strip() and not decorative:
                problems.append(f"slide {number}: a picture with no alt text")
        parts = [page, page.notes_slide] if page.has_notes_slide else [page]
        for part in parts:
            for run in part._element.iter(f"{DML}r"):
                properties = run.find(f"{DML}rPr")
                if properties is None or not properties.get("lang"):
                    problems.append(f"slide {number}: no language on '{run.findtext(f'{DML}t')}'")
    return problems


@pytest.mark.parametrize("name", ["rich-fixture.pptx", "sample"])
def test_pptx_passes_the_accessibility_checks(built: Path, name: str) -> None:
    if name == "sample":
        name = next(SAMPLE_SOURCE.glob("*.md")).stem + ".pptx"
    assert pptx_problems(built / "slides" / name) == []


def test_pptx_picture_without_alt_is_marked_decorative(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "source" / "images").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("lang: en\n", encoding="utf-8")
    (root / "source" / "images" / "red.png").write_bytes(_red_png())
    (root / "source" / "plain.md").write_text(article("Plain", body="""\
        ## A picture

        ![](images/red.png)
        """), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-f", "slides"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = root / "build" / "slides" / "plain.pptx"
    from pptx import Presentation

    pictures = [p for page in Presentation(str(path)).slides
                for p in page._element.iter(f"{PML}pic")]
    assert pictures and pptx_problems(path) == []


# --- The deck with the keyboard alone ----------------------------------------------------------

def test_deck_works_with_keyboard_alone_and_shows_focus(built: Path, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page.goto((built / "slides" / "rich-fixture.html").as_uri())
    current = "document.querySelector('.slide.current').id"
    # Tab reaches the controls; each shows a focus ring and works with Enter.
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.getAttribute('aria-label')"
                             " || document.activeElement.className")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                                  " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()")
            assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", (name, style)
            seen.append(name)
        if "Next slide" in seen:
            break
    assert "Next slide" in seen, seen
    page.keyboard.press("Enter")
    page.wait_for_function(f"{current} === 'slide-2'")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{current} === 'slide-3'")
    page.keyboard.press("Home")
    page.wait_for_function(f"{current} === 'slide-1'")
    # The overview opens with Escape on the current slide; Tab moves from slide to slide,
    # each with a focus ring, and Enter shows the one focused.
    page.keyboard.press("Escape")
    page.wait_for_function("document.documentElement.classList.contains('overview')")
    assert page.evaluate("document.activeElement.id") == "slide-1"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "slide-3"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_function("!document.documentElement.classList.contains('overview')")
    assert page.evaluate(current) == "slide-3"


# --- PDF/UA structure (the machine-checkable items of the Matterhorn protocol) ----------------

def _kids(element: object) -> list[object]:
    """Return the /K entries of a structure element as a list."""
    import pikepdf

    kids = element.get("/K")  # type: ignore[attr-defined]
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _painted_ids(pdf: object) -> dict[int, set[int]]:
    """Return the marked-content ids painted on each page (by page object number)."""
    import pikepdf

    painted: dict[int, set[int]] = {}
    for page in pdf.pages:  # type: ignore[attr-defined]
        ids = painted.setdefault(page.obj.objgen[0], set())
        for operands, operator in pikepdf.parse_content_stream(page):
            if (str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                    and "/MCID" in operands[1]):
                ids.add(int(operands[1].MCID))
    return painted


def pdf_ua_problems(path: Path) -> list[str]:
    """Return the PDF/UA structure problems of the PDF at ``path``, one line each."""
    pikepdf = pytest.importorskip("pikepdf")
    problems: list[str] = []
    pdf = pikepdf.open(path)
    root = pdf.Root
    if not str(root.get("/Lang", "")):
        problems.append("no /Lang on the catalog")
    if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        problems.append("DisplayDocTitle is not set")
    if b"pdfuaid:part" not in bytes(root.Metadata.read_bytes()):
        problems.append("no pdfuaid:part in the XMP metadata")
    reached: dict[int, set[int]] = {}
    levels: list[int] = []
    notes = 0

    def walk(element: object, page: int | None, inside: tuple[str, ...]) -> None:
        nonlocal notes
        kind = str(element.get("/S"))  # type: ignore[attr-defined]
        if "/Pg" in element:  # type: ignore[operator]
            page = element.Pg.objgen[0]  # type: ignore[attr-defined]
        if kind in {"/Figure", "/Formula"} and not str(element.get("/Alt", "")).strip():
            problems.append(f"{kind[1:]} without alternative text")
        if kind == "/Link" and "/Link" in inside:
            problems.append("a Link nested in a Link")
        if kind == "/Note":
            notes += 1
            if not str(element.get("/ID", "")):
                problems.append("a Note without an ID")
        if kind == "/TD" and "/Headers" not in element.get("/A", {}):  # type: ignore[attr-defined]
            problems.append("a table cell linked to no header")
        if kind[1:3] == "H" and kind[2:].isdigit():
            level = int(kind[2:])
            if levels and level > levels[-1] + 1:
                problems.append(f"heading H{level} follows H{levels[-1]}")
            levels.append(level)
        for kid in _kids(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, page, (*inside, kind))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                target = kid.Pg.objgen[0] if "/Pg" in kid else page
                reached.setdefault(target, set()).add(int(kid.MCID))
            elif isinstance(kid, int | pikepdf.Object) and not isinstance(kid, pikepdf.Dictionary):
                reached.setdefault(page, set()).add(int(kid))

    for top in _kids(root.StructTreeRoot):
        walk(top, None, ())
    for page, ids in _painted_ids(pdf).items():
        lost = ids - reached.get(page, set())
        if lost:
            problems.append(f"page object {page}: {len(lost)} tagged contents no structure "
                            "element reaches (they should be artifacts)")
    for number, page in enumerate(pdf.pages, 1):
        for annotation in page.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            description = str(annotation.get("/Contents", ""))
            if not description.strip() or description.startswith("cb"):
                problems.append(f"page {number}: a link described {description!r}")
            if "/StructParent" not in annotation:
                problems.append(f"page {number}: a link with no structure parent")
    return problems


def structure_kinds(path: Path) -> list[str]:
    """Return the structure types of the PDF at ``path`` in reading order, with their ids."""
    pikepdf = pytest.importorskip("pikepdf")
    kinds: list[str] = []

    def walk(element: object) -> None:
        kind = str(element.get("/S"))[1:]  # type: ignore[attr-defined]
        ident = str(element.get("/ID", ""))  # type: ignore[attr-defined]
        kinds.append(f"{kind}#{ident}" if ident and kind == "Note" else kind)
        for kid in _kids(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    with pikepdf.open(path) as pdf:
        for top in _kids(pdf.Root.StructTreeRoot):
            walk(top)
    return kinds


@pytest.mark.parametrize("name", ["pdf/rich-fixture.pdf", "slides/rich-fixture.pdf",
                                  "pdf/rich-fixture-slides-handout.pdf"])
def test_pdf_ua_structure_of_handout_deck_and_slide_handout(built: Path, name: str) -> None:
    assert pdf_ua_problems(built / name) == []


def test_handout_tags_notes_formulas_and_printed_addresses(built: Path) -> None:
    kinds = structure_kinds(built / "pdf" / "rich-fixture.pdf")
    assert [k for k in kinds if k.startswith("Note")] == ["Note#fn1", "Note#fn2"]
    assert kinds.count("Formula") == 2 and "Figure" in kinds
    assert {"H1", "H2", "Table", "TH", "TD", "Link"} <= set(kinds)
    pypdf = pytest.importorskip("pypdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(built / "pdf" /
                                                                    "rich-fixture.pdf").pages)
    assert "(https://example.org/page)" in text and "(https://example.org/other)" in text


def artifact_text_pages(path: Path) -> list[int]:
    """Return the numbers of the pages that show text inside /Artifact marked content."""
    pikepdf = pytest.importorskip("pikepdf")
    pages = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            stack: list[str] = []
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in {"BMC", "BDC"}:
                    stack.append(str(operands[0]))
                elif name == "EMC" and stack:
                    stack.pop()
                elif name in {"Tj", "TJ", "'", '"'} and "/Artifact" in stack:
                    pages.append(number)
                    break
    return pages


def test_deck_pdf_footer_and_handout_running_heads_are_artifacts(built: Path) -> None:
    # The deck's footer (title and slide number, aria-hidden in HTML) is on every content
    # slide, not the title or closing slide; the handouts' running heads are on every page.
    deck = built / "slides" / "rich-fixture.pdf"
    pypdf = pytest.importorskip("pypdf")
    total = len(pypdf.PdfReader(deck).pages)
    assert artifact_text_pages(deck) == list(range(2, total))
    for name in ["pdf/rich-fixture.pdf", "pdf/rich-fixture-slides-handout.pdf"]:
        assert artifact_text_pages(built / name), name


def test_repeated_headings_give_slides_unique_titles(tmp_path: Path) -> None:
    # A changelog, as in many packages' READMEs: the same headings under every version.
    versions = "".join(f"## {v}\n\n### Changed\n\n- One change in {v}.\n\n### Fixed\n\n"
                       f"- One fix in {v}.\n\n" for v in ("2.0", "1.1", "1.0"))
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("lang: en\n", encoding="utf-8")
    (root / "source" / "log.md").write_text(article("Changes", body=versions, slug="log"),
                                          encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-f", "slides"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert pptx_problems(root / "build" / "slides" / "log.pptx") == []
    from lxml import html

    page = html.parse(str(root / "build" / "slides" / "log.html"))
    titles = [" ".join(t.text_content().split()) for t in page.xpath("//*[@class='slide-title']"
                                                                    " | //*[contains(@class,"
                                                                    " 'slide-title ')]")]
    assert len(titles) == len(set(titles)) and "Fixed 3" in titles, titles


def test_ace_accepts_a_badge_link_whose_remote_image_has_no_alt(tmp_path: Path) -> None:
    # As in many package READMEs: [![](https://img.shields.io/...)](https://pypi.org/...).
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("lang: en\n", encoding="utf-8")
    (root / "source" / "badge.md").write_text(article("Badge", slug="badge", body="""\
        [![](https://img.shields.io/badge/pypi-1.0-blue)](https://pypi.org/project/x)

        Text.
        """), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-f", "epub"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert ace_violations(root / "build" / "epub" / "badge.epub", tmp_path / "ace") == []


def test_caption_with_a_link_or_note_is_not_hidden(tmp_path: Path, browser: object) -> None:
    # WordPress's theme unit test ("Markup: Image Alignment"): a caption holding a link. pandoc
    # hides a caption that repeats the image's alt text, and the link in it took focus while
    # announced as nothing (axe and Ace: aria-hidden-focus). A note reference is a link too.
    root = tmp_path / "project"
    (root / "source" / "images").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("lang: en\n", encoding="utf-8")
    (root / "source" / "images" / "red.png").write_bytes(_red_png())
    (root / "source" / "cap.md").write_text(article("Captions", slug="cap", body="""\
        ![Look at 580x300 getting some [caption](https://example.org/s) love.](images/red.png)

        ![A red square with a note.[^1]](images/red.png)

        ![A plain red square](images/red.png)

        [^1]: The note.
        """), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-f", "html", "-f", "epub"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from lxml import html

    page = html.parse(str(root / "build" / "html" / "cap.html"))
    assert [c.get("aria-hidden") for c in page.iter("figcaption")] == [None, None, "true"]
    assert [i.get("alt") for i in page.iter("img")][:1] == ["Look at 580x300 getting some "
                                                            "caption love."]
    browser_page = browser.new_page()  # type: ignore[attr-defined]
    browser_page.goto((root / "build" / "html" / "cap.html").as_uri())
    assert axe(browser_page, "cap.html") == []
    assert ace_violations(root / "build" / "epub" / "cap.epub", tmp_path / "ace") == []


def test_ace_accepts_a_table_whose_corner_is_empty(tmp_path: Path) -> None:
    # pandoc's test/docx/table_captions_with_field.docx: a table whose first header cell is
    # empty, written <th></th>, which Ace reports (empty-table-header).
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("lang: en\n", encoding="utf-8")
    (root / "source" / "grid.md").write_text(article("Grid", slug="grid", body="""\
        |   | 2023 | 2024 |
        |---|-----:|-----:|
        | Sessions | 12 | 15 |
        """), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-f", "epub,html"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = html.parse(str(root / "build" / "html" / "grid.html")).getroot()
    assert [cell.tag for cell in page.xpath("//thead//tr/*")] == ["td", "th", "th"]
    assert ace_violations(root / "build" / "epub" / "grid.epub", tmp_path / "ace") == []
