"""A Hypothesis strategy that writes whole articles: every construct real documents hold."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from tests.conftest import REPO

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()
# Files every generated project has: good images, and files that only claim to be images.
IMAGES: dict[str, bytes] = {
    "images/good.png": FIGURE,
    "images/random.png": bytes(range(256)) * 4,
    "images/truncated.png": FIGURE[:60],
    "images/empty.png": b"",
    "images/evil.svg": (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM '
                        b'"file:///etc/passwd">]>\n<svg xmlns="http://www.w3.org/2000/svg" '
                        b'width="10" height="10"><text>&x;</text></svg>\n'),
}
BIBLIOGRAPHY = """\
@book{doe2020,
  author = {Doe, Jane},
  title = {Builds and the Building of Builds},
  year = {2020},
  publisher = {Example Press}
}
@article{roe2019,
  author = {Roe, Richard},
  title = {On Relationships},
  journal = {Journal of Examples},
  year = {2019}
}
"""

plain_words = st.from_regex(r"[a-z]{1,10}", fullmatch=True)
# Right-to-left words, accented words, and words far wider than any column.
other_words = st.sampled_from(["שלום", "עולם", "مرحبا", "بالعالم", "naïve", "Straße",
                               "déjà", "façade"])
long_words = st.text(alphabet=string.ascii_lowercase, min_size=60, max_size=120)
words = st.one_of(plain_words, plain_words, plain_words, other_words, long_words)


def _joined(parts: list[str]) -> str:
    return " ".join(part for part in parts if part)


@st.composite
def inline(draw: st.DrawFn, notes: list[str]) -> str:
    """Return one inline piece of a paragraph; a footnote it calls is added to ``notes``."""
    word = draw(words)
    kind = draw(st.sampled_from(
        ["plain"] * 6 + ["emph", "strong", "code", "link", "math", "note", "cite", "raw",
                         "control", "autolink"]))
    if kind == "emph":
        return f"*{word}*"
    if kind == "strong":
        return f"**{word}**"
    if kind == "code":
        return f"`{word}()`"
    if kind == "link":
        return f"[{word}](https://example.org/{word})"
    if kind == "math":
        return draw(st.sampled_from([r"$x^2$", r"$\frac{a}{b}$", r"$\sum_{i=1}^n i$",
                                     r"$\alpha + \beta$"]))
    if kind == "note":
        notes.append(draw(footnote()))
        return f"[^n{len(notes)}]"
    if kind == "cite":
        return draw(st.sampled_from(["[@doe2020]", "[@roe2019, p. 4]", "@doe2020",
                                     "[@doe2020; @roe2019]", "[@nobody]"]))
    if kind == "raw":
        return draw(st.sampled_from([f"<o:p>{word}</o:p>", f"<st1:place>{word}</st1:place>",
                                     f"<span class=\"x\">{word}</span>", "<br>",
                                     f"<b>{word}</b>"]))
    if kind == "control":
        return draw(st.sampled_from(["\x0c", "\x07", "&#x4;", "&#12;"]))
    if kind == "autolink":
        return draw(st.sampled_from(["<localhost:5001/foo>", "<https://example.org/a>",
                                     "<me@example.org>"]))
    return word


@st.composite
def paragraph(draw: st.DrawFn, notes: list[str]) -> str:
    """Return a paragraph of words and inline markup."""
    return _joined(draw(st.lists(inline(notes), min_size=1, max_size=14)))


@st.composite
def footnote(draw: st.DrawFn) -> str:
    """Return a footnote's text: one paragraph, or several blocks indented under it."""
    first = _joined(draw(st.lists(words, min_size=1, max_size=8)))
    more = draw(st.lists(st.sampled_from([
        "```\nprint('in a note')\n```", "- one item\n- two items", "A second paragraph.",
        "> quoted in a note"]), max_size=2))
    return "\n\n".join([first, *more]).replace("\n", "\n    ")


