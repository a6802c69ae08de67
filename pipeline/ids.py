"""Make the ids of an article's HTML unique, once after the parse, so every format is valid."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import location

log = logging.getLogger(__name__)

# A start tag in pandoc's HTML: text never holds a bare "<", so a "<" opens markup. Comments are
# matched first so that a tag written inside one is left alone.
_MARKUP = re.compile(r"<!--.*?-->|<[A-Za-z][^<>]*>", re.DOTALL)
_ID = re.compile(r"""(\s)id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def unique_ids(parsed: dict[str, Any], path: Path, text: str = "") -> dict[str, Any]:
    """Rename repeated ids in the parsed article (``bar``, ``bar-2``, ...), with a warning.

    The first element with an id keeps it, so links to it still arrive there. Ids the formats
    give the footnotes themselves (``fn1``...) are taken from the start. ``text`` (the source)
    gives each warning its line. Returns ``parsed``.
    """
    renamer = _Renamer(path, {f"fn{note['number']}" for note in parsed["notes"]},
                       _all_ids(parsed), text)
    for item in parsed["blocks"]:
        renamer.block(item)
    for note in parsed["notes"]:
        note["html"] = renamer.html(note["html"])[0]
    return parsed


def _all_ids(parsed: dict[str, Any]) -> Counter[str]:
    """Return every id written anywhere in the article, with how often it is."""
    return _id_counts(*(b["html"] for b in parsed["blocks"]), *(n["html"] for n in parsed["notes"]))


def ids_in(*htmls: str) -> set[str]:
    """Return the ids the elements of ``htmls`` carry (comments left aside)."""
    return set(_id_counts(*htmls))


def _id_counts(*htmls: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for html in htmls:
        for tag in _MARKUP.finditer(html):
            if not tag.group(0).startswith("<!--"):
                found.update(_value(m) for m in _ID.finditer(tag.group(0)))
    return found


def _value(match: re.Match[str]) -> str:
    return next(v for v in match.groups()[1:] if v is not None)


class _Renamer:
    """Walk an article's HTML in reading order, giving each id it meets a name not yet used."""

    def __init__(self, path: Path, reserved: set[str], written: Counter[str], text: str) -> None:
        self.path = path
        self.reserved = reserved
        self.written = written
        self.taken = set(reserved) | set(written)
        self.seen: set[str] = set()
        self.text = text
        self.met: dict[str, int] = {}  # how often each id was met: the how-manyth writing

    def block(self, item: dict[str, Any]) -> None:
        """Rename the ids of one top-level block, its own id and its children's copies."""
        item["html"], changes = self.html(item["html"])
        own = item.get("id")
        if own:
            item["id"] = next((new for old, new in changes if old == own), own) or ""
        if item.get("children"):
            # A div's children were written again on their own: the same ids, in the same order.
            pending = iter(changes)
            for child in item["children"]:
                child["html"] = _replay(child["html"], pending)

    def html(self, html: str) -> tuple[str, list[tuple[str, str | None]]]:
        """Return ``html`` with unique ids, and each id met as (written, now)."""
        changes: list[tuple[str, str | None]] = []

        def rename(old: str) -> str | None:
            new = self._name(old)
            changes.append((old, new))
            return new

        return _rewrite(html, rename), changes

    def _name(self, old: str) -> str | None:
        """Return the id an element written with ``old`` gets (None: none), warning on a change."""
        self.met[old] = self.met.get(old, 0) + 1
        if not old.strip():
            log.warning("%s: empty id removed", location(self.path))
            return None
        if old not in self.seen and old not in self.reserved and not re.search(r"\s", old):
            self.seen.add(old)
            return old
        # An id holds no white space; one that does is joined with hyphens.
        base = re.sub(r"\s+", "-", old.strip())
        new, number = base, 2
        while new in self.taken or new in self.seen:
            new, number = f"{base}-{number}", number + 1
        self.taken.add(new)
        self.seen.add(new)
        if old in self.reserved:
            why = "is the id of a footnote"
        elif base != old:
            why = "holds spaces"
        else:
            why = "is used more than once"
        log.warning("%s: id '%s' %s: renamed '%s' here; links to it lead to the first",
                    location(self.path, self._line(old)), old, why, new)
        return new

    def _line(self, identifier: str) -> int | None:
        """Return the source line of the element met last with ``identifier``, if it is sure.

        As Markdown writes an id (``{#bar .x}``) or raw HTML (``id="bar"``). Only when the
        source writes it as often as the HTML has it: one pandoc made from a heading's words
        is written nowhere, and counting past it would name another element's line.
        """
        name = re.escape(identifier)
        pattern = re.compile(rf"\{{[^}}\n]*#{name}(?=[\s}}])"
                             rf"|\bid\s*=\s*[\"']?{name}(?=[\"'\s/>])")
        found = [match.start() for match in pattern.finditer(self.text)]
        if len(found) != self.written[identifier]:
            return None
        return self.text.count("\n", 0, found[self.met[identifier] - 1]) + 1


def _rewrite(html: str, rename: Callable[[str], str | None]) -> str:
    """Return ``html`` with each id attribute's value passed through ``rename``."""

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("<!--"):
            return text
        return _ID.sub(lambda m: _attribute(m.group(1), rename(_value(m))), text)

    return _MARKUP.sub(tag, html)


def _replay(html: str, changes: Iterator[tuple[str, str | None]]) -> str:
    """Apply renames already decided to another writing of the same elements."""

    def rename(old: str) -> str | None:
        for written, now in changes:
            if written == old:
                return now
        return old

    return _rewrite(html, rename)


def _attribute(space: str, value: str | None) -> str:
    """Write an id attribute as the HTML had it; a value that held no quote keeps none."""
    if value is None:
        return ""
    quote = "'" if '"' in value else '"'
    return f"{space}id={quote}{value}{quote}"
