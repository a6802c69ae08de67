"""Jupyter notebooks: their prose, code and outputs (text, tables, plots), read by pandoc."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pipeline.importers.assemble import Media, assemble, meta_value
from pipeline.importers.base import Importer, register, split_names
from pipeline.importers.pandoc_ast import Node, read_ast

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin, Skipped
    from pipeline.project import Project

# The tags of Jupyter Book and nbconvert that hide part of a cell, by the part they hide.
HIDING_TAGS = {"remove-cell": {"input", "output"}, "remove_cell": {"input", "output"},
               "remove-input": {"input"}, "hide-input": {"input"}, "remove_input": {"input"},
               "remove-output": {"output"}, "hide-output": {"output"},
               "remove_output": {"output"}}


@register
class NotebookImporter(Importer):
    """A Jupyter notebook: one article of its cells in order, each code cell with its outputs."""

    name = "Jupyter notebook"
    priority = 15

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise a notebook by its name, or by the JSON fields every notebook has."""
        head = data[:4096].lstrip()
        return PurePath(name).suffix.lower() == ".ipynb" or (
            head.startswith(b"{") and b'"nbformat"' in data[-4096:] + head
            and b'"cells"' in data)

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the notebook as one article, its plots extracted as images."""
        with tempfile.TemporaryDirectory(prefix="folio-import-") as temp:
            media_dir = Path(temp)
            ast = read_ast(data, "ipynb", origin.label, media_dir)
            dropped: Counter[str] = Counter()
            blocks = [block for cell in ast["blocks"] for block in _cell(cell, dropped)]
            media = Media(origin, options, extracted=media_dir)
            return [assemble(blocks, _meta(ast["meta"]), origin, media, dropped,
                             fallback_title=PurePath(origin.label).stem, folio_divs=True)]


def _cell(cell: Node, dropped: Counter[str]) -> list[Node]:
    """Return what a cell shows: its prose; or its code and its outputs, as its tags allow."""
    if cell["t"] != "Div" or "cell" not in cell["c"][0][1]:
        return [cell]
    classes, attributes = cell["c"][0][1], dict(cell["c"][0][2])
    content = cell["c"][1]
    if "raw" in classes:
        # Meant for one converter's output (LaTeX, HTML): Folio has no such output to give.
        dropped["raw cells"] += 1
        return []
    if "code" not in classes:
        return content
    hidden = {part for tag in _tags(attributes) for part in HIDING_TAGS.get(tag, ())}
    shown = []
    for block in content:
        is_output = block["t"] == "Div" and "output" in block["c"][0][1]
        if ("output" if is_output else "input") in hidden:
            continue
        shown += block["c"][1] if is_output else [block]
    return shown


def _tags(attributes: dict[str, str]) -> list[str]:
    """Return a cell's tags, which pandoc gives as a JSON list in an attribute."""
    try:
        tags = json.loads(attributes.get("tags", "[]"))
    except json.JSONDecodeError:
        return []
    return [str(tag) for tag in tags] if isinstance(tags, list) else []


def _meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Return the notebook's title and authors, from its metadata (JupyterLab's fields)."""
    notebook = meta_value(meta.get("jupyter")) or {}
    found: dict[str, Any] = {}
    if isinstance(notebook, dict):
        if isinstance(notebook.get("title"), str) and notebook["title"].strip():
            found["title"] = notebook["title"].strip()
        authors = notebook.get("authors")
        names = [author.get("name") if isinstance(author, dict) else author
                 for author in authors] if isinstance(authors, list) else []
        names = [name for value in names if isinstance(value, str)
                 for name in split_names(value)]
        if names:
            found["author"] = names if len(names) > 1 else names[0]
    return found
