"""pandoc's JSON AST: read a document into it, clean it, and write it as Folio's Markdown."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.cells import CELL_MARKERS, as_written
from pipeline.importers.base import ImportFailed
from pipeline.pandoc import pandoc_command

log = logging.getLogger(__name__)

Node = dict[str, Any]
# Folio reads "markdown-smart"; writing without "smart" keeps typographic quotes as characters.
# No raw HTML, TeX or attributes a format would have to refuse or could not show; spans, and
# divs other than those Folio reads itself (see ``FOLIO_DIVS``), are unwrapped by the cleaner.
# A heading keeps an id only where a link of the document leads to it (see ``clean``).
# Attributes stay only on links, images and figures, and only ids there (see ``clean``): a
# figure's "{#fig-x}", which Folio numbers.
WRITER = ("markdown-smart-raw_html-raw_tex-raw_attribute-native_divs-native_spans"
          "-bracketed_spans-inline_code_attributes")
# The divs of pandoc's and Quarto's Markdown that Folio's own articles use, by class: speaker
# notes, a slide written by hand, what the deck leaves out, callouts; and their attributes
# Folio reads (a callout's title, figures side by side).
FOLIO_DIVS = frozenset({"notes", "slide", "no-slides", "callout"})
FOLIO_DIV_ATTRIBUTES = frozenset({"title", "layout-ncol"})
# Lines that belong to a site's chrome, not to the article: what each kind is called in the
# summary, and a pattern matching the whole line (case ignored).
_COUNT = r"[\d.,]+\s*[km]?\s*(?:views?|likes?|comments?|shares?|reads?|claps?)"
CHROME: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("reading time", r"(?:\d+\s*(?:min(?:ute)?s?|m)\.?\s*read(?:ing time)?|"
                         r"reading time:?\s*\d+\s*min(?:ute)?s?)"),
        ("view and like counts", rf"{_COUNT}(?:\s*[·•|,/-]?\s*{_COUNT})*"),
        ("post navigation", r"(?:recent|related|popular|latest|more|similar|other)\s+"
                            r"(?:posts|articles|stories|entries)|(?:previous|next)\s+(?:post|"
                            r"article|entry)|read more|continue reading|back to (?:top|blog)"),
        ("comments", r"(?:\d+\s+)?comments?|leave a (?:comment|reply)|post (?:a )?comment|"
                     r"write a comment|add a comment|no comments yet\.?|be the first to "
                     r"comment\.?"),
        ("share buttons", r"share(?: this(?: post| article| page)?)?(?: on \w+)?:?|"
                          r"(?:share on|tweet|pin it|email)(?:\s+\w+)?"),
        ("newsletter box", r"(?:subscribe|sign up)(?:\s+\S+){0,10}"),
        ("cookie banner", r".{0,200}\b(?:we use cookies|this (?:site|website) uses cookies|"
                          r"accept (?:all )?cookies)\b.{0,200}"),
        ("copyright line", r"(?:©|\(c\)|copyright)\s*\d{4}.{0,120}"),
    ))


def chrome_kind(text: str) -> str | None:
    """Return which kind of site chrome the whole of ``text`` is, or None for real text."""
    line = " ".join(text.split())
    return next((kind for kind, pattern in CHROME if pattern.fullmatch(line)), None)


# How long pandoc may take over one document. A 36,000-word book takes seconds; some
# readers loop for ever on some input (AsciiDoc's on a listing block never closed), filling
# memory until the system kills them.
PANDOC_SECONDS = 60
_INCLUDE_SKIPPED = re.compile(r"Could not load include file (\S+)")


def pandoc(args: list[str], data: bytes, label: str) -> bytes:
    """Run the bundled pandoc sandboxed over ``data``; its failure is one line naming ``label``."""
    # --sandbox: pandoc reads and writes nothing beyond stdin, stdout and what args name.
    try:
        done = subprocess.run([*pandoc_command(), "--sandbox", *args], input=data,
                              capture_output=True, check=False, timeout=PANDOC_SECONDS)
    except subprocess.TimeoutExpired:
        raise ImportFailed(f"pandoc did not finish reading it in {PANDOC_SECONDS} s (its "
                           "reader loops on something in it)", label) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ImportFailed(f"pandoc could not read it: {reason[-1] if reason else 'exit '}"
                           f"{'' if reason else done.returncode}", label)
    # The sandbox keeps out what a document includes (LaTeX's \input, reStructuredText's
    # include): the reader goes on without it, and the user is told.
    for name in _INCLUDE_SKIPPED.findall(done.stderr.decode("utf-8", "replace")):
        not_included(label, name)
    return done.stdout


def not_included(label: str, name: str, why: str = "only the file named is imported") -> None:
    """Warn that the document ``label`` includes ``name``, which the import does not read."""
    log.warning("%s: '%s' is included but not read: %s", label, name, why)


def read_ast(data: bytes, reader: str, label: str, media_dir: Path | None = None,
             standalone: bool = False, options: tuple[str, ...] = ()) -> Node:
    """Return the pandoc AST of ``data`` read as ``reader``, images extracted to ``media_dir``.

    ``standalone`` reads it as a whole document: reStructuredText's reader takes the title
    and the docinfo fields (:Author:, :Date:) into the metadata only then. ``options`` are
    the reader's own (``--ipynb-output=all``).
    """
    args = ["--from", reader, "--to", "json", *(["--standalone"] if standalone else []),
            *options]
    if media_dir is not None:
        args.append(f"--extract-media={media_dir}")
    return json.loads(pandoc(args, data, label))


def write_markdown(blocks: list[Node], api_version: list[int], label: str) -> str:
    """Return ``blocks`` as Markdown that Folio reads back the same, without raw HTML."""
    doc = {"pandoc-api-version": api_version, "meta": {}, "blocks": blocks}
    out = pandoc(["--from", "json", "--to", WRITER, "--wrap=none"],
                 json.dumps(doc).encode("utf-8"), label)
    # Only blank lines go from the start: a simple table there is indented, and its indent
    # tells its columns' alignment.
    return as_written(out.decode("utf-8").lstrip("\n").rstrip()) + "\n"


def words(text: str) -> list[Node]:
    """Return plain ``text`` as pandoc's inlines: its words, and a space between each two."""
    inlines: list[Node] = []
    for word in text.split():
        if inlines:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return inlines


