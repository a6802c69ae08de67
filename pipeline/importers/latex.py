"""LaTeX for pandoc's reader: its inputs read in, its drawings out, its references Folio's.

Before pandoc reads (``prepared``): a lecture's ``\\input`` and ``\\include`` files are read
in from the document's folder (pandoc runs sandboxed and would skip them, and with them the
macros and chapters they hold), and drawing code (Asymptote, TikZ), which only LaTeX can draw,
is taken out rather than shown as text.

After (``with_crossrefs``): pandoc's LaTeX reader keeps a ``\\label`` as the id of its
heading, figure or table (a table's on the div around it), leaves it inside an equation's
TeX, and makes each ``\\ref`` and ``\\eqref`` a link to it reading the number LaTeX would
print ("1", or "[eq:step]" for an equation it cannot number). Folio numbers sections,
figures, tables and equations itself, in the reader's language (pipeline/lua/crossref.lua):
each labelled element gets the id Folio's syntax gives its kind, and each reference becomes
"@id", which reads "Section 1".
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.importers.base import Origin, decode_text
from pipeline.importers.pandoc_ast import Node, not_included, text_of, walk

# The commands whose links pandoc marks as references.
REFERENCES = {"ref", "eqref", "autoref", "cref", "Cref", "vref", "nameref"}
# A label's own prefix for its kind, which the new id's prefix replaces ("sec:intro").
_PREFIX = re.compile(r"^(?:sec|ssec|subsec|chap|ch|fig|tab|tbl|eq|eqn)[:_.-]", re.IGNORECASE)
_LABEL = re.compile(r"[ \t]*\\label\{([^{}]+)\}")
# The words a text writes before a reference, which Folio's "Section 1" already says. An
# equation's reference reads "(1)", as LaTeX's \eqref does: its word stays.
_KIND_WORDS = {
    "sec": {"section", "sections", "sec.", "chapter", "ch.", "§"},
    "fig": {"figure", "figures", "fig.", "figs."},
    "tbl": {"table", "tables", "tab."},
    "eq": set(),
}
NBSP = "\u00a0"
# The Chinese and Japanese words before (and after) a reference that Folio's own "图 1" and
# "第1节" say: a figure's, a table's, a section's or chapter's.
_CJK_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fig": (("图", "図"), ()), "tbl": (("表",), ()), "sec": (("第",), ("节", "節", "章"))}
# The start of a comment: an unescaped "%".
_COMMENT = re.compile(r"(?<!\\)%")
# \input{file}, \include{file}, \subfile{file}, and TeX's own "\input file".
_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}|\\input\s+([\w./-]+)")
# How deep inputs may nest: a file that inputs itself stops here.
_DEPTH = 8
# Environments of drawing code, which only LaTeX (and its Asymptote or TikZ) can draw.
_DRAWING = re.compile(r"\\begin\{(asy|asydef|tikzpicture|pspicture|pgfpicture|circuitikz|"
                      r"forest|xy)\}.*?\\end\{\1\}", re.DOTALL)
# An author's footnote (\thanks{...}, one level of braces inside): pandoc would run its words
# into the author's name.
_THANKS = re.compile(r"\\thanks\s*\{(?:[^{}]|\{[^{}]*\})*\}")
# The end of a row of an array or of cases.
ROW_END = "\\\\"
# \begin{numcases}{f(x)=} ... \end{numcases}, and subnumcases, of the cases package.
_NUMCASES = re.compile(r"\\begin\{((?:sub)?numcases)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}"
                       r"(.*?)\\end\{\1\}", re.DOTALL)
# A display equation's numbering environment, which Folio's numbering replaces.
_EQUATION = re.compile(r"^\s*\\begin\{equation\*?\}(.*)\\end\{equation\*?\}\s*$", re.DOTALL)


# babel's and polyglossia's names of languages, as BCP 47 tags.
_LANGUAGES = {
    "english": "en", "british": "en-GB", "ukenglish": "en-GB", "american": "en-US",
    "usenglish": "en-US", "canadian": "en-CA", "australian": "en-AU", "german": "de",
    "ngerman": "de", "austrian": "de-AT", "naustrian": "de-AT", "swissgerman": "de-CH",
    "nswissgerman": "de-CH", "french": "fr", "francais": "fr", "spanish": "es",
    "italian": "it", "portuguese": "pt", "portuges": "pt", "brazilian": "pt-BR",
    "brazil": "pt-BR", "dutch": "nl", "polish": "pl", "russian": "ru", "ukrainian": "uk",
    "czech": "cs", "slovak": "sk", "swedish": "sv", "danish": "da", "norsk": "nb",
    "norwegian": "nb", "nynorsk": "nn", "finnish": "fi", "greek": "el", "turkish": "tr",
    "hungarian": "hu", "magyar": "hu", "romanian": "ro", "croatian": "hr", "serbian": "sr",
    "slovene": "sl", "catalan": "ca", "basque": "eu", "galician": "gl", "irish": "ga",
    "welsh": "cy", "icelandic": "is", "estonian": "et", "latvian": "lv", "lithuanian": "lt",
    "hebrew": "he", "arabic": "ar", "japanese": "ja", "chinese": "zh", "korean": "ko",
}
_BABEL = re.compile(r"\\usepackage\s*\[([^\]]*)\]\s*\{babel\}")
_POLYGLOSSIA = re.compile(r"\\setmainlanguage\s*(?:\[[^\]]*\])?\s*\{(\w+)\}")


def language(text: str) -> str | None:
    """Return the main language a LaTeX document sets with babel or polyglossia, if any.

    babel's main language is the one its "main=" option names, else the last one named.
    """
    found = _POLYGLOSSIA.search(text)
    if found:
        return _LANGUAGES.get(found.group(1).lower())
    found = _BABEL.search(text)
    names = [name.strip().lower() for name in found.group(1).split(",")] if found else []
    main = [name.removeprefix("main=").strip() for name in names if name.startswith("main=")]
    return next((_LANGUAGES[name] for name in [*main, *reversed(names)] if name in _LANGUAGES),
                None)


def prepared(text: str, origin: Origin, dropped: Counter[str]) -> str:
    """Return a LaTeX document with its inputs read in and its drawing code taken out."""
    text = _THANKS.sub("", _inlined(text, origin, 0))
    text = _NUMCASES.sub(_cases, text)
    text, drawings = _DRAWING.subn("", text)
    if drawings:
        dropped["drawings only LaTeX can draw (Asymptote, TikZ)"] += drawings
    return text


def _cases(match: re.Match[str]) -> str:
    """Return the cases package's numbered cases, which pandoc reads as text, as an equation.

    Their conditions (after "&") are text, as in the package: math's cases sets them as math.
    """
    rows = []
    for row in match.group(3).split(ROW_END):
        value, bar, condition = row.partition("&")
        rows.append(f"{value}& \\text{{{condition.strip()}}}" if bar else value)
    body = ROW_END.join(rows)
    return (f"\\begin{{equation}}{match.group(2)}\\begin{{cases}}{body}"
            "\\end{cases}\\end{equation}")


def _inlined(text: str, origin: Origin, depth: int) -> str:
    """Return ``text`` with each input (not one commented out) replaced by its file's text.

    Only files inside the document's folder are read, as for its images; any other is one
    warning, and left out.
    """
    def read(match: re.Match[str]) -> str:
        line = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
        if _COMMENT.search(line):
            return match.group(0)
        name = (match.group(1) or match.group(2)).strip()
        path = _input_file(name, origin) if depth < _DEPTH else None
        if path is None:
            not_included(origin.label, name, "it is not a file inside the document's folder"
                          if depth < _DEPTH else f"inputs nest deeper than {_DEPTH}")
            return ""
        return _inlined(decode_text(path.read_bytes(), origin.label), origin, depth + 1)

    return _INPUT.sub(read, text)


def _input_file(name: str, origin: Origin) -> Path | None:
    """Return the file ``\\input{name}`` reads, if it is one inside the document's folder."""
    paths = (origin.inside(candidate) for candidate in (name, f"{name}.tex"))
    return next((path for path in paths if path is not None and path.is_file()), None)


