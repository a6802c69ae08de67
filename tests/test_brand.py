"""The brand (_brand.yml): colours, fonts and logo in every output; its checks and warnings."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree, html

from pipeline.brand import fonts as brand_fonts
from pipeline.cli import cli
from pipeline.project import load_project
from tests.conftest import article, require_tool, write_files
from tests.validators import epubcheck_problems, vnu_errors

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SLUG = "a-branded-article"
# Drawn text inside the SVG logos: pdftotext finds it where WeasyPrint drew the logo.
LOGO_WORD = "Logomark"
LOGO = (f'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
        f'<rect width="40" height="40" rx="8" fill="#7a1f3d"/><text x="48" y="28" '
        f'font-family="DejaVu Sans" font-size="20" fill="{{fill}}">{LOGO_WORD}</text></svg>')
BRAND = """\
meta:
  name: Acme School
  link: https://acme.example
color:
  palette:
    claret: "#7a1f3d"
    ink: "#1b1b1f"
  primary: claret
  foreground: ink
  background: "#fffdf8"
typography:
  fonts:
    - family: Acme Serif
      source: file
      files:
        - path: fonts/AcmeSerif.ttf
    - family: Acme Mono
      source: file
      files:
        - path: fonts/AcmeMono.ttf
  base:
    family: Acme Serif
  headings:
    family: Acme Serif
    weight: bold
    color: primary
  monospace:
    family: Acme Mono
logo:
  small: logo.svg
  medium:
    light: logo.svg
    dark: logo-dark.svg
  large:
    path: logo.svg
    alt: Acme School
"""
BODY = """\
# First part

