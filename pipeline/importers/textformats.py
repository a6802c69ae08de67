"""reStructuredText, Org, LaTeX, AsciiDoc and the other text formats pandoc reads, by name."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pipeline.importers.asciidoc import without_conditionals
from pipeline.importers.assemble import (
    CITATION_KEYS,
    Media,
    assemble,
    citations,
    meta_value,
    pandoc_meta,
    script_language,
)
from pipeline.importers.base import (
    Book,
    Importer,
    ImportFailed,
    decode_text,
    looks_like_text,
    register,
)
from pipeline.importers.callouts import callout
from pipeline.importers.latex import (
    chapter_level,
    chapters,
    language,
    prepared,
    with_crossrefs,
)
from pipeline.importers.pandoc_ast import (
    Node,
    not_included,
    read_ast,
    text_of,
    walk,
)
from pipeline.importers.sphinx import plain_sphinx
from pipeline.source import slugify

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin, Skipped
    from pipeline.project import Project

# pandoc's reader for each name. Their files tell their kind by name only: an .rst file and
# an .org file are both plain text, and each reads as a paragraph in the other's reader.
READERS = {
    ".rst": "rst", ".rest": "rst",
    ".org": "org",
    ".tex": "latex", ".latex": "latex", ".ltx": "latex",
    ".adoc": "asciidoc", ".asciidoc": "asciidoc",
    ".textile": "textile",
    ".wiki": "mediawiki", ".mediawiki": "mediawiki",
    ".typ": "typst",
    ".dj": "djot", ".djot": "djot",
    ".muse": "muse",
    ".dbk": "docbook", ".docbook": "docbook",
}


# Includes pandoc's sandbox cannot read, and on which these readers stop: AsciiDoc's
# "include::part.adoc[]" and Typst's '#include "part.typ"' (LaTeX's and reStructuredText's
# readers go on without them, and say so: see pandoc_ast.pandoc).
_INCLUDES = {"asciidoc": re.compile(r"^include::([^\[\n]+)\[[^\]\n]*\][ \t]*$", re.M),
             "typst": re.compile(r'^#include[ \t]+"([^"\n]+)"[ \t]*$', re.M)}
# The admonitions of reStructuredText, AsciiDoc and Org, as pandoc's readers give them: a div
# of that class whose first block is a div of class "title".
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso", "admonition"}
# What a LaTeX book's own metadata gives its book file.
BOOK_KEYS = ("author", "lang", "date", "description", "rights")


@register
class TextFormatImporter(Importer):
    """A text document in a markup pandoc reads: its title, authors and date from its own fields.

    pandoc runs sandboxed, so a document's includes (reStructuredText's ``include``, Org's
    ``#+INCLUDE``, AsciiDoc's and Typst's) are not read, each said in a warning; LaTeX's
    ``\\input`` files inside the document's folder are read in first (see ``latex``).
    """

    name = "reStructuredText/Org/LaTeX/AsciiDoc/Textile/MediaWiki/Typst/djot document"
    priority = 30

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise the format by the file's name."""
        return PurePath(name).suffix.lower() in READERS and looks_like_text(data)

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the article the document holds; a LaTeX book's chapters, one each."""
        reader = READERS[PurePath(origin.label).suffix.lower()]
        text = decode_text(data, origin.label)
        if not text.strip():
            raise ImportFailed("it is empty", origin.label)
        dropped: Counter[str] = Counter()
        if reader == "asciidoc":
            text = without_conditionals(text)
        if reader in _INCLUDES:
            text = _INCLUDES[reader].sub(lambda m: _skipped(m, origin.label), text)
        elif reader == "latex":
            text = prepared(text, origin, dropped)
        ast = read_ast(text.encode("utf-8"), reader, origin.label, standalone=True)
        meta = pandoc_meta(ast["meta"])
        if reader == "latex" and "lang" not in meta:
            meta["lang"] = language(text)
        # LaTeX's \bibliography{refs} and \addbibresource{refs.bib} reach pandoc's metadata.
        found = {key: value for key in CITATION_KEYS
                 if (value := meta_value(ast["meta"].get(key)))}
        blocks = walk(ast["blocks"], _admonition)
        level = chapter_level(blocks, text) if reader == "latex" else None
        if reader == "latex":
            blocks = with_crossrefs(blocks, level)
        elif reader == "rst":
            blocks = plain_sphinx(blocks, dropped)
        if level is None:
            return [_article(blocks, meta, found, origin, options, dropped)]
        return _book(chapters(blocks, level), meta, found, origin, options, dropped)


def _article(blocks: list[Node], meta: dict[str, Any], found: dict[str, Any], origin: Origin,
             options: Options, dropped: Counter[str], slug: str | None = None) -> Imported:
    """Return one article, its images and bibliography gathered for it alone."""
    media = Media(origin, options)
    meta = {**meta, **citations(found, media)}
    return assemble(blocks, meta, origin, media, dropped, slug=slug,
                    fallback_title=PurePath(origin.label).stem, folio_divs=True)


def _book(parts: list[tuple[str | None, list[Node]]], meta: dict[str, Any],
          found: dict[str, Any], origin: Origin, options: Options,
          dropped: Counter[str]) -> list[Imported | Skipped]:
    """Return a LaTeX book's chapters as articles of one book, in order.

    Each chapter's heading is its title; a chapter whose title is not all ASCII (Chinese,
    say) is named after the book and its number, as a slug could not say it. References
    between chapters stay cross-references: the build resolves them across articles.
    """
    title = str(meta.get("title") or PurePath(origin.label).stem)
    if not meta.get("lang"):
        # The book's language, found in all of it: every chapter is in it, even one whose
        # few words are all in Latin letters.
        meta = {**meta, "lang": script_language(
            title + " " + " ".join(text_of(blocks) for _, blocks in parts))}
    book = Book(slugify(title) or slugify(PurePath(origin.label).stem) or "book",
                {key: meta[key] for key in BOOK_KEYS if meta.get(key)} | {"title": title})
    chapter_meta = {key: value for key, value in meta.items()
                    if key not in {"title", "subtitle", "description"}}
    items: list[Imported | Skipped] = []
    for number, (part, blocks) in enumerate(parts, 1):
        heading = text_of(blocks[0]["c"][2])
        item = _article(blocks, chapter_meta, found, origin, options,
                        dropped if number == 1 else Counter(),
                        slug=None if heading.isascii() and slugify(heading)
                        else f"{book.slug}-{number}")
        item.book, item.part = book, part
        items.append(item)
    return items


def _skipped(match: re.Match[str], label: str) -> str:
    """Say that an include is not read; return what takes its line: nothing.

    Not a comment: an include may stand where a comment may not (in a listing block).
    """
    not_included(label, match.group(1).strip())
    return ""


def _admonition(node: Node) -> list[Node]:
    """Make an admonition the callout Folio draws for its kind, with its own title if any.

    The import unwraps other divs: without this, "Note" would be a paragraph of its own.
    """
    if node["t"] != "Div" or not ADMONITIONS & set(node["c"][0][1]):
        return [node]
    blocks = node["c"][1]
    title = ""
    if blocks and blocks[0]["t"] == "Div" and "title" in blocks[0]["c"][0][1]:
        title = text_of(blocks.pop(0)["c"][1])
    kind = next(name for name in node["c"][0][1] if name in ADMONITIONS)
    if kind == "admonition" and not title and len(blocks) > 1 and blocks[0]["t"] == "Para":
        # reStructuredText's own-titled ".. admonition:: Title": its first paragraph.
        title = text_of(blocks.pop(0)["c"])
    return [callout("note" if kind == "admonition" else kind, title, blocks)]
