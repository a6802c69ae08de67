"""reStructuredText, Org, LaTeX, AsciiDoc and the other text formats pandoc reads, by name."""

from __future__ import annotations

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
from pipeline.importers.latex import with_crossrefs
from pipeline.importers.pandoc_ast import read_ast

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
        ast = read_ast(text.encode("utf-8"), reader, origin.label, standalone=True)
        meta = pandoc_meta(ast["meta"])
        media = Media(origin, options)
        # LaTeX's \bibliography{refs} and \addbibresource{refs.bib} reach pandoc's metadata.
        found = {key: meta_value(ast["meta"].get(key)) for key in CITATION_KEYS}
        meta.update(citations({key: value for key, value in found.items() if value}, media))
        blocks = with_crossrefs(ast["blocks"]) if reader == "latex" else ast["blocks"]
        return [assemble(blocks, meta, origin, media, fallback_title=PurePath(origin.label).stem)]
