"""Code cells of R Markdown and Quarto, made what pandoc's Markdown reads, before it reads them.

A cell opens with ```{r label, echo=FALSE}, which pandoc's Markdown does not know: it ran the
code into one line of inline code. Each cell becomes a code block marked for
pipeline/lua/folio.lua, which drops its "#|" option lines and the cells not shown. A cell
that only shows a picture (``knitr::include_graphics("diagram.png")``, R for Data Science's
way with every diagram) becomes that picture, a figure with the cell's caption, alternative
text, width and label, so that "@fig-x" finds it. Every line keeps its number, for warnings.
"""

from __future__ import annotations

import re

# A cell's opening fence. ({.r}, {#id .r}, {key=value} and {=html} are pandoc's own, and left
# alone.)
CODE_CELL = re.compile(r"^([ \t]*(`{3,}|~{3,}))[ \t]*\{([A-Za-z][\w+-]*)([ \t,][^}\n]*)?\}"
                       r"[ \t]*$", re.MULTILINE)
# The class a cell's code block carries to pipeline/lua/folio.lua, which takes it off again
# with the cell's "#|" option lines; "folio-hidden" marks a cell R Markdown's header hides.
CELL_CLASS = "folio-cell"
# Markers a cell's code block carries besides its language.
CELL_MARKERS = frozenset({CELL_CLASS, "folio-hidden"})
# A cell's code block as pandoc's Markdown writer writes it.
WRITTEN_CELL = re.compile(rf"^([ \t]*`{{3,}}) ?\{{\.([A-Za-z][\w+-]*) \.{CELL_CLASS}"
                          r"( \.folio-hidden)?\}[ \t]*$", re.MULTILINE)
HIDDEN = re.compile(r"\b(?:echo|include)[ \t]*=[ \t]*(?:FALSE|F)\b")
# A Quarto option line ("#| fig-cap: The caption"), and a line continuing a "key: |" value.
OPTION = re.compile(r"^[ \t]*#\|[ \t]*([\w.-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")
CONTINUED = re.compile(r"^[ \t]*#\|[ \t]+(\S.*?)[ \t]*$")
# The one call of a cell that shows a picture: knitr::include_graphics("path", dpi = 270).
GRAPHIC = re.compile(r"""^[ \t]*(?:knitr::)?include_graphics\([ \t]*(["'])([^"'\n]+)\1"""
                     r"""[^\n]*\)[ \t]*$""")


def with_code_cells(body: str) -> str:
    """Return ``body`` with each R Markdown or Quarto code cell made what pandoc reads."""
    out: list[str] = []
    position = 0
    for cell in CODE_CELL.finditer(body):
        if cell.start() < position:
            continue  # a fence inside the cell just rewritten
        out.append(body[position:cell.start()])
        closing = re.compile(rf"^[ \t]*{re.escape(cell.group(2)[0])}{{{len(cell.group(2))},}}"
                             r"[ \t]*$", re.MULTILINE)
        end = closing.search(body, cell.end() + 1)
        code = body[cell.end() + 1:end.start()] if end else ""
        figure = _figure(code.splitlines()) if end else None
        if figure is not None and end is not None:
            # The cell's lines, kept in number: a blank line first (the fence), then the figure.
            lines = body.count("\n", cell.start(), end.end())
            out.append("\n" + figure + "\n" * lines)
            position = end.end() + 1 if body[end.end():end.end() + 1] == "\n" else end.end()
            continue
        hidden = " .folio-hidden" if HIDDEN.search(cell.group(4) or "") else ""
        out.append(f"{cell.group(1)}{{.{cell.group(3)} .{CELL_CLASS}{hidden}}}")
        position = cell.end()
    out.append(body[position:])
    return "".join(out)


def as_written(markdown: str) -> str:
    """Return Markdown pandoc wrote from cells ``with_code_cells`` marked, with cells again.

    ``` {.r .folio-cell} goes back to ```{r}, so that an imported lecture reads as its
    author wrote it and builds as it did.
    """
    return WRITTEN_CELL.sub(lambda m: f"{m.group(1)}{{{m.group(2)}"
                                      f"{' echo=FALSE' if m.group(3) else ''}}}", markdown)


def _figure(lines: list[str]) -> str | None:
    """Return the Markdown figure of a cell that only shows a picture, else None."""
    options: dict[str, str] = {}
    key = None
    calls = []
    for line in lines:
        option = OPTION.match(line)
        if option:
            key, value = option.group(1), option.group(2)
            options[key] = "" if value in {"|", ">", "|-", ">-"} else _unquoted(value)
        elif key is not None and (more := CONTINUED.match(line)) and not calls:
            options[key] = f"{options[key]} {more.group(1)}".strip()
        elif line.strip():
            calls.append(line)
            key = None
    graphic = GRAPHIC.match(calls[0]) if len(calls) == 1 else None
    if graphic is None:
        return None
    attributes = []
    label = options.get("label", "")
    if re.fullmatch(r"[\w:.-]+", label):
        attributes.append(f"#{label}")
    if options.get("fig-alt"):
        attributes.append(f'alt="{_attribute(options["fig-alt"])}"')
    if re.fullmatch(r"[\d.]+(?:%|px|in|cm|mm|em)", options.get("out-width", "")):
        attributes.append(f'width="{options["out-width"]}"')
    caption = " ".join(options.get("fig-cap", "").split())
    address = graphic.group(2).replace(" ", "%20").replace(")", "%29")
    return f"![{caption}]({address})" + (f"{{{' '.join(attributes)}}}" if attributes else "")


def _unquoted(value: str) -> str:
    """Return a YAML scalar of one line without its quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _attribute(text: str) -> str:
    """Return ``text`` as the value of a pandoc attribute in double quotes."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
