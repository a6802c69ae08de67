"""Property tests: the deck's text heuristics are total, whatever text an article holds."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.deck import cut_quotation, key_sentence, shorten, split_sentences
from pipeline.deck.titles import derived_title, salient_title

# Words that fold ("build"/"builds"), stop words, abbreviations, citations and punctuation,
# mixed with arbitrary Unicode: the heuristics' edge cases come from combining them.
PIECES = st.sampled_from([
    "build", "builds", "Builds", "role", "roles", "s", "ss", "the", "e.g.", "Dr.", "(Knuth 1984)",
    "[@key]", "?", "!", ".", "…", "—", "-", ",", ";", ":", "“", "”", "'", " ", "\n", "\t",
    "İs", "Straße", "ﬁles", "ǅs", "١٢٣", "שלום", "\u200b", "a-b", "x's", "Übung", "Übungs",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=40).map(" ".join)
LANG = st.sampled_from(["en", "de", "fr", "", "en-GB"])
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXT)
def test_split_sentences_keeps_every_word(text: str) -> None:
    sentences = split_sentences(text)
    assert " ".join(sentences) == " ".join(text.split())
    assert all(sentence.strip() for sentence in sentences)


@SETTINGS
@given(TEXT, st.lists(TEXT, max_size=3).map(tuple), LANG)
def test_key_sentence_is_total(text: str, keys: tuple[str, ...], lang: str) -> None:
    assert isinstance(key_sentence(text, keys, lang), str)


@SETTINGS
@given(TEXT, st.integers(min_value=0, max_value=40))
def test_shorten_respects_its_limit(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short.split()) <= max(limit, 1)


@SETTINGS
@given(TEXT)
def test_cut_quotation_is_total(text: str) -> None:
    assert isinstance(cut_quotation(text), str)


@SETTINGS
@given(st.lists(TEXT, max_size=4), TEXT, TEXT, st.lists(TEXT, max_size=5), TEXT, LANG)
def test_title_derivation_is_total(bullets: list[str], first: str, group: str,
                                   texts: list[str], title: str, lang: str) -> None:
    derived, left = derived_title(bullets, first, group, texts, title, lang)
    assert isinstance(derived, str) and isinstance(left, tuple)
    assert isinstance(salient_title(group, bullets, texts, title, lang), str)


@SETTINGS
@given(st.lists(st.sampled_from(["build", "builds", "Builds", "roles", "role", "thing"]),
                min_size=1, max_size=8), st.lists(TEXT, max_size=3))
def test_folding_differs_between_group_and_items(words: list[str], texts: list[str]) -> None:
    # The group holds one form of a word, its bullets or the other items another.
    bullets = [words[-1]]
    title = salient_title(" ".join(words[:-1]), bullets, [*texts, words[0]], "T", "en")
    assert title


# Whole documents: random blocks at random depth, built into a deck, its HTML and PPTX.
WORDS = st.sampled_from([
    "therapy", "builds", "build", "roles", "role", "listening", "the", "of", "e.g.", "Dr.",
    "Why?", "ok!", "שלום", "مرحبا", "Straße", "naïve", "x" * 90, "https://example.org/a/b/c/d/e",
    "`code`", "*emph*", "**strong**", "$a^2$", "[@knuth]", "<b>raw</b>", "H~2~O",
])
SENTENCE = st.lists(WORDS, min_size=1, max_size=14).map(lambda w: " ".join(w) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join)


def _table(rows: list[list[str]], align: str) -> str:
    width = len(rows[0])
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    return "\n".join([lines[0], "|" + "|".join([align] * width) + "|", *lines[1:]])


LEAF = st.one_of(
    PARAGRAPH,
    st.tuples(st.integers(1, 6), st.lists(WORDS, max_size=6)).map(
        lambda h: "#" * h[0] + " " + " ".join(h[1])),
    st.lists(SENTENCE, min_size=1, max_size=5).map(lambda items: "\n".join(
        ("    " * (i % 3)) + "- " + item for i, item in enumerate(items))),
    st.tuples(st.lists(st.lists(WORDS, min_size=1, max_size=8).map(" ".join),
                       min_size=1, max_size=9), st.integers(2, 9), st.sampled_from(
        ["---", ":--", ":-:", "--:"])).map(
        lambda t: _table([t[0][i:i + t[1]] for i in range(0, len(t[0]), t[1])], t[2])),
    st.lists(SENTENCE, max_size=16).map(lambda lines: "```\n" + "\n".join(lines) + "\n```"),
    PARAGRAPH.map(lambda p: "> " + p + "\n>\n> > " + p),
    st.tuples(SENTENCE, st.integers(0, 10**6)).map(
        lambda n: f"A claim.[^n{n[1]}]\n\n[^n{n[1]}]: {n[0]}\n\n    ```\n    {n[0]}\n"
                  f"    ```\n\n    - {n[0]}"),
    # Not "---": at the start of a document pandoc takes it for a metadata block.
    st.just("* * *"), st.just("___"), st.just("![A figure](figure.png)"),
    st.just("<details>\n<summary>More</summary>"), st.just("</details>"),
    st.just("$$\\sum_{i=0}^n i$$"),
).map(lambda markdown: (markdown, 0))


def _div(kind: str, blocks: list[tuple[str, int]]) -> tuple[str, int]:
    """Return a div around ``blocks`` (markdown, depth), its fences longer than any inside."""
    depth = 1 + max(depth for _, depth in blocks)
    fence = ":" * (2 + depth)
    return f"{fence} {{.{kind}}}\n" + "\n\n".join(m for m, _ in blocks) + f"\n{fence}", depth


BLOCK = st.recursive(LEAF, lambda inner: st.builds(
    _div, st.sampled_from(["columns", "column", "callout-note", "no-slides", "wrapper"]),
    st.lists(inner, min_size=1, max_size=3)), max_leaves=8).map(lambda block: block[0])
# A CI-sized run; FOLIO_FUZZ_EXAMPLES=500 for a longer one.
DOCUMENTS = int(os.environ.get("FOLIO_FUZZ_EXAMPLES", "20"))


def test_generated_documents_give_whole_valid_decks(make_project, tmp_path) -> None:
    """Every paragraph reaches the notes, the deck HTML is valid and the PPTX opens."""
    import io

    from pptx import Presentation

    from pipeline.deck import build_deck
    from pipeline.formats import Site
    from pipeline.formats.slides import SlidesFormat
    from pipeline.output import OutputDir
    from pipeline.project import load_project
    from pipeline.source import read_article
    from tests.conftest import article
    from tests.test_deck import check_invariants, png
    from tests.test_html import vnu_errors

    bib = "@book{knuth, author={Donald Knuth}, title={The TeXbook}, year={1984}}\n"
    root = make_project({"source/refs.bib": bib, "source/figure.png": png()})
    project = load_project(root)
    fmt = SlidesFormat(Site(project))
    pages = []

    # No shrinking: each example runs pandoc, and a failing document is printed whole.
    @settings(max_examples=DOCUMENTS, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(st.lists(BLOCK, min_size=1, max_size=10))
    def check(blocks: list[str]) -> None:
        slug = f"doc-{len(pages)}"
        body = "\n\n".join(blocks) + "\n"
        path = root / "source" / f"{slug}.md"
        path.write_text(article("Generated", body, slug=slug, bibliography="refs.bib"),
                        encoding="utf-8")
        doc = read_article(path, project)
        check_invariants(build_deck(doc), left_out=())
        out = OutputDir(tmp_path / "build")
        fmt.write_part(doc, "deck", out)
        deck_file = tmp_path / "build" / "slides" / f"{slug}.pptx"
        assert len(Presentation(io.BytesIO(deck_file.read_bytes())).slides) >= 2
        pages.append(tmp_path / "build" / "slides" / f"{slug}.html")

    check()
    assert vnu_errors(*pages) == []