# What LaTeX's math has that the MathML converter does not read, and means nothing there:
# amsthm's \qedhere, and \mathnormal (the default math italic anyway).
_UNREAD = re.compile(r"\\qedhere\b\s*|\\mathnormal\b\s*")


_CHAPTER = re.compile(r"\\chapter\*?\s*[\[{]")
_PART = re.compile(r"\\part\*?\s*[\[{]")


def chapter_level(blocks: list[Node], text: str) -> int | None:
    """Return the heading level of a book's chapters, or None for an article.

    A LaTeX document with two chapters or more is a book: a handout, deck and page per
    chapter, as its lecturer hands them out. pandoc makes a chapter a level-1 heading, or
    level 2 under parts.
    """
    if not _CHAPTER.search(text):
        return None
    level = 2 if _PART.search(text) else 1
    count = sum(block["t"] == "Header" and block["c"][0] == level for block in blocks)
    return level if count >= 2 else None


def chapters(blocks: list[Node], level: int) -> list[tuple[str | None, list[Node]]]:
    """Return a book's chapters: the part each is in (if any), and its blocks.

    Each chapter's headings are raised to start at level 1 below its own, its title; what
    comes before the first chapter (a preface) opens the first one.
    """
    found: list[tuple[str | None, list[Node]]] = []
    lead: list[Node] = []
    part: str | None = None
    for block in blocks:
        depth = block["c"][0] if block["t"] == "Header" else None
        if depth is not None and depth < level:
            part = text_of(block["c"][2])
        elif depth == level:
            found.append((part, [block]))
        else:
            (found[-1][1] if found else lead).append(block)
    found[0] = (found[0][0], [found[0][1][0], *lead, *found[0][1][1:]])
    for _, chapter in found:
        for node in _nodes(chapter[1:]):
            if node["t"] == "Header":
                node["c"][0] = max(1, node["c"][0] - level)
    return found


