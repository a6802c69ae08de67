"""What every importer does once it has a pandoc AST: images gathered, body cleaned, title set."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin

import yaml

from pipeline import images
from pipeline.importers.base import (
    Imported,
    ImportFailed,
    Options,
    Origin,
    keyword_list,
    split_names,
)
from pipeline.importers.pandoc_ast import (
    CROSSREF_ID,
    Node,
    clean,
    text_of,
    walk,
    without_links_to,
)
from pipeline.schema import LANG_RE
from pipeline.urls import split_url

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
# The schemes of the addresses links lead to from a document (IANA's, and the common ones).
# (Unsafe ones, javascript: and the like, are taken out before: see pandoc_ast.clean.)
LINK_SCHEMES = {"http", "https", "mailto", "ftp", "ftps", "sftp", "tel", "sms", "news", "nntp",
                "irc", "ircs", "xmpp", "geo", "magnet", "urn", "git", "ssh", "webcal"}
# The metadata keys of pandoc's citations, which an imported article keeps (see citations).
CITATION_KEYS = {"bibliography", "csl", "citation-style", "link-citations", "nocite",
                 "references"}
# The bibliography formats pandoc's citeproc reads, by their names.
BIBLIOGRAPHY_SUFFIXES = {".bib", ".bibtex", ".json", ".yaml", ".yml", ".ris"}


class Media:
    """Decides, address by address, what the imported article points at; gathers images.

    A document's own images (extracted by pandoc into ``extracted``, or files inside the
    document's folder) are copied; a network image stays remote with a warning, or is
    downloaded with ``--images`` when it comes from the page's own site. A page's links to
    its own site lead there (see ``link``).
    """

    def __init__(self, origin: Origin, options: Options, extracted: Path | None = None,
                 base_url: str | None = None, site_url: str | None = None) -> None:
        self.origin = origin
        self.options = options
        self.extracted = extracted
        self.base_url = base_url or origin.url
        # Where the page lives on the web, for its links: a saved page declares it.
        self.site_url = site_url or self.base_url
        self.files: dict[str, bytes] = {}
        self.attached: dict[str, bytes] = {}  # files other than images (see attach)
        self.remote: list[str] = []  # network images kept as addresses, said once (see warn)
        # What each image address came to: an image shown twice is read and kept once, and
        # one that cannot be is said once.
        self.found: dict[str, str | None] = {}

    def __call__(self, src: str) -> str | None:
        """Return the address to write for the image ``src``, or None to keep only its alt."""
        if src not in self.found:
            self.found[src] = self._address(src)
        return self.found[src]

    def _address(self, src: str) -> str | None:
        if self.extracted is not None and Path(src).is_absolute():
            path = Path(src).resolve()
            if path.is_relative_to(self.extracted.resolve()) and path.is_file():
                return self._keep(path.name, path.read_bytes())
        scheme = split_url(src).scheme.lower()
        if scheme in {"http", "https"} or src.startswith("//") or (self.base_url and not scheme):
            return self._remote(urljoin(self.base_url or "", src))
        if scheme or not self.origin.folder:
            log.warning("%s: image '%s' left out: only the document's own images are read",
                        self.origin.label, src)
            return None
        return self._local(src)

    def link(self, href: str) -> str | None:
        """Return the address to write for a link to ``href``, or None to keep its words only.

        A page's links to its own site (``/wiki/Ethics``, ``../about``) named pages there:
        with the page's address known they lead there still; without it, a link from the
        site's root leads nowhere. A link relative to a document's folder may lead to another
        document imported with it, and is kept. A wiki's link to a page of its own
        ("Help:Contents", "Category:Physics") looks like an address of an unknown scheme:
        it named a page there, and keeps its words.
        """
        parts = split_url(href)
        if parts.scheme:
            return href if parts.scheme.lower() in LINK_SCHEMES else None
        if parts.netloc:  # "//host/path", which a page opened from a file cannot follow
            return urljoin(self.site_url or "https:", href)
        if self.site_url:
            return urljoin(self.site_url, href)
        return None if href.startswith("/") else href

    def attach(self, src: str, what: str, suffixes: set[str]) -> str | None:
        """Return the name a file the article needs (a bibliography) is kept under, or None.

        As for images, only a file inside the document's folder is read; anything else is
        one warning naming ``what`` it was to be.
        """
        path = None if split_url(src).scheme else self.origin.inside(src)
        if path is None:
            reason = "it is not a file inside the document's folder"
        elif path.suffix.lower() not in suffixes:
            reason = f"a {what} is a {', '.join(sorted(suffixes))} file"
        elif not path.is_file():
            reason = "no such file"
        else:
            return self.keep_file(path.name, path.read_bytes())
        log.warning("%s: %s '%s' left out: %s", self.origin.label, what, src, reason)
        return None

    def keep_file(self, name: str, data: bytes) -> str:
        """Keep ``data`` among the attached files; return its name there (made unique)."""
        stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
        count = 1
        while name in self.attached and self.attached[name] != data:
            count += 1
            name = f"{stem}-{count}{suffix}"
        self.attached[name] = data
        return name

    def _keep(self, name: str, data: bytes) -> str | None:
        try:
            images.inspect(data, PurePosixPath(name).suffix.lower())
        except images.Unusable as exc:
            # Word keeps drawings as Windows metafiles (EMF, WMF), which no browser, e-reader
            # or PDF renderer shows: written under an image's name, every build refused them.
            what = _metafile(data)
            reason = (f"is a Windows metafile ({what}), which no format shows" if what
                      else exc.reason)
            log.warning("%s: image '%s' left out: it %s", self.origin.label, name, reason)
            return None
        key = f"media:{len(self.files)}/{name}"
        self.files[key] = data
        return key

    def _local(self, src: str) -> str | None:
        path = self.origin.inside(unquote(split_url(src).path))
        # Nothing outside what was named: the document's own folder, and no link out of it.
        if path is None or path.suffix.lower() not in IMAGE_SUFFIXES:
            log.warning("%s: image '%s' left out: it is not an image inside the document's "
                        "folder", self.origin.label, src)
            return None
        if not path.is_file():
            log.warning("%s: image '%s' left out: no such file", self.origin.label, src)
            return None
        return self._keep(path.name, path.read_bytes())

    def _remote(self, url: str) -> str | None:
        if not self.options.images:
            self.remote.append(url)
            return url
        page = split_url(self.base_url or "")
        if (split_url(url).scheme, split_url(url).netloc) != (page.scheme, page.netloc):
            log.warning("%s: image '%s' stays remote: it is not on the page's own site",
                        self.origin.label, url)
            return url
        if self.origin.fetcher is None:
            return url
        try:
            final, data = self.origin.fetcher.fetch(url)
        except ImportFailed as exc:
            log.warning("%s: image '%s' stays remote: %s", self.origin.label, url, exc.reason)
            return url
        return self._keep(PurePosixPath(split_url(final).path).name or "image", data)

    def warn(self) -> None:
        """Say once which network images stay remote: a gallery post had 48, a warning each."""
        if not self.remote:
            return
        first, count = self.remote[0], len(self.remote)
        which = (f"image '{first}' stays remote" if count == 1
                 else f"{count} images stay remote, the first '{first}'")
        log.warning("%s: %s (Folio's formats leave %s out); --images downloads the page's own "
                    "images", self.origin.label, which, "it" if count == 1 else "them")


def _metafile(data: bytes) -> str | None:
    """Return "EMF" or "WMF" when ``data`` is a Windows metafile, else None."""
    if data[40:44] == b" EMF":
        return "EMF"
    # A placeable WMF starts with its key; a plain one with its header's type and size (9).
    if data.startswith(b"\xd7\xcd\xc6\x9a") or data[:4] in {b"\x01\x00\x09\x00",
                                                          b"\x02\x00\x09\x00"}:
        return "WMF"
    return None


def assemble(blocks: list[Node], meta: dict[str, Any], origin: Origin, media: Media,
             dropped: Counter[str] | None = None, chrome: bool = False,
             fallback_title: str | None = None, slug: str | None = None,
             folio_divs: bool = False) -> Imported:
    """Return the cleaned article; its title is the metadata's, else a leading heading's.

    ``folio_divs``: keep the divs Folio reads itself (see ``clean``).
    """
    dropped = dropped if dropped is not None else Counter()
    blocks = clean(blocks, dropped, media, chrome=chrome, link=media.link,
                   folio_divs=folio_divs)
    media.warn()
    title = str(meta.pop("title", "") or "").strip()
    if not any(char.isalnum() for char in title):
        title = ""  # "." in a scrubbed document's properties names nothing
    first = blocks[0] if blocks else None
    if first and first["t"] == "Header" and (not title or text_of(first["c"][2]) == title):
        # The title written again as the first heading: it is the title, not a section.
        title = title or text_of(first["c"][2])
        blocks = _raised(blocks[1:], first["c"][0] - 1)
        if CROSSREF_ID.fullmatch(first["c"][1][0]) and "id" not in meta:
            # A Quarto chapter's "# Transform {#sec-transform}": the article's own id, so
            # that "@sec-transform" in the other chapters still names it.
            meta["id"] = first["c"][1][0]
        elif first["c"][1][0]:
            # Links to it (and to the bookmarks of its section, moved to it) led to the top
            # of the document: the title block has no anchor, so they keep their words.
            blocks = without_links_to(blocks, {first["c"][1][0]}, dropped, "links to the title")
    blocks = _without_gaps(blocks)
    title = title or fallback_title or ""
    if not title:
        raise ImportFailed("no title: neither its metadata nor a first heading names one",
                           origin.label)
    if not meta.get("lang"):
        # A document that does not say its language, written in Chinese, Japanese or Korean,
        # is not the project's English: its fonts, line breaks and quotes are chosen by it.
        found = script_language(title + " " + text_of(blocks))
        if found:
            meta["lang"] = found
    return Imported(title=title, blocks=blocks, origin=origin, meta=meta, slug=slug,
                    media=media.files, files=media.attached, dropped=dropped)


def _raised(blocks: list[Node], levels: int) -> list[Node]:
    """Return ``blocks`` with every heading ``levels`` higher, none above level 1.

    A section of a book is titled by a level-2 heading ("## What Is Ownership?" in an
    mdBook); as an article's title it is level 1, and its sections come up with it.
    """
    if levels <= 0:
        return blocks

    def raise_(node: Node) -> list[Node]:
        if node["t"] == "Header":
            node["c"][0] = max(1, node["c"][0] - levels)
        return [node]

    return walk(blocks, raise_)


def _without_gaps(blocks: list[Node]) -> list[Node]:
    """Return ``blocks`` with no heading more than one level under the one before it.

    "###" straight under the title ("#") left a level out of the outline screen readers
    move through, and the build warned at each; the structure is the author's, the gap not.
    """
    last = 1  # the title's

    def close(node: Node) -> list[Node]:
        nonlocal last
        if node["t"] == "Header":
            node["c"][0] = last = min(node["c"][0], last + 1)
        return [node]

    return walk(blocks, close)


def meta_value(value: dict[str, Any] | None) -> Any:
    """Return a pandoc metadata value as plain Python: text, a list or a mapping."""
    if not value:
        return None
    kind, content = value["t"], value.get("c")
    if kind == "MetaList":
        return [meta_value(item) for item in content]
    if kind == "MetaMap":
        return {key: meta_value(item) for key, item in content.items()}
    if kind in {"MetaInlines", "MetaBlocks"}:
        return text_of(content)
    return content


def pandoc_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Return what pandoc found: Word's title paragraphs, an EPUB's OPF, a title block."""
    found: dict[str, Any] = {}
    # reStructuredText's docinfo names two of them its own way (:Abstract:, :Copyright:).
    for key, names in (("title", ("title",)), ("subtitle", ("subtitle",)), ("date", ("date",)),
                       ("description", ("description", "abstract")), ("lang", ("lang",)),
                       ("rights", ("rights", "copyright"))):
        value = next((value for name in names
                      if isinstance(value := meta_value(meta.get(name)), str) and value.strip()),
                     None)
        if value:
            found[key] = value.strip()
    for key in ("author", "creator"):
        value = meta_value(meta.get(key))
        if value and "author" not in found:
            found["author"] = split_names(value)
    keywords = keyword_list(meta_value(meta.get("keywords")), meta_value(meta.get("subject")))
    if keywords:
        found["keywords"] = keywords
    if "lang" in found and not LANG_RE.fullmatch(found["lang"]):
        del found["lang"]
    return found


