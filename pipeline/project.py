"""The project: where sources, templates and outputs live, and the project-wide settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError, UnsafePathError
from pipeline.schema import PROJECT_FIELDS, load_yaml_mapping, validate

if TYPE_CHECKING:
    from pipeline.brand import Brand

PROJECT_FILE = "folio.yaml"
SOURCE_DIR = "source"
TEMPLATES_DIR = "templates"
BUILD_DIR = "build"
ARTICLE_SUFFIXES = (".md", ".markdown")
# Folio's own templates, searched after the project's templates/ folder.
DEFAULT_TEMPLATES = Path(__file__).parent / "templates"

DEFAULTS: dict[str, Any] = {
    "site_title": "Folio",
    "author": (),
    "lang": "en",
    "base_url": None,
    "paper": "a4",
    "theme": "default",
    "rights": None,
    "brand": None,
    "code_style": "default",
    # Citations for every article that names none of its own; paths inside source/.
    "bibliography": (),
    "csl": None,
}


@dataclass(frozen=True)
class Project:
    """A Folio project: a folder holding ``source/``, optionally ``templates/``, and ``build/``."""

    root: Path
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    out_dir: Path | None = None

    @property
    def source_dir(self) -> Path:
        """Return the folder of article sources and the project file."""
        return self.root / SOURCE_DIR

    @property
    def templates_dir(self) -> Path:
        """Return the folder of the project's own template overrides."""
        return self.root / TEMPLATES_DIR

    @property
    def template_search_path(self) -> tuple[Path, Path]:
        """Return the template folders in lookup order: the project's first, Folio's after."""
        return (self.templates_dir, DEFAULT_TEMPLATES)

    @property
    def build_dir(self) -> Path:
        """Return the output folder (``build/`` unless ``--out`` says otherwise)."""
        return self.out_dir or self.root / BUILD_DIR

    @property
    def project_file(self) -> Path:
        """Return the path of the project file."""
        return self.source_dir / PROJECT_FILE

    @cached_property
    def brand(self) -> Brand:
        """Return the brand every output uses, read on first use, once per build."""
        from pipeline.brand import load_brand

        return load_brand(self)

    def article_paths(self) -> list[Path]:
        """Return every article source in ``source/``, in a stable order."""
        return sorted(p for p in self.source_dir.rglob("*")
                      if p.suffix in ARTICLE_SUFFIXES and p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(self.root).parts))

    def contains(self, path: Path) -> bool:
        """Tell whether ``path`` (after following symlinks) lies inside the project."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except (ValueError, OSError):
            return False
        return True


def load_project(root: Path, out_dir: Path | None = None) -> Project:
    """Read the project file in ``root/source`` (if any) over Folio's defaults."""
    root = root.resolve()
    source_dir = root / SOURCE_DIR
    if not source_dir.is_dir():
        raise ConfigError(f"no '{SOURCE_DIR}/' folder here; run 'folio init' to start a project",
                          root)
    settings = dict(DEFAULTS)
    project_file = source_dir / PROJECT_FILE
    if project_file.is_file():
        text = _read_text(project_file)
        data, lines = load_yaml_mapping(text, project_file, 1, ConfigError)
        settings.update(validate(data, PROJECT_FIELDS, project_file, lines, ConfigError))
    project = Project(root=root, settings=settings,
                      out_dir=out_dir.resolve() if out_dir else None)
    _check_out_dir(project)
    return project


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path) from None


def _check_out_dir(project: Project) -> None:
    """Refuse an output folder whose cleaning or overwriting would destroy the user's files."""
    out = project.build_dir.resolve()
    forbidden = {project.root, project.source_dir, project.templates_dir, Path("/"), Path.home()}
    if out in {p.resolve() for p in forbidden} or project.source_dir.resolve().is_relative_to(out):
        raise UnsafePathError(f"refusing to write outputs into {out}: it holds the project's "
                              "own files; choose an empty folder such as build/")
