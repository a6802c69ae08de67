"""Markdown of Jekyll, Hugo, Quarto, MkDocs, mdBook and Obsidian: keys mapped, syntax made plain."""

from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import yaml

from pipeline.cells import with_code_cells
from pipeline.importers.assemble import CITATION_KEYS, Media, assemble, citations, pandoc_meta
from pipeline.importers.base import (
    Importer,
    ImportFailed,
    Skipped,
    decode_text,
    keyword_list,
    looks_like_text,
    register,
    split_names,
)
from pipeline.importers.callouts import callout_kind, callout_title
from pipeline.importers.mdbook import book_syntax, code_block, find_book
from pipeline.importers.mdbook import math as mdbook_math
from pipeline.importers.pandoc_ast import Node, read_ast, walk
from pipeline.source import slugify

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin
    from pipeline.project import Project

log = logging.getLogger(__name__)

SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".qmd", ".rmd", ".mdx"}
_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
# pandoc's own title block ("% Title", "% Authors; separated", "% Date"), which no other
# Markdown has: the file is pandoc's Markdown, with its simple and grid tables.
_TITLE_BLOCK = re.compile(rb"%[ \t]*\S")
# Names pandoc Markdown with a title block goes by besides Markdown's own (not .tex, whose
# comments open with '%' too).
PANDOC_TEXT = {".txt", ".text", ".pandoc", ""}
# What only pandoc's Markdown has, outside code: a grid table's border, the dashed line under
# a simple or multiline table's head (a CommonMark reader makes a rule of it and loses the
# table), an inline note.
_PANDOC_SYNTAX = re.compile(r"^[ ]{0,3}(?:\+(?:[-=:]+\+)+|-{3,}(?:[ ]+-{3,})+)[ \t]*$"
                            r"|(?<![\\\w])\^\[(?=[^\]\n]+\])", re.MULTILINE)
# The keys of pandoc's citations (kept: see ``citations``) and templates, which Jekyll and
# Hugo do not read.
PANDOC_KEYS = CITATION_KEYS | {"reference-section-title", "header-includes"}
# Other tools' names for Folio's fields, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "subtitle": ("subtitle",),
    "author": ("author", "authors"),
    "date": ("date", "pubDate", "published", "publishDate", "created"),
    "description": ("description", "summary", "excerpt", "abstract"),
    "slug": ("slug",),
    "lang": ("lang", "language"),
    "rights": ("rights", "copyright", "license"),
}
KEYWORD_KEYS = ("keywords", "tags", "categories")
COVER_KEYS = ("cover", "image", "featured_image", "feature_image", "thumbnail")
# Keys of the other tools that say how to publish, not what the article is: no warning.
QUIET_KEYS = {"draft", "published", "layout", "permalink", "weight", "lastmod", "aliases",
              "toc", "format", "output", "execute", "jupyter", "editor", "url", "type", "menu",
              "comments", "share", "sidebar", "hide", "template", "series", "id"}


@register
class MarkdownImporter(Importer):
    """Markdown written for another tool, recognised by its name or its front matter."""

    name = "Markdown (Jekyll, Hugo, Quarto, MkDocs, mdBook, Obsidian)"
    priority = 40

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise Markdown by its suffix, its YAML or TOML front matter, or a title block."""
        if not looks_like_text(data):
            return False
        head = data[:4096].removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        suffix = PurePath(name).suffix.lower()
        return (suffix in SUFFIXES or head.startswith(b"+++\n")
                or bool(re.match(rb"---[ \t]*\n[\w-]+\s*:", head))
                # pandoc's documents are often .txt (its own manual and test suite)
                or (suffix in PANDOC_TEXT and bool(_TITLE_BLOCK.match(head))))

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the article, or a skipped draft."""
        text = decode_text(data, origin.label)
        front, body = split_front(text, origin.label)
        if _is_draft(front) and not options.drafts:
            return [Skipped(str(front.get("title") or origin.label), "a draft; --drafts "
                            "imports it")]
        meta, dropped = map_front_matter(front, origin)
        quarto = PurePath(origin.label).suffix.lower() in {".qmd", ".rmd"} or "format" in front
        pandoc = _is_pandoc_markdown(front, body, origin.label)
        book = find_book(origin.path)
        if book is None:
            body = convert_syntax(book_syntax(body, origin, None, dropped), origin, dropped)
        else:
            # mdBook shows Jekyll's, Hugo's and Obsidian's syntax as written; its chapters
            # read the book's files.
            origin = replace(origin, reach=book.root)
            body = book_syntax(body, origin, book, dropped)
        # Quarto's and R Markdown's code cells, which pandoc would run into a line of inline
        # code: marked as the build marks them, written back as cells (pandoc_ast).
        body = with_code_cells(body)
        reader = "markdown-smart" if quarto or pandoc \
            else "commonmark_x-smart+wikilinks_title_after_pipe"
        if book is not None:
            reader = book.reader(reader)
        ast = read_ast(body.encode("utf-8"), reader, origin.label)
        if pandoc:
            meta = {**pandoc_meta(ast["meta"]), **meta}
        blocks = walk(walk(ast["blocks"], _wiki_link),
                      lambda node: code_block(node, book is not None))
        if book is not None and book.mathjax:
            blocks = walk(blocks, mdbook_math)
        media = Media(origin, options)
        meta.update(citations(front, media))
        cover = meta.pop("cover", None)
        if isinstance(cover, str):
            key = media(cover)
            if key and key in media.files:
                meta["cover"] = key
        item = assemble(blocks, meta, origin, media, dropped, slug=meta.pop("slug", None),
                        fallback_title=PurePath(origin.label).stem, folio_divs=True)
        return [item]


