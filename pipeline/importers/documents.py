"""Word, OpenDocument, RTF and EPUB documents, read by pandoc; metadata from their properties."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections import Counter
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from lxml import etree

from pipeline.importers.assemble import Media, assemble, pandoc_meta
from pipeline.importers.base import SAFE_XML, Importer, keyword_list, register, split_names
from pipeline.importers.pandoc_ast import read_ast
from pipeline.importers.word import package_part, prepared, word_language, word_main
from pipeline.schema import LANG_RE

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options, Origin, Skipped
    from pipeline.project import Project

NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
# Office writes a character XML cannot hold (a line break in a description) as _xHHHH_.
_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Compound File Binary: Word 97-2003 documents, and encrypted OOXML packages.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MIMETYPES = {"application/vnd.oasis.opendocument.text": "odt", "application/epub+zip": "epub"}


def zip_kind(data: bytes) -> str | None:
    """Return "docx", "odt" or "epub" for such a package, else None."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "word/document.xml" in names or word_main(package) in names:
                return "docx"
            if "mimetype" in names:
                return _MIMETYPES.get(package.read("mimetype").decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError):
        return None
    return None


@register
class DocumentImporter(Importer):
    """Documents pandoc reads: its readers keep footnotes, tables, nested lists and images."""

    name = "Word/OpenDocument/RTF/EPUB document"
    priority = 10

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise the package by what it holds, and RTF by its first bytes."""
        return zip_kind(data) is not None or data.lstrip()[:5] == b"{\\rtf"

    def refusal(self, data: bytes) -> str | None:
        """Name an encrypted or older binary Office file, or a damaged or foreign package."""
        if data.startswith(_OLE2):
            # Office encrypts a .docx by wrapping it in an OLE2 file whose streams say so.
            if "EncryptionInfo".encode("utf-16-le") in data:
                return ("an encrypted (password-protected) Office document; save a copy "
                        "without a password, then import that")
            return "an older binary Office file (Word 97-2003 .doc?); save it as .docx"
        if not data.startswith(b"PK\x03\x04"):
            return None
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                package.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            return f"a damaged or cut-off zip package ({exc}); open it and save it again"
        return "a zip package holding no Word, OpenDocument or EPUB document"

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the document as one article, its embedded images extracted."""
        kind = zip_kind(data) or "rtf"
        with tempfile.TemporaryDirectory(prefix="folio-import-") as temp:
            media_dir = Path(temp)
            # Tracked changes accepted: the document as its author last meant it; comments go.
            reader = "docx+styles" if kind == "docx" else kind
            dropped: Counter[str] = Counter()
            source = prepared(data, dropped) if kind == "docx" else data
            ast = read_ast(source, reader, origin.label, media_dir)
            if kind == "docx":
                ast["blocks"] = _without_word_styles(ast["blocks"])
            shown = pandoc_meta(ast["meta"])
            meta = {**shown, **properties(data, kind)}
            if kind == "docx":
                # pandoc takes Word's Title, Subtitle and Author paragraphs out of the body:
                # what the reader sees there wins over properties a template may have left
                # ("Normal.dot", "MyTitle"), or the words would be lost.
                meta.update({key: shown[key] for key in ("title", "subtitle", "author")
                             if key in shown})
            if kind == "docx" and "lang" not in meta:
                # Rarely in the properties; Word marks the language of the text itself. The
                # project's own language (Word's en-US in an English project) goes unsaid.
                lang = word_language(data)
                if lang and _base(lang) != _base(project.settings["lang"]):
                    meta["lang"] = lang
            media = Media(origin, options, extracted=media_dir)
            return [assemble(ast["blocks"], meta, origin, media, dropped,
                             fallback_title=_stem(origin))]


def _stem(origin: Origin) -> str | None:
    if origin.path is None:
        return None
    return re.sub(r"[-_]+", " ", PurePath(origin.path).stem).strip() or None


def _without_word_styles(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn a "Title" styled paragraph pandoc left in the body into a heading, drop the rest.

    With ``+styles`` pandoc wraps every custom-styled paragraph in a Div; the cleaner unwraps
    those, so only the title needs care: it becomes the heading ``assemble`` takes as title.
    """
    out = []
    for block in blocks:
        attrs = dict(block["c"][0][2]) if block["t"] == "Div" else {}
        if attrs.get("custom-style") == "Title" and block["c"][1]:
            inner = block["c"][1][0]
            out.append({"t": "Header", "c": [1, ["", [], []], inner["c"]]})
            continue
        out.append(block)
    return out


def properties(data: bytes, kind: str) -> dict[str, Any]:
    """Return title, authors, date, keywords, description and language from the properties."""
    member, paths = {
        "docx": ("docProps/core.xml", {
            "title": "dc:title", "author": "dc:creator", "date": "dcterms:created",
            "keywords": "cp:keywords", "description": "dc:description", "lang": "dc:language"}),
        "odt": ("meta.xml", {
            "title": "office:meta/dc:title", "author": "office:meta/dc:creator",
            "initial": "office:meta/meta:initial-creator",
            "date": "office:meta/meta:user-defined[@meta:name='date']",
            "created": "office:meta/meta:creation-date",
            "keywords": "office:meta/meta:keyword", "description": "office:meta/dc:description",
            "lang": "office:meta/dc:language"}),
    }.get(kind, (None, {}))
    if member is None:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if kind == "docx":
                member = package_part(package, "core-properties") or member
            root = etree.fromstring(package.read(member), SAFE_XML)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
    values: dict[str, Any] = {}
    for key, path in paths.items():
        texts = [" ".join(_XSTRING.sub(_unescape, node.text).split())
                 for node in root.findall(path, NS) if node.text and node.text.strip()]
        if texts:
            values[key] = texts if key == "keywords" else texts[0]
    found: dict[str, Any] = {}
    if values.get("title"):
        found["title"] = values["title"]
    authors = split_names(values.get("author") or values.get("initial") or "")
    if authors:
        found["author"] = authors
    if values.get("date") or values.get("created"):
        found["date"] = values.get("date") or values["created"]
    keywords = keyword_list(*(re.split(r"[;,]", k) for k in values.get("keywords", [])))
    if keywords:
        found["keywords"] = keywords
    if values.get("description"):
        found["description"] = values["description"]
    if values.get("lang") and LANG_RE.fullmatch(values["lang"]):
        found["lang"] = values["lang"]
    return found


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _base(lang: str) -> str:
    return lang.split("-")[0].lower()
