"""AsciiDoc's conditionals, attribute references and comments, applied before pandoc reads.

``ifdef::env-github[]`` and its kin are preprocessor directives: Asciidoctor keeps or drops
what they enclose. pandoc's reader knows none of them, and printed "ifdef" and
"env-site[] Hello" in the text. Here they are decided against the attributes the document
sets; the ``env-*`` attributes of a renderer (GitHub, a site) are not set, as Folio is
neither. An ``ifeval`` expression is not evaluated: its text is kept. A reference to an
attribute the document sets ("image::{image-uri-screenshot}[]") is replaced by its value,
as Asciidoctor does, except in literal and listing blocks: pandoc left image addresses as
the reference.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_DIRECTIVE = re.compile(r"^(ifdef|ifndef|ifeval|endif)::([^\[\n]*)\[(.*)\][ \t]*$")
# ":name: value" sets an attribute; ":name!:" and ":!name:" unset it.
_ATTRIBUTE = re.compile(r"^:(!?)([\w-]+)(!?):[ \t]*(.*)$")
# A line comment (not "////", which opens a comment block).
_COMMENT = re.compile(r"^//(?!//)")
_REFERENCE = re.compile(r"\{([\w-]+)\}")
# The delimiters of blocks whose text is shown as written: listing, literal, passthrough.
_VERBATIM = re.compile(r"^(-{4,}|\.{4,}|\+{4,})[ \t]*$")


def without_conditionals(text: str) -> str:
    """Return AsciiDoc ``text`` with its conditionals decided and its attributes filled in."""
    values: dict[str, str] = {}
    kept: list[str] = []
    enclosing: list[bool] = []  # whether each open conditional keeps what it encloses
    verbatim: str | None = None  # the delimiter of the listing block the line is in

    def filled(line: str) -> str:
        return _REFERENCE.sub(lambda found: values.get(found.group(1), found.group(0)), line)

    for line in text.split("\n"):
        keeping = all(enclosing)
        directive = _DIRECTIVE.match(line)
        if directive is None:
            if not keeping:
                continue
            fence = _VERBATIM.match(line)
            if fence and (verbatim is None or fence.group(1) == verbatim):
                verbatim = None if verbatim else fence.group(1)
            elif verbatim is None:
                if _COMMENT.match(line):
                    # Never shown; and pandoc's reader ends the header at one that follows
                    # an attribute entry, reading the rest of the header as a paragraph.
                    continue
                line = filled(line)
                attribute = _ATTRIBUTE.match(line)
                if attribute and (attribute.group(1) or attribute.group(3)):
                    values.pop(attribute.group(2), None)
                elif attribute:
                    values[attribute.group(2)] = attribute.group(4).strip()
            kept.append(line)
            continue
        kind, names, content = directive.groups()
        if kind == "endif":
            if enclosing:
                enclosing.pop()
            continue
        holds = kind == "ifeval" or _holds(names, values.keys()) == (kind == "ifdef")
        if content and kind != "ifeval":  # the one-line form: ifdef::name[text]
            if keeping and holds:
                kept.append(filled(content))
            continue
        enclosing.append(holds)
    if verbatim is not None:
        # Closed here, as Asciidoctor closes it at the end: pandoc's reader never returns.
        kept.append(verbatim)
    return "\n".join(kept)


def _holds(names: str, defined: Collection[str]) -> bool:
    """Tell whether "a,b" (any of them) or "a+b" (all of them) are set."""
    every = "+" in names
    found = [name.strip() in defined for name in re.split(r"[+,]", names) if name.strip()]
    return all(found) if every else any(found)
