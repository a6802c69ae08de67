"""mdBook: a SUMMARY.md read as one book, {{#include}} filled in, hidden Rust lines left out."""

from __future__ import annotations

import functools
import html
import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pipeline.errors import location
from pipeline.importers.base import (
    Book,
    Imported,
    Importer,
    Origin,
    Skipped,
    decode_text,
    looks_like_text,
    register,
    split_names,
)
from pipeline.importers.chapters import Chapter, read_chapters
from pipeline.importers.pandoc_ast import Node, not_included
from pipeline.source import slugify

if TYPE_CHECKING:
    from pipeline.importers.base import Options
    from pipeline.project import Project

log = logging.getLogger(__name__)

BOOK_TOML = "book.toml"
SUMMARY = "SUMMARY.md"
# {{#include file.rs:anchor}}, {{#rustdoc_include file.rs:2:10}}, {{#playground file.rs
# editable}}, {{#title Words}}; a backslash before it is mdBook's way to show it as written.
_DIRECTIVE = re.compile(r"(\\?)\{\{[ \t]*#(include|rustdoc_include|playground|playpen|title)"
                        r"(?:[ \t]+([^}\n]*?))?[ \t]*\}\}")
_ANCHOR = re.compile(r"ANCHOR(_END)?:\s*([\w-]+)")
_RANGE = re.compile(r"(\d*)(:(\d*))?")
# mdBook follows includes in what it includes, this deep.
MAX_DEPTH = 10
# A chapter line of SUMMARY.md: "- [Title](file.md)", nested or not ("[Title](file.md)" for
# the chapters before and after the numbered ones; "()" for a draft not written yet).
_CHAPTER = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?\[(.+)\]\((<[^<>]*>|[^()]*)\)[ \t]*$",
                      re.MULTILINE)
_PART = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$")
# The Rust book's listings (its mdbook-trpl preprocessor): a numbered caption below.
_LISTING = re.compile(r"^<Listing\b([^>]*)>[ \t]*\n(.*?)^</Listing>[ \t]*$",
                      re.MULTILINE | re.DOTALL)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
# mdBook's MathJax formulas, their backslashes doubled for Markdown: \\( x \\) and \\[ x \\].
_MATHJAX_INLINE = re.compile(r"\\\\\((.+?)\\\\\)", re.DOTALL)
_MATHJAX_DISPLAY = re.compile(r"\\\\\[(.+?)\\\\\]", re.DOTALL)
# A Rust example's line mdBook hides, "# " or "#" alone after any indent; "##" shows as "#".
_HIDDEN_LINE = re.compile(r"[ \t]*#(?: |$)")
_HASH_ESCAPE = re.compile(r"^([ \t]*)##")
# SUMMARY.md's heading when it names the list itself.
_NO_TITLES = {"summary", "contents", "table of contents"}
# Preprocessors whose work the import does itself, or that change nothing it reads.
_KNOWN_PREPROCESSORS = {"links", "index", "katex", "trpl-listing", "trpl-note"}
# The class that marks a formula taken out of the text before Markdown is read.
MATH_CLASS = "folio-mdbook-math"


@dataclass(frozen=True)
class MdBook:
    """An mdBook: its folder (its book.toml's) and what its book.toml says."""

    root: Path
    config: dict[str, Any]

    @property
    def dollar_math(self) -> bool:
        """Tell whether "$x$" is a formula here: only with the KaTeX preprocessor."""
        return "katex" in self.config.get("preprocessor", {})

    def reader(self, reader: str) -> str:
        """Return pandoc's Markdown ``reader`` reading formulas as this book writes them.

        Without KaTeX, no "$" makes a formula: "$HOME/bin*. ... `$PATH`" was read as one.
        """
        return reader if self.dollar_math else f"{reader}-tex_math_dollars"

    @property
    def mathjax(self) -> bool:
        """Tell whether "\\\\(x\\\\)" and "\\\\[x\\\\]" are formulas here (mdBook's MathJax)."""
        return self.config.get("output", {}).get("html", {}).get("mathjax-support") is True


def find_book(path: Path | None) -> MdBook | None:
    """Return the mdBook that ``path`` belongs to, if any."""
    if path is None:
        return None
    root = next((folder for folder in path.resolve().parents
                 if (folder / BOOK_TOML).is_file()), None)
    return _book_at(root) if root is not None else None


