"""Titles for slides cut from untitled prose: a short opening question, or salient terms."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from pipeline.deck.model import BULLET_WORDS, TITLE_TERMS
from pipeline.deck.text import (
    STOPWORDS,
    cut_word,
    key_sentence,
    shorten,
    shorten_title,
    split_sentences,
)
from pipeline.i18n import base_language, join_names

# English endings that mostly mark adjectives; such terms count half in a derived title.
ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ful", "less", "able", "ible")
_WORD = re.compile("[^\\W\\d_][\\w'\u2019-]*[^\\W_]|[^\\W\\d_]")
QUESTION_CHARS = 40  # an opening question this short titles its slide


def derived_title(bullets: Sequence[str], first_text: str, group_text: str,
                  texts: Sequence[str], article_title: str, lang: str
                  ) -> tuple[str, tuple[str, ...]]:
    """Title a slide cut from untitled prose; return the title and the bullets left under it.

    ``first_text`` is the text of the group's first block, ``group_text`` the group's notes and
    ``texts`` the notes of every item of its section. Total: any input gives a title.
    """
    if bullets and bullets[0].endswith("?") and len(bullets[0]) <= QUESTION_CHARS and first_text:
        # A short opening question is the best title a group can have; its bullet then moves
        # on to what the paragraph says next.
        sentences = split_sentences(first_text)
        rest = sentences[sentences.index(bullets[0]) + 1:] if bullets[0] in sentences else []
        following = shorten(key_sentence(" ".join(rest), (), lang), BULLET_WORDS)
        return bullets[0], ((following,) if following else ()) + tuple(bullets[1:])
    title = salient_title(group_text, bullets, texts, article_title, lang)
    return shorten_title(title), tuple(bullets)


def salient_title(group_text: str, bullets: Sequence[str], texts: Sequence[str],
                  article_title: str, lang: str) -> str:
    """Return the group's most distinctive terms, key sentences counting double (see README).

    ``group_text`` is the group's notes, ``bullets`` its bullets, ``texts`` the notes of every
    item of the section, against which a term's distinctiveness is weighed.
    """
    bullet_text = " ".join(bullets)
    # One folding for every text weighed here: "builds" must become "build" in the group, in
    # its bullets and in every other item alike, or the counts would not line up.
    fold = _folding([group_text, bullet_text, *texts, article_title])
    group_terms = fold(_terms(group_text))
    counts = Counter(group_terms)
    counts.update(fold(_terms(bullet_text)))
    document_freq = Counter(t for text in texts for t in set(fold(_terms(text))))
    title_terms = set(fold(_terms(article_title)))
    surface = _surface_forms(group_text)
    english = base_language(lang) == "en"

    def score(term: str) -> float:
        weight = 0.5 if term in title_terms else 1.0
        if english and term.endswith(ADJECTIVE_ENDINGS):
            weight *= 0.5  # "focal", "therapeutic": a title of nouns reads better
        # A term no other item uses (the group's bullets may be its only source) is as rare as
        # a term can be: found once.
        return counts[term] * math.log(1 + len(texts) / max(document_freq[term], 1)) * weight

    order = {term: index for index, term in enumerate(group_terms)}
    ranked = sorted(counts, key=lambda t: (-score(t), order.get(t, len(order)), t))
    chosen = [cut_word(surface.get(t) or t) for t in ranked[:TITLE_TERMS]]
    if not chosen:
        return article_title
    chosen[0] = chosen[0][0].upper() + chosen[0][1:]
    return join_names(chosen, lang)


def _terms(text: str) -> list[str]:
    """Return the content words of ``text``, lower-cased."""
    # Hyphenated words ("one-sided") are mostly adjectives: poor titles on their own.
    return [w.lower() for w in _WORD.findall(text)
            if len(w) > 3 and "-" not in w and w.lower() not in STOPWORDS]


def _folding(texts: Iterable[str]) -> Callable[[list[str]], list[str]]:
    """Return a function mapping plurals onto a singular seen in any of ``texts`` ("roles")."""
    seen = {term for text in texts for term in _terms(text)}

    def fold(terms: list[str]) -> list[str]:
        return [t[:-1] if t.endswith("s") and t[:-1] in seen else t for t in terms]

    return fold


def _surface_forms(text: str) -> dict[str, str]:
    """Return the most frequent spelling of each term inside a sentence (keeps German nouns)."""
    spellings: dict[str, Counter[str]] = {}
    for sentence in split_sentences(text):
        for word in _WORD.findall(sentence)[1:]:
            key = word.lower()
            spellings.setdefault(key, Counter())[word] += 1
            if key.endswith("s"):
                spellings.setdefault(key[:-1], Counter())[word[:-1]] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}