def citations(front: dict[str, Any], media: Media) -> dict[str, Any]:
    """Return the article's citation settings, with the files they name attached to it.

    Its bibliographies and citation style come with it (from the document's folder, as its
    images do); references written in the front matter become a bibliography file of their
    own, as Folio reads citations from files.
    """
    found: dict[str, Any] = {}
    names = front.get("bibliography")
    kept = [media.attach(str(name), "bibliography", BIBLIOGRAPHY_SUFFIXES)
            for name in (names if isinstance(names, list) else [names] if names else [])]
    if isinstance(front.get("references"), list) and front["references"]:
        listed = yaml.safe_dump({"references": front["references"]}, allow_unicode=True,
                                sort_keys=False, default_flow_style=False)
        kept.append(media.keep_file("references.yaml", listed.encode("utf-8")))
    if not any(kept):
        return found
    found["bibliography"] = [name for name in kept if name]
    style = front.get("csl") or front.get("citation-style")
    if isinstance(style, str) and style.strip():
        csl = media.attach(style.strip(), "citation style", {".csl"})
        if csl:
            found["csl"] = csl
    if front.get("nocite"):
        found["nocite"] = front["nocite"]
    if isinstance(front.get("link-citations"), bool):
        found["link-citations"] = front["link-citations"]
    return found


# Letters of the scripts that name a language by themselves, or nearly.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
# A word of letters in any other script.
_OTHER_WORD = re.compile(r"[^\W\d_\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
                         r"\uac00-\ud7af\uf900-\ufaff]+")


def script_language(text: str) -> str | None:
    """Return "zh", "ja" or "ko" for text mostly in that language's script, else None.

    Kana is Japanese alone; Hangul Korean; Han without kana Chinese. Other scripts are
    shared by many languages (Latin, Cyrillic, Arabic) and name none. A Han character or a
    Hangul syllable is weighed against a whole word of other letters (a formula's \\frac
    and a name like Lagrange are a word each, not eight letters).
    """
    words = len(_OTHER_WORD.findall(text))
    han, kana, hangul = (len(pattern.findall(text)) for pattern in (_HAN, _KANA, _HANGUL))
    if hangul > words:
        return "ko"
    if kana and han + kana > words and kana > (han + kana) / 10:
        return "ja"
    if han > words:
        return "zh"
    return None