@functools.lru_cache(maxsize=8)  # every chapter of a book asks
def _book_at(root: Path) -> MdBook:
    try:
        config = tomllib.loads((root / BOOK_TOML).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("%s: cannot read it (%s); its book is read without it",
                    location(root / BOOK_TOML), exc)
        config = {}
    others = sorted(set(config.get("preprocessor", {})) - _KNOWN_PREPROCESSORS)
    if others:
        log.warning("%s: Folio does not run the preprocessors %s; what they would write in "
                    "the chapters is left as written", location(root / BOOK_TOML),
                    ", ".join(others))
    return MdBook(root, config)


def book_syntax(body: str, origin: Origin, book: MdBook | None, dropped: Counter[str]) -> str:
    """Return ``body`` with mdBook's includes filled in, its listings captioned, its math read.

    An include reads its file from the book (the folder of its book.toml), else from the
    document's folder; a file elsewhere, or missing, is one warning and left out.
    """
    folder = book.root if book else origin.folder
    if book is not None:
        body = _LISTING.sub(_listing, body)
    if folder is not None and origin.path is not None:
        body = _Includes(folder, origin.label, dropped).expand(body, origin.path.parent, 0)
    if book is not None and book.mathjax:
        from pipeline.importers.markdown import outside_code

        # Written as marked code, which the Markdown reader keeps as it is written; ``math``
        # makes each a formula again.
        body, _ = outside_code(_MATHJAX_DISPLAY, body, lambda m: (
            f"\n\n```{{.{MATH_CLASS}}}\n{m.group(1).strip()}\n```\n\n"))
        body, _ = outside_code(_MATHJAX_INLINE, body, lambda m: (
            f"`` {m.group(1).strip()} ``{{.{MATH_CLASS}}}"))
    return body


class _Includes:
    """Fill in the includes of one document, from files inside ``root``."""

    def __init__(self, root: Path, label: str, dropped: Counter[str]) -> None:
        self.root = root.resolve()
        self.label = label
        self.dropped = dropped

    def expand(self, text: str, folder: Path, depth: int) -> str:
        """Return ``text`` (read from ``folder``) with its includes filled in."""
        def replace(match: re.Match[str]) -> str:
            if match.group(1):
                return match.group(0)[1:]
            kind, words = match.group(2), (match.group(3) or "").split()
            if kind == "title":  # the page's title in a browser's tab only
                return ""
            name, _, selector = words[0].partition(":") if words else ("", "", "")
            lines = self.lines(folder, name, selector) if name else None
            if lines is None:
                if not name:
                    log.warning("%s: '%s' names no file: left out", self.label, match.group(0))
                self.dropped["mdBook includes"] += 1
                return ""
            included = "\n".join(lines)
            if kind in {"playground", "playpen"}:
                # A runnable example: mdBook shows the file as Rust code (its words after the
                # name, "editable", are the block's attributes).
                included = "\n".join([f"```{','.join(['rust', *words[1:]])}", included, "```"])
            elif depth < MAX_DEPTH:
                included = self.expand(included, (folder / name).parent, depth + 1)
            # An include indented in a list item goes on at that indent, as its author meant.
            start = text.rfind("\n", 0, match.start()) + 1
            indent = text[start:match.start()]
            return included.replace("\n", "\n" + indent) if not indent.strip() else included

        return _DIRECTIVE.sub(replace, text)

    def lines(self, folder: Path, name: str, selector: str) -> list[str] | None:
        """Return the lines ``selector`` picks of the file ``name``; None if it cannot be read."""
        path = (folder / name).resolve()
        if not path.is_relative_to(self.root):
            not_included(self.label, name, "it lies outside the book")
            return None
        try:
            text = decode_text(path.read_bytes(), self.label)
        except OSError:
            not_included(self.label, name, "there is no such file")
            return None
        lines = text.rstrip("\n").split("\n")
        numbers = _RANGE.fullmatch(selector)
        if numbers:
            first = int(numbers.group(1) or 1)
            last = int(numbers.group(3) or len(lines)) if numbers.group(2) else first
            picked = lines[first - 1:last] if selector else lines
        else:
            picked = _anchored(lines, selector)
            if picked is None:
                not_included(self.label, f"{name}:{selector}", "the file has no such anchor")
                return None
        # The anchors' own lines are marks for mdBook, not part of the example.
        return [line for line in picked if not _ANCHOR.search(line)]


def _anchored(lines: list[str], anchor: str) -> list[str] | None:
    """Return the lines between ``ANCHOR: anchor`` and ``ANCHOR_END: anchor`` (or the end)."""
    start = next((number for number, line in enumerate(lines)
                  if (found := _ANCHOR.search(line)) and not found.group(1)
                  and found.group(2) == anchor), None)
    if start is None:
        return None
    end = next((number for number, line in enumerate(lines[start + 1:], start + 1)
                if (found := _ANCHOR.search(line)) and found.group(1)
                and found.group(2) == anchor), len(lines))
    return lines[start + 1:end]


def _listing(match: re.Match[str]) -> str:
    """Write a Rust book listing as its contents and the line mdBook sets below them.

    "Listing 2-1: caption (`src/main.rs`)", as a build sets a ``<Listing>`` kept in an
    article (pipeline/lua/folio.lua): the import keeps no raw HTML.
    """
    attributes = {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(match.group(1))}
    number, caption, file = (attributes.get(name) for name in ("number", "caption", "file-name"))
    label = " ".join(filter(None, [f"Listing\u00a0{number}:" if number else None, caption]))
    if file:
        label = f"{label} (`{file}`)" if label else f"Filename: `{file}`"
    return "\n\n".join(filter(None, [match.group(2).strip("\n"), label])) + "\n"


def math(node: Node) -> list[Node]:
    """Return a MathJax formula that ``book_syntax`` wrote as marked code as a formula again."""
    if node["t"] == "Code" and MATH_CLASS in node["c"][0][1]:
        return [{"t": "Math", "c": [{"t": "InlineMath"}, node["c"][1]]}]
    if node["t"] == "CodeBlock" and MATH_CLASS in node["c"][0][1]:
        return [{"t": "Para", "c": [{"t": "Math", "c": [{"t": "DisplayMath"}, node["c"][1]]}]}]
    return [node]


def code_block(node: Node, mdbook: bool) -> list[Node]:
    """Read a code block's language from rustdoc's "rust,ignore"; in a book, hide Rust's lines.

    mdBook, like rustdoc, does not show a Rust example's lines that open with "# " (what
    makes it compile: "# fn main() {"); "##" shows as "#".
    """
    if node["t"] != "CodeBlock":
        return [node]
    classes = node["c"][0][1]
    if classes and "," in classes[0]:
        language = next((word for word in classes[0].split(",") if word), "")
        classes[:1] = [language] if language else []
    if mdbook and classes and classes[0] == "rust":
        shown = [_HASH_ESCAPE.sub(r"\1#", line) for line in node["c"][1].split("\n")
                 if not _HIDDEN_LINE.match(line)]
        node["c"][1] = "\n".join(shown)
    return [node]


@register
class MdBookImporter(Importer):
    """An mdBook, by its SUMMARY.md: every chapter it lists, in order, as one book."""

    name = "mdBook (its SUMMARY.md)"
    priority = 35

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise a SUMMARY.md that lists chapters."""
        return (PurePath(name).name == SUMMARY and looks_like_text(data)
                and _CHAPTER.search(data.decode("utf-8", "replace")) is not None)

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the chapters as articles of one book; a chapter that fails is one warning."""
        summary_title, entries = _summary(decode_text(data, origin.label))
        mdbook = find_book(origin.path)
        return read_chapters(entries, _book(origin, mdbook, summary_title), origin, options,
                             project, mdbook.root if mdbook else None)


def _summary(text: str) -> tuple[str | None, list[Chapter]]:
    """Return SUMMARY.md's title and its chapters, in order.

    A heading before the first chapter is the book's title; one after it opens a part.
    """
    title: str | None = None
    part: str | None = None
    entries: list[Chapter] = []
    for line in text.split("\n"):
        heading = _PART.match(line)
        if heading:
            if entries:
                part = heading.group(1)
            else:
                title = heading.group(1)
            continue
        chapter = _CHAPTER.match(line)
        if chapter and not re.match(r"[a-z][a-z0-9+.-]*:", chapter.group(2)):
            # "[Spaced](<my file.md>)": Markdown's way to write a name with spaces.
            target = chapter.group(2).strip()
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1]
            entries.append(Chapter(target, chapter.group(1), part))
    return title, entries


def _book(origin: Origin, mdbook: MdBook | None, summary_title: str | None) -> Book:
    """Return the book, named as its book.toml names it, else as its SUMMARY.md does."""
    config = mdbook.config.get("book", {}) if mdbook else {}
    if summary_title and summary_title.strip().lower() in _NO_TITLES:
        summary_title = None  # mdBook's "# Summary": it names the list, not the book
    title = str(config.get("title") or summary_title
                or (mdbook.root if mdbook else Path(origin.label).parent.resolve()).name)
    meta: dict[str, Any] = {"title": title}
    authors = config.get("authors")
    if isinstance(authors, list) and authors:
        meta["author"] = split_names(authors)
    for key, field in (("language", "lang"), ("description", "description")):
        if isinstance(config.get(key), str) and config[key].strip():
            meta[field] = config[key].strip()
    return Book(slugify(title) or "book", meta)
