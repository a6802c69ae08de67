"""Syntax highlighting for every format: code is lexed once (at parse time) into tokens.

The tokens travel in the cached parse; the HTML formats get Pygments' class-marked HTML and one
stylesheet made from the project's ``code_style``, the PPTX deck gets coloured runs from the same
style, so every format shows the same colours.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from pygments import format as format_tokens
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.styles import get_all_styles, get_style_by_name
from pygments.token import Token, _TokenType
from pygments.util import ClassNotFound

DEFAULT_STYLE = "default"
# The web page follows the reader's dark colour scheme with this style.
DARK_STYLE = "github-dark"
CSS_SCOPE = ".highlight"

TokenList = list[tuple[str, str]]


@lru_cache(maxsize=1)
def styles() -> tuple[str, ...]:
    """Return the names of the installed Pygments styles, plugins included."""
    return tuple(sorted(get_all_styles()))


def lex(code: str, classes: list[str] | tuple[str, ...]) -> TokenList:
    """Return ``code`` as (token type, text) pairs, by the first class naming a known language."""
    # Pygments' session lexers (console, pycon, psql) read line by line and drop a last line
    # without its newline: the panic message closing a Rust book listing was lost. So the
    # lexer gets the newline, and the one it was given comes off again.
    tokens = [(str(kind)[len("Token."):] if kind is not Token else "", text)
              for kind, text in _lexer(classes).get_tokens(code + "\n")]
    if tokens and tokens[-1][1].endswith("\n"):
        kind, text = tokens.pop()
        if text[:-1]:
            tokens.append((kind, text[:-1]))
    if "".join(text for _, text in tokens) != code:
        # A lexer that loses or adds text would change the author's code: show it plain.
        return [("Text", code)] if code else []
    return tokens


def _lexer(classes: list[str] | tuple[str, ...]) -> Any:
    for name in classes:
        try:
            return get_lexer_by_name(name, stripnl=False, ensurenl=False)
        except ClassNotFound:
            continue
    return TextLexer(stripnl=False, ensurenl=False)


def _pygments_tokens(tokens: TokenList) -> list[tuple[_TokenType, str]]:
    return [(Token if not kind else _token_type(kind), text) for kind, text in tokens]


@lru_cache(maxsize=512)
def _token_type(name: str) -> _TokenType:
    kind = Token
    for part in name.split("."):
        kind = getattr(kind, part)
    return kind


def code_html(tokens: TokenList, classes: list[str] | tuple[str, ...] = (),
              identifier: str = "", start: int = 1, numbered: bool = False) -> str:
    """Return the HTML of a highlighted code block: ``<pre class="highlight ..."><code>``."""
    # nowrap: the element around the spans is Folio's, shaped as pandoc's own code blocks are.
    body = format_tokens(_pygments_tokens(tokens), HtmlFormatter(nowrap=True)).rstrip("\n")
    if numbered:
        # Numbers as spans the stylesheet keeps out of a copied selection's way.
        body = "\n".join(f'<span class="linenos">{number}</span>{line}'
                         for number, line in enumerate(body.split("\n"), start))
    id_attribute = f' id="{html.escape(identifier)}"' if identifier else ""
    names = html.escape(" ".join(["highlight", *classes]))
    # Code reads left to right in every language: on an Arabic page it must not be mirrored.
    # An attribute, not CSS: EPUB style sheets may not hold the direction property.
    return f'<pre{id_attribute} class="{names}" dir="ltr"><code>{body}</code></pre>'


def style_css(style: str = DEFAULT_STYLE, dark: str | None = None) -> str:
    """Return the CSS of ``style`` for ``.highlight`` blocks; ``dark`` adds dark screens'."""
    css = _style_css(style)
    if dark:
        css += "\n@media screen and (prefers-color-scheme: dark) {\n" + _style_css(dark) + "\n}"
    return css


@lru_cache(maxsize=8)
def _style_css(style: str) -> str:
    formatter = HtmlFormatter(style=style)
    rules = formatter.get_style_defs(CSS_SCOPE)
    # Pygments' own "pre { line-height }" rule is global; Folio's stylesheets set that.
    lines = [line for line in rules.splitlines() if not line.startswith("pre ")]
    lines.append(f"{CSS_SCOPE} .linenos {{ user-select: none; }}")
    return "\n".join(lines)


def token_colour(kind: str, style: str = DEFAULT_STYLE) -> str | None:
    """Return the colour (``RRGGBB``) ``style`` gives a token type, or None for the default."""
    return _token_style(kind, style)["color"] or None


def token_bold(kind: str, style: str = DEFAULT_STYLE) -> bool:
    """Tell whether ``style`` sets a token type in bold."""
    return bool(_token_style(kind, style)["bold"])


@lru_cache(maxsize=2048)
def _token_style(kind: str, style: str) -> dict[str, Any]:
    found = _style(style)
    ttype = _token_type(kind) if kind else Token
    # A lexer's own token types (YAML's Literal.Scalar.Plain) are styled as their parent.
    while not found.styles_token(ttype) and ttype.parent is not None:
        ttype = ttype.parent
    return found.style_for_token(ttype)


@lru_cache(maxsize=8)
def _style(name: str) -> Any:
    return get_style_by_name(name)


def split_lines(tokens: TokenList) -> list[TokenList]:
    """Return the tokens line by line (a token spanning lines is cut at each newline)."""
    lines: list[TokenList] = [[]]
    for kind, text in tokens:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append((kind, part))
    if lines and not lines[-1]:
        lines.pop()
    return lines


def join_lines(lines: list[TokenList]) -> TokenList:
    """Return lines of tokens as one token list, a newline after each line."""
    out: TokenList = []
    for line in lines:
        out += line
        out.append(("Text.Whitespace", "\n"))
    return out[:-1] if out else out


MARKER = re.compile(r"<!--folio:code:(\d+)-->")


def highlight_parse(parsed: dict[str, Any]) -> dict[str, Any]:
    """Replace the Lua writer's code markers by highlighted HTML; give each code block its tokens.

    Runs once per parse, before the parse is cached, so a cached build never lexes again.
    """
    codes = parsed.pop("codes", None) or []
    lexed = [lex(code["code"], code["classes"]) for code in codes]
    rendered = [code_html(tokens, code["classes"], code["id"], int(code["start"]),
                          "numberLines" in code["classes"])
                for code, tokens in zip(codes, lexed, strict=True)]
    by_code = {code["code"]: tokens for code, tokens in zip(codes, lexed, strict=True)}

    def fill(item: dict[str, Any]) -> None:
        if "<!--folio:code:" in item.get("html", ""):
            item["html"] = MARKER.sub(lambda m: rendered[int(m.group(1)) - 1], item["html"])
        if "code" in item:
            item["tokens"] = by_code.get(item["code"]) or lex(item["code"], item["classes"])
        for child in item.get("children", ()):
            fill(child)

    for item in (*parsed["blocks"], *parsed["notes"]):
        fill(item)
    return parsed
