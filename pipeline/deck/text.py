"""Sentence tools for slides: split prose, pick a key sentence, shorten it at a clause."""

from __future__ import annotations

import math
import re
import unicodedata

from pipeline.deck.model import (
    BULLET_WORDS,
    CODE_LINES,
    QUOTE_WORDS,
    TITLE_CHARS,
    WORD_CHARS,
)
from pipeline.highlight import TokenList, join_lines, split_lines
from pipeline.i18n import base_language

# Words a key sentence may open with that carry no content of their own ("In conclusion, ...").
# English only: in German the verb follows the opener, so dropping it would break the sentence.
CONNECTIVES = {
    "en": ("in conclusion", "in summary", "to conclude", "ultimately", "essentially",
           "moreover", "furthermore", "however", "therefore", "thus", "hence", "finally",
           "in addition", "additionally", "also", "indeed", "in fact", "of course"),
}
# Function words (and a few generic nouns such as "point") never chosen as salient terms and
# never left dangling at a cut.
_STOPWORD_LIST = """
a an the and or but nor so yet of in on at to for from by with without into onto over under
about above after before between through during as than then that this these those there here
it its is are was were be been being has have had do does did can could may might must shall
should will would not no only also very more most such some any each every all both either
neither other another own same which who whom whose what when where why how their them they
we our us you your he him his she her i me my one two while within upon often many much
der die das den dem des ein eine einer eines einem einen und oder aber doch nicht kein keine
von vom zu zum zur mit ohne für auf aus bei nach über unter vor hinter neben zwischen durch
gegen um als wie wenn dass daß ob weil denn sondern auch nur noch schon sehr mehr ist sind war
waren sein wird werden wurde hat haben hatte kann können muss müssen soll sollen es er sie wir
ihr ich du man sich sein seine ihre ihren dieser diese dieses jener welche welcher im ins am
point thing way part kind sort type fact case example aspect term terms context realm level
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
DASHES = "\u2013\u2014-"  # en dash, em dash, hyphen
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e",
                           "cf", "fig", "no", "z.b", "bzw", "ca", "nr", "usw", "vgl", "s"})
_SENTENCE_END = re.compile("[.!?…][\"'\u201d\u2019)\\]]*\\s+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as "e.g." inside them."""
    text = " ".join(text.split())
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start:match.start() + 1].split()
        last = before[-1].rstrip(".").lower() if before else ""
        following = text[match.end():match.end() + 1]
        if last in ABBREVIATIONS or (following and following.islower()):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def key_sentence(text: str, keys: tuple[str, ...] = (), lang: str = "en") -> str:
    """Return a paragraph's key sentence: the author's key span, a short question or the first."""
    if keys:
        return " … ".join(" ".join(k.split()) for k in keys)
    sentences = split_sentences(text)
    if not sentences:
        return ""
    for sentence in sentences:
        if sentence.endswith("?") and len(sentence.split()) <= BULLET_WORDS:
            return sentence
    return _drop_connective(sentences[0], lang)


def _drop_connective(sentence: str, lang: str) -> str:
    lowered = sentence.lower()
    for connective in CONNECTIVES.get(base_language(lang), ()):
        if lowered.startswith(connective + ",") or lowered.startswith(connective + " "):
            rest = sentence[len(connective):].lstrip(" ,")
            if len(rest.split()) >= 4:
                return rest[0].upper() + rest[1:]
    return sentence


def shorten(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` words, at a clause boundary when one is near.

    A word too long for a line of the slide (an address, a path) is cut short as well.
    """
    words = [cut_word(w) for w in text.split()]
    if len(words) <= limit:
        return " ".join(words)
    clause_end = 0
    for index in range(limit // 2, limit):
        word, following = words[index - 1], words[index]
        if (word[-1] in ";:" or (word[-1] == "," and not _enumerating(words, index))
                or following in DASHES
                or following.startswith("(")):
            clause_end = index
    return trim_end(words[:clause_end or limit]) + "…"


def cut_word(word: str) -> str:
    """Return ``word``, cut with "…" when it is longer than a slide's line can take."""
    return word if len(word) <= WORD_CHARS else word[:WORD_CHARS - 1] + "…"


def shorten_title(text: str) -> str:
    """Return ``text`` as a slide title: whole if short enough, else cut at a word with "…"."""
    if len(text) <= TITLE_CHARS:
        return text
    cut = text[: TITLE_CHARS + 1].rsplit(" ", 1)[0][:TITLE_CHARS]
    return trim_end(cut.split()) + "…"


def _enumerating(words: list[str], index: int) -> bool:
    """Tell whether the comma after ``words[index - 1]`` separates items of a list."""
    # "presenting, engaging, and working": an item of one or two words between commas.
    start = index - 1
    while start > 0 and not words[start - 1].endswith(","):
        start -= 1
    end = index
    while end < len(words) and not words[end].endswith(","):
        end += 1
    return index - start <= 2 or (end < len(words) and end - index + 1 <= 2)


def trim_end(words: list[str]) -> str:
    """Join words, dropping dangling function words and punctuation before an ellipsis."""
    while len(words) > 1 and words[-1].strip(",;:" + DASHES).lower() in STOPWORDS | {""}:
        words = words[:-1]
    return " ".join(words).rstrip(",;:( " + DASHES)


def cut_quotation(text: str) -> str:
    """Return the whole sentences of a quotation that fit on a slide, with an ellipsis if cut."""
    sentences = split_sentences(text)
    shown: list[str] = []
    for sentence in sentences:
        if shown and len(" ".join([*shown, sentence]).split()) > QUOTE_WORDS:
            break
        shown.append(sentence)
    if len(" ".join(shown).split()) > QUOTE_WORDS:
        return shorten(" ".join(shown), QUOTE_WORDS)
    return " ".join(shown) + (" …" if len(shown) < len(sentences) else "")


def code_pages(tokens: TokenList, columns: int, first: int = CODE_LINES) -> list[TokenList]:
    """Return a code block's tokens in pages that each fit a slide: none is cut.

    A line wider than ``columns`` wraps on the slide and counts as the rows it takes, so a
    page holds at most ``CODE_LINES`` rows (the first ``first``: a lead-in sentence may sit
    above it); a longer listing continues on the next pages, as evenly filled as they can be.
    """
    lines = split_lines(_expanded(tokens))
    heights = [max(1, math.ceil(display_width("".join(text for _, text in line)) / columns))
               for line in lines]
    pages = _packed(heights, first, CODE_LINES)
    if len(pages) > 1:
        # Filled greedily, a listing a line over a slide left a full slide and one of a single
        # line; the smallest even share that needs no more slides reads as one listing.
        for share in range(math.ceil(sum(heights) / len(pages)), CODE_LINES):
            even = _packed(heights, min(first, share), share)
            if len(even) == len(pages):
                pages = even
                break
    return [join_lines([lines[i] for i in page]) for page in pages]


def _packed(heights: list[int], first: int, rest: int) -> list[list[int]]:
    """Return the lines (by index) of each page, filled in order up to ``first``/``rest`` rows."""
    pages: list[list[int]] = [[]]
    rows = 0
    for index, height in enumerate(heights):
        if pages[-1] and rows + height > (first if len(pages) == 1 else rest):
            pages.append([])
            rows = 0
        pages[-1].append(index)
        rows += height
    return [page for page in pages if page]


def _expanded(tokens: TokenList) -> TokenList:
    """Return the tokens with tabs as spaces, as a slide shows them."""
    return [(kind, text.expandtabs(4)) for kind, text in tokens]


def display_width(line: str) -> int:
    """Return how many monospace cells ``line`` takes, wide (East Asian) characters as two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
