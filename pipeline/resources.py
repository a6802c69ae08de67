"""Decide which files an article may pull in: local files inside the project, nothing else."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pipeline.errors import location
from pipeline.model import Article
from pipeline.project import Project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asset:
    """A local file an article uses, and where it goes beside the output."""

    src: str
    path: Path
    output: str


def is_remote(src: str) -> bool:
    """Tell whether ``src`` is a network address."""
    return urlsplit(src).scheme in {"http", "https", "ftp"} or src.startswith("//")


def resolve(src: str, article: Article, project: Project) -> Path | None:
    """Return the project file ``src`` names, or None (with a warning) when it may not be read."""
    parts = urlsplit(src)
    if parts.scheme == "data":
        return None
    if is_remote(src):
        log.warning("%s: not fetching network resource '%s' (Folio never goes online)",
                    location(article.source), src)
        return None
    if parts.scheme or src.startswith("/") or ":" in PurePosixPath(unquote(parts.path)).parts[0]:
        log.warning("%s: refusing resource '%s': only files inside the project are read",
                    location(article.source), src)
        return None
    target = article.source.parent / unquote(parts.path)
    if not project.contains(target):
        log.warning("%s: refusing resource '%s': it is outside the project",
                    location(article.source), src)
        return None
    return target.resolve() if target.is_file() else None


def article_assets(article: Article, project: Project) -> list[Asset]:
    """Return the local images of ``article`` that may be copied or embedded, once each."""
    seen: dict[str, Asset] = {}
    sources = [image.src for image in article.images]
    if article.cover:
        sources.append(article.cover)
    for src in sources:
        if src in seen:
            continue
        path = resolve(src, article, project)
        if path is not None:
            seen[src] = Asset(src, path, output_name(src, path))
    return list(seen.values())


def output_name(src: str, path: Path) -> str:
    """Return where an asset goes beside the output: as written when that is a plain path."""
    rel = PurePosixPath(unquote(urlsplit(src).path))
    if rel.parts and ".." not in rel.parts and not rel.is_absolute():
        return str(rel)
    # An address that climbs out of the source folder gets a stable name under assets/.
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    return f"assets/{digest}-{path.name}"


def rewrite_sources(html: str, assets: list[Asset]) -> str:
    """Point ``src`` attributes of ``html`` at the copied assets."""
    for asset in assets:
        if asset.output != asset.src:
            html = html.replace(f'src="{escape(asset.src)}"', f'src="{escape(asset.output)}"')
    return html
