"""What travels to a machine that does not share our files: the project's inputs, and paths.

A target names files by absolute path (its article's source, the project root, a book's cover).
On a worker those paths do not exist, so a target crosses as a pickle in which every path under
a known folder (the project, Folio's own package) is written as that folder's name plus the
rest, and comes out under the same folder's place on the other side. Results come back the
same way.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pipeline.brand import brand_path
from pipeline.output import OutputDir
from pipeline.project import ARTICLE_SUFFIXES, DEFAULT_TEMPLATES, Project
from pipeline.resources import locate

if TYPE_CHECKING:
    from pipeline.formats import Target

# Folio's own package folder (its templates, fonts, Lua filter) is installed on every worker.
PACKAGE_DIR = DEFAULT_TEMPLATES.parent

_loading = threading.local()


class _PathPickler(pickle.Pickler):
    """A pickler that writes paths under ``folders`` relative to the folder's name."""

    def __init__(self, file: io.BytesIO, folders: dict[Path, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        # Longest first: build/ or Folio's package may lie inside the project folder.
        self.folders = sorted(folders.items(), key=lambda item: len(item[0].parts), reverse=True)

    def reducer_override(self, obj: Any) -> Any:
        """Write a path under a known folder as (folder name, relative parts)."""
        if isinstance(obj, PurePath) and obj.is_absolute():
            for folder, name in self.folders:
                if obj.is_relative_to(folder):
                    return _placed, (name, obj.relative_to(folder).parts)
        return NotImplemented


def dumps(obj: object, folders: dict[Path, str]) -> bytes:
    """Return ``obj`` pickled, each path under one of ``folders`` named by that folder's name."""
    buffer = io.BytesIO()
    _PathPickler(buffer, folders).dump(obj)
    return buffer.getvalue()


def loads(data: bytes, places: dict[str, Path]) -> Any:
    """Return the object ``data`` holds, its named folders placed at ``places``."""
    saved = getattr(_loading, "places", None)
    _loading.places = places
    try:
        return pickle.loads(data)
    finally:
        _loading.places = saved


def _placed(name: str, parts: tuple[str, ...]) -> Path:
    """Return the path ``parts`` under the folder called ``name`` where it is being loaded."""
    return _loading.places[name].joinpath(*parts)


def project_files(project: Project, targets: list[Target]) -> dict[str, bytes]:
    """Return {path relative to the project: bytes} of every project file ``targets`` may read.

    That is what the build's cache counts as inputs: the project's templates, the files in
    source/ (images, fonts, books, bibliographies), the brand file and its fonts and logos,
    the images and covers the articles show, and each target's declared inputs. Article
    sources stay behind: they travel parsed, in their targets.
    """
    paths: set[Path] = set()
    for folder in (project.templates_dir, project.source_dir):
        if folder.is_dir():
            paths.update(path for path in folder.rglob("*")
                         if path.suffix not in ARTICLE_SUFFIXES or folder != project.source_dir)
    # The brand file and the fonts and logos it names, wherever in the project they lie.
    named = brand_path(project)
    if named is not None:
        paths.update([named, *(file.path for file in project.brand.files)])
    for target in targets:
        paths.update(target.inputs)
        for article in target.articles:
            for src in article.resource_sources:
                found = locate(src, article.source, project)
                if isinstance(found, Path):
                    # "source/../figures/x.png" is shipped as "figures/x.png".
                    paths.add(Path(os.path.normpath(found)))
    files = {}
    root = project.root
    for path in sorted(paths):
        # Regular files inside the project only: a link leading out of it is refused on the
        # worker as it would be here (there, as a missing file).
        if path.is_file() and project.contains(path) and path.is_relative_to(root):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def unpack(files: dict[str, bytes], root: Path) -> None:
    """Write ``files`` under ``root``, each only inside it (the output folder's own checks)."""
    out = OutputDir(root)
    for relative, data in files.items():
        out.write_bytes(relative, data)

