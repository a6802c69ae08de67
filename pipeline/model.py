"""The article model every format renders from: read once from the source, never re-parsed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Divs with these classes are material for the slide deck only; prose formats leave them out.
SLIDES_ONLY_CLASSES = frozenset({"slide", "notes"})


@dataclass(frozen=True)
class Image:
    """An image the article shows: its address as written and its alternative text."""

    src: str
    alt: str


@dataclass(frozen=True)
class Block:
    """One top-level block of the article body, with its HTML and plain text."""

    kind: str
    html: str
    text: str
    id: str = ""
    classes: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    level: int = 0
    keys: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    children: tuple[Block, ...] = ()
    # Whether the block holds the author's raw HTML, which a format may have to mend.
    raw: bool = False
    code: str = ""  # a code block's text as written
    tokens: tuple[tuple[str, str], ...] = ()  # and as highlighted: (token type, text) pairs

    @property
    def prose(self) -> str:
        """Return the block's text without its images' alternative texts (a row of badges)."""
        text = self.text
        for image in self.images:
            text = text.replace(image.alt, "", 1)
        return text.strip()

    @property
    def slides_only(self) -> bool:
        """Tell whether this block belongs to the slide deck only."""
        return bool(SLIDES_ONLY_CLASSES.intersection(self.classes))


@dataclass(frozen=True)
class Note:
    """A footnote: its number in reading order, its HTML and its text."""

    number: int
    html: str
    text: str


@dataclass(frozen=True)
class Heading:
    """A section heading, for tables of contents, bookmarks and slides."""

    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Article:
    """One article: metadata, body blocks, notes and the figures derived from them."""

    source: Path
    title: str
    slug: str
    lang: str
    identifier: str
    source_hash: str
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    date: dt.date | None = None
    description: str | None = None
    keywords: tuple[str, ...] = ()
    rights: str | None = None
    cover: str | None = None
    blocks: tuple[Block, ...] = ()
    notes: tuple[Note, ...] = ()
    images: tuple[Image, ...] = ()
    word_count: int = 0
    reading_minutes: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    # Where its links to the build's articles lead, by file name: (name, slug). Set by the
    # build, which knows the other articles; reading one source cannot.
    leads: tuple[tuple[str, str], ...] = ()
    # The source line that first writes each address the article links to or shows, read with
    # the source: a worker on a cluster has no source file to search when it warns.
    address_lines: dict[str, int] = field(default_factory=dict)
    # Cross-references: what each of its ids reads as ("sec-x" -> "Section 2"), the ids it
    # refers to but lacks (with the line of each), and those the build found in another
    # article, as (id, what the reference reads, where it leads). See pipeline/crossrefs.py.
    labels: dict[str, str] = field(default_factory=dict)
    missing_refs: tuple[tuple[str, int | None], ...] = ()
    # Its own id (front matter ``id:``): a reference to it reads as its title.
    label: str | None = None
    crossrefs: tuple[tuple[str, str, str], ...] = ()

    def line(self, address: str) -> int | None:
        """Return the source line that first writes ``address``, if it is known."""
        return self.address_lines.get(address)

    @property
    def body_blocks(self) -> tuple[Block, ...]:
        """Return the blocks a prose format shows (everything but slide-only material)."""
        return tuple(block for block in self.blocks if not block.slides_only)

    @property
    def body_html(self) -> str:
        """Return the HTML of the prose body, footnote references included."""
        return "\n".join(block.html for block in self.body_blocks)

    @property
    def resource_sources(self) -> tuple[str, ...]:
        """Return the addresses of the files the article shows: its images, then its cover."""
        images = tuple(image.src for image in self.images)
        return (*images, self.cover) if self.cover else images

    @property
    def headings(self) -> tuple[Heading, ...]:
        """Return the section headings of the prose body, in order."""
        return tuple(Heading(b.level, b.text, b.id) for b in self.body_blocks
                     if b.kind == "Header")

    @property
    def summary(self) -> str:
        """Return the description, or the opening of the first paragraph when there is none."""
        if self.description:
            return self.description
        first = next((b.text.strip() for b in self.body_blocks
                      if b.kind == "Para" and b.prose), self.title)
        if len(first) <= 200:
            return first
        return first[:200].rsplit(" ", 1)[0] + "…"