@st.composite
def table(draw: st.DrawFn) -> str:
    """Return a pipe table of random width and alignment, with a caption sometimes."""
    width = draw(st.integers(1, 9))
    rows = draw(st.integers(1, 4))
    align = draw(st.lists(st.sampled_from(["---", ":---", "---:", ":---:"]), min_size=width,
                          max_size=width))
    cell = st.lists(words, min_size=1, max_size=3).map(_joined)
    lines = ["| " + " | ".join(draw(st.lists(cell, min_size=width, max_size=width))) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(draw(st.lists(cell, min_size=width, max_size=width))) + " |"
              for _ in range(rows)]
    if draw(st.booleans()):
        lines += ["", f": {draw(plain_words)} table"]
    return "\n".join(lines)


@st.composite
def listing(draw: st.DrawFn, notes: list[str], depth: int = 0) -> str:
    """Return a bullet or numbered list, loose or tight, nested up to three deep."""
    marker = draw(st.sampled_from(["-", "1."]))
    indent = " " * (len(marker) + 1)
    items = []
    for _ in range(draw(st.integers(1, 4))):
        item = draw(paragraph(notes))
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            item += "\n\n" + draw(listing(notes, depth + 1))
        items.append(f"{marker} " + item.replace("\n", "\n" + indent))
    return ("\n\n" if draw(st.booleans()) else "\n").join(items)


@st.composite
def block(draw: st.DrawFn, notes: list[str], depth: int = 0) -> str:
    """Return one block of the body."""
    kinds = ["para"] * 5 + ["heading", "heading", "list", "table", "code", "math", "quote",
                            "image", "rule", "raw"]
    if depth < 2:
        kinds += ["columns", "callout"]
    kind = draw(st.sampled_from(kinds))
    if kind == "heading":
        level = draw(st.integers(1, 6))
        return "#" * level + " " + _joined(draw(st.lists(words, max_size=5)))
    if kind == "list":
        return draw(listing(notes))
    if kind == "table":
        return draw(table())
    if kind == "code":
        language = draw(st.sampled_from(["", "python", "{.python .numberLines}", "sh"]))
        lines = draw(st.lists(st.lists(words, min_size=1, max_size=12).map(_joined),
                              min_size=1, max_size=6))
        return f"```{language}\n" + "\n".join(lines) + "\n```"
    if kind == "math":
        return draw(st.sampled_from([r"$$\int_0^1 x\,dx = \frac{1}{2}$$",
                                     r"$$\begin{pmatrix}a & b\\ c & d\end{pmatrix}$$"]))
    if kind == "quote":
        inner = draw(paragraph(notes))
        nested = "\n>\n> > " + draw(paragraph(notes)) if draw(st.booleans()) else ""
        return "> " + inner + nested
    if kind == "image":
        name = draw(st.sampled_from(sorted(IMAGES)))
        alt = _joined(draw(st.lists(plain_words, max_size=4)))
        return f"![{alt}]({name})"
    if kind == "rule":
        return "* * *"
    if kind == "raw":
        return draw(st.sampled_from(['<hr id="bar">', '<div class="box"><p>raw words</p></div>',
                                     "<o:p></o:p>", "<center>old markup</center>"]))
    inner = draw(st.lists(block(notes, depth + 1), min_size=1, max_size=3))
    if kind == "columns":
        columns = [f"::: column\n{part}\n:::" for part in inner]
        return "::: columns\n" + "\n\n".join(columns) + "\n:::"
    if kind == "callout":
        return "::: {.callout-note}\n" + "\n\n".join(inner) + "\n:::"
    return draw(paragraph(notes))


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Return a whole article: front matter, blocks of every kind, then its footnotes."""
    notes: list[str] = []
    title = _joined(draw(st.lists(plain_words, min_size=1, max_size=6)))
    lang = draw(st.sampled_from(["en", "de"]))
    blocks = draw(st.lists(block(notes), min_size=1, max_size=14))
    definitions = [f"[^n{number}]: {text}" for number, text in enumerate(notes, start=1)]
    front = (f"---\ntitle: {title!r}\nslug: fuzzed\nlang: {lang}\n"
             "bibliography: refs.bib\n---\n\n")
    return front + "\n\n".join(blocks + definitions) + "\n"
