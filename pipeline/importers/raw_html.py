"""Raw HTML in Markdown, read as what it means: pictures, formatting, blocks of words."""

from __future__ import annotations

import html
import re
from typing import Any

from pipeline.importers.callouts import callout
from pipeline.importers.pandoc_ast import Node, read_ast, text_of, walk, words

# A picture written as HTML, and the attributes of a tag.
_IMG = re.compile(r"<img\b([^>]*)>", re.IGNORECASE)
_HTML_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
# Inline HTML formatting and the element of pandoc's each pair of tags makes.
_FORMATTING = {"sub": "Subscript", "sup": "Superscript", "b": "Strong", "strong": "Strong",
               "i": "Emph", "em": "Emph", "cite": "Emph", "var": "Emph", "s": "Strikeout",
               "del": "Strikeout", "strike": "Strikeout", "u": "Underline", "ins": "Underline",
               "kbd": "Code", "code": "Code", "samp": "Code", "tt": "Code"}
_OPEN_TAG = re.compile(r"<([A-Za-z]+)\b[^<>]*>")
_CLOSE_TAG = re.compile(r"</([A-Za-z]+)\s*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Bootstrap's alert boxes by the admonition each is.
_ALERT_KINDS = {"info": "note", "success": "tip", "warning": "warning", "danger": "caution"}


def html_blocks(blocks: list[Node]) -> list[Node]:
    """Return ``blocks`` with each raw HTML block that holds words or pictures read as HTML.

    A README's <p align="center">, an HTML table, Jupyter's <div class="alert"> tip: the
    cleaner dropped each whole, words and all. They are read by pandoc's HTML reader, all
    of a document's in one run; an alert box becomes a callout, a <details> block's
    <summary> (the line a reader clicks) a bold line. Bare tags, which open or close what
    Markdown between them holds, still go.
    """
    found: list[Node] = []

    def note(node: Node) -> list[Node]:
        if node["t"] == "RawBlock" and node["c"][0] == "html" and _holds_content(node["c"][1]):
            found.append(node)
        return [node]

    blocks = walk(blocks, note)
    if not found:
        return blocks
    html_text = "".join(f'<div data-folio-raw="{number}">{_SUMMARY.sub(_bold, node["c"][1])}'
                        "</div>" for number, node in enumerate(found))
    read = read_ast(html_text.encode("utf-8"), "html", "raw HTML")["blocks"]
    parsed = {dict(block["c"][0][2]).get("folio-raw"): walk(block["c"][1], _alert)
              for block in read if block["t"] == "Div"}
    numbers = {id(node): str(number) for number, node in enumerate(found)}
    return walk(blocks, lambda node: parsed.get(numbers.get(id(node), ""), [node]))


def _bold(summary: re.Match[str]) -> str:
    """Return a <details> block's <summary> as a paragraph of bold words."""
    return f"<p><strong>{_TAG.sub('', summary.group(1))}</strong></p>"


def _holds_content(text: str) -> bool:
    """Tell whether raw HTML holds words or a picture, not only tags and comments."""
    return "<img" in text.lower() or bool(html.unescape(_TAG.sub("", _COMMENT.sub("", text)))
                                          .strip())


def _alert(node: Node) -> list[Node]:
    """Make a Bootstrap alert box (Jupyter's tips and warnings) the callout of its kind."""
    if node["t"] != "Div" or "alert" not in node["c"][0][1]:
        return [node]
    kinds = [name.removeprefix("alert-") for name in node["c"][0][1] if name.startswith("alert-")]
    return [callout(_ALERT_KINDS.get(kinds[0], "note") if kinds else "note", "", node["c"][1])]


def html_inlines(value: Any) -> Any:
    """Return ``value`` with Markdown's inline HTML formatting as pandoc's own elements.

    "n<sub>i+1</sub>" came in as "ni+1", "one<br>two" in a table cell as "onetwo", and
    "<kbd>Ctrl</kbd>" as a plain word: each pair of tags in one run of text becomes what
    it means; an unpaired tag goes, its words stay.
    """
    if isinstance(value, list):
        value = [html_inlines(item) for item in value]
        if any(isinstance(item, dict) and item.get("t") == "RawInline" for item in value):
            value = _paired(value)
        return value
    if isinstance(value, dict) and "c" in value:
        value["c"] = html_inlines(value["c"])
    return value


def _paired(inlines: list[Node]) -> list[Node]:
    """Return a run of inlines with its HTML formatting tags made pandoc's elements."""
    out: list[Node] = []
    opened: list[tuple[str, int]] = []  # tag, and where its content starts in ``out``
    for node in inlines:
        text = node["c"][1].strip() if node.get("t") == "RawInline" \
            and node["c"][0] == "html" else None
        if text is None:
            out.append(node)
        elif _BREAK.fullmatch(text):
            out.append({"t": "LineBreak"})
        elif (start := _OPEN_TAG.fullmatch(text)) and start.group(1).lower() in _FORMATTING:
            opened.append((start.group(1).lower(), len(out)))
        elif (end := _CLOSE_TAG.fullmatch(text)) and opened \
                and opened[-1][0] == end.group(1).lower():
            tag, first = opened.pop()
            content = out[first:]
            del out[first:]
            kind = _FORMATTING[tag]
            out.append({"t": "Code", "c": [["", [], []], text_of(content)]} if kind == "Code"
                       else {"t": kind, "c": content})
        else:
            out.append(node)  # raw HTML of another kind: the cleaner counts and drops it
    return out


def html_images(node: Node) -> list[Node]:
    """Return the pictures of the ``<img>`` tags in raw HTML, as pandoc's Image elements.

    Markdown's authors write a picture as HTML to size or centre it (a README's logo, an
    mdBook's diagrams): it is a picture like any other.
    """
    if node["c"][0].lower() != "html":
        return []
    found: list[Node] = []
    for tag in _IMG.finditer(node["c"][1]):
        attributes = {name.lower(): html.unescape(value.strip("\"'"))
                      for name, value in _HTML_ATTRIBUTE.findall(tag.group(1))}
        if not attributes.get("src", "").strip():
            continue
        found.append({"t": "Image", "c": [["", [], []], words(attributes.get("alt", "")),
                                          [attributes["src"].strip(),
                                           attributes.get("title", "")]]})
    return found
