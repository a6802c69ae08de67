"""The slide deck: derived from the article model by documented rules, never re-parsed.

``model`` holds the slides and the fit rules, ``derive`` turns an article into a deck, ``text``
and ``titles`` are the sentence and title heuristics, ``tables`` fits a table onto slides.
"""

from __future__ import annotations

from pipeline.deck.derive import build_deck
from pipeline.deck.model import (
    ASPECTS,
    BULLET_WORDS,
    BULLETS_PER_SLIDE,
    CAPTION_WORDS,
    CELL_WORDS,
    CODE_COLUMNS,
    CODE_LINES,
    HANDOUT_LAYOUTS,
    MAX_SLIDE_WORDS,
    NARROW_SLIDE_WORDS,
    QUOTE_WORDS,
    TABLE_ROWS,
    TITLE_CHARS,
    TITLE_RESERVE,
    WORD_CHARS,
    Deck,
    Slide,
    Table,
)
from pipeline.deck.tables import parse_table, split_table
from pipeline.deck.text import cut_quotation, key_sentence, shorten, split_sentences
from pipeline.deck.titles import TITLE_TERMS

__all__ = [
    "ASPECTS", "BULLETS_PER_SLIDE", "BULLET_WORDS", "CAPTION_WORDS", "CELL_WORDS", "CODE_COLUMNS",
    "CODE_LINES",
    "HANDOUT_LAYOUTS", "MAX_SLIDE_WORDS", "NARROW_SLIDE_WORDS", "QUOTE_WORDS", "TABLE_ROWS",
    "TITLE_CHARS", "TITLE_RESERVE", "TITLE_TERMS", "WORD_CHARS", "Deck", "Slide", "Table",
    "build_deck", "cut_quotation", "key_sentence", "parse_table", "shorten", "split_sentences",
    "split_table",
]
