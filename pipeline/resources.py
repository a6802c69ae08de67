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


def locate(src: str, source: Path, project: Project) -> Path | str | None:
    """Return the project file ``src`` (written in ``source``) names, whether it exists or not.

    A ``data:`` URL gives None; an address Folio may not read gives the reason, as a message
    with one ``%s`` for the address.
    """
    parts = urlsplit(src)
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
        return "refusing resource '%s': it is outside the project"
    return target


def resolve(src: str, article: Article, project: Project) -> Path | None:
    """Return the project file ``src`` names, or None (with a warning) when it may not be read."""
    found = locate(src, article.source, project)
    if isinstance(found, str):
        log.warning("%s: " + found, location(article.source), src)
        return None
    return found.resolve() if found is not None and found.is_file() else None


def article_assets(article: Article, project: Project) -> list[Asset]:
    """Return the local images of ``article`` that may be copied or embedded, once each."""
    seen: dict[str, Asset] = {}
    for src in article.resource_sources:
        if src in seen:
            continue
        path = resolve(src, article, project)
        if path is not None:
            seen[src] = Asset(src, path, output_name(src, path, project))
    return list(seen.values())


def output_name(src: str, path: Path, project: Project) -> str:
    """Return where an asset goes beside the output: as written when that is a plain path."""
    rel = PurePosixPath(unquote(urlsplit(src).path))
    if rel.parts and ".." not in rel.parts and not rel.is_absolute():
        return str(rel)
    # An address that climbs out of the source folder gets a stable name under assets/, from
    # its place in the project: the same wherever the project is (another checkout, a worker).
    where = path.relative_to(project.root.resolve()) if project.contains(path) else path
    digest = hashlib.sha256(where.as_posix().encode()).hexdigest()[:10]
    return f"assets/{digest}-{path.name}"


def rewrite_sources(html: str, assets: list[Asset]) -> str:
    """Point ``src`` attributes of ``html`` at the copied assets."""
    for asset in assets:
        if asset.output != asset.src:
            html = html.replace(f'src="{escape(asset.src)}"', f'src="{escape(asset.output)}"')
    return html