def with_crossrefs(blocks: list[Node], chapter: int | None = None) -> list[Node]:
    """Return ``blocks`` with every referenced label made a cross-reference Folio numbers.

    Every display equation loses its labels and LaTeX's numbering environment: Folio numbers
    the ones referred to, and neither MathML nor MathJax reads an unreferenced ``\\label``.
    In a book whose chapters are at heading level ``chapter``, a chapter (or part) becomes
    an article whose heading is its title: a reference to it keeps the number LaTeX would
    print, "Chapter 4", as words.
    """
    wanted = {pairs["reference"] for node in _nodes(blocks) if node["t"] == "Link"
              and (pairs := dict(node["c"][0][2])).get("reference-type") in REFERENCES
              and "reference" in pairs}
    if chapter is not None:
        wanted -= {block["c"][1][0] for block in blocks
                   if block["t"] == "Header" and block["c"][0] <= chapter}
    ids = _labelled(blocks, wanted) if wanted else {}
    blocks = walk(blocks, lambda node: _relabelled(node, ids))
    return walk(blocks, lambda node: _referenced(node, ids)) if ids else blocks


def _nodes(value: Any) -> list[Node]:
    """Return every element of an AST value, outermost first."""
    found: list[Node] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                found.append(item)
            if "c" in item:
                stack.append(item["c"])
    return found


def _labelled(blocks: list[Node], wanted: set[str]) -> dict[str, str]:
    """Return Folio's id for each referenced label an element of ``blocks`` carries."""
    kinds: dict[str, str] = {}
    for node in _nodes(blocks):
        kind, label = _kind_and_label(node)
        if label in wanted and label not in kinds:
            kinds[label] = kind
    ids: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for label, kind in kinds.items():
        counts[kind] += 1
        # A label in other letters ("约束方程") is numbered instead: Folio's ids are ASCII.
        name = re.sub(r"[^A-Za-z0-9_]+", "-", _PREFIX.sub("", label)).strip("-") \
            if label.isascii() else ""
        name = name or str(counts[kind])
        new, count = f"{kind}-{name}", 1
        while new in ids.values():
            count += 1
            new = f"{kind}-{name}-{count}"
        ids[label] = new
    return ids


def _kind_and_label(node: Node) -> tuple[str, str]:
    """Return the cross-reference kind and the label of an element, or empty strings."""
    kind = node["t"]
    if kind == "Header":
        return "sec", node["c"][1][0]
    if kind == "Figure":
        # A figure of drawing code only (taken out before pandoc read it) shows nothing to
        # number: references to it keep the number pandoc gave them, as words.
        shown = any(inner["t"] == "Image" for inner in _nodes(node["c"][2]))
        return ("fig", node["c"][0][0]) if shown else ("", "")
    if kind == "Table":
        return "tbl", node["c"][0][0]
    if kind == "Div" and any(child["t"] == "Table" for child in node["c"][1]):
        return "tbl", node["c"][0][0]
    if kind == "Math" and node["c"][0]["t"] == "DisplayMath":
        found = _LABEL.search(node["c"][1])
        return ("eq", found.group(1)) if found else ("", "")
    return "", ""


