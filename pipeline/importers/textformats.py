"""reStructuredText, Org, LaTeX, AsciiDoc and the other text formats pandoc reads, by name."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath
from typing import TYPE_CHECKING

from pipeline.importers.assemble import (
    CITATION_KEYS,
    Media,
    assemble,
    citations,
    meta_value,
    pandoc_meta,
)
from pipeline.importers.base import Importer, decode_text, looks_like_text, register
from pipeline.importers.latex import language, prepared, with_crossrefs
from pipeline.importers.pandoc_ast import Node, not_included, read_ast, walk, words
from pipeline.importers.sphinx import plain_sphinx

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
# The title of one that has none of its own, where it is not the class's name.
_TITLES = {"seealso": "See also"}


@register
class TextFormatImporter(Importer):
    """A text document in a markup pandoc reads: its title, authors and date from its own fields.

    pandoc runs sandboxed, so a document's includes (LaTeX's ``\\input``, reStructuredText's
    ``include``, Org's ``#+INCLUDE``) are not read: what is imported is the file named.
    """

    name = "reStructuredText/Org/LaTeX/AsciiDoc/Textile/MediaWiki/Typst/djot document"
    priority = 30

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise the format by the file's name."""
        return PurePath(name).suffix.lower() in READERS and looks_like_text(data)

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the one article the document holds."""
        reader = READERS[PurePath(origin.label).suffix.lower()]
        text = decode_text(data, origin.label)
        dropped: Counter[str] = Counter()
        if reader in _INCLUDES:
            text = _INCLUDES[reader].sub(lambda m: _skipped(m, origin.label), text)
        elif reader == "latex":
            text = prepared(text, origin.folder, origin.label, dropped)
        ast = read_ast(text.encode("utf-8"), reader, origin.label, standalone=True)
        meta = pandoc_meta(ast["meta"])
        if reader == "latex" and "lang" not in meta:
            meta["lang"] = language(text)
        media = Media(origin, options)
        # LaTeX's \bibliography{refs} and \addbibresource{refs.bib} reach pandoc's metadata.
        found = {key: meta_value(ast["meta"].get(key)) for key in CITATION_KEYS}
        meta.update(citations({key: value for key, value in found.items() if value}, media))
        blocks = walk(ast["blocks"], _admonition)
        if reader == "latex":
            blocks = with_crossrefs(blocks)
        elif reader == "rst":
            blocks = plain_sphinx(blocks, dropped)
        return [assemble(blocks, meta, origin, media, dropped,
                         fallback_title=PurePath(origin.label).stem)]


def _skipped(match: re.Match[str], label: str) -> str:
    """Say that an include is not read; return what takes its line: nothing.

    Not a comment: an include may stand where a comment may not (in a listing block).
    """
    not_included(label, match.group(1).strip())
    return ""


def _admonition(node: Node) -> list[Node]:
    """Make an admonition a block quote that opens with its title in bold, as MkDocs's are.

    The import unwraps divs: without this, "Note" would be a paragraph of its own.
    """
    if node["t"] != "Div" or not ADMONITIONS & set(node["c"][0][1]):
        return [node]
    blocks = node["c"][1]
    title: list[Node] = []
    if blocks and blocks[0]["t"] == "Div" and "title" in blocks[0]["c"][0][1]:
        inner = blocks.pop(0)["c"][1]
        title = inner[0]["c"] if inner and inner[0]["t"] in {"Para", "Plain"} else []
    if not title:
        kind = next(name for name in node["c"][0][1] if name in ADMONITIONS)
        title = words(_TITLES.get(kind, kind.title()))
    return [{"t": "BlockQuote", "c": [{"t": "Para", "c": [{"t": "Strong", "c": title}]},
                                      *blocks]}]
