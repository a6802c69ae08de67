"""The slide model: derivation rules, fit limits and author control, checked on the model."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import html as lxml_html

from pipeline.deck import (
    BULLET_WORDS,
    CODE_COLUMNS,
    CODE_LINES,
    MAX_SLIDE_WORDS,
    QUOTE_WORDS,
    TABLE_ROWS,
    TITLE_CHARS,
    WORD_CHARS,
    Deck,
    build_deck,
    key_sentence,
    shorten,
    split_sentences,
)
from pipeline.deck.fragments import balanced
from pipeline.errors import SourceError
from pipeline.model import Block
from pipeline.project import load_project
from pipeline.source import read_article
from tests.conftest import SAMPLE_SLUG, article

WORDS = ["therapy", "listening", "patients", "memory", "framework", "silence", "trust",
         "change", "growth", "session", "insight", "healing"]


def sentence(seed: int, length: int = 12) -> str:
    """Return a distinct sentence of ``length`` words."""
    words = [WORDS[(seed * 7 + i) % len(WORDS)] for i in range(length)]
    return f"Point {seed} says " + " ".join(words) + "."


def paragraph(seed: int, sentences: int = 3) -> str:
    """Return a distinct paragraph."""
    return " ".join(sentence(seed * 10 + i) for i in range(sentences))


def png(width: int = 160, height: int = 90) -> bytes:
    """Return a small real PNG image (a blue-to-white gradient)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\0" + bytes(c for x in range(width) for c in (x, x, 255))
                    for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture
def deck_of(make_project: Callable[..., Path]) -> Callable[..., Deck]:
    """Return a function: article body (and metadata) in, deck out."""

    def make(body: str, settings: str = "site_title: T\nlang: en\n", **meta: str) -> Deck:
        text = article("A Test Deck", body, author="Ada Lovelace", date="2024-05-06", **meta)
        root = make_project({"source/a.md": text, "source/figure.png": png()},
                            settings=settings)
        project = load_project(root)
        return build_deck(read_article(root / "source" / "a.md", project),
                          project.settings.get("base_url"))

    return make


def paragraphs(blocks: tuple[Block, ...]) -> list[Block]:
    """Return the paragraphs of ``blocks`` at any depth of divs, but not those left out."""
    found: list[Block] = []
    for block in blocks:
        if "no-slides" in block.classes:
            continue
        found += [block] if block.kind == "Para" else paragraphs(block.children)
    return found


