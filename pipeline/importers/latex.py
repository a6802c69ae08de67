"""LaTeX's labels and references, made Folio's cross-references: ``{#sec-x}`` and ``@sec-x``.

pandoc's LaTeX reader keeps a ``\\label`` as the id of its heading, figure or table (a table's
on the div around it), leaves it inside an equation's TeX, and makes each ``\\ref`` and
``\\eqref`` a link to it reading the number LaTeX would print ("1", or "[eq:step]" for an
equation it cannot number). Folio numbers sections, figures, tables and equations itself,
in the reader's language (pipeline/lua/crossref.lua): each labelled element gets the id
Folio's syntax gives its kind, and each reference becomes "@id", which reads "Section 1".
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.importers.pandoc_ast import Node, walk

# The commands whose links pandoc marks as references.
REFERENCES = {"ref", "eqref", "autoref", "cref", "Cref", "vref", "nameref"}
# A label's own prefix for its kind, which the new id's prefix replaces ("sec:intro").
_PREFIX = re.compile(r"^(?:sec|ssec|subsec|chap|ch|fig|tab|tbl|eq|eqn)[:_.-]", re.IGNORECASE)
_LABEL = re.compile(r"\\label\{([^{}]+)\}")
_EQUATION = re.compile(r"^\s*\\begin\{equation\*?\}(.*)\\end\{equation\*?\}\s*$", re.DOTALL)
# The words a text writes before a reference, which Folio's "Section 1" already says. An
# equation's reference reads "(1)", as LaTeX's \eqref does: its word stays.
_KIND_WORDS = {
    "sec": {"section", "sections", "sec.", "chapter", "ch.", "§"},
    "fig": {"figure", "figures", "fig.", "figs."},
    "tbl": {"table", "tables", "tab."},
    "eq": set(),
}
NBSP = "\u00a0"


def with_crossrefs(blocks: list[Node]) -> list[Node]:
    """Return ``blocks`` with every referenced label made a cross-reference Folio numbers."""
    wanted = {pairs["reference"] for node in _nodes(blocks) if node["t"] == "Link"
              and (pairs := dict(node["c"][0][2])).get("reference-type") in REFERENCES
              and "reference" in pairs}
    if not wanted:
        return blocks
    ids = _labelled(blocks, wanted)
    if not ids:
        return blocks
    return walk(walk(blocks, lambda node: _relabelled(node, ids)),
                lambda node: _referenced(node, ids))


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
    for label, kind in kinds.items():
        name = re.sub(r"[^A-Za-z0-9_]+", "-", _PREFIX.sub("", label)).strip("-") or "x"
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
    if kind in {"Figure", "Table"}:
        return ("fig" if kind == "Figure" else "tbl"), node["c"][0][0]
    if kind == "Div" and any(child["t"] == "Table" for child in node["c"][1]):
        return "tbl", node["c"][0][0]
    if kind == "Math" and node["c"][0]["t"] == "DisplayMath":
        found = _LABEL.search(node["c"][1])
        return ("eq", found.group(1)) if found else ("", "")
    return "", ""


def _relabelled(node: Node, ids: dict[str, str]) -> list[Node]:
    """Give a labelled element its new id; a display equation its "{#eq-x}" after it."""
    kind, label = _kind_and_label(node)
    if label not in ids:
        return [node]
    if kind == "eq":
        tex = _LABEL.sub("", node["c"][1], count=1)
        # Folio numbers the equation: LaTeX's own numbering environment would number it again.
        inside = _EQUATION.match(tex)
        node["c"][1] = (inside.group(1) if inside else tex).strip()
        return [node, {"t": "Space"}, {"t": "Str", "c": f"{{#{ids[label]}}}"}]
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
    node["c"] = out
    return [node]


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
