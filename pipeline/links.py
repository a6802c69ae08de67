"""Links between the articles of a build: one written to another's source leads to its page.

Lessons and course notes link their episodes by file name (``[next](02-loops.md)``,
``./01-intro.html#setup``), as their own site generator understood. Folio names each output
by the article's slug, so such a link is pointed at ``<slug>.html``, keeping its fragment: on
a web page the other page, on an HTML deck the other deck, each beside it. The ebook leads
the same names to its chapters (see ``Ebook``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape, unescape
from pathlib import PurePosixPath
from urllib.parse import unquote

from pipeline.errors import line_of
from pipeline.model import Article
from pipeline.urls import split_url

# An element's href attribute as pandoc and the raw HTML repair write it: double quotes.
HREF = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)(")')


def link_names(article: Article) -> tuple[str, ...]:
    """Return the file names a link to ``article`` may use: its source's and its page's."""
    return (article.source.name, f"{article.source.stem}.html", f"{article.slug}.html")


def with_leads(articles: list[Article]) -> list[Article]:
    """Return ``articles``, each knowing where its links to the others (and itself) lead."""
    slugs = {name: article.slug for article in articles for name in link_names(article)}
    found = []
    for article in articles:
        leads = {name: slugs[name] for name in _linked_names(article) if name in slugs}
        found.append(replace(article, leads=tuple(sorted(leads.items()))) if leads else article)
    return found


def lead_links(html: str, leads: tuple[tuple[str, str], ...]) -> str:
    """Return ``html`` with each link to an article's file pointing at its page instead."""
    if not leads:
        return html
    slugs = dict(leads)

    def lead(match: re.Match[str]) -> str:
        href = unescape(match.group(2))
        slug = slugs.get(_file_name(href) or "")
        if slug is None:
            return match.group(0)
        fragment = split_url(href).fragment
        page = f"{slug}.html" + (f"#{fragment}" if fragment else "")
        return match.group(1) + escape(page) + match.group(3)

    return HREF.sub(lead, html)


def address_lines(text: str, article: Article) -> dict[str, int]:
    """Return the line of ``text`` (the source) that first writes each address the article has.

    Its links' addresses (but those of the web and mail) and its images' and cover's, so that a
    warning about one can name its line wherever the warning is said.
    """
    hrefs = (unescape(match.group(2)) for html in _htmls(article) for match in HREF.finditer(html))
    links = (href for href in hrefs if not split_url(href).scheme)
    found = {}
    for address in dict.fromkeys((*links, *article.resource_sources)):
        line = address_line(text, address)
        if line is not None:
            found[address] = line
    return found


def address_line(text: str, address: str) -> int | None:
    """Return the line that writes ``address``, as written or as pandoc escaped it."""
    written = [form for form in dict.fromkeys((address, unquote(address))) if form in text]
    if not written:  # Folio's own (a note's "#fn1"), or written otherwise (entities)
        return None
    forms = "|".join(re.escape(form) for form in written)
    # The address whole, as Markdown or HTML writes it: after "(", "<", "]: " or a quote; else
    # anywhere (a cover in the front matter, an address written in a way not foreseen here).
    return (line_of(text, re.compile(rf"(?:[(<\"']|\]:[ \t]*)(?:{forms})(?=[)>\"'\s])"))
            or line_of(text, written[0]))


def _htmls(article: Article) -> list[str]:
    """Return the HTML of every block (the deck's too) and note of the article."""
    return [*(block.html for block in article.blocks), *(note.html for note in article.notes)]


def _linked_names(article: Article) -> set[str]:
    """Return the file names the article's links name (in every block, slides' too)."""
    return {name for html in _htmls(article) for match in HREF.finditer(html)
            if (name := _file_name(unescape(match.group(2))))}


def _file_name(href: str) -> str | None:
    """Return the file name a local link names; None for the web, mail, or a fragment alone."""
    parts = split_url(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return PurePosixPath(unquote(parts.path)).name or None
