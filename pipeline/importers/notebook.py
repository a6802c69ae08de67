"""Jupyter notebooks: their prose, code and outputs (text, tables, plots), read by pandoc."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pipeline.importers.assemble import Media, assemble, meta_value
from pipeline.importers.base import Importer, ImportFailed, Skipped, register, split_names
from pipeline.importers.pandoc_ast import (
    Node,
    count,
    elements,
    pandoc,
    read_ast,
    text_of,
    walk,
)

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin
    from pipeline.project import Project

# pandoc's reader, with what Jupyter's Markdown has besides: footnotes, \\( \\) formulas
# and LaTeX environments (made formulas by the cleaner).
READER = "ipynb+footnotes+tex_math_single_backslash+raw_tex"
# Raw cells that hold prose, by their mimetype, and the reader of each.
RAW_PROSE = {"text/markdown": "markdown", "text/x-markdown": "markdown",
             "text/restructuredtext": "rst", "text/x-rst": "rst"}
# A LaTeX output that is a formula: "$x$", "$$x$$", "\\[x\\]".
_FORMULA = re.compile(r"\$\$?(.+?)\$?\$|\\\[(.+?)\\\]", re.DOTALL)
# A printed output longer than this keeps its first and last lines only.
OUTPUT_LINES = 40
OUTPUT_HEAD, OUTPUT_TAIL = 20, 10
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Cell magics and the language of the code under them.
CELL_MAGICS = {"bash": "bash", "sh": "bash", "script": "bash", "html": "html",
               "javascript": "javascript", "js": "javascript", "latex": "latex",
               "markdown": "markdown", "sql": "sql", "ruby": "ruby", "perl": "perl",
               "R": "r", "writefile": "text"}
# The tags of Jupyter Book and nbconvert that hide part of a cell, by the part they hide.
HIDING_TAGS = {"remove-cell": {"input", "output"}, "remove_cell": {"input", "output"},
               "remove-stdout": {"stdout"}, "remove-stderr": {"stderr"},
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
            ast = read_ast(_normalised(data, origin.label), READER, origin.label, media_dir,
                           options=("--ipynb-output=all",))
            dropped: Counter[str] = Counter()
            blocks = [block for cell in ast["blocks"] for block in _cell(cell, dropped)]
            if not blocks:
                return [Skipped(PurePath(origin.label).stem, "an empty notebook")]
            meta = _meta(ast["meta"])
            if "title" not in meta:
                blocks = _titled(blocks, meta)
            blocks = _jupyter_anchors(blocks)
            media = Media(origin, options, extracted=media_dir)
            return [assemble(blocks, meta, origin, media, dropped,
                             fallback_title=PurePath(origin.label).stem, folio_divs=True)]


def _normalised(data: bytes, label: str) -> bytes:
    """Return the notebook as pandoc reads it: what Jupyter forgives filled in.

    A markdown cell without metadata, a code cell without outputs, a result without its
    execution count: Jupyter opens such a notebook, and pandoc refused it ("expected
    nbformat <= 3"). A raw cell of Markdown or reStructuredText is prose (seaborn's
    tutorials hold almost all their words in them). A terminal's carriage returns and
    backspaces in printed output (a progress bar) are applied, as a terminal shows them.
    """
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(f"not a notebook Folio can read: {exc}", label) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return data  # nbformat 3 keeps its cells in worksheets, which pandoc reads
    notebook.setdefault("metadata", {})
    notebook.setdefault("nbformat_minor", 4)
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        cell.setdefault("metadata", {})
        cell.setdefault("source", "")
        mimetype = str(cell["metadata"].get("raw_mimetype") or "")
        if cell.get("cell_type") == "raw" and mimetype in RAW_PROSE:
            cell["cell_type"] = "markdown"
            cell["source"] = _as_markdown(_text(cell["source"]), RAW_PROSE[mimetype], label)
        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        cell.setdefault("execution_count", None)
        cell.setdefault("outputs", [])
        for output in cell["outputs"] if isinstance(cell["outputs"], list) else []:
            if isinstance(output, dict) and output.get("output_type") == "execute_result":
                # pandoc wants a number where nbformat allows none (a cell never run).
                if not isinstance(output.get("execution_count"), int):
                    output["execution_count"] = 0
                output.setdefault("metadata", {})
            if isinstance(output, dict) and output.get("output_type") == "stream":
                output["text"] = _as_terminal_shows(_text(output.get("text", "")))
    return json.dumps(notebook).encode("utf-8")


def _text(source: Any) -> str:
    """Return a notebook's multi-line string, written as one string or a list of lines."""
    return "".join(source) if isinstance(source, list) else str(source or "")


def _as_markdown(text: str, reader: str, label: str) -> str:
    """Return a raw cell's prose as Markdown, read by pandoc from its ``reader``'s markup."""
    if reader == "markdown":
        return text
    return pandoc(["--from", reader, "--to", "markdown", "--wrap=none"], text.encode("utf-8"),
                  label).decode("utf-8")


def _as_terminal_shows(text: str) -> str:
    """Return printed output with carriage returns and backspaces applied, line by line."""
    lines = []
    for line in text.split("\n"):
        shown: list[str] = []
        for char in line.rstrip("\r").rsplit("\r", 1)[-1]:
            if char != "\b":
                shown.append(char)
            elif shown:  # a backspace takes back the character before it
                shown.pop()
        lines.append("".join(shown))
    return "\n".join(lines)


