"""Cross-references between the articles of a build: "@sec-x" that another article numbers.

A course's chapters refer to each other's sections, figures and tables, as Quarto's books do;
reading one source knows only its own ids, and leaves a placeholder for the others (see
pipeline/lua/crossref.lua). Once every source is read, a placeholder whose id another article
has becomes a link to that article's source reading "Section 2 in Tidy Data", which every
format then leads to that article's page, deck or chapter, as it does any link to a source
(pipeline/links.py). An id no article of the build has is a warning naming the line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from html import escape, unescape

from pipeline.errors import location
from pipeline.i18n import translate
from pipeline.model import Article, Block

log = logging.getLogger(__name__)

# The placeholder pandoc writes for a reference the article cannot resolve itself.
PLACEHOLDER = re.compile(r'<a href="#([^"]+)" class="crossref" data-folio-ref="\1">'
                         r"<strong>\?@\1</strong></a>")


def with_crossrefs(articles: list[Article]) -> list[Article]:
    """Return ``articles`` with their references to each other resolved; warn of the rest."""
    owners: dict[str, Article] = {}
    for article in articles:
        for ref in (*article.labels, *([article.label] if article.label else [])):
            owners.setdefault(ref, article)
    resolved = []
    for article in articles:
        if not article.missing_refs:
            resolved.append(article)
            continue
        found = []
        for ref, line in article.missing_refs:
            owner = owners.get(ref)
            if owner is None:
                log.warning("%s: cross-reference '%s' not found", location(article.source, line),
                            ref)
                continue
            if ref == owner.label:
                # A whole article (a book's chapter): its title, leading to its top.
                found.append((ref, owner.title, owner.source.name))
                continue
            words = translate(article.lang, "crossref_in", ref=owner.labels[ref],
                              title=owner.title)
            found.append((ref, words, f"{owner.source.name}#{ref}"))
        resolved.append(_linked(article, tuple(found)))
    return resolved


def _linked(article: Article, crossrefs: tuple[tuple[str, str, str], ...]) -> Article:
    """Return ``article`` with its placeholders made links (``crossrefs``) or marked missing.

    A reference no article has reads as Quarto shows it: "?@sec-x", in bold, leading nowhere.
    """
    by_id = {ref: (words, href) for ref, words, href in crossrefs}

    def link(match: re.Match[str]) -> str:
        found = by_id.get(unescape(match.group(1)))
        if found is None:
            return f"<strong>?@{match.group(1)}</strong>"
        words, href = found
        return f'<a href="{escape(href)}" class="crossref">{escape(words)}</a>'

    def text(plain: str) -> str:
        for ref, (words, _) in by_id.items():
            plain = plain.replace(f"?@{ref}", words)
        return plain

    def relinked(block: Block) -> Block:
        if "data-folio-ref" not in block.html:
            return block
        return replace(block, html=PLACEHOLDER.sub(link, block.html), text=text(block.text),
                       children=tuple(relinked(child) for child in block.children))

    notes = tuple(replace(note, html=PLACEHOLDER.sub(link, note.html), text=text(note.text))
                  if "data-folio-ref" in note.html else note for note in article.notes)
    return replace(article, blocks=tuple(relinked(block) for block in article.blocks),
                   notes=notes, crossrefs=crossrefs)
