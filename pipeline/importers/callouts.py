"""Other tools' admonitions (MkDocs, Obsidian, reStructuredText, alerts) as Folio's callouts."""

from __future__ import annotations

from pipeline.importers.pandoc_ast import Node

# The kinds of admonition of MkDocs, Obsidian, reStructuredText, AsciiDoc and Org by the
# callout Folio draws for them; any other is a note.
_CALLOUT_KINDS = {
    "tip": {"tip", "hint", "success", "check", "done"},
    "important": {"important"},
    "warning": {"warning", "attention"},
    "caution": {"caution", "danger", "error", "failure", "fail", "missing", "bug"},
}
# The title of a kind whose name is not the title it needs.
_ADMONITION_TITLES = {"seealso": "See also", "tldr": "TL;DR", "faq": "FAQ"}



def callout_kind(kind: str) -> str:
    """Return the callout Folio draws for another tool's kind of admonition ("danger")."""
    kind = kind.lower()
    return next((folio for folio, kinds in _CALLOUT_KINDS.items() if kind in kinds), "note")


def callout_title(kind: str, title: str) -> str:
    """Return the title a callout of another tool's ``kind`` keeps: its own, or its kind's.

    None where Folio's own word for the kind says it ("Note", in the article's language).
    """
    # pandoc's readers title a ".. note::" "Note": no title of its own.
    if title.strip() and title.strip().lower() != kind.lower():
        return " ".join(title.split())
    if kind.lower() == callout_kind(kind):
        return ""
    return _ADMONITION_TITLES.get(kind.lower(), kind.title())


def callout(kind: str, title: str, blocks: list[Node]) -> Node:
    """Return an admonition of another tool as the callout div Folio draws."""
    title = callout_title(kind, title)
    return {"t": "Div", "c": [["", [f"callout-{callout_kind(kind)}"],
                               [["title", title]] if title else []], blocks]}