Some text with `code` and a [link](https://example.org).

# Second part

More text here, long enough to be a paragraph of its own.

Japanese: 心の健康
"""
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def brand_files(brand: str = BRAND) -> dict[str, str | bytes]:
    """Return the files of a branded project: brand file, two fonts, logos and an article."""
    if not (DEJAVU / "DejaVuSerif.ttf").is_file():
        pytest.skip("the DejaVu fonts are not installed (fonts-dejavu-core)")
    return {"_brand.yml": brand,
            "fonts/AcmeSerif.ttf": (DEJAVU / "DejaVuSerif.ttf").read_bytes(),
            "fonts/AcmeMono.ttf": (DEJAVU / "DejaVuSansMono.ttf").read_bytes(),
            "logo.svg": LOGO.format(fill="#1b1b1f"),
            "logo-dark.svg": LOGO.format(fill="#ffffff"),
            f"source/{SLUG}.md": article("A Branded Article", BODY, author="Ann Author",
                                         date="2024-01-02")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build every format of the branded project once for the tests that read outputs."""
    root = tmp_path_factory.mktemp("brand") / "project"
    write_files(root, {**brand_files(), "source/folio.yaml": "site_title: B\n"})
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build"


def pdf_fonts(path: Path) -> str:
    """Return what ``pdffonts`` lists for ``path``."""
    tool = require_tool("pdffonts", "to list the fonts a PDF embeds")
    return subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout


def pdf_page_text(path: Path, page: int) -> str:
    """Return the text of one page of a PDF."""
    tool = require_tool("pdftotext", "to read the text WeasyPrint drew")
    return subprocess.run([tool, "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


# Colours and fonts in the CSS of the page and the deck.

@pytest.mark.parametrize("output", ["html/folio.css", f"slides/{SLUG}.html"])
def test_brand_colours_and_fonts_in_css(built: Path, output: str) -> None:
    css = (built / output).read_text(encoding="utf-8")
    assert "--accent: #7a1f3d;" in css
    assert "--text: #1b1b1f;" in css
    assert "--paper: #fffdf8;" in css
    assert "--brand-claret: #7a1f3d;" in css
    assert re.search(r'--font-body: "Acme Serif", "DejaVu Serif"', css)
    assert re.search(r'--font-mono: "Acme Mono", "DejaVu Sans Mono"', css)
    assert '@font-face { font-family: "Acme Serif"' in css


def test_deck_embeds_logos_and_links_fonts_copied_beside_it(built: Path) -> None:
    deck = html.parse(str(built / "slides" / f"{SLUG}.html"))
    title_logo = deck.find(".//section[@id='slide-1']//img[@class='title-slide-logo']")
    assert title_logo.get("src").startswith("data:image/svg+xml;base64,")
    assert title_logo.get("alt") == "Acme School"
    marks = deck.xpath("//section[@id='slide-2']//img[@class='brand-mark']")
    assert marks and marks[0].get("aria-hidden") == "true"
    assert 'url("brand/fonts/AcmeSerif.ttf")' in (built / "slides" / f"{SLUG}.html").read_text()
    assert (built / "slides/brand/fonts/AcmeSerif.ttf").is_file()
    assert not (built / "slides/brand/logo.svg").exists()


def test_page_shows_logo_with_dark_variant_and_brand_name(built: Path) -> None:
    page = html.parse(str(built / "html" / f"{SLUG}.html"))
    source = page.find(".//header[@class='site-header']/picture/source")
    assert source.get("media") == "(prefers-color-scheme: dark)"
    assert source.get("srcset") == "brand/logo-dark.svg"
    img = page.find(".//header[@class='site-header']/picture//img")
    assert (img.get("src"), img.get("alt")) == ("brand/logo.svg", "Acme School")
    assert page.xpath("//footer//a[@href='https://acme.example/']/text()") == ["Acme School"]
    for name in ("logo.svg", "logo-dark.svg", "fonts/AcmeSerif.ttf", "fonts/AcmeMono.ttf"):
        assert (built / "html" / "brand" / name).is_file(), name
    assert 'url("brand/fonts/AcmeSerif.ttf")' in (built / "html/folio.css").read_text()
    assert vnu_errors(built / "html" / f"{SLUG}.html", built / "html" / "index.html") == []


@pytest.mark.parametrize("output", [f"pdf/{SLUG}.pdf", f"slides/{SLUG}.pdf",
                                    f"pdf/{SLUG}-slides-handout.pdf"])
def test_pdfs_embed_brand_fonts_and_draw_logo(built: Path, output: str) -> None:
    fonts = pdf_fonts(built / output)
    assert "Acme-Serif" in fonts
    assert LOGO_WORD in pdf_page_text(built / output, 1)


def test_deck_pdf_marks_content_slides(built: Path) -> None:
    assert LOGO_WORD in pdf_page_text(built / "slides" / f"{SLUG}.pdf", 2)
    assert "Acme-Mono" in pdf_fonts(built / "pdf" / f"{SLUG}.pdf")


def test_epub_packs_fonts_and_logo_and_passes_epubcheck(built: Path) -> None:
    path = built / "epub" / f"{SLUG}.epub"
    with zipfile.ZipFile(path) as book:
        opf = etree.fromstring(book.read("EPUB/content.opf"))
        css = book.read("EPUB/style.css").decode()
        title = html.fromstring(book.read("EPUB/title.xhtml"))
        colophon = book.read("EPUB/colophon.xhtml").decode()
    items = {item.get("href"): item.get("media-type")
             for item in opf.iter("{http://www.idpf.org/2007/opf}item")}
    assert items["brand/fonts/AcmeSerif.ttf"] == "font/ttf"
    assert items["brand/fonts/AcmeMono.ttf"] == "font/ttf"
    assert items["brand/logo.svg"] == "image/svg+xml"
    assert 'url("brand/fonts/AcmeSerif.ttf")' in css
    assert "var(" not in css  # flattened for e-readers
    assert title.xpath("//img/@src") == ["brand/logo.svg"]
    assert "Acme School" in colophon
    assert epubcheck_problems(path) == []


def test_epub_cover_shows_the_logo_at_its_foot(built: Path) -> None:
    from PIL import Image

    with zipfile.ZipFile(built / "epub" / f"{SLUG}.epub") as book:
        cover = Image.open(io.BytesIO(book.read("EPUB/images/cover.jpg"))).convert("L")
    width, height = cover.size

    def share(box: tuple[int, int, int, int], test: Callable[[int], bool]) -> float:
        counts = cover.crop(box).histogram()  # pixels of each grey level
        return sum(count for grey, count in enumerate(counts) if test(grey)) / sum(counts)

    # On the claret field, the light logo (no dark variant) stands on a white plate, 150
    # pixels high, 120 above the foot: the ink of its drawn word shows there and nowhere below.
    logo = ((width - 600) // 2, height - 270, (width + 600) // 2, height - 120)
    assert share(logo, lambda grey: grey > 230) > 0.4
    assert share(logo, lambda grey: grey < 50) > 0.02
    assert share((0, height - 80, width, height), lambda grey: grey > 230 or grey < 50) == 0


def test_pptx_theme_holds_brand_colours_fonts_and_described_logo(built: Path) -> None:
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    prs = Presentation(str(built / "slides" / f"{SLUG}.pptx"))
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    colour = {slot: theme.find(f".//{A}clrScheme/{A}{slot}/{A}srgbClr").get("val")
              for slot in ("dk1", "lt1", "accent1", "hlink")}
    assert colour == {"dk1": "1B1B1F", "lt1": "FFFDF8", "accent1": "7A1F3D", "hlink": "7A1F3D"}
    assert theme.find(f".//{A}majorFont/{A}latin").get("typeface") == "Acme Serif"
    assert theme.find(f".//{A}minorFont/{A}latin").get("typeface") == "Acme Serif"

    def logos(shapes: object) -> list[str]:
        return [shape._element.nvPicPr.cNvPr.get("descr") for shape in shapes
                if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE

    assert logos(prs.slide_master.shapes) == ["Acme School"]
    assert logos(prs.slide_layouts[0].shapes) == ["Acme School"]


# Reading and checking the brand file.

def run(root: Path, *args: str) -> tuple[int, str]:
    """Run folio in ``root``; return the exit status and everything it printed."""
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(("change", "message"), [
    (("secondary: nothing", "  primary: claret\n  secondary: nothing"),
     "Error: _brand.yml: color.secondary: 'nothing' is neither a colour nor a name in "
     "color.palette"),
    (("  primary: claret", "  primary: burgundy"),
     "Error: _brand.yml: color.primary: 'burgundy' is neither a colour nor a name in "
     "color.palette"),
    (("    weight: bold", "    weight: heavy"), "Error: _brand.yml: typography.headings.weight: "
     "Invalid font weight 'heavy'."),
    (("        - path: fonts/AcmeMono.ttf", "        - path: fonts/Missing.ttf"),
     "Error: _brand.yml: typography.fonts.1.files.0.path: 'fonts/Missing.ttf' does not exist"),
    (("  small: logo.svg", "  small: ../outside.svg"),
     "Error: _brand.yml: logo.small: '../outside.svg' is outside the project"),
])
def test_brand_mistake_is_one_line_naming_file_and_field(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        change: tuple[str, str], message: str) -> None:
    old, new = change
    if old == "secondary: nothing":
        old = "  primary: claret"
    root = make_project(brand_files(BRAND.replace(old, new, 1)))
    monkeypatch.chdir(root)
    status, output = run(root, "check")
    assert status == 1
    assert output.splitlines()[0].startswith(message), output


@pytest.mark.parametrize(("text", "message"), [
    ("color: [unclosed\n", "Error: _brand.yml:2: malformed YAML: did not find expected ',' or "
     "']' (while parsing a flow sequence started on line 1)"),
    ("- a\n- b\n", "Error: _brand.yml:1: metadata must be a mapping"),
    ("logo: [1]\n", "Error: _brand.yml: logo: data must be a dictionary"),
    ("logo:\n  small: 5\n", "Error: _brand.yml: not a brand file Folio can read: "),
    ("colour:\n  primary: red\n", "Error: _brand.yml: colour: Extra inputs are not permitted"),
])
def test_brand_file_of_the_wrong_shape_is_one_line(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, text: str,
        message: str) -> None:
    root = make_project({"_brand.yml": text})
    monkeypatch.chdir(root)
    status, output = run(root, "build", "-f", "html")
    assert status == 1
    assert output.startswith(message) and output.count("\n") == 1, output


def test_brand_setting_names_the_file(make_project: Callable[..., Path]) -> None:
    files = brand_files()
    files["style/acme.yml"] = files.pop("_brand.yml")
    root = make_project(files, settings="brand: style/acme.yml\n")
    # Paths in the brand file are relative to it: move the files along.
    for name in ("fonts/AcmeSerif.ttf", "fonts/AcmeMono.ttf", "logo.svg", "logo-dark.svg"):
        (root / "style" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(root / name, root / "style" / name)
    brand = load_project(root).brand
    assert brand.colors["primary"] == "#7a1f3d"
    assert brand.faces[0].file.path == (root / "style/fonts/AcmeSerif.ttf").resolve()


def test_low_contrast_warns_naming_pair_and_ratio(make_project: Callable[..., Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pale = BRAND.replace('ink: "#1b1b1f"', 'ink: "#aaaaaa"').replace(
        "    color: primary\n", "    color: primary\n  link:\n    color: \"#ffd0d0\"\n")
    root = make_project(brand_files(pale))
    monkeypatch.chdir(root)
    status, output = run(root, "check")
    assert status == 0
    assert ("warning: _brand.yml: color.foreground #aaaaaa on color.background #fffdf8 has a "
            "contrast of 2.29:1, below the 4.5:1 that WCAG AA asks of text") in output
    assert "link colour #ffd0d0 on color.background #fffdf8 has a contrast of 1.36:1" in output


def test_rebuild_takes_brand_from_cache_and_says_its_warnings_again(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.brand import read as brand_read

    root = make_project(brand_files(BRAND.replace('ink: "#1b1b1f"', 'ink: "#aaaaaa"')))
    monkeypatch.chdir(root)
    warning = "color.foreground #aaaaaa on color.background #fffdf8 has a contrast of 2.29:1"
    status, output = run(root, "build", "-f", "html")
    assert status == 0 and output.count(warning) == 1
    (root / "source" / f"{SLUG}.md").write_text(article("Edited", "Text.\n"))

    reads = []
    real = brand_read.read_brand
    monkeypatch.setattr(brand_read, "read_brand", lambda *args: reads.append(1) or real(*args))
    status, output = run(root, "build", "-f", "html")
    assert status == 0 and output.count(warning) == 1
    assert reads == []
    assert "--text: #aaaaaa;" in (root / "build/html/folio.css").read_text()
    # A file the brand names changed: read again.
    (root / "logo.svg").write_text(LOGO.format(fill="#000000"))
    assert run(root, "build", "-f", "html")[0] == 0
    assert reads == [1]


def test_good_contrast_is_silent(make_project: Callable[..., Path]) -> None:
    status, output = run(make_project(brand_files()), "check")
    assert status == 0
    assert "contrast" not in output


def test_family_the_machine_lacks_warns_naming_fallback(make_project: Callable[..., Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("fc-match", "to find the installed fonts")
    root = make_project(brand_files(BRAND.replace("  headings:\n    family: Acme Serif",
                                                  "  headings:\n    family: Nonexistent Grotesk")))
    monkeypatch.chdir(root)
    _, output = run(root, "check")
    fallback = brand_fonts.installed_family("Nonexistent Grotesk")[0]
    assert fallback != "Nonexistent Grotesk"
    assert ("warning: _brand.yml: typography.headings.family: 'Nonexistent Grotesk' is not "
            f"installed and not a font file of the brand; '{fallback}' is used instead") in output
    assert output.count("Nonexistent Grotesk") == 1


def test_japanese_found_in_installed_fonts(make_project: Callable[..., Path]) -> None:
    require_tool("fc-list", "to find the installed fonts")
    starts, ends = brand_fonts.system_coverage()
    if not brand_fonts._in((starts, ends), ord("心")):
        pytest.skip("no CJK font installed (fonts-noto-cjk); .ci/run installs it")
    status, output = run(make_project(brand_files()), "check")
    assert status == 0
    assert "no font has" not in output


def test_character_no_font_has_warns_with_line(make_project: Callable[..., Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The machine's fonts as a machine without CJK fonts would have them: none beyond the
    # brand's own files (DejaVu, which has no 心).
    monkeypatch.setattr(brand_fonts, "system_coverage", lambda: ((), ()))
    root = make_project(brand_files())
    monkeypatch.chdir(root)
    status, output = run(root, "check")
    assert status == 0
    line = 1 + next(n for n, text in enumerate(
        (root / "source" / f"{SLUG}.md").read_text().splitlines()) if "心" in text)
    assert (f"warning: source/{SLUG}.md:{line}: no font has 心 (U+5FC3); install "
            "fonts-noto-cjk or name a font in _brand.yml") in output
    assert "U+306E" in output  # の: each missing character is named once
    assert output.count("no font has 心") == 1


def test_coverage_reads_each_font_once(make_project: Callable[..., Path]) -> None:
    root = make_project(brand_files())
    project = load_project(root)
    brand_fonts.file_coverage.cache_clear()
    from pipeline.build import read_sources

    read, _ = read_sources(project)
    for _ in range(3):
        brand_fonts.missing_characters(read[0], project.brand)
    assert brand_fonts.file_coverage.cache_info().misses == len(project.brand.font_files) == 2


# The built-in brands, the cache and the example file.

def test_builtin_themes_are_brands(make_project: Callable[..., Path]) -> None:
    for theme, accent in (("default", "#245a7a"), ("serif", "#7a3b2e"), ("contrast", "#00008b")):
        brand = load_project(make_project(settings=f"theme: {theme}\n")).brand
        assert brand.builtin and brand.colors["primary"] == accent


def test_adding_a_brand_rebuilds_every_output(make_project: Callable[..., Path]) -> None:
    files = brand_files()
    brand = files.pop("_brand.yml")
    root = make_project(files)
    assert run(root, "build", "-f", "html")[0] == 0
    assert "--accent: #245a7a;" in (root / "build/html/folio.css").read_text()
    (root / "_brand.yml").write_text(brand)
    status, output = run(root, "-v", "build", "-f", "html")
    assert status == 0
    assert " 0 skipped" in output
    assert "--accent: #7a1f3d;" in (root / "build/html/folio.css").read_text()
    # A font file the brand names is an input too.
    (root / "fonts/AcmeMono.ttf").write_bytes((DEJAVU / "DejaVuSans.ttf").read_bytes())
    _, output = run(root, "-v", "build", "-f", "html")
    assert re.search(r"written +\S*html/folio.css", output)


def test_init_brand_writes_an_example_that_reads(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    status, output = run(tmp_path, "init", str(tmp_path / "p"), "--brand")
    assert status == 0, output
    text = (tmp_path / "p" / "_brand.yml").read_text()
    assert text.startswith("# The brand")
    with caplog.at_level(logging.WARNING):
        brand = load_project(tmp_path / "p").brand
    assert brand.colors["primary"] == "#7a1f3d"
    assert brand.meta_name == "My Organisation"
    # Again: the project exists, the brand file too.
    status, output = run(tmp_path, "init", str(tmp_path / "p"), "--brand")
    assert status == 1 and "already exists" in output


def test_readme_example_brand_reads(make_project: Callable[..., Path]) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your brand", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    files: dict[str, str | bytes] = {"_brand.yml": example}
    for name in ("Regular", "Bold", "Italic"):
        files[f"fonts/AcmeSerif-{name}.woff2"] = (DEJAVU / "DejaVuSerif.ttf").read_bytes()
    for name in ("mark", "acme", "acme-white"):
        files[f"logos/{name}.svg"] = LOGO.format(fill="#000000")
    brand = load_project(make_project(files)).brand
    assert brand.colors["secondary"] == "#55555e"
    assert [face.style for face in brand.faces] == ["normal", "normal", "italic"]
    assert brand.headings.weight == "600"
    assert brand.logos["small"].light.rel == "logos/mark.svg"
    assert brand.logos["medium"].dark.rel == "logos/acme-white.svg"
    assert brand.meta_link == "https://acme.example/"


def test_serve_watches_the_brand_file_and_its_files(make_project: Callable[..., Path]) -> None:
    from pipeline.brand import watch_paths

    root = make_project(brand_files()).resolve()
    project = load_project(root)
    assert watch_paths(project) == [root / "_brand.yml"]  # not read yet: the file alone
    assert project.brand.colors["primary"] == "#7a1f3d"
    assert set(watch_paths(project)) == {root / name for name in (
        "_brand.yml", "fonts/AcmeSerif.ttf", "fonts/AcmeMono.ttf", "logo.svg", "logo-dark.svg")}
    (root / "_brand.yml").unlink()
    assert watch_paths(load_project(root)) == []


# What a brand costs a build: SVG logos drawn once, only for the outputs that need a raster.

# A build of the outputs that need the logo as PNG, run in a process of its own with two
# worker processes; it prints the heavy modules the coordinating process loaded.
BUILD_AND_REPORT = """\
import sys
from pipeline.cli import cli
try:
    cli(["-q", "-C", sys.argv[1], "build", "-j", "2", "-f", sys.argv[2]])
except SystemExit as exc:
    assert not exc.code, exc.code
print(",".join(name for name in ("resvg_py", "brand_yml") if name in sys.modules))
"""


def build_in_own_process(root: Path, formats: str) -> str:
    """Build ``formats`` of ``root`` in a fresh process; return the heavy modules it loaded."""
    import sys

    done = subprocess.run([sys.executable, "-c", BUILD_AND_REPORT, str(root), formats],
                          capture_output=True, text=True, check=True, cwd=Path.cwd())
    return done.stdout.strip()


def drawing(svg: str, height: int = 300) -> bytes:
    """Return ``svg`` drawn as Folio draws a logo for PowerPoint (or, 150 high, a cover)."""
    from pipeline.brand.raster import _draw

    return _draw(svg.encode(), height)


def pptx_logos(path: Path) -> list[bytes]:
    """Return the pictures on the slide master and the title layout of a PPTX deck."""
    from pptx import Presentation

    prs = Presentation(str(path))
    return [shape.image.blob for shapes in (prs.slide_master.shapes, prs.slide_layouts[0].shapes)
            for shape in shapes if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE


def test_svg_logo_drawn_once_by_a_worker_kept_by_content(
        make_project: Callable[..., Path]) -> None:
    root = make_project(brand_files())
    kept = root / "build" / ".folio-cache" / "logos"
    # Outputs that show SVG as it is never draw it.
    assert build_in_own_process(root, "html,pdf") == "brand_yml"
    assert not kept.exists()
    # The EPUB cover and the PPTX draw it: in a worker, not in the coordinating process, only
    # the logo they show (not the unused dark variant), once for each height it is shown at.
    assert build_in_own_process(root, "epub,slides") == ""  # the brand came from the cache
    light = LOGO.format(fill="#1b1b1f")
    assert sorted(path.read_bytes() for path in kept.glob("*.png")) == sorted(
        [drawing(light), drawing(light, 150)])
    assert pptx_logos(root / "build/slides" / f"{SLUG}.pptx") == [
        drawing(LOGO.format(fill="#1b1b1f"))] * 2
    # A new logo is drawn anew: the drawing is kept by the SVG's content, never by its name.
    (root / "logo.svg").write_text(LOGO.format(fill="#0000ff"))
    assert "resvg_py" not in build_in_own_process(root, "slides")
    assert pptx_logos(root / "build/slides" / f"{SLUG}.pptx") == [
        drawing(LOGO.format(fill="#0000ff"))] * 2
    assert len(list(kept.glob("*.png"))) == 3


def test_processes_drawing_one_logo_at_once_draw_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.brand import raster

    svg = tmp_path / "logo.svg"
    svg.write_text(LOGO.format(fill="#000000"))
    draws = []
    both_waiting = threading.Barrier(2)

    def slow_draw(data: bytes, height: int) -> bytes:
        draws.append(height)
        time.sleep(0.3)  # the other one asks meanwhile
        return b"a drawing"

    def ask(_: int) -> bytes:
        both_waiting.wait()
        return raster.logo_png(svg, tmp_path / "logos")

    monkeypatch.setattr(raster, "_draw", slow_draw)
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(ask, range(2))) == [b"a drawing"] * 2
    assert draws == [raster.HEIGHT]
    # Without a folder to keep it in (outside a build), it is drawn here and now.
    assert raster.logo_png(svg) == b"a drawing" and len(draws) == 2


def test_a_logo_that_cannot_be_drawn_is_one_line_and_costs_only_its_outputs(
        make_project: Callable[..., Path], folio: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({**brand_files(), "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'>"})
    monkeypatch.chdir(root)
    result = folio(root, "build", "-j", "1", "-f", "html,epub")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors and all(line.startswith("Error: logo.svg: this logo is a malformed SVG")
                          for line in errors), errors
    assert "Traceback" not in result.stderr
    assert (root / "build" / "html" / f"{SLUG}.html").is_file()


def test_a_logo_draws_nothing_from_outside_itself(tmp_path: Path) -> None:
    from PIL import Image

    from pipeline.brand.raster import logo_png

    Image.new("RGB", (10, 10), "red").save(tmp_path / "secret.png")
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
                   'xmlns:xlink="http://www.w3.org/1999/xlink"><image width="10" height="10" '
                   f'xlink:href="{tmp_path / "secret.png"}"/></svg>')
    drawn = Image.open(io.BytesIO(logo_png(svg, height=10))).convert("RGBA")
    assert drawn.getpixel((5, 5)) == (0, 0, 0, 0)  # the red square was not read


def test_a_logo_sized_in_millimetres_with_text_is_drawn_with_its_text(tmp_path: Path) -> None:
    # Inkscape sizes a drawing in mm and matplotlib in pt: resvg_py took those for no size at
    # all ("SVG has an invalid size"), and drew text naming no family in a font not installed,
    # that is, not at all.
    require_tool("fc-match", "to pick the installed fonts resvg draws text with")
    from PIL import Image

    from pipeline.brand.raster import logo_png

    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40mm" height="20mm" '
                   'viewBox="0 0 40 20"><text x="1" y="17" font-size="18">WW</text></svg>')
    drawn = Image.open(io.BytesIO(logo_png(svg, height=100))).convert("RGBA")
    assert abs(drawn.size[0] - 200) <= 1 and drawn.size[1] == 100
    assert drawn.getchannel("A").getextrema()[1] > 128  # the letters are there


def test_only_the_generic_families_an_svg_names_are_looked_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each lookup is a fontconfig run: a logo in one named family needs serif alone (for text
    # naming none, or a family not installed); "sans-serif" is not "serif" twice.
    from pipeline.brand import fonts, raster

    asked: list[str] = []
    monkeypatch.setattr(fonts, "installed_family",
                        lambda name: asked.append(name) or (f"{name} installed", None, ((), ())))
    text = '<svg><text font-family="DejaVu Sans, monospace">A</text></svg>'
    assert raster._families(text) == {"serif_family": "serif installed",
                                      "font_family": "serif installed",
                                      "monospace_family": "monospace installed"}
    asked.clear()
    raster._families('<svg><text style="font-family: sans-serif">A</text></svg>')
    assert sorted(asked) == ["sans-serif", "serif"]


# Run in a fresh interpreter: brand-yml may be imported already in the test process.
IMPORT_BRAND_YML = """\
from pydantic import ValidationError
from pipeline.brand.read import brand_model

Brand = brand_model()
# brand-yml's source was not read for its attribute docstrings (descriptions only)...
assert Brand.model_fields["color"].description is None
import brand_yml.color
assert brand_yml.color.BrandColor.model_fields["palette"].description is None

# ...and pydantic reads them again for any model defined after (in a file: it reads source).
from documented import Documented
assert Documented.model_fields["x"].description == "The x."
# Validation is brand-yml's own.
assert Brand.model_validate({"color": {"palette": {"ink": "#111"}, "primary": "ink"}})
try:
    Brand.model_validate({"typography": {"headings": {"weight": "heavy"}}})
except ValidationError as exc:
    print(exc.errors()[0]["msg"])
"""


def test_brand_yml_is_imported_without_reading_its_source(tmp_path: Path) -> None:
    import os
    import sys

    (tmp_path / "documented.py").write_text(
        "from pydantic import BaseModel, ConfigDict\n\n\n"
        "class Documented(BaseModel):\n"
        "    model_config = ConfigDict(use_attribute_docstrings=True)\n"
        "    x: int = 0\n"
        '    """The x."""\n')
    path = os.pathsep.join([str(Path.cwd()), str(tmp_path)])
    done = subprocess.run([sys.executable, "-c", IMPORT_BRAND_YML], capture_output=True,
                          text=True, cwd=Path.cwd(), env={**os.environ, "PYTHONPATH": path})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Value error, Invalid font weight 'heavy'.")
