"""What Word packages hold that pandoc's reader leaves aside: the text's language, ruby, charts."""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from collections import Counter
from typing import Any

from lxml import etree

from pipeline.importers.base import SAFE_XML
from pipeline.schema import LANG_RE

# Open Packaging Conventions: the package's relationships name its parts, their types say
# what each is (a Word document, not a workbook or a presentation).
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OVERRIDE = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_WORD_MAIN = re.compile(r"application/vnd\.(openxmlformats-officedocument\.wordprocessingml"
                        r"|ms-word)\.(document|template)(\.macroEnabled)?\.main\+xml",
                        re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart"


def package_part(package: zipfile.ZipFile, relationship: str) -> str | None:
    """Return the member the package's own relationships name as its ``relationship``.

    Word writes word/document.xml and docProps/core.xml, but other writers (Word Online,
    SharePoint) choose other names, such as word/document2.xml; _rels/.rels says which.
    """
    try:
        root = etree.fromstring(package.read("_rels/.rels"), SAFE_XML)
    except (KeyError, etree.XMLSyntaxError):
        return None
    for link in root.iter(_RELATIONSHIP):
        if (link.get("Type", "").rsplit("/", 1)[-1] == relationship
                and link.get("TargetMode") != "External"):
            return posixpath.normpath(link.get("Target", "").lstrip("/"))
    return None


def word_main(package: zipfile.ZipFile) -> str | None:
    """Return the main part of a Word package stored under another name, else None."""
    main = package_part(package, "officeDocument")
    if main is None:
        return None
    try:
        types = etree.fromstring(package.read("[Content_Types].xml"), SAFE_XML)
    except (KeyError, etree.XMLSyntaxError):
        return None
    kinds = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
             for o in types.iter(_OVERRIDE)}
    return main if _WORD_MAIN.fullmatch(kinds.get(main, "")) else None


# Word's language attributes: for most text, for Chinese, Japanese and Korean, and for the
# right-to-left scripts ("complex script"). Word marks each run with all three.
_LANG_ATTRIBUTES = ("val", "eastAsia", "bidi")
# Word's own tags for "no language" (proofing off) and for nothing linguistic.
_NO_LANGUAGE = {"x-none", "zxx", "und"}
# Letters of the Arabic script that only some of its languages write. Word marks right-to-left
# text in its complex-script default, often ar-SA, whatever the text is: a Persian document
# came in as Arabic. Urdu writes the Persian letters too, and letters of its own.
_ALPHABETS = (("ur", frozenset("ٹڈڑںےہ")), ("fa", frozenset("پچژگکی")))
_ARABIC_ONLY = frozenset("يكةى")


def main_part(package: zipfile.ZipFile) -> str:
    """Return the name of a Word package's main part (its body)."""
    return word_main(package) or "word/document.xml"


def prepared(data: bytes, dropped: Counter[str]) -> bytes:
    """Return the package with what pandoc's reader would lose rewritten; count what goes.

    Ruby (Japanese readings over their characters) is dropped by pandoc, base text and all:
    it becomes the base followed by its reading in full-width brackets. Charts are
    not read at all: they are counted, so that the summary says so.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            main = main_part(package)
            xml = package.read(main)
            if b"ruby" not in xml and b"chart" not in xml:
                return data
            body = etree.fromstring(xml, SAFE_XML)
            members = [(info, package.read(info)) for info in package.infolist()]
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return data  # pandoc says what is wrong with it
    charts = len(body.findall(f".//{_CHART}"))
    if charts:
        dropped["charts"] += charts
    rubies = list(body.iter(f"{_W}ruby"))
    if not rubies:
        return data
    for ruby in rubies:
        base, reading = (_text(ruby.find(f"{_W}{name}")) for name in ("rubyBase", "rt"))
        text = etree.Element(f"{_W}t")
        text.text = f"{base}\uff08{reading}\uff09" if reading else base
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        ruby.getparent().replace(ruby, text)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info, content in members:
            package.writestr(info, etree.tostring(body) if info.filename == main else content)
    return out.getvalue()


def _text(element: Any) -> str:
    if element is None:
        return ""
    return "".join(node.text or "" for node in element.iter(f"{_W}t"))


def word_language(data: bytes) -> str | None:
    """Return the language most letters of a Word document's body are marked in, else None.

    Word records a language on every run that differs from its default (the paragraph
    style's, else the document's), as it is typed or detected: a Portuguese text written
    on an English Word is marked pt-PT run by run. Each letter counts for the attribute its
    script uses.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            body = etree.fromstring(package.read(main_part(package)), SAFE_XML)
            styles = _part(package, "word/styles.xml")
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return None
    default: dict[str, str] = {}
    if styles is not None:
        default = _lang(styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}lang"), default)
        for style in styles.iter(f"{_W}style"):
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in {
                    "1", "true", "on"}:
                default = _lang(style.find(f"{_W}rPr/{_W}lang"), default)
    letters: Counter[str] = Counter()
    rtl_letters: Counter[str] = Counter()
    for run in body.iter(f"{_W}r"):
        text = "".join(node.text or "" for node in run.iter(f"{_W}t"))
        if not any(char.isalpha() for char in text):
            continue
        marked = _lang(run.find(f"{_W}rPr/{_W}lang"), default)
        for char in text:
            if char.isalpha():
                attribute = _script_attribute(char)
                letters[marked.get(attribute, "")] += 1
                if attribute == "bidi":
                    rtl_letters[char] += 1
    tags = [tag for tag, _ in letters.most_common()
            if LANG_RE.fullmatch(tag) and tag.lower() not in _NO_LANGUAGE]
    if not tags:
        return None
    if tags[0].split("-")[0].lower() == "ar":
        return _alphabet_language(rtl_letters) or tags[0]
    return tags[0]


def _alphabet_language(letters: Counter[str]) -> str | None:
    """Return "ur" or "fa" when text marked Arabic writes that language's letters, else None.

    A language wins when its own letters outnumber those only Arabic writes (ي, ك, ة, ى).
    """
    arabic = sum(letters[char] for char in _ARABIC_ONLY)
    for lang, alphabet in _ALPHABETS:
        if sum(letters[char] for char in alphabet) > arabic:
            return lang
    return None


def _part(package: zipfile.ZipFile, name: str) -> Any:
    try:
        return etree.fromstring(package.read(name), SAFE_XML)
    except KeyError:
        return None


def _lang(element: Any, inherited: dict[str, str]) -> dict[str, str]:
    """Return ``inherited`` with what a <w:lang> element sets over it."""
    if element is None:
        return inherited
    found = dict(inherited)
    for name in _LANG_ATTRIBUTES:
        if element.get(f"{_W}{name}"):
            found[name] = element.get(f"{_W}{name}")
    return found


def _script_attribute(char: str) -> str:
    """Return which of Word's language attributes holds for a letter of ``char``'s script."""
    if unicodedata.bidirectional(char) in {"R", "AL"}:
        return "bidi"
    point = ord(char)
    # Han, kana, Hangul and their compatibility and full-width forms.
    if (0x2E80 <= point <= 0x9FFF or 0xAC00 <= point <= 0xD7AF or 0xF900 <= point <= 0xFAFF
            or 0xFF00 <= point <= 0xFFEF):
        return "eastAsia"
    return "val"
