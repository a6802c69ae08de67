"""The author's raw HTML on a web page: what HTML5 dropped is mended, every word kept."""

from __future__ import annotations

from lxml import html as lxml_html

from tests.conftest import REPO, article
from tests.outputs import epub_text, pdf_text
from tests.validators import epubcheck_problems, vnu_errors

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()
README_HTML = """\
<h1 align="center">

![Banner](images/logo.png)

</h1>

<p align="center"><img src="images/logo.png" alt="Logo" width="50%" align="left"></p>

<center>A centred <font color="red" size="3" face="Arial">warning</font>.</center>

Pasted from Word<o:p></o:p> near <st1:place>Boston</st1:place>, see <a name="here">here</a>.

<table cellpadding="2" cellspacing="0" border="0" width="100%"><tr>
<td valign="top" bgcolor="#eee" nowrap>cell</td></tr></table>

<iframe src="https://example.org/video" title="A talk"></iframe>
"""


def test_obsolete_raw_html_is_mended_and_the_page_is_valid(make_project, folio):
    root = make_project({"source/readme.md": article("Readme", README_HTML),
                         "source/images/logo.png": FIGURE})
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert "raw HTML mended for the web page (obsolete in HTML5): align as CSS, " \
           "width as CSS, <center> by <div>, <font> by <span>" in result.stderr
    page = root / "build" / "html" / "readme.html"
    assert vnu_errors(page) == []
    tree = lxml_html.parse(str(page)).getroot()
    main = tree.find(".//main")
    text = " ".join(main.text_content().split())
    assert "A centred warning." in text and "Pasted from Word near Boston, see here." in text
    assert tree.xpath("//p[@style='text-align: center']")
    assert tree.xpath("//img[@style='width: 50%; float: left']/@alt") == ["Logo"]
    assert tree.xpath("//span[@style='color: red']/text()") == ["warning"]
    assert tree.xpath("//a[@id='here']/text()") == ["here"]
    # Markdown inside raw HTML: an image alone became a figure, which no heading may hold.
    assert tree.xpath("//h1[@style='text-align: center']/img/@alt") == ["Banner"]
    # What a page may hold and an ebook may not stays on the page.
    assert tree.xpath("//iframe/@src") == ["https://example.org/video"]


def test_pandoc_html_is_left_as_it_is(make_project, folio):
    root = make_project({"source/a.md": article("Plain", "A *plain* paragraph.\n")})
    result = folio(root, "build", "-f", "html")
    assert "mended" not in result.stderr


def test_math_stays_whole_while_the_raw_html_around_it_is_mended(make_project, folio):
    root = make_project({"source/a.md": article("Sums", """\
        Word's <o:p>tag</o:p> beside $\\sum_{i=1}^n x_i$ and

        $$\\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}$$
        """)})
    assert folio(root, "build", "-f", "html,slides").exit_code == 0
    page = root / "build" / "html" / "sums.html"
    assert vnu_errors(page, root / "build" / "slides" / "sums.html") == []
    tree = lxml_html.parse(str(page)).getroot()
    assert len(tree.xpath("//math")) == 2 and tree.xpath("//mtable")
    assert "Word's tag beside" in " ".join(tree.find(".//main").text_content().split())


MDBOOK_LISTING = """\
The code is shown in Listing 8-1.

<Listing number="8-1" file-name="src/main.rs" caption="Creating a new, empty `String`">

```rust
let mut s = String::new();
```

</Listing>

- In a list:

  <Listing number="8-2" caption="A *second* one">

  ```rust
  let t = 2;
  ```

  </Listing>

After the listings.
"""


def test_mdbook_listing_is_a_div_with_its_caption(make_project, folio):
    # The Rust book wraps each listing in mdBook's <Listing>: pandoc left the tags as raw
    # HTML, so the page held <p></p>, an obsolete <listing> made a <pre> around the code
    # (invalid: number= and caption= on it) and the caption was seen nowhere.
    root = make_project({"source/book.md": article("Book", MDBOOK_LISTING)})
    result = folio(root, "build", "-f", "html,epub,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "mended" not in result.stderr and "EPUB 3 does not allow" not in result.stderr
    page = root / "build" / "html" / "book.html"
    assert vnu_errors(page) == []
    tree = lxml_html.parse(str(page)).getroot()
    listings = tree.xpath("//div[@class='listing']")
    assert [div.get("data-number") for div in listings] == ["8-1", "8-2"]
    first = " ".join(listings[0].text_content().split())
    assert first == ("let mut s = String::new(); "
                     "Listing 8-1: Creating a new, empty String (src/main.rs)")
    assert listings[0].xpath("./pre[contains(@class, 'highlight rust')]")
    assert listings[1].xpath("ancestor::li") and listings[1].xpath(".//p/em/text()") == ["second"]
    assert not tree.xpath("//main//p[not(node())]")
    assert "Listing\u00a08-2: A second one" in epub_text(root / "build" / "epub" / "book.epub")
    deck = lxml_html.parse(str(root / "build" / "slides" / "book.html")).getroot()
    # On slides the author's sentence introduces the code, and no caption stands alone.
    shown = deck.xpath("//section[.//pre[not(ancestor::aside)][contains(., 'String::new')]]"
                       "//text()[not(ancestor::aside)]")
    assert "The code is shown in Listing 8-1." in "".join(shown)
    assert "Listing 8-1:" not in deck.text_content()


HTML5_ELEMENTS = """\
Break a<wbr>long word.

Read <ruby>明日<rp>(</rp><rt>Ashita</rt><rp>)</rp></ruby> and <ruby>漢<rt>kan</rt></ruby>.

<picture><source srcset="images/logo.png" media="(min-width: 40em)">
<img src="images/logo.png" alt="The logo"></picture>

<svg width="10" height="10"><circle cx="5" cy="5" r="3"/></svg> and <math><mi>x</mi></math>

| a |
|---|
| 1 |

: A caption for a narrow table
"""


def test_html5_elements_written_raw_stay_valid_in_every_format(make_project, folio):
    # libxml2's HTML parser, older than <wbr> and <source>, made containers of them ("a<wbr>
    # long word.</wbr>"); the page's repair unwrapped a ruby's <rt>; an <svg> or <math>
    # without xmlns stayed in XHTML's namespace in the ebook; WeasyPrint hid a ruby's
    # parentheses and set a narrow table's caption a word a line.
    root = make_project({"source/elements.md": article("Elements", HTML5_ELEMENTS),
                         "source/images/logo.png": FIGURE})
    result = folio(root, "build", "-f", "html,epub,pdf")
    assert result.exit_code == 0, result.output
    assert "mended" not in result.stderr
    page = root / "build" / "html" / "elements.html"
    assert vnu_errors(page) == []
    # (Not read with lxml here: its parser would nest them again.)
    written = page.read_text(encoding="utf-8")
    assert "a<wbr>long word." in written and "</wbr>" not in written
    assert "</source>" not in written
    tree = lxml_html.parse(str(page)).getroot()
    assert [" ".join(ruby.itertext()) for ruby in tree.iter("ruby")] == ["明日 ( Ashita )",
                                                                         "漢 kan"]
    assert epubcheck_problems(root / "build" / "epub" / "elements.epub") == []
    text = pdf_text(root / "build" / "pdf" / "elements.pdf")
    assert "明日(Ashita)" in text and "漢(kan)" in text
    assert "A caption for a narrow table" in text
