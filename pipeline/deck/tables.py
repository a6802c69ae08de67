"""Tables on slides: the text of a pandoc HTML table, split by rows over as few slides as fit."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from pipeline.deck.model import (
    CELL_WORDS,
    MAX_SLIDE_WORDS,
    ROW_PADDING,
    TABLE_CHARS,
    TABLE_LINES,
    TABLE_ROWS,
    TITLE_RESERVE,
    Table,
)
from pipeline.deck.text import shorten

_ALIGN = re.compile(r"text-align:\s*(left|right|center)")


class _TableParser(HTMLParser):
    """Collect the caption, header cells and body rows of one pandoc HTML table."""

    def __init__(self) -> None:
        super().__init__()
        self.caption: list[str] = []
        self.rows: list[tuple[bool, list[str]]] = []
        # How many of each row's cells are its own (not those a cell above spans down into).
        self.own: list[int] = []
        self._cell: list[str] | None = None
        # A spanning cell's extent: the columns of the rows below that it covers, by column,
        # with how many rows more; and how many columns the open cell spans.
        self._below: dict[int, int] = {}
        self._colspan = 1
        self._in_caption = False
        self._in_head = False
        # Each column's alignment, as pandoc writes it from the source's ":---:" / "---:".
        self.align: list[str] = []
        # How many tables deep the parser is: a table inside a cell (Word lays out forms so)
        # is text of that cell, not rows of the slide's table.
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note where the caption, the header rows, a row or a cell begins."""
        if tag == "table":
            self._depth += 1
        if self._depth > 1:
            self._apart()
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._end_row()
            self.rows.append((self._in_head, []))
            self.own.append(0)
        elif tag in {"td", "th"}:
            if not self.rows:
                self.rows.append((self._in_head, []))
                self.own.append(0)
            self._cell = []
            self._spanned()
            column = len(self.rows[-1][1])
            attributes = dict(attrs)
            self._colspan = _span(attributes.get("colspan"))
            rows = _span(attributes.get("rowspan"))
            if rows > 1:
                for covered in range(column, column + self._colspan):
                    self._below[covered] = rows - 1
            found = _ALIGN.search(attributes.get("style") or "")
            if found and column >= len(self.align):
                self.align += [""] * (column + 1 - len(self.align))
            if found and not self.align[column]:
                self.align[column] = found.group(1)

    def handle_endtag(self, tag: str) -> None:
        """Close the caption or header, or store a finished cell's text."""
        if self._depth > 1:
            self._apart()
            self._depth -= tag == "table"
        elif tag == "table":
            self._end_row()
            self._depth -= 1
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in {"td", "th"} and self._cell is not None and self.rows:
            # A cell spanning columns keeps the columns after it apart: the grid stays whole.
            self.rows[-1][1].extend([" ".join("".join(self._cell).split()),
                                     *[""] * (self._colspan - 1)])
            self.own[-1] += 1
            self._cell = None

    def _spanned(self) -> None:
        """Give the current row the empty places of the cells above that span down into it."""
        cells = self.rows[-1][1]
        while self._below.get(len(cells), 0) > 0:
            self._below[len(cells)] -= 1
            cells.append("")

    def _end_row(self) -> None:
        """Fill the last row's places that spanning cells cover, up to the last such column."""
        if not self.rows:
            return
        cells = self.rows[-1][1]
        while any(column >= len(cells) and left > 0 for column, left in self._below.items()):
            if self._below.get(len(cells), 0) > 0:
                self._below[len(cells)] -= 1
            cells.append("")

    def _apart(self) -> None:
        """Keep the words of a nested table's cells apart in the cell that holds it."""
        if self._cell is not None:
            self._cell.append(" ")

    def handle_data(self, data: str) -> None:
        """Collect text for the caption or the current cell."""
        if self._in_caption:
            self.caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def _span(value: str | None) -> int:
    """Return a colspan or rowspan attribute as a number of at least 1 (at most 100)."""
    return min(100, max(1, int(value))) if value and value.strip().isdigit() else 1


def split_table(table: Table, budget: int = MAX_SLIDE_WORDS,
                width: int = TABLE_CHARS["16:9"]) -> list[Table]:
    """Split a table's rows over as few slides as keep each within the row, word and line limits.

    ``width`` is how many characters of table text a line across the slide holds: narrow
    columns wrap their cells over several lines, so four rows of long options can fill a
    slide that six rows of numbers do not.
    """
    def words(cells: tuple[str, ...]) -> int:
        return sum(len(cell.split()) for cell in cells)

    columns = max((len(row) for row in (table.header, *table.rows)), default=1) or 1
    # Each cell gives up about three characters to its padding.
    cell_width = max(1, width // columns - 3)
    # Cells break inside a word only when the longest words of the columns, side by side, are
    # wider than the slide: WeasyPrint measures a cell that may break anywhere by trying a break
    # at every character, and such breaks are worse to read where whole words fit.
    longest = [0] * columns
    for row in (table.header, *table.rows):
        for column, cell in enumerate(row):
            longest[column] = max(longest[column], *(len(word) for word in cell.split()), 0)
    table = replace(table, wrap_anywhere=sum(size + 3 for size in longest) > width)

    def height(cells: tuple[str, ...]) -> float:
        return ROW_PADDING + max((_wrapped_lines(cell, cell_width) for cell in cells), default=1)

    budget -= TITLE_RESERVE + words(table.header) + len(table.caption.split())
    room = TABLE_LINES - (height(table.header) if table.header else 0)
    room -= _wrapped_lines(table.caption, width) if table.caption else 0
    parts: list[list[tuple[str, ...]]] = [[]]
    for row in table.rows:
        current = parts[-1]
        if current and (len(current) >= TABLE_ROWS or
                        sum(map(words, current)) + words(row) > budget or
                        sum(map(height, current)) + height(row) > room):
            parts.append([])
        parts[-1].append(row)
    return [replace(table, rows=tuple(rows)) for rows in parts]


def _wrapped_lines(text: str, width: int) -> int:
    """Return how many lines ``text`` takes when wrapped at spaces into lines of ``width``."""
    lines, used = 1, 0
    for word in text.split():
        # A word longer than the line breaks inside itself (overflow-wrap), over several lines.
        size = len(word)
        if used and used + 1 + size > width:
            lines, used = lines + 1, 0
        if size > width:
            lines += (size - 1) // width
            size = (size - 1) % width + 1
        used += size + (1 if used else 0)
    return lines


def parse_table(html: str) -> Table:
    """Return the text of a pandoc HTML table, cells shortened to fit a slide."""
    parser = _TableParser()
    parser.feed(html)
    header = next((cells for head, cells in parser.rows if head), [])
    # A row whose cells all began in rows above (a rowspan) has none of its own to show.
    rows = [tuple(shorten(c, CELL_WORDS) for c in cells)
            for (head, cells), own in zip(parser.rows, parser.own, strict=True)
            if not head and own]
    return Table(" ".join("".join(parser.caption).split()),
                 tuple(shorten(c, CELL_WORDS) for c in header), tuple(rows),
                 tuple(parser.align))