def _relabelled(node: Node, ids: dict[str, str]) -> list[Node]:
    """Give a labelled element its new id; a display equation its "{#eq-x}" after it."""
    label = _kind_and_label(node)[1]
    if node["t"] == "Math":
        node["c"][1] = _UNREAD.sub("", node["c"][1])
    if node["t"] == "Math" and node["c"][0]["t"] == "DisplayMath":
        tex = _LABEL.sub("", node["c"][1])
        inside = _EQUATION.match(tex)
        node["c"][1] = (inside.group(1) if inside else tex).strip()
        if label in ids:
            return [node, {"t": "Space"}, {"t": "Str", "c": f"{{#{ids[label]}}}"}]
        return [node]
    if label not in ids:
        return [node]
    if node["t"] == "Header":
        node["c"][1][0] = ids[label]
    elif node["t"] == "Div":
        # The div goes on import: its id goes to the table it holds.
        table = next(child for child in node["c"][1] if child["t"] == "Table")
        table["c"][0][0] = ids[label]
        node["c"][0][0] = ""
    else:
        node["c"][0][0] = ids[label]
    return [node]


def _referenced(node: Node, ids: dict[str, str]) -> list[Node]:
    """Make each reference to a relabelled element "@id", without the kind's word before it."""
    if node["t"] not in {"Para", "Plain"}:
        return [node]
    out: list[Node] = []
    for inline in node["c"]:
        pairs = dict(inline["c"][0][2]) if inline["t"] == "Link" else {}
        new = ids.get(pairs.get("reference", "")) \
            if pairs.get("reference-type") in REFERENCES else None
        if new is None:
            out.append(inline)
            continue
        _drop_kind_word(out, new.split("-", 1)[0])
        out.append({"t": "Cite", "c": [[{
            "citationId": new, "citationPrefix": [], "citationSuffix": [],
            "citationMode": {"t": "AuthorInText"}, "citationNoteNum": 0, "citationHash": 0}],
            [{"t": "Str", "c": f"@{new}"}]]})
    _drop_cjk_words(out)
    for position, inline in enumerate(out):
        following = out[position + 1] if position + 1 < len(out) else None
        previous = out[position - 1] if position else None
        if inline["t"] == "Cite" and (
                (following and following["t"] == "Str" and following["c"][:1].isalnum())
                or (previous and previous["t"] == "Str" and previous["c"][-1:].isalnum())):
            # "式@eq-3可得": written "@eq-3可得", the key would run on into the words after it,
            # and after "由" pandoc would not read "@eq-3" as a reference at all (Chinese puts
            # no space there); "[@eq-3]" ends and begins where it should.
            inline["c"][0][0]["citationMode"] = {"t": "NormalCitation"}
    node["c"] = out
    return [node]


def _drop_cjk_words(inlines: list[Node]) -> None:
    """Remove the Chinese or Japanese words around a reference that Folio's words now say.

    "如图\\ref{fig:a}所示" and "见第\\ref{sec:b}节" read "如图 图 1所示" and "见第第1节节"
    once Folio writes its own "图 1" and "第1节": the words go, the reference stays.
    """
    for position, inline in enumerate(inlines):
        if inline["t"] != "Cite":
            continue
        kind = inline["c"][0][0]["citationId"].split("-", 1)[0]
        before, after = _CJK_WORDS.get(kind, ((), ()))
        previous = inlines[position - 1] if position else None
        following = inlines[position + 1] if position + 1 < len(inlines) else None
        if previous and previous["t"] == "Str" and previous["c"].endswith(before):
            previous["c"] = previous["c"][:-1]
        if after and following and following["t"] == "Str" and \
                following["c"].startswith(after):
            following["c"] = following["c"][1:]


def _drop_kind_word(inlines: list[Node], kind: str) -> None:
    """Remove "Section " (or "Eq.~") from the end of ``inlines``: Folio's words replace it."""
    if inlines and inlines[-1]["t"] in {"Space", "SoftBreak"} and len(inlines) > 1 \
            and inlines[-2]["t"] == "Str":
        at, text = len(inlines) - 2, inlines[-2]["c"]
    elif inlines and inlines[-1]["t"] == "Str" and inlines[-1]["c"].endswith(NBSP):
        at, text = len(inlines) - 1, inlines[-1]["c"].removesuffix(NBSP)
    else:
        return
    if text.casefold() not in _KIND_WORDS[kind]:
        return
    del inlines[at:]
    if inlines and inlines[-1]["t"] not in {"Space", "SoftBreak"}:
        inlines.append({"t": "Space"})
