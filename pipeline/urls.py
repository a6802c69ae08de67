"""Addresses as authors write them: split without ever failing on a malformed one."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import SplitResult, urlsplit


def split_url(url: str) -> SplitResult:
    """Return ``url`` split into its parts, even when it is malformed.

    ``urlsplit`` refuses a host with an unbalanced bracket (``http://[oops``, "Invalid IPv6
    URL"), which an author's raw HTML may hold and which must not stop a build: such a
    bracket is read as its percent-escape, as pandoc writes it in a Markdown link.
    """
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit(escaped_brackets(url))


def escaped_brackets(url: str) -> str:
    """Return ``url`` with its square brackets percent-escaped, as pandoc writes them."""
    return url.replace("[", "%5B").replace("]", "%5D")


# An address attribute whose value holds a bracket, bare or as pandoc escapes it: the only kind
# whose host may be malformed ("http://[oops", not an IPv6 address).
BRACKETED = re.compile(r"""(\s(href|src|poster|cite|data)\s*=\s*)(["'])"""
                       r"""((?:(?!\3)[^>])*(?:[\[\]]|%5[bd])(?:(?!\3)[^>])*)\3""", re.IGNORECASE)


def broken_host(url: str) -> bool:
    """Tell whether ``url`` names a host no browser or library can use (an unbalanced bracket)."""
    # split_url escapes the brackets urlsplit refuses: they end up in the host, as pandoc's do.
    netloc = split_url(url).netloc.lower()
    return "%5b" in netloc or "%5d" in netloc


# A picture element, and its address and alternative text within it.
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_ATTRIBUTE = re.compile(r"""\s(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def without_broken_addresses(html: str, broken: list[tuple[str, str]],
                             left_out: Callable[[str], str]) -> str:
    """Return ``html`` with no address whose host is malformed; add each to ``broken``.

    ``broken`` gets (attribute name, address) pairs, the name lowercased. Raw HTML passes
    through pandoc as written, WeasyPrint and EbookLib stop at such an address, and the
    validators refuse it even escaped. A link to it keeps its text but is no longer a link
    (an ``<a>`` without ``href``); a picture becomes ``left_out(alt)``, as a picture left out
    by the formats does; any other address has its brackets escaped, so that the formats
    refuse it as they refuse any network address.
    """
    if not ("[" in html or "]" in html or "%5" in html):
        return html

    def picture(match: re.Match[str]) -> str:
        found = {m.group(1).lower(): unescape(m.group(2) if m.group(2) is not None
                                              else m.group(3))
                 for m in IMG_ATTRIBUTE.finditer(match.group(0))}
        if not broken_host(found.get("src", "")):
            return match.group(0)
        broken.append(("src", found["src"]))
        return left_out(found.get("alt", ""))

    def mend(match: re.Match[str]) -> str:
        before, name, quote, value = match.groups()
        if not broken_host(unescape(value)):
            return match.group(0)
        broken.append((name.lower(), unescape(value)))
        if name.lower() == "href":
            return ""
        return f"{before}{quote}{escaped_brackets(value)}{quote}"

    return BRACKETED.sub(mend, IMG.sub(picture, html))