def _jupyter_anchors(blocks: list[Node]) -> list[Node]:
    """Give each heading a link of the notebook names by Jupyter's id ("Section-Two").

    Jupyter makes a heading's id of its words joined by "-", case and all; a notebook's table
    of contents links them so ("#Section-Two"), and pandoc's ids are others: 246 such links
    of a book were left out as leading nowhere.
    """
    wanted = {node["c"][2][0][1:] for node in elements(blocks)
              if node["t"] == "Link" and node["c"][2][0].startswith("#")}

    def name(node: Node) -> list[Node]:
        if node["t"] == "Header":
            jupyter = "-".join(text_of(node["c"][2]).split())
            if jupyter in wanted and node["c"][1][0] not in wanted:
                node["c"][1][0] = jupyter
        return [node]

    return walk(blocks, name) if wanted else blocks


def _titled(blocks: list[Node], meta: dict[str, Any]) -> list[Node]:
    """Take the first top-level heading as the title when only code or badges come before it.

    A notebook opens with an import cell, an empty cell or a "run in Colab" badge, then its
    "# Title": the title was the file's name and the heading stayed in the body.
    """
    for index, block in enumerate(blocks):
        if block["t"] == "Header":
            if block["c"][0] == 1 and all(
                    before["t"] in {"CodeBlock", "Para", "Plain"} for before in blocks[:index]):
                meta["title"] = text_of(block["c"][2])
                return blocks[:index] + blocks[index + 1:]
            return blocks
    return blocks


def _cell(cell: Node, dropped: Counter[str]) -> list[Node]:
    """Return what a cell shows: its prose; or its code and its outputs, as its tags allow."""
    if cell["t"] != "Div" or "cell" not in cell["c"][0][1]:
        return [cell]
    classes, attributes = cell["c"][0][1], dict(cell["c"][0][2])
    content = cell["c"][1]
    hidden = {part for tag in _tags(attributes) for part in HIDING_TAGS.get(tag, ())}
    if "raw" in classes:
        # Meant for one converter's output (LaTeX, HTML): Folio has no such output to give.
        dropped["raw cells"] += 1
        return []
    if "code" not in classes:
        return [] if "input" in hidden else content
    shown = []
    for block in content:
        is_output = block["t"] == "Div" and "output" in block["c"][0][1]
        if ("output" if is_output else "input") in hidden or (
                is_output and hidden & set(block["c"][0][1])):  # its stdout or stderr
            continue
        if is_output:
            shown += _best(block["c"][1], dropped)
        elif block["t"] == "CodeBlock" and block["c"][1].strip():  # not an empty cell
            shown.append(_with_magic_language(block))
    return shown


def _best(shown: list[Node], dropped: Counter[str]) -> list[Node]:
    """Return the one of an output's representations that shows it best on a page.

    pandoc offers them all: a plot, HTML (a data frame's table, read by the cleaner as
    HTML), Markdown, LaTeX (a formula), and the plain text every output has. Plain text
    alone showed "<IPython.core.display.Markdown object>" and tables as aligned text.
    """
    for kind in ("picture", "html", "markdown", "latex"):
        for block in shown:
            if kind == "picture" and block["t"] in {"Para", "Plain", "Figure"} \
                    and count([block], {"Image"}):
                return [block]
            if block["t"] == "RawBlock" and block["c"][0] == kind:
                text = block["c"][1]
                if kind == "markdown":
                    return read_ast(text.encode("utf-8"), "markdown", "an output")["blocks"]
                if kind == "latex":
                    formula = _FORMULA.fullmatch(text.strip())
                    if formula:
                        tex = (formula.group(1) or formula.group(2)).strip()
                        return [{"t": "Para", "c": [{"t": "Math", "c": [{"t": "DisplayMath"},
                                                                        tex]}]}]
                    continue
                return [block]
    text = [block for block in shown if block["t"] == "CodeBlock"
            and not block["c"][1].lstrip().startswith('{"model_id"')]
    if not text and shown:
        dropped["widgets"] += 1  # interactive: nothing to show on a page
    for block in text[:1]:
        # A traceback's terminal colours: "\x1b[0;31mTypeError\x1b[0m" is "TypeError".
        block["c"][1] = _shortened(_ANSI.sub("", block["c"][1]), dropped)
    return text[:1]


def _shortened(output: str, dropped: Counter[str]) -> str:
    """Return a long printed output as its head and tail, as Jupyter scrolls it.

    A training loop's 500 lines of progress took pages of the handout and 73 slides.
    """
    lines = output.rstrip("\n").split("\n")
    if len(lines) <= OUTPUT_LINES:
        return output
    left_out = len(lines) - OUTPUT_HEAD - OUTPUT_TAIL
    dropped["lines of long outputs"] += left_out
    return "\n".join([*lines[:OUTPUT_HEAD], f"[… {left_out} more lines …]",
                      *lines[-OUTPUT_TAIL:]])


def _with_magic_language(block: Node) -> Node:
    """Give a cell that opens with a cell magic ("%%bash") that magic's language."""
    magic = re.match(r"%%(\w+)", block["c"][1])
    if magic and magic.group(1) in CELL_MAGICS:
        block["c"][0][1] = [CELL_MAGICS[magic.group(1)]]
    return block


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
        names = split_names(authors) if isinstance(authors, list) else []
        if names:
            found["author"] = names  # one name is written as one (importers/write.py)
    return found
