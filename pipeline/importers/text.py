"""Plain-text exports: a title, "- Author", "- date", "- N min read", one paragraph a line."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from pipeline.importers.base import (
    Imported,
    Importer,
    Options,
    Origin,
    Skipped,
    decode_text,
    looks_like_text,
    parse_date,
    register,
)
from pipeline.importers.pandoc_ast import chrome_kind, clean, words

if TYPE_CHECKING:
    from pipeline.project import Project

_BULLET = re.compile(r"^\s*(?:[-\u2013\u2022\u00b7*]\s+)")
_BY = re.compile(r"^(?:by|von|par|door)\s+(.+)$", re.IGNORECASE)
# Hard-wrapped text: most lines end before this many characters.
_WRAP_WIDTH = 80


@register
class TextImporter(Importer):
    """Any text no other importer claims: the form of a blog post copied off a web page."""

    name = "plain text"
    priority = 90

    def sniff(self, data: bytes, name: str) -> bool:
        """Claim any text: the importers of more particular kinds have been asked first."""
        return looks_like_text(data) and bool(data.strip())

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the one article of a plain-text export."""
        lines = [line.strip() for line in decode_text(data, origin.label).split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        title = re.sub(r"^#+\s*", "", lines[0]) if lines else ""
        meta: dict[str, Any] = {}
        dropped: Counter[str] = Counter()
        rest = lines[1:]
        while rest and (not rest[0] or _meta_line(rest[0], meta, dropped)):
            rest.pop(0)
        blocks = [para(text) for text in paragraphs(rest)]
        blocks = clean(blocks, dropped, image=lambda src: src, chrome=True)
        return [Imported(title=title, blocks=blocks, origin=origin, meta=meta,
                         dropped=dropped)]


def _meta_line(line: str, meta: dict[str, Any], dropped: Counter[str]) -> bool:
    """Take a byline fact from ``line`` into ``meta``; tell whether it was one."""
    bulleted = bool(_BULLET.match(line))
    value = _BULLET.sub("", line).strip()
    if len(value.split()) > 8:
        return False
    if chrome_kind(value) == "reading time":
        # Folio works the reading time out itself, from the words.
        dropped["reading time"] += 1
        return True
    date = parse_date(value)
    if date and "date" not in meta:
        meta["date"] = date
        return True
    by = _BY.match(value)
    if (by or bulleted) and "author" not in meta:
        meta["author"] = [(by.group(1) if by else value).strip()]
        return True
    return False


def paragraphs(lines: list[str]) -> list[str]:
    """Return the paragraphs of ``lines``: one a line, or blank-line blocks of wrapped text."""
    filled = [line for line in lines if line]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    wrapped = (filled and sum(len(line) <= _WRAP_WIDTH for line in filled) >= 0.8 * len(filled)
               and any(len(block) > 1 for block in blocks))
    if wrapped:
        return [" ".join(block) for block in blocks if block]
    return filled


def para(text: str) -> dict[str, Any]:
    """Return a pandoc paragraph of plain ``text``: pandoc's writer escapes what needs it."""
    return {"t": "Para", "c": words(text)}
