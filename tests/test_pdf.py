"""The PDF handout: read back with pypdf (text, pages, metadata, outline, links) and pdftotext."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from pipeline.math import mathjax_dir, node_executable
from tests.conftest import REPO, SAMPLE_SLUG, article, pdf_figure_alts, require_tool
from tests.outputs import pdf_text

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()
SAMPLE_SOURCE = REPO / "source" / f"{SAMPLE_SLUG}.md"
MM = 72 / 25.4
# The page area of the handout (css/handout.css.j2): header above it, footer below it.
TOP_MARGIN, BOTTOM_MARGIN = 22 * MM, 24 * MM
LEFT_MARGIN, RIGHT_MARGIN = 28 * MM, 24 * MM
BASE_URL = "https://example.org/handouts"

# A paragraph long enough that a few of them fill a page.
FILLER = ("The therapist listens, reflects and waits; the client speaks, hesitates and returns "
          "to the same place from another side, and in that slow return something shifts. ") * 3

RICH_BODY = f"""\
# Opening

A claim with a note.[^first] And a [worked example](https://example.org/worked) to read.

> A long quotation from someone wise, which goes on for a while so that it has to wrap
> over several lines of the handout and still sits inside the text area without spilling
> past the right-hand margin, because paper has edges that screens do not have.

| Term         | Meaning                          |
|--------------|----------------------------------|
| transference | the past brought into the room   |
| frame        | the agreed time, place and fee   |

![A small blue figure](images/figure.png)

- a first point to remember
- a second point, a little longer than the first one
- a third point

# Middle

{FILLER}

{FILLER}

{FILLER}

{FILLER}

{FILLER}

{FILLER}

{FILLER}

SECONDCALL happens here.[^second]

## Closing thoughts

{FILLER}

{FILLER}

[^first]: FIRSTNOTE: the first note, with *emphasis*.
[^second]: SECONDNOTE: the second note, cited far from the first.
"""


def normalise(text: str) -> str:
    """Collapse whitespace and undo end-of-line hyphenation, for comparing with the source."""
    # WeasyPrint marks the hyphens it adds with U+2010; a real hyphen only loses the line break.
    text = re.sub(r"[\u2010\u00ad]\s+", "", text)
    text = re.sub(r"(?<=\w)-\s+(?=\w)", "-", text)
    return " ".join(text.split())


def region_text(page: pypdf.PageObject, low: float, high: float) -> str:
    """Return the text of ``page`` whose baseline lies between ``low`` and ``high`` points."""
    runs: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if low <= pypdf.mult(tm, cm)[5] <= high:
            runs.append(text)

    page.extract_text(visitor_text=visit)
    return normalise("\n".join(runs))


def body_text(page: pypdf.PageObject) -> str:
    """Return the text in the page area (running text and footnotes, no header or footer)."""
    return region_text(page, BOTTOM_MARGIN, float(page.mediabox.height) - TOP_MARGIN)


def header_text(page: pypdf.PageObject) -> str:
    """Return the running header of ``page``."""
    return region_text(page, float(page.mediabox.height) - TOP_MARGIN, 10_000)


def footer_text(page: pypdf.PageObject) -> str:
    """Return the running footer of ``page``."""
    return region_text(page, -10_000, BOTTOM_MARGIN)


def build_pdf(make_project, folio, body: str, *args: str, settings: str | None = None,
              files: dict[str, str | bytes] | None = None, **meta: str
              ) -> tuple[pypdf.PdfReader, Path, str]:
    """Build one article as a handout; return the reader, the PDF's path and the messages."""
    project_files = {"source/handout.md": article("A Handout", body, **meta),
                     **(files or {})}
    root = make_project(project_files, **({"settings": settings} if settings else {}))
    result = folio(root, "build", "--format", "pdf", *args)
    assert result.exit_code == 0, result.stderr
    path = root / "build" / "pdf" / "a-handout.pdf"
    return pypdf.PdfReader(path), path, result.stderr


@pytest.fixture
def rich(make_project, folio) -> tuple[pypdf.PdfReader, Path, str]:
    """Build the long fixture with notes, a table, a figure, a quotation and a list."""
    return build_pdf(make_project, folio, RICH_BODY,
                     settings=f"site_title: Test\nbase_url: {BASE_URL}\n",
                     files={"source/images/figure.png": FIGURE},
                     author="Ada Example", date="2024-03-05",
                     description="'What the handout is for.'", keywords="'one, two'")


def test_sample_article_every_paragraph_in_order(make_project, folio):
    root = make_project(sample=True)
    result = folio(root, "build", "--format", "pdf")
    assert result.exit_code == 0, result.stderr
    reader = pypdf.PdfReader(root / "build" / "pdf" / f"{SAMPLE_SLUG}.pdf")
    assert 1 < len(reader.pages) <= 3
    text = " ".join(body_text(page) for page in reader.pages)
    body = SAMPLE_SOURCE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    position = 0
    for paragraph in (p for p in body.split("\n\n") if p.strip()):
        found = text.find(normalise(paragraph), position)
        assert found >= 0, f"missing or out of order: {paragraph[:60]!r}"
        position = found
    first = body_text(reader.pages[0])
    assert first.startswith("The Healing Power of the Therapeutic Relationship Dana Samperio")
    assert "2 November 2023" in first and "2 min read" in first


def test_running_header_and_footer(rich):
    reader, _, _ = rich
    assert len(reader.pages) >= 3
    assert header_text(reader.pages[0]) == ""
    assert header_text(reader.pages[1]).startswith("A Handout")
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert footer_text(page) == f"Ada Example page {number} of {total}"


def test_footnotes_on_the_page_of_their_call(rich):
    reader, _, _ = rich
    assert_notes_beside_calls(reader)


def assert_notes_beside_calls(reader: pypdf.PdfReader) -> None:
    """Check that both notes of RICH_BODY are at the foot of the page that cites them."""
    pages = [body_text(page) for page in reader.pages]
    for call, note in (("A claim with a note.", "FIRSTNOTE"), ("SECONDCALL", "SECONDNOTE")):
        where_call = [i for i, text in enumerate(pages) if call in text]
        where_note = [i for i, text in enumerate(pages) if note in text]
        assert where_call == where_note and len(where_note) == 1, (call, where_call, where_note)
    assert "SECONDNOTE" not in pages[0]  # the second note really is on a later page


def test_metadata_and_pdf_ua(rich):
    reader, _, _ = rich
    info = reader.metadata
    assert info.title == "A Handout"
    assert info.author == "Ada Example"
    assert info.subject == "What the handout is for."
    assert info["/Keywords"] == "one, two"
    assert info["/CreationDate"] == "D:20240305"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp
    assert reader.trailer["/ID"][0] == article_identifier(reader)


def article_identifier(reader: pypdf.PdfReader) -> str:
    """Return the permanent ID the handout should carry: the article's urn:uuid."""
    from pipeline.source import stable_identifier

    return stable_identifier("a-handout", BASE_URL)


def test_bookmarks_from_headings(rich):
    reader, _, _ = rich
    outline = reader.outline
    assert [item.title for item in outline if not isinstance(item, list)] == ["Opening", "Middle"]
    nested = next(item for item in outline if isinstance(item, list))
    assert [item.title for item in nested] == ["Closing thoughts"]


def test_links_clickable_and_printed(rich):
    reader, _, _ = rich
    uris = {annot.get_object()["/A"]["/URI"]
            for page in reader.pages for annot in page.get("/Annots", [])
            if annot.get_object().get("/A", {}).get("/URI")}
    online = f"{BASE_URL}/a-handout.html"
    assert uris == {"https://example.org/worked", online}
    text = " ".join(body_text(page) for page in reader.pages)
    assert "worked example (https://example.org/worked)" in text
    assert f"Read it online {online}" in text


def test_rich_fixture_stays_inside_the_page(rich):
    reader, path, stderr = rich
    pdftotext = require_tool("pdftotext", "to measure where words land on the page")
    done = subprocess.run([pdftotext, "-bbox", str(path), "-"], capture_output=True,
                          text=True, check=True)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r"([^<]*)<", done.stdout)
    assert len(words) > 200
    for x_min, _, x_max, y_max, word in words:
        # Allow a hair for glyph overhang.
        assert float(x_min) >= LEFT_MARGIN - 1 and float(x_max) <= width - RIGHT_MARGIN + 1, word
        assert float(y_max) <= height, word
    images = [name for page in reader.pages for name in page.images]
    assert images, "the figure is missing"
    assert "alt text" not in stderr