def split_front(text: str, label: str) -> tuple[dict[str, Any], str]:
    """Return the front matter (YAML or TOML) as a mapping, and the body after it."""
    for pattern, load in ((_YAML, _load_yaml), (_TOML, tomllib.loads)):
        found = pattern.match(text)
        if found:
            try:
                data = load(found.group(1) or "")
            except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
                reason = str(exc).splitlines()[0]
                raise ImportFailed(f"front matter cannot be read: {reason}", label) from None
            if not isinstance(data, dict):
                raise ImportFailed("front matter is not a mapping of 'key: value' lines", label)
            return data, text[found.end():]
    return {}, text


def _is_pandoc_markdown(front: dict[str, Any], body: str, label: str) -> bool:
    """Tell whether a text is pandoc's own Markdown, to be read as pandoc reads it.

    Jekyll's, Hugo's and Obsidian's Markdown is CommonMark, and pandoc's CommonMark reader
    reads it as they do; a text written for pandoc (its title block, its tables and inline
    notes, its citation keys, or a name that only pandoc gives Markdown) needs pandoc's own.
    """
    if ((not front and _TITLE_BLOCK.match(body[:80].encode("utf-8")))
            or PurePath(label).suffix.lower() in PANDOC_TEXT or PANDOC_KEYS & set(front)):
        return True
    code = _code_spans(body)
    return any(not _in_code(code, found.start()) for found in _PANDOC_SYNTAX.finditer(body))


def _load_yaml(text: str) -> Any:
    return yaml.safe_load(text) or {}


def _is_draft(front: dict[str, Any]) -> bool:
    return front.get("draft") is True or front.get("published") is False


def map_front_matter(front: dict[str, Any], origin: Origin) -> tuple[dict[str, Any],
                                                                     Counter[str]]:
    """Return Folio's fields from another tool's keys, and what had no place."""
    meta: dict[str, Any] = {}
    for field, keys in ALIASES.items():
        value = next((front[key] for key in keys if front.get(key) not in (None, "", [])), None)
        if value is not None:
            meta[field] = value
    if "author" in meta:
        meta["author"] = split_names(meta["author"])
    for field in ("title", "subtitle", "description", "rights", "slug", "lang"):
        if field in meta and not isinstance(meta[field], str):
            meta[field] = str(meta[field])
    keywords = keyword_list(*(front.get(key) for key in KEYWORD_KEYS))
    if keywords:
        meta["keywords"] = keywords
    cover = next((front[key] for key in COVER_KEYS if front.get(key)), None)
    if isinstance(cover, dict):  # Hugo themes: cover: {image: ..., alt: ...}
        cover = cover.get("image")
    if isinstance(cover, str):
        meta["cover"] = cover
    if "slug" in meta:
        meta["slug"] = slugify(meta["slug"]) or None
    known = {key for keys in ALIASES.values() for key in keys}
    known |= {*KEYWORD_KEYS, *COVER_KEYS, *QUIET_KEYS, *CITATION_KEYS}
    dropped: Counter[str] = Counter()
    for key in front:
        if key not in known:
            dropped[f"front-matter key '{key}'"] += 1
    return meta, dropped


