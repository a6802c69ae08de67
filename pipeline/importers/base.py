"""The importer interface: what an importer reads, what it hands back, and the registry."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import etree

from pipeline.errors import FolioError

if TYPE_CHECKING:
    from pipeline.importers.fetch import Fetcher
    from pipeline.project import Project


# No entities, no DTDs, no network: export and property files come from strangers too.
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


class ImportFailed(FolioError):
    """A document cannot be imported; one line naming it, and the other documents go on."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        if isinstance(path, str) and "://" in path:
            # An address is no file path: shown as given, not folded into one.
            super().__init__(f"{path}: {message}")
            self.reason = self.message.removeprefix(f"{path}: ")
        else:
            super().__init__(message, path, line)


@dataclass(frozen=True)
class Options:
    """What the user asked of ``folio import``."""

    slug: str | None = None
    force: bool = False
    dry_run: bool = False
    drafts: bool = False
    pages: bool = False
    images: bool = False


@dataclass
class Origin:
    """Where a document came from: a file (its folder may hold its images) or an address."""

    label: str
    path: Path | None = None
    url: str | None = None
    fetcher: Fetcher | None = None
    # The folder the document may read from when wider than its own: an mdBook chapter's
    # book ("../img/diagram.png" from src/ch04/).
    reach: Path | None = None

    @property
    def folder(self) -> Path | None:
        """Return the folder whose files the document may name as its images, if any."""
        return self.path.parent if self.path is not None else None

    def inside(self, relative: str) -> Path | None:
        """Return the file ``relative`` names beside the document, if inside its folder.

        None when it leads out of the folder (or its ``reach``), or the document has none:
        what an import reads beside a document (images, bibliographies, LaTeX's inputs) is
        only ever in its folder.
        """
        if self.folder is None:
            return None
        path = self.folder.resolve().joinpath(*PurePosixPath(relative).parts).resolve()
        return path if path.is_relative_to((self.reach or self.folder).resolve()) else None


@dataclass
class Imported:
    """One article read from a document: metadata, a pandoc AST body and the media it uses.

    Image targets in ``blocks`` are keys of ``media`` until the writer knows the slug.
    """

    title: str
    blocks: list[dict[str, Any]]
    origin: Origin
    meta: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None
    media: dict[str, bytes] = field(default_factory=dict)
    # Other files the article needs, by name: its bibliographies and citation style, which
    # ``meta`` names by these names until the writer knows where they go.
    files: dict[str, bytes] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)
    # The book it is a chapter of, when one document held several articles in order, and
    # the part of the book it is in.
    book: Book | None = None
    part: str | None = None


@dataclass(frozen=True, eq=False)  # one book is one object: its chapters share it
class Book:
    """A book one document made several articles of: a book file lists them in order."""

    slug: str
    # The book file's fields (title, author, lang...), as Folio's book files name them.
    meta: dict[str, Any]


@dataclass
class Skipped:
    """An item a document holds that was left out on purpose (a draft, a page), and why."""

    title: str
    reason: str


class Importer:
    """Base class of the readers of one kind of document, chosen by sniffing the content."""

    # Shown in messages; unique across the registry.
    name: ClassVar[str] = ""
    # Lower runs first: a WordPress export is XML before it is "some text".
    priority: ClassVar[int] = 50

    def sniff(self, data: bytes, name: str) -> bool:
        """Tell whether ``data`` (called ``name``) is a document of this kind."""
        raise NotImplementedError

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the articles in ``data``, or raise ``ImportFailed``."""
        raise NotImplementedError

    def refusal(self, data: bytes) -> str | None:
        """Say why ``data``, which no importer recognised, cannot be read if it is of this kind.

        A damaged or encrypted file of a kind Folio reads deserves its reason, not a list of
        the kinds Folio reads.
        """
        return None


_REGISTRY: dict[str, Importer] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Add an importer class to the registry (a class decorator); names must be unique."""
    if not cls.name or cls.name in _REGISTRY:
        raise ValueError(f"importer name {cls.name!r} is empty or already registered")
    _REGISTRY[cls.name] = cls()
    return cls


def importers() -> list[Importer]:
    """Return every registered importer, in the order they are asked to sniff."""
    return sorted(_REGISTRY.values(), key=lambda imp: (imp.priority, imp.name))


def find_importer(data: bytes, name: str) -> Importer | None:
    """Return the first importer that recognises ``data``, or None."""
    return next((imp for imp in importers() if imp.sniff(data, name)), None)


def decode_text(data: bytes, label: str) -> str:
    """Decode text as UTF-8 (then Windows-1252, what older exports use), LF line endings."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed("neither UTF-8 nor Windows-1252 text", label)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_like_text(data: bytes) -> bool:
    """Tell whether ``data`` starts like text rather than a binary file."""
    head = data[:4096]
    return b"\x00" not in head and not head.startswith(b"PK\x03\x04")


_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y",
                 "%B %d %Y", "%d. %B %Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y", "%a, %d %b %Y",
                 "%A, %B %d, %Y")
# An ISO date, then a time, or (Org's timestamps) a weekday and perhaps a time.
_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?"
                         r"| [A-Za-z]{2,3}\.?(?: [\d:]+(?:-[\d:]+)?)?)?$")


def parse_date(text: object) -> dt.date | None:
    """Return the date ``text`` names in a common written or ISO form, else None."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        return None
    # Org writes its dates as timestamps: <2024-04-01 Mon>, [2024-04-01 Mon 10:00].
    value = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().strip("<>[]").rstrip("."))
    iso = _ISO_PREFIX.match(value)
    if iso:
        value = iso.group(1)
    # "Sept" is how many sites abbreviate September; strptime knows only "Sep".
    value = re.sub(r"\bSept\b", "Sep", value)
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


_CONTACT = re.compile(r"\s*[(<\[][^()<>\[\]]*(?:@|://)[^()<>]*[)>\]]\s*$")


def split_names(value: object) -> list[str]:
    """Return author names from text ("A; B", "A and B") or a list of texts or mappings."""
    if isinstance(value, str):
        parts = re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", value.strip())
        # "Dan Allen <https://github.com/mojavelinux>", "Jane Doe (jane@example.org)": the
        # address after a name is how to reach the author, not part of the name.
        return [name for part in parts if (name := _CONTACT.sub("", part).strip())]
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            names += split_names(item.get("name") if isinstance(item, dict) else item)
        return names
    if isinstance(value, dict):
        return split_names(value.get("name"))
    return []


def keyword_list(*values: object) -> list[str]:
    """Return the keywords in ``values`` (texts separated by commas, or lists), once each."""
    found: list[str] = []
    for value in values:
        items = value.split(",") if isinstance(value, str) else value if isinstance(
            value, list) else []
        for item in items:
            word = str(item).strip() if isinstance(item, str | int | float) else ""
            if word and word.lower() not in {w.lower() for w in found}:
                found.append(word)
    return found

