"""The table of contents: a tree of chapters and headings, for the nav and the NCX."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pipeline.errors import location
from pipeline.model import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents, and the lines nested under it."""

    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


def toc_depth(entries: list[TocEntry] | tuple[TocEntry, ...]) -> int:
    """Return how many levels the table of contents has."""
    return max((1 + toc_depth(entry.children) for entry in entries), default=0)


def nest_headings(article: Article, file_name: str) -> tuple[TocEntry, ...]:
    """Return the article's headings as a tree: each nested under the last higher one.

    A heading without words (empty, or only an image without alternative text or a note) is
    left out: a navigation link must have a label. The headings under it move up a level.
    """
    root: list[tuple[int, list[Any]]] = [(0, [])]
    for heading in article.headings:
        if not heading.text.strip():
            log.warning("%s: a heading without text is left out of the ebook's table of "
                        "contents", location(article.source))
            continue
        href = f"{file_name}#{heading.id}" if heading.id else file_name
        node: list[Any] = [heading.text, href, []]
        while root[-1][0] >= heading.level:
            root.pop()
        root[-1][1].append(node)
        root.append((heading.level, node[2]))

    def freeze(nodes: list[Any]) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(t, h, freeze(c)) for t, h, c in nodes)

    return freeze(root[0][1])


def ebooklib_toc(entries: list[TocEntry] | tuple[TocEntry, ...], counter: list[int] | None = None
                  ) -> list[Any]:
    """Return the table of contents in EbookLib's shape, from which it writes the NCX."""
    from ebooklib import epub

    counter = counter if counter is not None else [0]
    result: list[Any] = []
    for entry in entries:
        counter[0] += 1
        link = epub.Link(entry.href, entry.title, f"navpoint-{counter[0]}")
        result.append((link, ebooklib_toc(entry.children, counter)) if entry.children else link)
    return result