def _wiki_link(node: Node) -> list[Node]:
    """Point an Obsidian ``[[Note]]`` at the web page Folio makes of that note."""
    if node["t"] == "Link" and "wikilink" in node["c"][0][1]:
        target, _, anchor = node["c"][2][0].partition("#")
        slug = slugify(target)
        node["c"][0] = ["", [], []]
        node["c"][2][0] = (f"{slug}.html" if slug else "") + (
            f"#{slugify(anchor)}" if anchor else "")
    return [node]


# Hugo: {{< name args >}} and {{% name args %}}, with an optional closing {{< /name >}}.
_HUGO = re.compile(r"\{\{([<%])\s*(/?)\s*([\w./-]+)\s*(.*?)\s*[>%]\}\}", re.DOTALL)
# A shortcode Hugo shows as written, as its documentation does: {{</* figure src="x.png" */>}}.
_HUGO_ESCAPED = re.compile(r"\{\{([<%])\s*/\*(.*?)\*/\s*([>%])\}\}", re.DOTALL)
_HUGO_ARG = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))|"([^"]*)"|(\S+)')
# Liquid (Jekyll): {% tag args %} and {{ expression }}.
# (Not the "{% ... %}" inside Hugo's "{{% ... %}}", which stays when Hugo would show it.)
_LIQUID_TAG = re.compile(r"(?<!\{)\{%-?\s*(\w+)\s*(.*?)\s*-?%\}", re.DOTALL)
_LIQUID_OUT = re.compile(r"\{\{-?\s*[\w.\[\]'\" |:-]+?\s*-?\}\}")
# Jekyll's way to write a link or image address: "{{ '/docs/start/' | relative_url }}" is
# the address itself, under the site's base.
_LIQUID_URL = re.compile(r"\{\{-?\s*(['\"])([^'\"{}\s]*)\1\s*\|\s*(?:relative|absolute)_url"
                         r"\s*-?\}\}")
# What Liquid's expressions are left alone in: code (fenced, or a span), whose words are the
# author's to show ("`{{formula}}`" in pandoc's manual), and Jekyll's {% raw %} blocks.
_KEPT = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*$"
                   r"|(`+)(?!`)(?:[^`\n]|\n(?![ \t]*\n))+?(?<!`)\2(?!`)"
                   r"|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.MULTILINE | re.DOTALL)
_EMBED = re.compile(r"!\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
# Not in a run of "=" (a grid table's rule under its head, "+=====+=====+").
_HIGHLIGHT = re.compile(r"(?<![=\w])==(?=[^\s=])(.+?)(?<=[^\s=])==(?![=\w])")
_CALLOUT = re.compile(r"^>[ \t]*\[!(\w+)\][+-]?[ \t]*(.*)\n((?:>.*(?:\n|$))*)", re.MULTILINE)
_ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)[ \t]+(\w+)(?:[ \t]+"([^"]*)")?[ \t]*\n'
                         r"((?:(?:[ ]{4}|\t).*\n|[ \t]*\n)*)", re.MULTILINE)


def convert_syntax(body: str, origin: Origin, dropped: Counter[str]) -> str:
    """Rewrite other tools' extensions (shortcodes, Liquid, embeds, admonitions) as Markdown."""
    body = _HUGO.sub(_hugo_replacer(origin, dropped), body)
    # Liquid's expressions go first, while the raw blocks that keep them are still marked.
    body, _ = outside_code(_LIQUID_URL, body, r"\2")
    body, outputs = outside_code(_LIQUID_OUT, body)
    body = _LIQUID_TAG.sub(_liquid_replacer(origin, dropped), body)
    if outputs:
        dropped["Liquid expressions"] += outputs
        log.warning("%s: %d Liquid expression(s) like '{{ site.url }}' removed: they need "
                    "Jekyll to mean anything", origin.label, outputs)
    # Obsidian's and MkDocs's syntax in code is the author's example of it (MkDocs's own
    # documentation shows its admonitions in fenced blocks): kept as written.
    body, _ = outside_code(_EMBED, body, lambda m: f"![{m.group(2) or ''}]"
                                                     f"({quote(m.group(1).strip())})")
    body, _ = outside_code(_HIGHLIGHT, body, r"\1")
    body, _ = outside_code(_CALLOUT, body, _obsidian_callout)
    # Quarto and R Markdown code cells stay as written: reading the article opens them as code
    # blocks and applies their "#|" options (pipeline/source.py).
    return outside_code(_ADMONITION, body, _admonition)[0]