def api_version() -> list[int]:
    """Return the AST version of the bundled pandoc, for documents built here from scratch."""
    return read_ast(b"", "markdown", "pandoc")["pandoc-api-version"]


def walk(value: Any, fn: Callable[[Node], list[Node]]) -> Any:
    """Apply ``fn`` bottom-up to every element of a pandoc AST, replacing each by its result."""
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            item = walk(item, fn)
            if isinstance(item, dict) and "t" in item:
                out.extend(fn(item))
            else:
                out.append(item)
        return out
    if isinstance(value, dict) and "c" in value:
        value["c"] = walk(value["c"], fn)
    return value


def elements(value: Any) -> Iterator[Node]:
    """Yield every element of a pandoc AST fragment, each after what it holds, changing none."""
    if isinstance(value, list):
        for item in value:
            yield from elements(item)
            if isinstance(item, dict) and "t" in item:
                yield item
    elif isinstance(value, dict) and "c" in value:
        yield from elements(value["c"])


def text_of(value: Any) -> str:
    """Return the plain words of an AST fragment, spaces where pandoc had breaks."""
    parts: list[str] = []
    for node in elements(value):
        if node["t"] == "Str":
            parts.append(node["c"])
        elif node["t"] in {"Space", "SoftBreak", "LineBreak"}:
            parts.append(" ")
        elif node["t"] in {"Code", "Math"}:
            parts.append(node["c"][-1])
    return " ".join("".join(parts).split())


def count(blocks: list[Node], kinds: set[str]) -> int:
    """Return how many elements of the given kinds ``blocks`` hold."""
    return sum(node["t"] in kinds for node in elements(blocks))