def test_figures_carry_their_alt_text(rich):
    reader, _, _ = rich
    assert pdf_figure_alts(reader) == ["A small blue figure",
                                       f"QR code for {BASE_URL}/a-handout.html"]


def test_reproducible_with_and_without_source_date_epoch(make_project, folio, tmp_path,
                                                         monkeypatch):
    root = make_project({"source/a.md": article("Same", RICH_BODY.replace("images/", ""),
                                                date="2024-03-05"),
                         "source/figure.png": FIGURE})
    for epoch in (None, "1700000000"):
        if epoch:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        else:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        outputs = []
        for name in ("one", "two"):
            out = tmp_path / f"{name}-{epoch}"
            result = folio(root, "build", "--format", "pdf", "--out", str(out))
            assert result.exit_code == 0, result.stderr
            outputs.append((out / "pdf" / "same.pdf").read_bytes())
        assert outputs[0] == outputs[1]
        info = pypdf.PdfReader(out / "pdf" / "same.pdf").metadata
        assert info["/CreationDate"] == "D:20240305"
        assert info["/ModDate"] == ("D:20231114221320Z" if epoch else "D:20240305")


def test_hostile_resources_are_not_read(make_project, folio, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(FIGURE)
    body = """\
![passwd](/etc/passwd)

![hostname](file:///etc/hostname)

![outside](../../outside.png)

![linked](escape.png)

<img src="https://example.com/tracker.png" alt="tracker">

Text after the pictures.
"""
    root = make_project({"source/a.md": article("Hostile", body)})
    (root / "source" / "escape.png").symlink_to(outside)
    result = folio(root, "build", "--format", "pdf")
    assert result.exit_code == 0, result.stderr
    for resource in ("/etc/passwd", "/etc/hostname", str(outside), "escape.png",
                     "https://example.com/tracker.png"):
        assert any(resource in line and "source/a.md" in line
                   for line in result.stderr.splitlines()), resource
    data = (root / "build" / "pdf" / "hostile.pdf").read_bytes()
    reader = pypdf.PdfReader(root / "build" / "pdf" / "hostile.pdf")
    assert not [image for page in reader.pages for image in page.images]
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Text after the pictures." in normalise(text)
    for secret in (Path("/etc/passwd"), Path("/etc/hostname")):
        content = secret.read_text().strip()
        assert content not in text and content.encode() not in data


def test_letter_paper_from_option_and_project(make_project, folio):
    reader, _, _ = build_pdf(make_project, folio, "Short.\n")
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    reader, _, _ = build_pdf(make_project, folio, "Short.\n", "--paper", "letter")
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [612, 792]
    reader, _, _ = build_pdf(make_project, folio, "Short.\n", settings="paper: letter\n")
    assert round(float(reader.pages[0].mediabox.height)) == 792


def test_contents_and_notes_page(make_project, folio):
    reader, _, _ = build_pdf(make_project, folio, RICH_BODY,
                             files={"source/images/figure.png": FIGURE},
                             handout="{toc: true, notes_page: true}")
    pages = [body_text(page) for page in reader.pages]
    # With contents, the first page is a cover: title block and contents only.
    assert pages[1].startswith("Opening A claim")
    toc = re.search(r"(?i:contents) (.*)", pages[0])
    assert toc, pages[0]
    entries = dict(re.findall(r"([A-Z][a-z]+(?: [a-z]+)?) [. ]*(\d+)", toc.group(1)))
    for title, number in entries.items():
        assert title in pages[int(number) - 1], (title, number)
    assert set(entries) == {"Opening", "Middle", "Closing thoughts"}
    assert pages[-1] == "Notes"
    # The contents push the second call to the foot of a page, where its note cannot follow.
    assert_notes_beside_calls(reader)


def test_german_handout_words(make_project, folio):
    reader, _, _ = build_pdf(make_project, folio, "Ein Absatz.\n", lang="de",
                             author="Erika Muster", date="2023-11-02")
    assert footer_text(reader.pages[0]) == "Erika Muster Seite 1 von 1"
    assert "2. November 2023" in body_text(reader.pages[0])
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_missing_alt_text_is_a_warning(make_project, folio):
    _, _, stderr = build_pdf(make_project, folio, "Words first.\n\n![](figure.png)\n",
                             files={"source/figure.png": FIGURE})
    # At the line that shows it (front matter and a blank line take the first four).
    assert any(line.startswith("warning: ") and "handout.md:7: image 'figure.png' has no alt "
               "text" in line for line in stderr.splitlines()), stderr


def test_archival_variant_on_request(make_project, folio):
    reader, _, _ = build_pdf(make_project, folio, "Kept for years.\n",
                             handout="{archival: true}")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_math_shows_formulas_not_their_tex_source(make_project, folio):
    reader, _, _ = build_pdf(make_project, folio, "Euler: $e^{i\\pi} + 1 = 0$.\n")
    text = body_text(reader.pages[0])
    assert "\\pi" not in text
    if mathjax_dir() and node_executable():
        # Typeset by MathJax: drawn, not text, and tagged as a figure with its TeX as alt text.
        assert text.replace(" ", "").endswith("Euler:.")
        assert pdf_figure_alts(reader) == ["e^{i\\pi} + 1 = 0"]
    else:
        assert "Euler:eiπ+1=0." in text.replace(" ", "")


def test_weasyprints_subsetting_arrays_keep_their_length_and_items() -> None:
    """Sized arrays made as ``T[]`` (one parsed type a process) are the arrays asked for."""
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi as text_ffi

    import pipeline.weasy  # noqa: F401  (gives the subsetting its own view of cffi)

    ffi = fonts.ffi
    full = ffi.new("hb_codepoint_t[3]", [7, 8, 9])
    assert len(full) == 3 and list(full) == [7, 8, 9]
    assert ffi.typeof(full) is ffi.typeof("hb_codepoint_t[]")
    # Given fewer items than its length, an array is still made as asked: zero-filled.
    padded = ffi.new("hb_codepoint_t[4]", [1, 2])
    assert len(padded) == 4 and list(padded) == [1, 2, 0, 0]
    # Everything else is WeasyPrint's own cffi instance, and the text layout uses it unchanged.
    assert ffi.NULL == text_ffi.ffi.NULL and text_ffi.ffi.new is not ffi.new


def test_a_missing_file_in_raw_html_is_named_as_written_in_the_project(make_project, folio,
                                                                        monkeypatch):
    root = make_project({"source/handout.md": article("A Handout",
                                                      '<img src="gone.png" alt="Gone">\n')})
    monkeypatch.chdir(root)
    result = folio(root, "build", "--format", "pdf")
    assert result.exit_code == 0, result.stderr
    assert "warning: source/handout.md:5: image 'gone.png' does not exist; left out" in \
        result.stderr.splitlines()


def test_a_very_long_word_breaks_at_any_letter_and_reads_whole(make_project, folio):
    # WeasyPrint laid out the rest of the paragraph for every line of a word with no break
    # in it (8 s for 10,000 letters, minutes for more): such a word gets a zero-width space
    # at each letter, which the text layer does not hold.
    sequence = "ACGTfiflff" * 400  # letters that make ligatures, too
    reader, _, _ = build_pdf(make_project, folio, f"A sequence: {sequence} and more.\n")
    text = "".join(body_text(page) for page in reader.pages)
    assert "\u200b" not in text
    assert sequence in text.replace(" ", "")  # lines end at any letter


def test_only_long_latin_runs_in_text_get_breaks():
    from pipeline.weasy import UNLIGATED, with_breaks_in_long_words

    long_word = "x" * 99 + "&amp;"
    html = (f"<style>a{{b:url(data:{'A' * 200})}}</style><p title='{'T' * 150}'>{long_word} "
            f"{'中' * 300} {'é' * 20}</p>")
    broken = with_breaks_in_long_words(html)
    spaced = "\u200b".join(["x"] * 99 + ["&amp;"])
    assert broken == html.replace(long_word, UNLIGATED.format(spaced))


def test_a_table_longer_than_the_rest_of_the_page_starts_on_it(make_project, folio):
    # Word documents hold tables of a page or more (POI's bug59058.docx, a 60-row table of
    # cancer rates first in the body): kept whole, it was pushed past a blank first page.
    rows = "\n".join(f"| {1975 + n} | {100 + n}.1 | {30 + n % 3}.4 |" for n in range(60))
    body = f"One paragraph first.\n\n| Year | Cases | Deaths |\n|---|---|---|\n{rows}\n"
    short = "\n\n| Term | Sessions |\n|---|---|\n| attachment | 12 |\n"
    reader, _, _ = build_pdf(make_project, folio, body + short)
    first = body_text(reader.pages[0])
    assert "One paragraph first." in first and "1975" in first and "1990" in first
    # A short table still stays whole.
    assert sum("attachment" in body_text(page) for page in reader.pages) == 1
    assert "Term" in body_text(next(p for p in reader.pages if "attachment" in body_text(p)))


def test_ordered_lists_keep_their_start_and_kind_in_the_handout(make_project, folio) -> None:
    # WordPress's theme test data (<ol start="8">) and every tutorial whose steps go on after a
    # code block ("3. Run it"): WeasyPrint ignores start and type, and numbered them 1, 2 again.
    body = ("1. Install it\n\n```\npip install folio\n```\n\n3. Run it\n4. Read it\n\n"
            "Options:\n\na. quick\nb. thorough\n\nRoman:\n\nIV. four\nV. five\n")
    root = make_project({"source/s.md": article("Steps", body, slug="s")})
    result = folio(root, "build", "-j", "1", "-f", "pdf")
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(root / "build/pdf/s.pdf").pages)
    # The markers come out of the text layer apart from their items: compared as words.
    words = set(text.split())
    assert {"1.", "3.", "4.", "a.", "b.", "IV.", "V."} <= words, text
    assert not {"2.", "I.", "II."} & words, text


