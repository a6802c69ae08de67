"""Writing in other languages: right-to-left text and Folio's own words in every format."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from lxml import etree, html
from pptx import Presentation

from pipeline.i18n import text_direction, words_attributes
from tests.conftest import article
from tests.validators import epubcheck_problems

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"

# From the Arabic translation of jwasham/coding-interview-university: a list, Latin words and
# numbers in Arabic sentences, code that stays left to right, and a table.
ARABIC = """\
# ما هذا؟

هذه خطتي الدراسية لأصبح مهندس برمجيات في Google خلال ٨-١٢ شهراً.

- تعلّم لغة C أو Python
- اقرأ كتاباً واحداً عن الخوارزميات

```python
def step(x):
    return x + 1
```

| اللغة | السنة |
|:------|------:|
| C     | 1972  |
"""


@pytest.mark.parametrize(("lang", "direction"), [
    ("ar", "rtl"), ("he-IL", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("az-Arab", "rtl"),
    ("en", "ltr"), ("ja", "ltr"), ("hi", "ltr"), ("ku-Latn", "ltr"), ("ar-Latn", "ltr"),
])
def test_text_direction_follows_language_and_script(lang: str, direction: str) -> None:
    assert text_direction(lang) == direction


def test_folio_words_in_english_are_marked_english() -> None:
    assert words_attributes("ar") == ' lang="en" dir="ltr"'
    assert words_attributes("ko") == ' lang="en" dir="ltr"'
    assert words_attributes("de-AT") == ""
    assert words_attributes("en") == ""


@pytest.fixture(scope="module")
def arabic_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build one Arabic article (lang: ar) into every format, once for the module."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    root = tmp_path_factory.mktemp("arabic")
    (root / "source").mkdir()
    (root / "source" / "folio.yaml").write_text("site_title: Test\nlang: en\n", encoding="utf-8")
    (root / "source" / "ar.md").write_text(
        article("جامعة مقابلات البرمجة", ARABIC, lang="ar", date="2024-03-05", slug="ar"),
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-j1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build"


def test_rtl_web_page_runs_right_to_left(arabic_build: Path) -> None:
    page = html.parse(str(arabic_build / "html" / "ar.html")).getroot()
    assert page.get("lang") == "ar" and page.get("dir") == "rtl"
    # The date is Arabic, as the CLDR writes it; Folio has no Arabic words yet: its English
    # reading time keeps its own order inside the page.
    assert page.xpath("string(//p[@class='byline']/time)") == "5 مارس 2024"
    assert page.xpath("//p[@class='byline']/time/span") == []
    minutes = page.xpath("//p[@class='byline']/span[@class='reading-time']/span")[0]
    assert (minutes.get("lang"), minutes.get("dir")) == ("en", "ltr")
    index = html.parse(str(arabic_build / "html" / "index.html")).getroot()
    assert index.xpath("//li[@lang='ar']/@dir") == ["rtl"]


def test_rtl_ebook_runs_right_to_left_and_passes_epubcheck(arabic_build: Path) -> None:
    path = arabic_build / "epub" / "ar.epub"
    with zipfile.ZipFile(path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        assert opf.find(f"{OPF}spine").get("page-progression-direction") == "rtl"
        pages = [name for name in epub.namelist() if name.endswith(".xhtml")]
        for name in pages:
            root = etree.fromstring(epub.read(name))
            assert root.get("dir") == "rtl", name
    assert epubcheck_problems(path) == []


def test_rtl_handout_starts_lines_at_the_right(arabic_build: Path) -> None:
    page = pypdf.PdfReader(arabic_build / "pdf" / "ar.pdf").pages[0]
    width = float(page.mediabox.width)
    ends: dict[str, float] = {}

    def visit(text: str, _cm: list, tm: list, _font: object, size: float) -> None:
        if text.strip():
            ends.setdefault(text.strip(), tm[4])

    page.extract_text(visitor_text=visit)
    heading = next(x for text, x in ends.items() if "ما هذا" in text)
    code = next(x for text, x in ends.items() if text.startswith("def"))
    # The heading sits against the right margin; the code, left to right, against the left.
    assert heading > width / 2
    assert code < width / 3


def test_rtl_pptx_paragraphs_and_tables_run_right_to_left(arabic_build: Path) -> None:
    prs = Presentation(str(arabic_build / "slides" / "ar.pptx"))
    texts: dict[str, tuple[str | None, str | None]] = {}
    tables = []
    for slide in prs.slides:
        tables += slide._element.iter(f"{A}tbl")
        for paragraph in slide._element.iter(f"{A}p"):
            text = "".join(t.text or "" for t in paragraph.iter(f"{A}t")).strip()
            props = paragraph.find(f"{A}pPr")
            if text and props is not None:
                texts[text] = (props.get("rtl"), props.get("algn"))
            elif text:
                texts[text] = (None, None)
    point = next(text for text in texts if text.endswith("Python"))
    assert texts[point] == ("1", "r")
    assert texts["جامعة مقابلات البرمجة"] == ("1", "r")
    # The date is Arabic and runs right to left; code is never mirrored.
    assert texts["5 مارس 2024"] == ("1", "r")
    assert texts["def step(x):"][0] is None
    assert tables and all(t.find(f"{A}tblPr").get("rtl") == "1" for t in tables)


def test_ltr_article_keeps_left_to_right(make_project: Callable[..., Path],
                                         folio: Callable) -> None:
    root = make_project({"source/a.md": article("Plain", "- one\n- two\n", slug="a")})
    assert folio(root, "build", "-j1", "--format", "html").exit_code == 0
    page = html.parse(str(root / "build" / "html" / "a.html")).getroot()
    assert page.get("dir") == "ltr"
    assert page.xpath("//p[@class='byline']//span[@lang]") == []


def test_right_to_left_text_without_its_language_is_one_warning(make_project: Callable[..., Path],
                                                                folio: Callable) -> None:
    # A Persian README without 'lang:' takes the project's language, English, and every output
    # was laid out left to right without a word.
    persian = "این یک متن فارسی است که با `code` و چند واژهٔ English نوشته شده است.\n"
    root = make_project({"source/fa.md": article("دانشگاه", persian),
                         "source/fa-set.md": article("دانشگاه دو", persian, lang="fa"),
                         "source/en.md": article("English", "Plain English text, one ما.\n")})
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "right-to-left" in line]
    # Only the article that lacks its language: "fa-set.md" says 'fa', "en.md" is English.
    assert len(warnings) == 1 and "/fa.md:" in warnings[0] and "'en'" in warnings[0], warnings


@pytest.mark.parametrize(("lang", "date", "names"), [
    ("fr", "2 novembre 2023", "Ana Roy, Bo Lenz et Cy Abe"),
    ("ja", "2023年11月2日", "Ana Roy、Bo Lenz、Cy Abe"),
    ("es-MX", "2 de noviembre de 2023", "Ana Roy, Bo Lenz y Cy Abe"),
    ("de-AT", "2. November 2023", "Ana Roy, Bo Lenz und Cy Abe"),
    ("en", "2 November 2023", "Ana Roy, Bo Lenz and Cy Abe"),
])
def test_dates_and_names_in_the_article_language(make_project: Callable[..., Path],
                                                 folio: Callable, lang: str, date: str,
                                                 names: str) -> None:
    # A French article said "2 November 2023" and "Ana, Bo and Cy" on every output: Folio's
    # table has English and German only. The CLDR has the others.
    root = make_project({"source/a.md": article(
        "Titre", "Un paragraphe.\n", slug="a", lang=lang, date="2023-11-02",
        author="[Ana Roy, Bo Lenz, Cy Abe]")})
    assert folio(root, "build", "-j1", "--format", "html,epub").exit_code == 0
    page = html.parse(str(root / "build" / "html" / "a.html")).getroot()
    byline = page.xpath("//p[@class='byline']")[0]
    assert byline.xpath("string(.//*[@class='author'])") == names
    time = byline.xpath(".//time")[0]
    assert time.text_content() == date
    # In the article's language: not marked as Folio's English words.
    assert time.xpath(".//span[@lang]") == []
    with zipfile.ZipFile(root / "build" / "epub" / "a.epub") as book:
        colophon = next(name for name in book.namelist() if "colophon" in name)
        text = book.read(colophon).decode("utf-8")
    assert date in text and names in text


def test_a_language_the_cldr_lacks_keeps_english_marked_english(
        make_project: Callable[..., Path], folio: Callable) -> None:
    root = make_project({"source/a.md": article("Title", "Text.\n", slug="a", lang="tlh",
                                                date="2023-11-02")})
    assert folio(root, "build", "-j1", "--format", "html").exit_code == 0
    page = html.parse(str(root / "build" / "html" / "a.html")).getroot()
    date = page.xpath("//p[@class='byline']//time/span")[0]
    assert date.text == "2 November 2023" and date.get("lang") == "en"