# Maps an image's or a link's address to the one to write, or None to keep only its words.
AddressHook = Callable[[str], str | None]
_UNSAFE_LINK = re.compile(r"^\s*(?:javascript|vbscript|data|file):", re.IGNORECASE)
# What pandoc's Markdown reads as an id in "{#...}", and what it does not.
_READABLE_ID = re.compile(r"[\w:.-]+")
_UNREADABLE = re.compile(r"[^\w:.-]+")
# An id Folio numbers and cross-references, in Quarto's syntax (pipeline/lua/crossref.lua).
CROSSREF_ID = re.compile(r"(?:sec|fig|tbl|eq)-[\w:.-]+")
# A LaTeX environment that is a formula, written outside $$.
_MATH_ENVIRONMENT = re.compile(r"\s*\\begin\{(?:equation|align|alignat|gather|multline|"
                               r"eqnarray|flalign)\*?\}")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_EMPTY = {"Para", "Plain", "Header", "Emph", "Strong", "Span", "Underline", "Link", "Div",
          "BlockQuote", "BulletList", "OrderedList"}


def clean(blocks: list[Node], dropped: Counter[str], image: AddressHook,
          chrome: bool = False, link: AddressHook | None = None,
          folio_divs: bool = False) -> list[Node]:
    """Return ``blocks`` without raw markup, wrappers, empty paragraphs and (if asked) chrome.

    ``image`` maps each image address to the one to write, or None to keep only its alt text;
    ``link`` does the same for a link's address (its words stay). A link to a part of the
    document that did not come along (a page's comments, its menu) keeps only its words.
    With ``folio_divs`` (Markdown, whose fenced divs are the author's), the divs Folio reads
    itself stay: a Quarto lecture's speaker notes were printed in the handout as prose.
    """
    # Imported here: raw_html reads with this module's pandoc and walks with its walk.
    from pipeline.importers.raw_html import html_blocks, html_images, html_inlines

    blocks = html_inlines(html_blocks(blocks))
    anchors = _Anchors(blocks)

    def visit(node: Node) -> list[Node]:
        kind = node["t"]
        anchors.visit(node)
        if kind in {"RawBlock", "RawInline"} and node["c"][0] in {"tex", "latex"} \
                and _MATH_ENVIRONMENT.match(node["c"][1]):
            # "\begin{align} ... \end{align}" written bare, as MathJax reads it in Jupyter's
            # and pandoc's Markdown: a display formula.
            formula = {"t": "Math", "c": [{"t": "DisplayMath"}, node["c"][1].strip()]}
            return [{"t": "Para", "c": [formula]}] if kind == "RawBlock" else [formula]
        if kind == "RawInline":
            # (A raw block with a picture was read as HTML by html_blocks, before this walk.)
            pictures: list[Node] = []
            for found in html_images(node):
                pictures += [{"t": "Space"}] * bool(pictures) + _image(found, dropped, image)
            if pictures:
                return pictures
        if kind in {"RawBlock", "RawInline"}:
            if node["c"][1].strip() and not node["c"][1].lstrip().startswith("<!--"):
                dropped[f"raw {node['c'][0].upper()}"] += 1
            return []
        if kind == "Div" and folio_divs and _folio_div(node):
            return [node] if not _is_empty(node) else []
        if kind in {"Span", "Div"}:
            # Word's styles, bookmarks and a page's layout boxes: the content is what counts.
            return node["c"][1]
        if kind == "Underline":
            return node["c"]
        if kind == "Image":
            return _image(node, dropped, image)
        if kind == "Link" and _UNSAFE_LINK.match(node["c"][2][0]):
            dropped["unsafe links"] += 1
            return node["c"][1]
        if kind == "Table":
            if not text_of(node["c"][1:]) and not count(node["c"][1:], {"Image", "Math"}):
                # Word draws rules and spaces with tables of empty cells: nothing to read.
                dropped["empty tables"] += 1
                return []
            # Word forms style a cell's label as a heading: in a table it heads no section
            # (and a heading may not stand in a header cell at all).
            node["c"] = walk(node["c"], _heading_as_text)
            # Word's table style would be written after the caption, as words of it.
            name = node["c"][0][0]
            node["c"][0] = [name if anchors.kept(name) else "", [], []]
            # Word's column widths turn a simple table into a wide multiline one.
            node["c"][2] = [[align, {"t": "ColWidthDefault"}] for align, _ in node["c"][2]]
            _without_lone_head(node)
        if kind == "CodeBlock":
            # The language, and a Quarto cell's marks: written back as the cell it was.
            classes = node["c"][0][1]
            node["c"][0] = ["", classes[:1] + [name for name in classes[1:]
                                                if name in CELL_MARKERS], []]
        if kind == "Math":
            # A blank line would end the formula's paragraph when the article is read again
            # (and is no TeX either: math mode has no paragraphs).
            node["c"][1] = _BLANK_LINES.sub("\n", node["c"][1])
        if kind == "Figure" and not count(node["c"][2], {"Image"}):
            # Its picture could not come (drawing code, an unreadable image): the writer
            # would drop the whole figure, caption too. Its words stay; links to it, which
            # now lead nowhere, keep theirs (see _settled_links).
            return [{"t": "Para", "c": block["c"]} if block["t"] == "Plain" else block
                    for block in (*node["c"][2], *node["c"][1][1])]
        if kind in {"Link", "Figure"}:
            # A page's classes and data attributes mean nothing here; an id something leads to
            # (a link, a cross-reference) stays.
            name = node["c"][0][0]
            node["c"][0] = [name if anchors.kept(name) else "", [], []]
        if kind in {"Para", "Plain", "Header"} and chrome:
            what = chrome_kind(text_of(node["c"]))
            if what:
                dropped[what] += 1
                return []
        if kind in _EMPTY and _is_empty(node):
            return []
        return [node]

    return _settled_links(_readable_ids(anchors.relink(walk(blocks, visit))), dropped, link)