OPERATORS = """\
| Operator                  | Example                                                 | Explanation                                                           | Overloadable?  |
| ------------------------- | ------------------------------------------------------- | --------------------------------------------------------------------- | -------------- |
| `!=`                      | `expr != expr`                                          | Nonequality comparison                                                | `PartialEq`    |
| `^=`                      | `var ^= expr`                                           | Bitwise exclusive OR and assignment                                   | `BitXorAssign` |
"""  # noqa: E501 (the Rust book's own table, wider than pandoc's 72 columns)


def test_a_column_narrower_than_its_longest_word_is_widened(make_project, folio):
    # The Rust book's operator table: pandoc gave "Overloadable?" 8% of the width by its
    # dashes, and its trait names broke every few letters beside a half-empty column.
    _, path, _ = build_pdf(make_project, folio, OPERATORS, "-f", "pdf,html")
    page = (path.parents[1] / "html" / "a-handout.html").read_text(encoding="utf-8")
    widths = [int(w) for w in re.findall(r'<col style="width: (\d+)%"', page)]
    assert len(widths) == 4 and widths[3] >= 16 and sum(widths) <= 100
    lines = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert re.search(r"\bBitXorAssign\b", lines) and re.search(r"\bPartialEq\b", lines)


def test_a_definition_term_never_ends_a_page(make_project, folio):
    # pandoc's manual is a long definition list of options: "-L SCRIPT, --lua-filter=SCRIPT"
    # stood alone at the foot of a page, its description on the next.
    body = "".join(f"Term{n:02d} --option\n:   Definition{n:02d} "
                   + "words to fill " * (n % 7 * 6 + 4) + "\n\n" for n in range(60))
    reader, path, _ = build_pdf(make_project, folio, body)
    assert len(reader.pages) > 3
    for number in range(1, len(reader.pages) + 1):
        text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
        terms = set(re.findall(r"Term(\d\d)", text))
        assert terms <= set(re.findall(r"Definition(\d\d)", text)), (number, terms)


def test_code_in_a_narrow_table_cell_is_never_hyphenated(make_project, folio):
    # The Rustonomicon's PhantomData table printed "Phantom-Data<&'a mut T>": copied, another
    # name. Code breaks where it must, without a hyphen of its own.
    table = ("| Phantom type | variance of a | variance of T | Send and Sync or lack thereof "
             "| dangling a or T in drop glue |\n|---|---|---|---|---|\n"
             "| `PhantomData<&'a mut T>` | covariant | invariant | inherited | allowed |\n")
    root = make_project({"source/a.md": article("Variance", table)})
    result = folio(root, "build", "-f", "pdf")
    assert result.exit_code == 0, result.output
    text = pdf_text(root / "build" / "pdf" / "variance.pdf")
    assert "PhantomData" in text and "Phantom\u2010" not in text
