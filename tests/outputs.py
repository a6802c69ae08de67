"""Read what a build made, as a reader would: the text of pages, handouts, ebooks and decks."""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from tests.conftest import require_tool

WORD = re.compile(r"\w+")
# Outputs of one article, by what a reader sees: {name: path relative to build/}.
ARTICLE_OUTPUTS = {
    "page": "html/{}.html",
    "handout": "pdf/{}.pdf",
    "slides handout": "pdf/{}-slides-handout.pdf",
    "ebook": "epub/{}.epub",
    "deck": "slides/{}.html",
    "deck pdf": "slides/{}.pdf",
    "pptx": "slides/{}.pptx",
}


def folded(text: str) -> str:
    """Return ``text`` as one run of lower-case word characters, for finding words in it.

    Line breaks, hyphenation and the spaces a PDF's text layer adds or drops all vanish, so
    a word split across two lines of a handout is still found.
    """
    return "".join(WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def words(text: str) -> list[str]:
    """Return the words of ``text``, folded like ``folded``."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def page_text(path: Path) -> str:
    """Return the visible text of an HTML page."""
    root = lxml_html.parse(str(path)).getroot()
    for hidden in root.xpath("//script | //style | //template"):
        hidden.drop_tree()
    return root.text_content()


def deck_notes_text(path: Path) -> str:
    """Return the text of every speaker note of an HTML deck, in order."""
    root = lxml_html.parse(str(path)).getroot()
    return "\n".join(aside.text_content() for aside in root.xpath("//aside[@class='notes']"))


def pdf_text(path: Path) -> str:
    """Return the text layer of every page of a PDF, as poppler's pdftotext reads it.

    Not pypdf here: it misreads some of the CID fonts WeasyPrint embeds (text comes out as
    UTF-16 with NULs, ligatures lost) where poppler, and readers built on it, read them right.
    """
    pdftotext = require_tool("pdftotext", "to read the text of PDFs")
    done = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True)
    return done.stdout.decode("utf-8")


def epub_text(path: Path) -> str:
    """Return the text of every XHTML document in an EPUB, in the order of its spine."""
    with zipfile.ZipFile(path) as epub:
        container = etree.fromstring(epub.read("META-INF/container.xml"))
        opf_name = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        opf = etree.fromstring(epub.read(opf_name))
        base = opf_name.rsplit("/", 1)[0] + "/" if "/" in opf_name else ""
        items = {item.get("id"): item.get("href")
                 for item in opf.xpath("//*[local-name()='item']")}
        texts = []
        for ref in opf.xpath("//*[local-name()='itemref']/@idref"):
            document = etree.fromstring(epub.read(base + items[ref]))
            texts.append("".join(document.itertext()))
    return "\n".join(texts)


def pptx_text(path: Path) -> tuple[str, str]:
    """Return the text on the slides of a PPTX and the text of its notes (python-pptx opens it)."""
    from pptx import Presentation

    shown, notes = [], []
    for slide in Presentation(str(path)).slides:
        shown += [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if slide.has_notes_slide:
            notes.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(shown), "\n".join(notes)


# Words at least this long are looked for in two halves; and at most this much text (a page's
# footnotes and running footer) lies between the halves.
SPLIT_WORD = 10
PAGE_CHARS = 4000


def missing_words(expected: list[list[str]], text: str) -> list[str]:
    """Return the words of ``expected`` paragraphs that ``text`` does not hold."""
    found = folded(text)
    # pypdf reads right-to-left runs in the order they are painted: reversed.
    backwards = found[::-1]
    return [word for paragraph in expected for word in paragraph
            if word not in found and word not in backwards and not _split(word, found)]


def _split(word: str, found: str) -> bool:
    """Tell whether ``word`` is in ``found`` in two parts, the second after the first.

    A word hyphenated on the last line of a handout's page ends on the next, and the text
    layer has that page's footnotes and running footer between its halves (a page's worth of
    text at most). Short words, whose halves are found anywhere, are not looked for so.
    """
    if len(word) < SPLIT_WORD:
        return False
    for cut in range(3, len(word) - 2):
        start = found.find(word[:cut])
        while start >= 0:
            end = found.find(word[cut:], start + cut, start + cut + PAGE_CHARS + len(word))
            if end >= 0:
                return True
            start = found.find(word[:cut], start + 1)
    return False


# Inlines whose words a reader does not see as the paragraph's text in every format: an
# image's alternative text, a formula, a footnote (placed elsewhere), raw markup, a citation
# (citeproc rewrites it).
_UNSEEN = {"Image", "Math", "Note", "RawInline", "Cite"}


def source_paragraphs(body: str) -> list[list[str]]:
    """Return the words of every paragraph of a Markdown body, as pandoc reads it.

    Paragraphs anywhere count (in lists, quotes, divs inside divs), but not those of
    footnotes; the words are those a reader sees in the paragraph's own text.
    """
    import json

    from pipeline.pandoc import pandoc_path
    from pipeline.source import READER_FORMAT

    done = subprocess.run([pandoc_path(), "--sandbox", "-f", READER_FORMAT, "-t", "json"],
                          input=body.encode("utf-8"), capture_output=True, check=True)
    paragraphs: list[list[str]] = []

    def inline_words(node: object) -> list[str]:
        if isinstance(node, list):
            return [word for item in node for word in inline_words(item)]
        if not isinstance(node, dict) or node.get("t") in _UNSEEN:
            return []
        if node.get("t") == "Str":
            return words(node["c"])
        if node.get("t") == "Code":
            return words(node["c"][1])
        return inline_words(node.get("c", []))

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("t") == "Para":
                found = inline_words(node["c"])
                if found:
                    paragraphs.append(found)
            elif node.get("t") != "Note":
                walk(node.get("c", []))

    walk(json.loads(done.stdout)["blocks"])
    return paragraphs
