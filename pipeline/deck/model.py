"""The deck's model: slides, tables and the fit rules that bound what one slide shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.model import Article, Block, Image

# The fit rules. A slide is 1280 x 720 CSS px (16:9) or 960 x 720 (4:3); these limits keep any
# derived slide inside its frame at the sizes css/slides.css sets, whose smallest content text is
# 24 px (18 pt on the PDF page). Crowded content is split over several slides, never shrunk.
BULLETS_PER_SLIDE = 4      # default of the `slides: bullets:` option
BULLET_WORDS = 14          # a key sentence longer than this is shortened
MAX_SLIDE_WORDS = 70       # visible words on one 16:9 slide, title included
NARROW_SLIDE_WORDS = 52    # the same on a 4:3 slide, three quarters as wide
TITLE_RESERVE = 10         # of those words, kept for the title
TITLE_CHARS = 70           # a longer heading is shortened; the full one goes to the notes
WORD_CHARS = 30            # a longer word (an address, a path) is cut in bullets and cells
TITLE_TERMS = 3            # salient terms in a derived title
QUOTE_WORDS = 45           # a quotation slide shows whole sentences up to this many words
CAPTION_WORDS = 25         # a figure caption longer than this is shortened
TABLE_ROWS = 6             # body rows per table slide
CELL_WORDS = 8             # words per table cell on a slide
# Lines of 24 px table text under a slide's title, and what a row's padding adds to its lines;
# characters of such text across the slide's width (a conservative average letter width).
TABLE_LINES = 13
ROW_PADDING = 0.5
TABLE_CHARS = {"16:9": 90, "4:3": 64}
CODE_LINES = 12            # lines of a code block on a slide
# Code rows a lead-in sentence above a code block takes (at most two lines of 0.95em text and
# its margin, against rows of 0.75em code): the first page of the code gives them up.
LEAD_ROWS = 3
# Characters of a code line on a slide: 24 px monospace, in the slide's width less its margins.
CODE_COLUMNS = {"16:9": 72, "4:3": 50}
ASPECTS = ("16:9", "4:3")
HANDOUT_LAYOUTS = (3, 6)


def word_budget(aspect: str) -> int:
    """Return how many words a slide of ``aspect`` may show."""
    return MAX_SLIDE_WORDS if aspect == "16:9" else NARROW_SLIDE_WORDS


@dataclass(frozen=True)
class Table:
    """A table as a slide shows it: caption, header cells and body rows as plain text."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...] = ()  # per column: "left", "right", "center" or "" (the default)
    # Its words cannot sit side by side across the slide: cells may break them anywhere.
    wrap_anywhere: bool = False

    def alignment(self, column: int) -> str:
        """Return the alignment of ``column`` as written in the source, or ""."""
        return self.align[column] if column < len(self.align) else ""


@dataclass(frozen=True)
class Slide:
    """One slide: what it shows, and the article's own words the speaker has beside it."""

    kind: str  # title, content, section, figure, table, quote, code, custom, closing
    title: str
    part: str = ""  # "1/2" when a section needs several slides
    bullets: tuple[str, ...] = ()
    text: str = ""  # a quotation, a code excerpt or a figure caption
    image: Image | None = None
    table: Table | None = None
    html: str = ""  # an author's explicit slide, shown as written
    tokens: tuple[tuple[str, str], ...] = ()  # a code slide's highlighted code
    lead: str = ""  # the sentence introducing a code block or an equation, shown above it
    notes: tuple[Block, ...] = ()

    @property
    def heading(self) -> str:
        """Return the title as shown, with the part number when there is one."""
        return f"{self.title} ({self.part})" if self.part else self.title

    @property
    def visible_words(self) -> int:
        """Return how many words the slide shows (title included): the fit rules bound this."""
        shown = [self.heading, self.lead, *self.bullets, self.text]
        if self.table:
            shown += [self.table.caption, *self.table.header]
            shown += [cell for row in self.table.rows for cell in row]
        if self.html:
            shown.append(re.sub(r"<[^>]+>", " ", self.html))
        return sum(len(part.split()) for part in shown)

    @property
    def notes_text(self) -> str:
        """Return the speaker notes as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(block.text.strip() for block in self.notes if block.text.strip())


@dataclass(frozen=True)
class Deck:
    """The slides of one article and the options they were made with."""

    article: Article
    slides: tuple[Slide, ...]
    aspect: str = "16:9"
    bullets: int = BULLETS_PER_SLIDE
    theme: str | None = None
    handout_per_page: int = 3

    @property
    def max_words(self) -> int:
        """Return how many words a derived slide of this deck shows at most."""
        return word_budget(self.aspect)

    @property
    def width(self) -> int:
        """Return the slide width in CSS pixels (the height is always 720)."""
        return 1280 if self.aspect == "16:9" else 960

