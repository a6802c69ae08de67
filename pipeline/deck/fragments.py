"""Make a block's HTML a balanced fragment, so it can stand alone in a slide or its notes."""

from __future__ import annotations

from html.parser import HTMLParser

# Elements without an end tag (HTML's void elements).
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


class _Balancer(HTMLParser):
    """Copy HTML through, dropping end tags nothing opened and closing what stays open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Copy a start tag as written, and remember it until its end tag."""
        self.out.append(self.get_starttag_text() or "")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Copy a self-closed tag (``<br/>``, MathML's ``<mspace/>``) as written."""
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        """Close ``tag`` and whatever is still open inside it; drop it if it was never opened."""
        if tag not in self.open:
            return
        while self.open:
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data: str) -> None:
        """Copy text as written."""
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        """Copy a named character reference as written."""
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        """Copy a numeric character reference as written."""
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        """Copy a comment as written."""
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        """Drop a document type declaration: it has no place inside a fragment."""

    def handle_pi(self, data: str) -> None:
        """Drop a processing instruction: HTML has none."""

    def unknown_decl(self, data: str) -> None:
        """Copy a CDATA section (MathML may hold one) as written."""
        self.out.append(f"<![{data}]>")


def balanced(html: str) -> str:
    """Return ``html`` with stray end tags dropped and unclosed elements closed at its end.

    A block's HTML is whole in the page, but raw HTML may open an element in one block and
    close it in another (``<details>`` around a list): alone on a slide, each half is invalid.
    """
    if "<" not in html:
        return html
    parser = _Balancer()
    parser.feed(html)
    parser.close()
    parser.out += [f"</{tag}>" for tag in reversed(parser.open)]
    return "".join(parser.out)