def outside_code(pattern: re.Pattern[str], body: str,
                  by: str | Callable[[re.Match[str]], str] = "") -> tuple[str, int]:
    """Replace ``pattern`` by ``by`` outside code and raw blocks; count the replacements.

    ``by`` is a re.sub template, or a function of the match as re.sub takes.
    """
    kept = _code_spans(body)
    replaced = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal replaced
        if _in_code(kept, match.start()):
            return match.group(0)
        replaced += 1
        return by(match) if callable(by) else match.expand(by)

    return pattern.sub(replace, body), replaced


def _code_spans(body: str) -> list[tuple[int, int]]:
    """Return where ``body``'s code (fenced, or a span) and Jekyll's raw blocks are."""
    return [found.span() for found in _KEPT.finditer(body)]


def _in_code(spans: list[tuple[int, int]], position: int) -> bool:
    """Tell whether ``position`` lies in one of the code ``spans``."""
    return any(start <= position < end for start, end in spans)


def _admonition(match: re.Match[str]) -> str:
    """Turn an MkDocs admonition into the callout Folio draws for its kind."""
    lines = [re.sub(r"^(?:    |\t)", "", line) for line in match.group(3).rstrip().split("\n")]
    return _fenced_callout(match.group(1), match.group(2) or "", lines)


def _obsidian_callout(match: re.Match[str]) -> str:
    """Turn an Obsidian callout (a block quote opening "[!tip] Title") into Folio's callout."""
    lines = [re.sub(r"^>[ ]?", "", line) for line in match.group(3).rstrip("\n").split("\n")]
    return _fenced_callout(match.group(1), match.group(2), lines if match.group(3) else [])


def _fenced_callout(kind: str, title: str, lines: list[str]) -> str:
    """Return a callout of another tool's ``kind`` as Folio's fenced div."""
    title = callout_title(kind, title)
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    attributes = f' title="{quoted}"' if title else ""
    return "\n".join([f"::: {{.callout-{callout_kind(kind)}{attributes}}}", *lines, ":::"]) + "\n\n"


def _args(text: str) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _HUGO_ARG.finditer(text):
        if match.group(1):
            named[match.group(1)] = next(g for g in match.group(2, 3, 4) if g is not None)
        else:
            positional.append(match.group(5) if match.group(5) is not None else match.group(6))
    return positional, named


def _hugo_replacer(origin: Origin, dropped: Counter[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        escaped = _HUGO_ESCAPED.fullmatch(match.group(0))
        if escaped:
            return f"{{{{{escaped.group(1)} {escaped.group(2).strip()} {escaped.group(3)}}}}}"
        closing, name, (positional, named) = match.group(2), match.group(3), _args(match.group(4))
        first = positional[0] if positional else ""
        if name == "highlight":
            return "```" if closing else f"```{first}"
        if closing:
            return ""
        if name == "figure":
            caption = named.get("caption") or named.get("title") or named.get("alt", "")
            return f"\n\n![{caption}]({quote(named.get('src', ''), safe='/:?=&#%')})\n\n"
        if name in {"ref", "relref"}:
            return f"{slugify(PurePath(first.split('#')[0]).stem)}.html"
        links = {"youtube": "https://www.youtube.com/watch?v={id}",
                 "vimeo": "https://vimeo.com/{id}",
                 "gist": "https://gist.github.com/{user}/{id}",
                 "tweet": "https://twitter.com/{user}/status/{id}",
                 "x": "https://x.com/{user}/status/{id}",
                 "instagram": "https://www.instagram.com/p/{id}/"}
        if name in links:
            ident = named.get("id") or (positional[-1] if positional else "")
            user = named.get("user") or (positional[0] if len(positional) > 1 else "")
            url = links[name].format(id=ident, user=user)
            return f"<{url}>"
        dropped["Hugo shortcodes"] += 1
        log.warning("%s: Hugo shortcode '%s' has no Markdown form: removed (any text it "
                    "wraps is kept)", origin.label, name)
        return ""
    return replace


def _liquid_replacer(origin: Origin, dropped: Counter[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        tag, args = match.group(1), match.group(2).split()
        if tag == "highlight":
            return f"```{args[0] if args else ''}"
        if tag == "endhighlight":
            return "```"
        if tag in {"raw", "endraw", "comment", "endcomment"}:
            return ""
        dropped["Liquid tags"] += 1
        log.warning("%s: Liquid tag '%s' has no Markdown form: removed", origin.label, tag)
        return ""
    return replace