def _readable_ids(blocks: list[Node]) -> list[Node]:
    """Return ``blocks`` with ids pandoc's Markdown reads back, and links following them.

    A Markdown id is letters, digits and "-_:.": LaTeX's label "chapter2:d'Alambert例1"
    written as one, the article showed "{#chapter2:d'Alambert例1}" in its heading.
    """
    renamed: dict[str, str] = {}
    for node in elements(blocks):
        attr = _attr(node)
        if attr and attr[0] and not _READABLE_ID.fullmatch(attr[0]):
            attr[0] = renamed.setdefault(attr[0], _UNREADABLE.sub("-", attr[0]).strip("-"))
    return _retargeted(blocks, renamed)


def _retargeted(blocks: list[Node], renamed: dict[str, str]) -> list[Node]:
    """Return ``blocks`` with each link to "#old" of ``renamed`` leading to "#new" instead."""
    if not renamed:
        return blocks

    def follow(node: Node) -> list[Node]:
        target = node["c"][2][0] if node["t"] == "Link" else ""
        if target.startswith("#") and target[1:] in renamed:
            node["c"][2][0] = "#" + renamed[target[1:]]
        return [node]

    return walk(blocks, follow)


def _settled_links(blocks: list[Node], dropped: Counter[str], link: AddressHook | None
                   ) -> list[Node]:
    """Return ``blocks`` with each link leading where the imported article can lead."""
    ids = {attr[0] for node in elements(blocks) if (attr := _attr(node)) and attr[0]}

    def settle(node: Node) -> list[Node]:
        if node["t"] != "Link":
            return [node]
        target = node["c"][2][0]
        if target.startswith("#"):
            if target[1:] in ids:
                return [node]
            dropped["links to parts of the page left out"] += 1
            return node["c"][1]
        written = link(target) if link else target
        if written is None:
            dropped["links to the site's own pages"] += 1
            return node["c"][1]
        node["c"][2][0] = written
        return [node]

    return walk(blocks, settle)


def without_links_to(blocks: list[Node], ids: set[str], dropped: Counter[str], what: str
                     ) -> list[Node]:
    """Return ``blocks`` with each link to one of ``ids`` turned into its words, counted."""
    def unlink(node: Node) -> list[Node]:
        if node["t"] == "Link" and node["c"][2][0].startswith("#") \
                and node["c"][2][0][1:] in ids:
            dropped[what] += 1
            return node["c"][1]
        return [node]

    return walk(blocks, unlink)


def _attr(node: Node) -> list[Any] | None:
    """Return the attributes (id, classes, pairs) of an element that has them."""
    kind, content = node["t"], node.get("c")
    if kind == "Header":
        return content[1]
    if kind in {"Table", "Figure", "CodeBlock", "Div", "Span", "Link", "Image", "Code"}:
        return content[0]
    return None


