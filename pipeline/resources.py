"""Decide which files an article may pull in: local files inside the project, nothing else."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from pipeline.downsize import fitted
from pipeline.errors import location
from pipeline.images import Media, Unusable, check
from pipeline.model import Article
from pipeline.project import Project
from pipeline.urls import split_url

log = logging.getLogger(__name__)


# pandoc writes an image as <img>, and one naming a PDF, video or audio file as <embed>,
# <video> or <audio> (the last two holding a fallback link).
MEDIA_ELEMENT = re.compile(r"<(img|embed)\b[^>]*>|<(video|audio)\b[^>]*>.*?</\2\s*>",
                           re.IGNORECASE | re.DOTALL)
START_TAG = re.compile(r"<\w+\b[^>]*>")
ATTRIBUTE = re.compile(r'([^\s"\'>/=]+)(?:\s*=\s*"([^"]*)")?')
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Asset:
    """A local file an article uses, what its bytes are, and where it goes beside the output."""

    src: str
    path: Path
    output: str
    media: Media

    @property
    def name(self) -> str:
        """Return the file's name as the article writes it."""
        return PurePosixPath(unquote(split_url(self.src).path)).name

    @property
    def shown(self) -> Media:
        """Return the file as every output but the web page shows it: a large picture smaller."""
        return fitted(self.media)


@dataclass(frozen=True)
class ArticleFiles:
    """The files an article shows: those every format may use, and the addresses refused."""

    assets: tuple[Asset, ...]
    refused: frozenset[str]
    # Addresses Folio may not read (network, outside the project): never fetched.
    outside: frozenset[str] = frozenset()

    def by_src(self) -> dict[str, Asset]:
        """Return the usable assets by their address as written."""
        return {asset.src: asset for asset in self.assets}


@dataclass(frozen=True)
class Shown:
    """One image, player or embedded file in body HTML, as pandoc (or the author) wrote it."""

    tag: str
    src: str
    alt: str
    # Every other attribute of the element, as written (escaped).
    attributes: dict[str, str]
    # The whole element as written.
    html: str = ""

    def kept(self) -> str:
        """Return the element as written, an ``<img>`` given an empty ``alt`` if it has none."""
        return picture(self, None) if self.tag == "img" else self.html


def is_remote(src: str) -> bool:
    """Tell whether ``src`` is a network address."""
    return split_url(src).scheme in {"http", "https", "ftp"} or src.startswith("//")


def locate(src: str, source: Path, project: Project) -> Path | str | None:
    """Return the project file ``src`` (written in ``source``) names, whether it exists or not.

    A ``data:`` URL gives None; an address Folio may not read gives the reason, as a message
    with one ``%s`` for the address.
    """
    parts = split_url(src)
    if parts.scheme == "data":
        return None
    if is_remote(src):
        return "not fetching network resource '%s' (Folio never goes online)"
    path = PurePosixPath(unquote(parts.path))
    if parts.scheme or src.startswith("/") or (path.parts and ":" in path.parts[0]):
        return "refusing resource '%s': only files inside the project are read"
    if not path.parts:
        return "resource '%s' names no file"
    target = source.parent.joinpath(*path.parts)
    if not project.contains(target):
        if target.is_symlink():
            # The address looks fine; say where the link leads, or the user would stare at it.
            where = str(target.resolve()).replace("%", "%%")
            return f"refusing resource '%s': it is a link to {where}, outside the project"
        return "refusing resource '%s': it is outside the project"
    return target


def article_files(article: Article, project: Project) -> ArticleFiles:
    """Return the local files of ``article`` every format may use, and those refused.

    Each file is checked by its bytes (see pipeline.images) once per content. The build warns
    about a refused file or address once, while planning (pipeline.deps.asset_digest), so
    every format leaves it out quietly.
    """
    seen: dict[str, Asset] = {}
    refused: set[str] = set()
    outside: set[str] = set()
    for src in dict.fromkeys(article.resource_sources):
        found = locate(src, article.source, project)
        if isinstance(found, str):
            outside.add(src)
        elif found is not None and found.is_file():
            path = found.resolve()
            try:
                seen[src] = Asset(src, path, output_name(src, path, project), check(path))
            except Unusable:
                refused.add(src)
        elif found is not None:
            refused.add(src)  # raw HTML's missing picture (a Markdown one stops the article)
    return ArticleFiles(tuple(seen.values()), frozenset(refused), frozenset(outside))