def check_invariants(deck: Deck, left_out: tuple[str, ...] = ()) -> None:
    """Every paragraph in the notes, in order; no derived slide over the word limit."""
    notes = "\n".join(slide.notes_text for slide in deck.slides)
    position = 0
    for block in paragraphs(deck.article.body_blocks):
        if block.text in left_out or not block.text.strip():
            continue  # a paragraph of badges or raw HTML has no words to speak
        found = notes.find(block.text, position)
        assert found >= 0, f"paragraph missing from the notes (or out of order): {block.text!r}"
        position = found + len(block.text)
    for slide in deck.slides:
        if slide.kind == "code":  # code is bounded by rows (a long line wraps), not words
            columns = CODE_COLUMNS[deck.aspect]
            rows = sum(max(1, -(-len(line) // columns)) for line in slide.text.splitlines())
            assert rows <= CODE_LINES, slide
        elif slide.kind != "custom":
            assert slide.visible_words <= deck.max_words <= MAX_SLIDE_WORDS, slide
        assert all(len(b.split()) <= BULLET_WORDS for b in slide.bullets if slide.kind == "content")


def test_sample_article(make_project: Callable[..., Path]) -> None:
    root = make_project(sample=True)
    project = load_project(root)
    source = next(project.source_dir.glob("*.md"))
    deck = build_deck(read_article(source, project))
    kinds = [s.kind for s in deck.slides]
    # Ten paragraphs, four bullets at most, balanced: 4 + 3 + 3.
    assert kinds == ["title", "content", "content", "content", "closing"]
    assert [len(s.bullets) for s in deck.slides[1:4]] == [4, 3, 3]
    assert deck.slides[1].title == "How can a relationship heal?"
    assert all(s.title and not s.title.startswith("Slide") for s in deck.slides)
    assert len({s.title for s in deck.slides[1:4]}) == 3
    assert deck.slides[0].title == deck.article.title
    assert deck.article.slug == SAMPLE_SLUG
    check_invariants(deck)


def test_headings_give_titled_sections(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of(f"""
        Opening words. {paragraph(1)}

        ## Background

        {paragraph(2)}

        {paragraph(3)}

        ## Method {{#method}}

        {paragraph(4)}

        ### Empty sub-heading

        ## Results

        {paragraph(5)}
        """)
    assert [(s.kind, s.heading) for s in deck.slides[1:-1]] == [
        ("content", deck.slides[1].title), ("content", "Background"), ("content", "Method"),
        ("section", "Empty sub-heading"), ("content", "Results")]
    assert deck.slides[2].bullets == (shorten(sentence(20), BULLET_WORDS),
                                      shorten(sentence(30), BULLET_WORDS))
    assert deck.slides[2].bullets[0].endswith("…")
    check_invariants(deck)


def test_one_long_paragraph_without_headings(deck_of: Callable[..., Deck]) -> None:
    body = " ".join(sentence(i, 18) for i in range(20))  # 20 sentences of 21 words: 420 words
    assert len(body.split()) >= 400
    deck = deck_of(body + "\n")
    assert [s.kind for s in deck.slides] == ["title", "content", "closing"]
    (bullet,) = deck.slides[1].bullets
    assert bullet.endswith("…") and len(bullet.split()) <= BULLET_WORDS
    assert deck.slides[1].notes_text == body
    check_invariants(deck)


def test_twelve_paragraph_section_splits(deck_of: Callable[..., Deck]) -> None:
    body = "## Twelve points\n\n" + "\n\n".join(paragraph(i) for i in range(12)) + "\n"
    deck = deck_of(body)
    content = deck.slides[1:-1]
    assert [s.heading for s in content] == [f"Twelve points ({i}/3)" for i in (1, 2, 3)]
    assert [len(s.bullets) for s in content] == [4, 4, 4]
    check_invariants(deck)


def test_bullets_option_and_balance(deck_of: Callable[..., Deck]) -> None:
    body = "\n\n".join(paragraph(i) for i in range(7)) + "\n"
    deck = deck_of(body, slides="{bullets: 3, aspect: '4:3', handout_per_page: 6}")
    assert [len(s.bullets) for s in deck.slides[1:-1]] == [3, 2, 2]
    assert (deck.aspect, deck.width, deck.handout_per_page) == ("4:3", 960, 6)


def test_very_long_heading_is_shortened(deck_of: Callable[..., Deck]) -> None:
    heading = ("A very long heading that goes on and on about the many facets of the "
               "therapeutic relationship and its history in the twentieth century")
    deck = deck_of(f"## {heading}\n\n{paragraph(1)}\n")
    slide = deck.slides[1]
    assert slide.title.endswith("…") and len(slide.title) <= TITLE_CHARS + 1
    assert slide.notes[0].text == heading
    check_invariants(deck)


def test_figure_table_quotation(deck_of: Callable[..., Deck],
                                make_project: Callable[..., Path]) -> None:
    rows = "\n".join(f"| row {i} | value {i} |" for i in range(14))
    quote = " ".join(sentence(i) for i in range(8))
    deck = deck_of(f"## Evidence\n\n{paragraph(1)}\n\n"
                   "![The growth curve of trust over twelve sessions](figure.png)\n\n"
                   f"| Name | Value |\n|------|-------|\n{rows}\n\n: Results by row\n\n"
                   f"> {quote}\n\n{paragraph(2)}\n")
    kinds = [s.kind for s in deck.slides[1:-1]]
    assert kinds == ["content", "figure", "table", "table", "table", "quote", "content"]
    figure = deck.slides[2]
    assert figure.text == "The growth curve of trust over twelve sessions"
    assert figure.image is not None and figure.image.src == "figure.png"
    tables = [s.table for s in deck.slides if s.table]
    assert [len(t.rows) for t in tables] == [TABLE_ROWS, TABLE_ROWS, 2]
    assert tables[0].header == ("Name", "Value") and tables[2].rows[-1] == ("row 13", "value 13")
    assert {s.heading for s in deck.slides[1:-1]} == {f"Evidence ({i}/7)" for i in range(1, 8)}
    quoted = deck.slides[6]
    assert quoted.text.endswith("…") and len(quoted.text.split()) <= QUOTE_WORDS + 1
    assert quoted.text.startswith(sentence(0))
    assert quote in quoted.notes_text  # the whole quotation, the rest included, is in the notes
    check_invariants(deck)


@pytest.mark.parametrize(("aspect", "wraps"), [("16:9", False), ("4:3", True)])
def test_only_tables_too_wide_for_whole_words_break_words_anywhere(
        deck_of: Callable[..., Deck], aspect: str, wraps: bool) -> None:
    # WeasyPrint measures a cell that may break anywhere by trying every character: a table
    # is marked for it (on paper) only where its longest words, side by side, would not fit.
    narrow = "| Term | Sessions |\n|---|---:|\n| attachment | 12 |\n"
    words = ["therapeutic", "attachment", "boundaries", "resolution", "listeners"]
    middling = ("| " + " | ".join("ABCDE") + " |\n|" + "---|" * 5 + "\n| "
                + " | ".join(words) + " |\n")
    wide = "| " + " | ".join(words + words[:3]) + " |\n|" + "---|" * 8 + "\n"
    deck = deck_of(f"## Tables\n\n{narrow}\n{middling}\n{wide}",
                   slides=f"{{aspect: '{aspect}'}}")
    tables = [slide.table for slide in deck.slides if slide.table]
    assert [table.wrap_anywhere for table in tables] == [False, wraps, True]
    # The handout's measure is the article's own: its text is wider than either slide.
    marked = [block.html.startswith('<table class="wrap-anywhere">')
              for block in deck.article.blocks if block.kind == "Table"]
    assert marked == [False, False, True]


def test_author_control(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of(f"""
        {paragraph(1)}

        ::: notes
        Remember to ask the audience.
        :::

        ## Own slides

        {paragraph(2)}

        ::: slide
        ### My own slide
        - first point
        - second point

        :::: notes
        Say why the points matter.
        ::::
        :::

        {paragraph(3)}

        ## Left out {{.no-slides}}

        {paragraph(4)}

        ::: no-slides
        {paragraph(5)}
        :::

        ## Kept

        {paragraph(6)}
        """)
    assert [(s.kind, s.title) for s in deck.slides[1:-1]] == [
        ("content", deck.slides[1].title), ("custom", "My own slide"), ("content", "Kept")]
    assert deck.slides[1].notes_text.endswith("Remember to ask the audience.")
    custom = deck.slides[2]
    assert custom.bullets == ("first point", "second point")
    assert "<li>first point</li>" in custom.html and "matter" not in custom.html
    assert "Say why the points matter." in custom.notes_text
    # The section's prose becomes the notes of the author's slide, in order.
    assert custom.notes_text.startswith(paragraph(2)) and paragraph(3) in custom.notes_text
    all_notes = " ".join(s.notes_text for s in deck.slides)
    assert paragraph(4) not in all_notes and paragraph(5) not in all_notes
    check_invariants(deck, left_out=(paragraph(4),))


def test_closing_slide_has_online_address(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of("Words.\n", settings="lang: en\nbase_url: https://example.org/talks\n")
    closing = deck.slides[-1]
    assert closing.kind == "closing"
    assert closing.text == "https://example.org/talks/a-test-deck.html"
    assert closing.bullets == ("Ada Lovelace",)


def test_footnotes_join_the_notes(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of("A claim.[^1] Another sentence here.\n\n[^1]: The source of the claim.\n")
    assert deck.slides[1].notes_text.endswith("[1] The source of the claim.")


def test_bad_options_are_reported(deck_of: Callable[..., Deck]) -> None:
    with pytest.raises(SourceError, match="handout_per_page: must be 3 or 6"):
        deck_of("Words.\n", slides="{handout_per_page: 4}")
    with pytest.raises(SourceError, match=r"slides\.aspect"):
        deck_of("Words.\n", slides="{aspect: '5:4'}")


@pytest.mark.parametrize(("text", "expected"), [
    ("How can it heal? It heals by talking.", "How can it heal?"),
    ("In conclusion, the relationship is the cornerstone of all change. More.",
     "The relationship is the cornerstone of all change."),
    ("Dr. Smith said so. Then left.", "Dr. Smith said so."),
])
def test_key_sentence_rule(text: str, expected: str) -> None:
    assert key_sentence(text) == expected


def test_key_span_wins() -> None:
    assert key_sentence("First one. Second one.", ("the key",)) == "the key"


def test_shorten_at_clause_or_word_boundary() -> None:
    long = ("Jungians introduce the concepts of conscious or unconscious relationships, hinting "
            "at hidden intensities that fluctuate beneath our conscious awareness.")
    assert shorten(long, 14) == ("Jungians introduce the concepts of conscious or unconscious "
                                 "relationships…")
    enumeration = ("The relationship acts as a stage for presenting, engaging, and working "
                   "through the patient's past relationships.")
    assert shorten(enumeration, 14) == ("The relationship acts as a stage for presenting, "
                                        "engaging, and working through the patient's…")
    assert not re.search(r"\b(the|and|of)…$", shorten(" ".join(["word"] * 13 + ["the", "x"]),
                                                          14))


def test_split_sentences() -> None:
    assert split_sentences("One. Two? Three! e.g. four.") == ["One.", "Two?", "Three! e.g. four."]


def test_plural_folded_in_one_place_only(deck_of: Callable[..., Deck]) -> None:
    # The bullet "Many builds fail." has no "build" of its own, the paragraph has: the title
    # terms were folded differently in each place (a ZeroDivisionError, then a KeyError).
    deck = deck_of("Many builds fail. Every build uses macros and every builder knows it.\n\n"
                   "Citations look like this (Knuth 1984). Several builds run at once.\n")
    titles = [s.title for s in deck.slides[1:-1]]
    assert titles and all(titles)
    assert "Build" in titles[0]  # "builds" and "build" count as one term
    check_invariants(deck)


def test_divs_inside_divs_reach_the_deck(deck_of: Callable[..., Deck],
                                         make_project: Callable[..., Path]) -> None:
    deck = deck_of(f"""
        ## Columns

        :::: columns
        ::: column
        {paragraph(1)}
        :::
        ::: {{.column width="40%"}}
        {paragraph(2)}

        ![A nested figure](figure.png)
        :::
        ::::

        ## Callout

        ::: {{.callout-note}}
        :::: inner
        - {sentence(3, 6)}
        - {sentence(4, 6)}
        ::::
        :::

        ## Left out

        :::: wrapper
        ::: no-slides
        {paragraph(5)}
        :::
        {paragraph(6)}
        ::::
        """)
    assert [(s.kind, s.heading) for s in deck.slides[1:-1]] == [
        ("content", "Columns (1/2)"), ("figure", "Columns (2/2)"),
        ("content", "Callout"), ("content", "Left out")]
    # The untitled callout is titled by its kind, its first line as on the page.
    assert deck.slides[3].bullets == ("Note", shorten(sentence(3, 6), BULLET_WORDS),
                                      shorten(sentence(4, 6), BULLET_WORDS))
    assert paragraph(5) not in " ".join(s.notes_text for s in deck.slides)
    check_invariants(deck)


def test_citeproc_reference_list_reaches_the_notes(make_project: Callable[..., Path]) -> None:
    bib = ("@book{knuth, author={Donald Knuth}, title={The TeXbook}, year={1984},"
           " publisher={Addison-Wesley}}\n")
    root = make_project({"source/a.md": article(
        "Cited", "The tool builds documents [@knuth]. Every build uses macros.\n\n"
        "# References\n", bibliography="refs.bib"), "source/refs.bib": bib})
    project = load_project(root)
    deck = build_deck(read_article(root / "source" / "a.md", project))
    (references,) = [s for s in deck.slides if s.title == "References"]
    assert "The TeXbook" in references.notes_text
    check_invariants(deck)


def test_footnote_of_several_blocks_keeps_its_structure(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of("A claim.[^1]\n\n[^1]: First paragraph of the note.\n\n"
                   "    ```\n    code line 1\n    code line 2\n    ```\n\n"
                   "    - item a\n    - item b\n")
    note = deck.slides[1].notes[-1]
    assert note.text == ("[1] First paragraph of the note.\n\n    code line 1\n    code line 2"
                         "\n\n- item a\n- item b")
    tree = lxml_html.fragment_fromstring(note.html)
    assert tree.xpath("string(p[1])") == "1 First paragraph of the note."
    assert tree.xpath("string(pre/code)") == "code line 1\ncode line 2"
    assert tree.xpath("ul/li/text()") == ["item a", "item b"]


@pytest.mark.parametrize(("body", "kinds"), [
    ("## Only a rule\n\n---\n", ["section"]),
    ("## Only a rule\n\n* * *\n\n* * *\n", ["section"]),
    ("## Only an image\n\n![A picture](figure.png)\n", ["figure"]),
    ("## Only a table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", ["table"]),
    ("## Only code\n\n```\nprint(1)\n```\n", ["code"]),
    ("## Only raw HTML\n\n<div></div>\n", ["section"]),
    ("## Only notes\n\n::: notes\nSay hello.\n:::\n", ["section"]),
])
def test_section_with_one_kind_of_content_keeps_its_heading(
        deck_of: Callable[..., Deck], body: str, kinds: list[str]) -> None:
    deck = deck_of(body)
    heading = body.split("\n")[0].removeprefix("## ")
    assert [(s.kind, s.title) for s in deck.slides[1:-1]] == [(k, heading) for k in kinds]


def test_long_heading_over_a_rule_keeps_its_notes(deck_of: Callable[..., Deck]) -> None:
    heading = " ".join(["Longwinded"] * 12)
    deck = deck_of(f"## {heading}\n\n---\n")
    (slide,) = deck.slides[1:-1]
    assert slide.kind == "section" and slide.title.endswith("…")
    assert slide.notes_text == heading


def test_heading_levels_and_empty_headings(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of(f"""
        ## First

        ### Second

        ##### Level five

        {paragraph(1)}

        ###### Level six

        #

        {paragraph(2)}

        #
        """)
    shown = [(s.kind, s.title) for s in deck.slides[1:-1]]
    assert shown[:4] == [("section", "First"), ("section", "Second"), ("content", "Level five"),
                         ("section", "Level six")]
    assert len(shown) == 5 and shown[4][0] == "content" and shown[4][1]  # a derived title
    assert all(s.title.strip() for s in deck.slides)
    check_invariants(deck)


@pytest.mark.parametrize(("html", "expected"), [
    ("<ol><li><p>x</p></details></li></ol>", "<ol><li><p>x</p></li></ol>"),
    ("<details>\n<summary>a &amp; b</summary>",
     "<details>\n<summary>a &amp; b</summary></details>"),
    ("<div><p>open</div>", "<div><p>open</p></div>"),
    ('<p>a<br>b<br/>&nbsp;&#x41;<!-- c --><math><mspace width="1em"/></math></p>',
     '<p>a<br>b<br/>&nbsp;&#x41;<!-- c --><math><mspace width="1em"/></math></p>'),
    ("<!DOCTYPE html><p>x</p>", "<p>x</p>"),
    ("plain < text & more", "plain < text & more"),
])
def test_block_html_is_balanced_to_stand_alone(html: str, expected: str) -> None:
    assert balanced(html) == expected


def test_list_item_bullet_is_its_first_paragraph(deck_of: Callable[..., Deck]) -> None:
    deck = deck_of("## Steps\n\n1. Run this command first:\n\n    ```\n    make build\n    ```\n\n"
                   "2. Then check the result.\n\n    It should say ok.\n")
    assert deck.slides[1].bullets == ("Run this command first:", "Then check the result.")
    assert "make build" in deck.slides[1].notes_text
    assert "It should say ok." in deck.slides[1].notes_text


def test_very_long_words_are_cut_on_slides(deck_of: Callable[..., Deck]) -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4
    deck = deck_of(f"{word} is a long word. It {word}s.\n\n## {word}\n\nShort words here.\n\n"
                   "- \n- \n")
    derived, titled = deck.slides[1], deck.slides[2]
    shown = [derived.title, titled.title, *derived.bullets, *titled.bullets]
    assert all(len(word) <= TITLE_CHARS + 1 for text in shown for word in text.split())
    assert all(len(word) <= WORD_CHARS for text in derived.bullets for word in text.split())
    assert titled.notes[0].text == word  # the whole heading opens the notes
    assert "-" not in titled.bullets  # empty list items give no bullet
    check_invariants(deck)


@pytest.mark.parametrize("aspect", ["16:9", "4:3"])
def test_long_code_continues_on_numbered_slides(deck_of: Callable[..., Deck],
                                                 aspect: str) -> None:
    code = "\n".join(f"call_{i}(" + ", ".join(f"argument_{j}" for j in range(12)) + ")"
                     for i in range(20))
    deck = deck_of(f"## Code\n\n```python\n{code}\n```\n", slides=f"{{aspect: '{aspect}'}}")
    shown = [slide for slide in deck.slides if slide.kind == "code"]
    # Nothing is cut: the slides together show every line, whole, in order.
    assert "\n".join(slide.text for slide in shown) == code
    assert len(shown) > 1
    assert [s.part for s in shown] == [f"{i}/{len(shown)}" for i in range(1, len(shown) + 1)]
    assert all(slide.tokens for slide in shown)  # highlighted on every slide
    assert all(line in shown[0].notes_text for line in code.splitlines())
    check_invariants(deck)


def test_sentence_introducing_code_or_equation_sits_above_it(
        deck_of: Callable[..., Deck]) -> None:
    # Software Carpentry's lessons: a sentence, the command, its output; statistics notes: a
    # sentence, a formula, "where", a formula. Each alone made a near-empty slide.
    deck = deck_of("## Counting\n\nLet's run an example command:\n\n```bash\n$ wc cubane.pdb\n"
                   "```\n\n```output\n20 156 1158 cubane.pdb\n```\n\n## Model\n\n"
                   "The model is\n\n$$y = a + b x + e$$\n\nwhere\n\n$$e \\sim N(0, 1)$$\n")
    shown = deck.slides[1:-1]
    assert [(s.kind, s.heading, s.lead) for s in shown] == [
        ("code", "Counting", "Let's run an example command:"),
        ("equation", "Model (1/2)", "The model is"),
        ("equation", "Model (2/2)", "where"),
    ]
    # The command and its output on one slide, in order, a blank line between them.
    assert shown[0].text == "$ wc cubane.pdb\n\n20 156 1158 cubane.pdb"
    assert shown[0].notes_text.startswith("Let's run an example command:")
    check_invariants(deck)


@pytest.mark.parametrize("aspect", ["16:9", "4:3"])
def test_lead_never_pushes_a_listing_onto_a_second_slide(deck_of: Callable[..., Deck],
                                                         aspect: str) -> None:
    full = "\n".join(f"line_{i} = {i}" for i in range(CODE_LINES))
    short = "\n".join(f"line_{i} = {i}" for i in range(CODE_LINES - 3))
    deck = deck_of(f"## Full\n\nThe whole listing follows.\n\n```python\n{full}\n```\n\n"
                   f"## Short\n\nA shorter listing follows.\n\n```python\n{short}\n```\n\n"
                   f"```python\n{full}\n```\n", slides=f"{{aspect: '{aspect}'}}")
    shown = [(s.kind, s.title, s.lead) for s in deck.slides[1:-1]]
    assert shown == [("content", "Full", ""), ("code", "Full", ""),
                     ("code", "Short", "A shorter listing follows."), ("code", "Short", "")]
    # Two listings that do not fit one slide together stay apart, each whole.
    assert [s.text for s in deck.slides[3:5]] == [short, full]
    check_invariants(deck)


@pytest.mark.parametrize(("lines", "shares"), [
    (CODE_LINES, [CODE_LINES]), (CODE_LINES + 1, [7, 6]), (2 * CODE_LINES + 1, [9, 9, 7]),
])
def test_a_listing_over_a_slide_is_shared_evenly(deck_of, lines, shares):
    # r4ds's listings run a line or two over a slide: filled greedily they left a full
    # slide and a slide of one line ("}").
    code = "\n".join(f"value_{i} = {i}" for i in range(lines))
    deck = deck_of(f"## Listing\n\n```python\n{code}\n```\n")
    parts = [s for s in deck.slides if s.kind == "code"]
    assert [len(s.text.strip("\n").split("\n")) for s in parts] == shares
    assert "\n".join(s.text.strip("\n") for s in parts) == code
    if len(parts) > 1:
        assert [s.part for s in parts] == [f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)]
    check_invariants(deck)


def test_a_long_captioned_table_under_no_heading_continues_on_numbered_slides(
        deck_of: Callable[..., Deck]) -> None:
    # Its slides were titled "Planets", "Planets 2", "Planets 3", as if different tables.
    rows = "\n".join(f"| Planet {i} | {i * 1.5} |" for i in range(30))
    deck = deck_of(f"Before.\n\n| Name | Mass |\n|---|---|\n{rows}\n\n: Planets\n")
    parts = [s for s in deck.slides if s.kind == "table"]
    assert len(parts) > 1 and {s.title for s in parts} == {"Planets"}
    assert [s.part for s in parts] == [f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)]
    check_invariants(deck)
