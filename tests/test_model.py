"""The article model's derived facts, on the shapes real documents have."""

from __future__ import annotations

from pipeline.project import load_project
from pipeline.source import read_article
from tests.conftest import article


def test_the_summary_skips_a_row_of_badges(make_project):
    # A README's first paragraph is often only images: it has no words to summarise, and an
    # empty summary made the ebook's dc:description empty (an EPUBCheck error).
    root = make_project({"source/readme.md": article("Readme", """\
        [![build](https://example.org/b.svg)](https://example.org) ![docs](https://example.org/d.svg)

        The package does one thing well.
        """)})
    read = read_article(root / "source" / "readme.md", load_project(root))
    assert read.summary == "The package does one thing well."


def test_only_the_authors_html_marks_a_block_raw(make_project):
    # Folio's own note markers are raw HTML to pandoc; counted as the author's, every paragraph
    # with a footnote was sent through the mending of pasted HTML, on the page and every slide.
    root = make_project({"source/a.md": article("Notes", """\
        A claim.[^1]

        A <kbd>keyed</kbd> claim.[^2]

        [^1]: Its source.
        [^2]: Another.
        """)})
    read = read_article(root / "source" / "a.md", load_project(root))
    assert [block.raw for block in read.blocks] == [False, True]
    assert 'href="#fn1"' in read.blocks[0].html


def test_addresses_are_known_by_their_source_line(make_project):
    # Read with the source, so that a warning made where the source is absent (a Dask worker)
    # still names the line.
    root = make_project({"source/a.md": article("Links", """\
        See [the next one](02%20two.md) and [the web](https://example.org).

        ![A figure](fig.png "its title")

        [ref]: other.md#part
        Also [by reference][ref].
        """), "source/fig.png": b"\x89PNG\r\n\x1a\n"})
    read = read_article(root / "source" / "a.md", load_project(root))
    assert read.address_lines == {"02%20two.md": 5, "other.md#part": 9, "fig.png": 7}
    assert read.line("fig.png") == 7 and read.line("https://example.org") is None


def test_a_cells_span_is_kept_within_what_html_allows(make_project):
    # Browsers clamp colspan at 1000; WeasyPrint laid out every one of 100000 columns (46 s
    # for one handout), so the model clamps as browsers do.
    root = make_project({"source/a.md": article("Spans", """\
        <table><tr><td colspan="100000" rowspan='70000'>a</td><td colspan="2">b</td></tr></table>
        """)})
    read = read_article(root / "source" / "a.md", load_project(root))
    html = read.body_html
    assert 'colspan="1000" rowspan="65534"' in html and 'colspan="2"' in html