def refusal(article: Article, src: str, path: Path, data: bytes) -> str | None:
    """Return the warning for the file ``src`` when it may not be shown, else None."""
    try:
        check(path, data)
    except Unusable as exc:
        what = "cover" if src == article.cover and src not in {i.src for i in article.images} \
            else "image"
        return f"{location(article.source, article.line(src))}: {what} '{src}' " \
               f"{exc.reason}; left out"
    return None


def output_name(src: str, path: Path, project: Project) -> str:
    """Return where an asset goes beside the output: as written when that is a plain path."""
    rel = PurePosixPath(unquote(split_url(src).path))
    if rel.parts and ".." not in rel.parts and not rel.is_absolute():
        return str(rel)
    # An address that climbs out of the source folder gets a stable name under assets/, from
    # its place in the project: the same wherever the project is (another checkout, a worker).
    where = path.relative_to(project.root.resolve()) if project.contains(path) else path
    digest = hashlib.sha256(where.as_posix().encode()).hexdigest()[:10]
    return f"assets/{digest}-{path.name}"


def place_media(html: str, files: ArticleFiles, show: Callable[[Shown, Asset], str],
                elsewhere: Callable[[Shown], str] | None = None) -> str:
    """Return ``html`` with each image or media element of the article's files as ``show`` says.

    A refused file becomes its alternative text. Any other element (a network address, raw
    HTML) becomes what ``elsewhere`` says, or stays as written, an ``<img>`` given an empty
    ``alt`` when it has none (it is then decorative).
    """
    assets = files.by_src()

    def swap(match: re.Match[str]) -> str:
        shown = parse_shown(match.group(0))
        if shown.src in files.refused:
            return missing(shown.alt)
        asset = assets.get(shown.src)
        if asset is not None:
            return show(shown, asset)
        return elsewhere(shown) if elsewhere is not None else shown.kept()

    return MEDIA_ELEMENT.sub(swap, html) if "<" in html else html


def parse_shown(element: str) -> Shown:
    """Return what an ``<img>``, ``<embed>``, ``<video>`` or ``<audio>`` element shows."""
    start = START_TAG.match(element)
    assert start is not None  # MEDIA_ELEMENT matched a start tag
    tag = start.group(0)[1:].split(None, 1)[0].rstrip(">/").lower()
    attributes = {name.lower(): value or "" for name, value
                  in ATTRIBUTE.findall(start.group(0)[len(tag) + 1:].rstrip("/>"))}
    src = unescape(attributes.pop("src", ""))
    alt = unescape(attributes.pop("alt", ""))
    if tag in {"video", "audio"} and not alt:
        # pandoc puts the caption in the fallback link: <video><a href="...">A talk</a></video>
        alt = " ".join(unescape(TAG.sub("", element[start.end():])).split())
    attributes.pop("controls", None)
    return Shown(tag, src, alt, attributes, element)


def picture(shown: Shown, src: str | None) -> str:
    """Return an ``<img>`` for ``shown`` at ``src`` (None: as written), always with ``alt``."""
    extra = "".join(f' {name}="{value}"' for name, value in shown.attributes.items())
    return f'<img src="{escape(shown.src if src is None else src)}" alt="{escape(shown.alt)}"' \
           f"{extra} />"


def missing(alt: str) -> str:
    """Return what stands for a picture left out: its alternative text."""
    return f'<span class="image-missing">{escape(alt)}</span>' if alt else ""


def media_label(asset: Asset) -> str:
    """Return a line naming a PDF, video or audio file, for formats that cannot play it."""
    return f'<span class="media-file">{escape(asset.media.label(asset.name))}</span>'
