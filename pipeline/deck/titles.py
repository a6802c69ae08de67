"""Titles for slides cut from untitled prose: a short opening question, or salient terms."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from pipeline.deck.model import TITLE_TERMS
from pipeline.deck.text import STOPWORDS, split_sentences
from pipeline.i18n import base_language, join_names

# English endings that mostly mark adjectives; such terms count half in a derived title.
ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ful", "less", "able", "ible")
_WORD = re.compile("[^\\W\\d_][\\w'\u2019-]*[^\\W_]|[^\\W\\d_]")


def _terms(text: str) -> list[str]:
    """Return the content words of ``text``, lower-cased, plural "s" folded."""
    # Hyphenated words ("one-sided") are mostly adjectives: poor titles on their own.
    return [w.lower() for w in _WORD.findall(text)
            if len(w) > 3 and "-" not in w and w.lower() not in STOPWORDS]


def salient_title(group_text: str, bullets: Sequence[str], texts: Sequence[str],
                  article_title: str, lang: str) -> str:
    """Return the group's most distinctive terms, key sentences counting double (see README).

    ``group_text`` is the group's notes, ``bullets`` its bullets, ``texts`` the notes of every
    item of the section, against which a term's distinctiveness is weighed.
    """
    counts = Counter(_fold(_terms(group_text)))
    counts.update(_fold(_terms(" ".join(bullets))))
    document_freq = Counter(t for text in texts for t in set(_fold(_terms(text))))
    title_terms = set(_fold(_terms(article_title)))
    surface = _surface_forms(group_text)

    english = base_language(lang) == "en"

    def score(term: str) -> float:
        weight = 0.5 if term in title_terms else 1.0
        if english and term.endswith(ADJECTIVE_ENDINGS):
            weight *= 0.5  # "focal", "therapeutic": a title of nouns reads better
        return counts[term] * math.log(1 + len(texts) / document_freq[term]) * weight

    order = {term: index for index, term in enumerate(_fold(_terms(group_text)))}
    ranked = sorted(counts, key=lambda t: (-score(t), order[t]))
    chosen = [surface.get(t, t) for t in ranked[:TITLE_TERMS]]
    if not chosen:
        return article_title
    chosen[0] = chosen[0][0].upper() + chosen[0][1:]
    return join_names(chosen, lang)


def _fold(terms: list[str]) -> list[str]:
    """Map plural forms onto a singular seen in the same list ("roles" -> "role")."""
    seen = set(terms)
    return [t[:-1] if t.endswith("s") and t[:-1] in seen else t for t in terms]


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