class _Anchors:
    """Keep what the document's own links lead to, when its headings and bookmarks go.

    A Word table of contents links each heading by an id pandoc makes (``#X49da2d77...`` for a
    long one), and a link may lead to a bookmark, an empty span: headings keep the ids links
    name, and a bookmark's id moves to its heading, or to the heading of its section.
    """

    def __init__(self, blocks: list[Node]) -> None:
        self.wanted = {node["c"][2][0][1:] for node in elements(blocks)
                       if node["t"] == "Link" and node["c"][2][0].startswith("#")}
        # A cross-reference ("@sec-method", "@fig-map") leads to its heading, figure or table.
        self.wanted |= {citation["citationId"] for node in elements(blocks)
                        if node["t"] == "Cite" for citation in node["c"][0]}
        self.moved: dict[str, str] = {}  # an id that goes -> the heading's id it leads to now
        self.pending: list[str] = []  # bookmarks seen, not yet placed
        self.heading: Node | None = None  # the last heading, whose section the text is in

    def kept(self, name: str) -> bool:
        """Tell whether an element keeps the id ``name``: something leads to it.

        An id of Folio's cross-references ("sec-update") is kept even with nothing here
        leading to it: another article of the import may (a LaTeX book's other chapters).
        """
        return name in self.wanted or bool(CROSSREF_ID.fullmatch(name))

    def visit(self, node: Node) -> None:
        """Note the ids ``node`` holds; the walk visits an element after what it holds."""
        kind = node["t"]
        if kind in {"Span", "Div"} and node["c"][0][0] in self.wanted:
            self.pending.append(node["c"][0][0])
        elif kind == "Header":
            own = node["c"][1][0]
            node["c"][1] = [own if self.kept(own) else "", [], []]
            # Bookmarks inside the heading, or before any heading, lead to it.
            self.heading = node
            self._place()
        elif kind in {"Para", "Plain", "Table", "BulletList", "OrderedList", "BlockQuote",
                      "CodeBlock", "DefinitionList", "Figure", "LineBlock"} and self.heading:
            self._place()

    def _place(self) -> None:
        assert self.heading is not None
        attr = self.heading["c"][1]
        for name in self.pending:
            if not attr[0]:
                attr[0] = name
            elif name != attr[0]:
                self.moved[name] = attr[0]
        self.pending.clear()

    def relink(self, blocks: list[Node]) -> list[Node]:
        """Return ``blocks`` with links to a moved bookmark leading to its heading."""
        return _retargeted(blocks, self.moved)


def _heading_as_text(node: Node) -> list[Node]:
    """Return a heading as a paragraph of strong text; any other element as it is."""
    if node["t"] != "Header":
        return [node]
    return [{"t": "Para", "c": [{"t": "Strong", "c": node["c"][2]}]}] if node["c"][2] else []


def _without_lone_head(table: Node) -> None:
    """Make a table's head rows its body when it has no other rows (pandoc's docx/9002).

    pandoc writes a table of head rows only as Markdown that it reads back as a paragraph of
    dashes; as body rows the table keeps its cells.
    """
    head, bodies = table["c"][3], table["c"][4]
    if head[1] and not any(body[2] or body[3] for body in bodies):
        table["c"][4] = [[["", [], []], 0, [], head[1]]]
        head[1] = []


def _folio_div(node: Node) -> bool:
    """Tell whether a div is one Folio reads; if so, leave it only what Folio reads of it."""
    _, classes, attributes = node["c"][0]
    kept = [name for name in classes
            if name in FOLIO_DIVS or name.startswith("callout-")]
    pairs = [[key, value] for key, value in attributes if key in FOLIO_DIV_ATTRIBUTES]
    if not kept and not any(key == "layout-ncol" for key, _ in pairs):
        return False
    node["c"][0] = ["", kept, pairs]
    return True


def _image(node: Node, dropped: Counter[str], image: AddressHook) -> list[Node]:
    target = image(node["c"][2][0])
    if target is None:
        dropped["images that could not be read"] += 1
        return node["c"][1]
    # Word's sizes in inches and a page's pixel sizes would fight every format's own layout.
    node["c"][0] = ["", [], []]
    node["c"][2][0] = target
    return [node]


def _is_empty(node: Node) -> bool:
    content = node["c"]
    if node["t"] == "Header":
        content = content[2]
    elif node["t"] in {"Span", "Div", "Link", "OrderedList"}:
        content = content[1]
    return not any(not (isinstance(item, dict) and item.get("t") in {"Space", "SoftBreak",
                                                                      "LineBreak"})
                   for item in content)
