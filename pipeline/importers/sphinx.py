"""Sphinx's directives and roles in reStructuredText, made what a reader of the page sees.

pandoc reads a directive it does not know as a div of its name around its arguments, and a
role as code marked with it. Sphinx's own would show their bookkeeping as text
("requests.models" from ``.. module::``, the toctree's file names) and every cross-reference
as code (":class:`Response <requests.Response>`" as ``Response <requests.Response>``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pipeline.importers.pandoc_ast import Node, walk, words

# Directives that say where things are, or generate text from code Folio does not have.
_BOOKKEEPING = {"module", "currentmodule", "toctree", "index", "highlight", "sectionauthor",
                "moduleauthor", "codeauthor", "automodule", "autoclass", "autofunction",
                "automethod", "autoattribute", "autodata", "autoexception", "autosummary",
                "literalinclude", "tabularcolumns"}
# Sphinx's words for a version note, before the version.
_VERSIONS = {"versionadded": "Added in version", "versionchanged": "Changed in version",
             "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}
# Roles naming Python objects: shown as code, as Sphinx shows them ("~" keeps the last part).
_OBJECTS = {"class", "func", "meth", "attr", "mod", "exc", "data", "obj", "const"}
# Of those, the callables: Sphinx writes them with parentheses.
_CALLABLES = {"func", "meth"}
# Roles whose text is words, not code: a cross-reference to a page, section or term.
_WORDS = {"ref", "doc", "term", "numref", "any", "abbr"}
_TITLED = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)


def plain_sphinx(blocks: list[Node], dropped: Counter[str]) -> list[Node]:
    """Return ``blocks`` with Sphinx's directives and roles as a page shows them."""
    def visit(node: Node) -> list[Node]:
        if node["t"] == "Div":
            classes = set(node["c"][0][1])
            if classes & _BOOKKEEPING:
                dropped["Sphinx directives that need Sphinx (toctree, autodoc)"] += 1
                return []
            version = next((_VERSIONS[name] for name in classes if name in _VERSIONS), None)
            if version:
                return _version_note(version, node["c"][1])
        if node["t"] == "Code" and "interpreted-text" in node["c"][0][1]:
            return _role(dict(node["c"][0][2]).get("role", ""), node["c"][1])
        return [node]

    return walk(blocks, visit)


def _version_note(phrase: str, blocks: list[Node]) -> list[Node]:
    """Return a version note's blocks, its first paragraph opening "Added in version 2.1:"."""
    if not blocks or blocks[0]["t"] not in {"Para", "Plain"} or not blocks[0]["c"]:
        return blocks
    first = blocks[0]["c"]
    version = first[0]["c"] if first[0]["t"] == "Str" else ""
    rest = first[1:]
    while rest and rest[0]["t"] in {"Space", "SoftBreak"}:
        rest = rest[1:]
    label: list[Node] = [{"t": "Str", "c": f"{phrase} {version}".strip() + (":" if rest else ".")}]
    lead: dict[str, Any] = {"t": "Para", "c": [{"t": "Emph", "c": label},
                                               *([{"t": "Space"}, *rest] if rest else [])]}
    return [lead, *blocks[1:]]


def _role(role: str, text: str) -> list[Node]:
    """Return what Sphinx shows for ``:role:`text```: words, or code."""
    name = role.rsplit(":", 1)[-1]  # "py:class" is "class"
    titled = _TITLED.match(text)
    shown = titled.group(1) if titled else text
    if name in _WORDS:
        return words(shown)
    if name in _OBJECTS and not titled:
        shown = shown.lstrip(".")
        if shown.startswith("~"):
            shown = shown[1:].rsplit(".", 1)[-1]
        if name in _CALLABLES and not shown.endswith(")"):
            shown += "()"
    return [{"t": "Code", "c": [["", [], []], shown]}]

