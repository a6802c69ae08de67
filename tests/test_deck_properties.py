"""Property tests: the deck's text heuristics are total, whatever text an article holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
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
