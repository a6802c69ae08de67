"""``folio import`` of an mdBook: its SUMMARY.md in, one book of articles out, includes read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html

from tests.conftest import write_files
from tests.test_import import FIGURE, body_of
from tests.validators import epubcheck_problems

MAIN_RS = """\
// ANCHOR: all
use std::io;

// ANCHOR: main
fn main() {
    let answer = 42;
    println!("{answer}");
}
// ANCHOR_END: main
// ANCHOR_END: all
"""

BOOK = {
    "book.toml": '[book]\ntitle = "Ferris Teaches"\nauthors = ["Ann Lee", "Bo Chen"]\n'
                 'language = "en"\n\n[output.html]\nmathjax-support = true\n\n'
                 '[preprocessor.segments]\ncommand = "segments"\n',
    "src/SUMMARY.md": "# Summary\n\n[Ferris Teaches](title-page.md)\n[Preface](preface.md)\n\n"
                      "# Basics\n\n"
                      "- [Getting Going](ch01.md)\n  - [Reading Input](ch01-01.md)\n"
                      "- [Not Yet Written]()\n\n# Further\n\n- [Ownership](ch02.md)\n"
                      "- [More](more/README.md)\n- [Spaced](<my file.md>)\n",
    "src/title-page.md": "# Ferris Teaches\n\n*by Ann Lee and Bo Chen*\n",
    "src/preface.md": "# Preface\n\nWhy this course: it costs $5 a term, with $HOME as "
                      "your `$PATH` prefix.\n",
    "src/ch01.md": (
        "# Getting Going\n\nEnter the code of Listing 1-1, then read [ownership]"
        "(ch02.html#moving-values) in [the next chapter](ch02.html#ownership).\n\n"
        '<Listing number="1-1" file-name="src/main.rs" caption="A first program">\n\n'
        "```rust,ignore\n{{#rustdoc_include ../listings/main.rs:main}}\n```\n\n</Listing>\n\n"
        "Lines two to three:\n\n```rust\n{{#include ../listings/main.rs:2:3}}\n```\n\n"
        "Rust's hidden lines:\n\n```rust\n# fn main() {\nlet x = 5;\n## not hidden\n"
        "#[derive(Debug)]\nstruct S;\n# }\n```\n\n"
        "mdBook shows an include as written with \\{{#include file.rs}}.\n\n"
        "A secret: {{#include ../../secret.txt}}\n\n"
        'The stack, drawn:\n\n<img alt="Two boxes on a stack" src="img/stack.png" '
        'class="center" />\n\nThe area is \\\\( \\pi r^2 \\\\).\n'),
    "src/ch01-01.md": "## Reading Input\n\nA section of the chapter.\n\n### From a File\n\n"
                      "Read it.\n",
    "src/ch02.md": "# Ownership\n\n## Moving Values\n\nA value has one owner.\n",
    # What other books (the Rustonomicon, Rust by Example, Comprehensive Rust, mdBook's
    # guide) hold.
    "src/more/README.md": (
        "# More\n\n### Straight under the title\n\nRun it:\n\n{{#playground ../../listings/"
        "main.rs editable}}\n\n{{ #include ../../listings/main.rs:2:2 }} and {{#include }}.\n\n"
        "![A dot](../img/stack.png) and `{{ user.name }}` stay, so does {{ user.name }}.\n\n"
        "```rust\n    ## indented\n```\n\nBack to [the start](../ch01.html), "
        "[here](index.html) and [the list](./).\n"),
    "src/my file.md": "# Spaced\n\nA file with a space.\n",
    "src/img/stack.png": FIGURE.read_bytes(),
    "listings/main.rs": MAIN_RS,
}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """Return the SUMMARY.md of a small mdBook, with a secret file just outside it."""
    root = tmp_path / "ferris"
    write_files(root, BOOK)
    (tmp_path / "secret.txt").write_text("hunter2\n", encoding="utf-8")
    return root / "src" / "SUMMARY.md"


def test_an_mdbook_comes_in_as_one_book_in_its_order_and_parts(make_project, folio, book):
    project = make_project()
    result = folio(project, "import", str(book))
    assert result.exit_code == 0, result.output
    assert "skipped 'Not Yet Written' (a draft chapter, not written yet)" in result.stderr
    # The title page is an article "ferris-teaches": the book takes another name, as both
    # would make the ebook ferris-teaches.epub.
    assert (project / "source" / "ferris-teaches.md").exists()
    meta = yaml.safe_load((project / "source" / "books" / "ferris-teaches-book.yaml").read_text())
    assert meta["title"] == "Ferris Teaches" and meta["author"] == ["Ann Lee", "Bo Chen"]
    assert meta["lang"] == "en"
    assert meta["contents"] == ["ferris-teaches.md", "preface.md",
                                {"part": "Basics", "articles": ["getting-going.md",
                                                                "reading-input.md"]},
                                {"part": "Further", "articles": ["ownership.md", "more.md",
                                                                 "spaced.md"]}]
    # A section titled by a level-2 heading: its own sections come up a level with it.
    chapter_meta, body = body_of(project / "source" / "reading-input.md")
    assert chapter_meta["title"] == "Reading Input"
    assert "\n## From a File\n" in f"\n{body}"
    # A "$" in prose is no formula in an mdBook (only its KaTeX preprocessor makes one).
    assert "$HOME" in body_of(project / "source" / "preface.md")[1]


def test_includes_listings_hidden_lines_pictures_and_formulas(make_project, folio, book):
    project = make_project()
    result = folio(project, "import", str(book))
    assert result.exit_code == 0, result.output
    body = body_of(project / "source" / "getting-going.md")[1]
    # The anchor's lines alone, without the anchors' own; a line range; the language read
    # from rustdoc's "rust,ignore".
    assert '``` rust\nfn main() {\n    let answer = 42;\n    println!("{answer}");\n}\n```' \
        in body
    assert "``` rust\nuse std::io;\n\n```" in body or "``` rust\nuse std::io;\n```" in body
    assert "ANCHOR" not in body and "{{#rustdoc_include" not in body
    # As a build sets a <Listing> kept in an article.
    assert "Listing\u00a01-1: A first program (`src/main.rs`)" in body
    assert "``` rust\nlet x = 5;\n# not hidden\n#[derive(Debug)]\nstruct S;\n```" in body
    assert "{{#include file.rs}}" in body  # written with a backslash, shown as written
    assert "hunter2" not in body
    assert "'../../secret.txt' is included but not read: it lies outside the book" \
        in result.stderr
    assert "![Two boxes on a stack](images/getting-going/stack.png)" in body
    assert "$\\pi r^2$" in body
    assert "[ownership](ownership.md#moving-values)" in body
    # The heading that became the title has no anchor: the link leads to its article's top.
    assert "[the next chapter](ownership.md)" in body


def test_an_imported_mdbook_builds_and_its_ebook_passes_epubcheck(make_project, folio, book):
    project = make_project()
    assert folio(project, "import", str(book)).exit_code == 0
    result = folio(project, "build", "-f", "html,epub")
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "getting-going.html"))
    assert page.xpath("//a[text()='ownership']/@href") == ["ownership.html#moving-values"]
    assert page.xpath("//img/@alt") == ["Two boxes on a stack"]
    assert page.xpath("//math")  # the MathJax formula
    assert epubcheck_problems(project / "build" / "epub" / "ferris-teaches-book.epub") == []


def test_other_books_ways_playgrounds_pictures_and_what_mdbook_shows_as_written(
        make_project, folio, book):
    project = make_project()
    result = folio(project, "import", str(book))
    assert result.exit_code == 0, result.output
    assert "book.toml: Folio does not run the preprocessors segments" in result.stderr
    assert "'{{#include }}' names no file: left out" in result.stderr
    body = body_of(project / "source" / "more.md")[1]
    # "###" straight under the title: the level between is no longer missing.
    assert body.startswith("## Straight under the title\n")
    # A playground is Rust code, as mdBook shows it.
    assert "``` rust\nuse std::io;\n\nfn main() {" in body
    assert "use std::io; and ." in body  # "{{ #include", with a space, filled in too
    # Inside the book, a picture outside the chapter's folder comes along.
    assert "![A dot](images/more/stack.png)" in body
    # mdBook shows Liquid's syntax as written.
    assert "`{{ user.name }}` stay, so does {{ user.name }}." in body
    # "##" after an indent shows as "#" at that indent.
    assert "``` rust\n    # indented\n```" in body
    # A folder's page is its README.md's.
    assert ("[the start](getting-going.md), [here](more.md) and [the list](more.md)"
            in body)
