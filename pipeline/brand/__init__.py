"""The brand: colours, typefaces, logos and names that every output shares, read once a build.

A project's ``_brand.yml`` (Posit's brand.yml format, read in :mod:`pipeline.brand.read`) or one
of the built-in brands the ``theme`` setting names becomes a :class:`Brand`: plain data, cheap to
send to worker processes, which never import the ``brand-yml`` package themselves.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.project import Project

BRAND_FILE = "_brand.yml"
LOGO_SIZES = ("small", "medium", "large")
# The build cache's folder of SVG logos drawn as PNG (see pipeline.brand.raster).
RASTER_FOLDER = "logos"
LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
# Fallbacks after a brand's own family: Folio's defaults, then the Noto families (CJK
# included) where they are installed, so a browser or Pango finds a glyph for most text.
# No emoji font here: Noto Color Emoji has digits too, and fontconfig finds it for emoji.
SERIF_STACK = ('"DejaVu Serif"', "Charter", "Georgia", '"Noto Serif"', '"Noto Serif CJK JP"',
               "serif")
SANS_STACK = ('"DejaVu Sans"', '"Helvetica Neue"', "Arial", '"Noto Sans"', '"Noto Sans CJK JP"',
              "sans-serif")
MONO_STACK = ('"DejaVu Sans Mono"', "Menlo", "Consolas", '"Noto Sans Mono"',
              '"Noto Sans Mono CJK JP"', "monospace")
GENERIC = {"serif": SERIF_STACK, "sans-serif": SANS_STACK, "monospace": MONO_STACK}


@dataclass(frozen=True)
class BrandFile:
    """A file the brand names (a font, a logo): where it is, and its path from the brand file."""

    rel: str
    path: Path

    def href(self, links: str) -> str:
        """Return the address of this file in an output: ``relative``, ``file`` or ``deck``.

        Web pages and ebooks carry a copy under ``brand/``; WeasyPrint reads the project file
        itself; the HTML deck, one self-contained file, embeds its logos and links to copies
        of the fonts (a megabyte of base64 would slow every reader of it, WeasyPrint too).
        """
        if links == "file":
            return self.path.as_uri()
        if links == "deck" and Path(self.rel).suffix.lower() in LOGO_TYPES:
            kind = mimetypes.guess_type(self.path.name)[0] or "application/octet-stream"
            return f"data:{kind};base64,{base64.b64encode(self.path.read_bytes()).decode()}"
        return f"brand/{self.rel}"

    @property
    def output(self) -> str:
        """Return where a copy goes beside an output that links to it."""
        return f"brand/{self.rel}"


@dataclass(frozen=True)
class FontFace:
    """One font file of a family the brand ships (``source: file``)."""

    family: str
    file: BrandFile
    weight: str = "400"
    style: str = "normal"

    @property
    def format(self) -> str:
        """Return the CSS ``format()`` hint of the file."""
        return {".woff2": "woff2", ".woff": "woff", ".otf": "opentype"}.get(
            Path(self.file.rel).suffix.lower(), "truetype")


@dataclass(frozen=True)
class Typeface:
    """A role's type: the family first, then the fallbacks; weight, size and line height."""

    family: str | None
    generic: str
    weight: str | None = None
    size: str | None = None
    line_height: str | None = None

    @property
    def stack(self) -> str:
        """Return the CSS ``font-family`` value: the brand's family, then Folio's stack."""
        fallbacks = GENERIC[self.generic]
        first = f'"{self.family}"'
        return ", ".join([first, *(f for f in fallbacks if f != first)] if self.family
                         else fallbacks)


@dataclass(frozen=True)
class Logo:
    """A logo at one size: the light variant, the dark one if any, and its description."""

    light: BrandFile
    dark: BrandFile | None = None
    alt: str = ""


@dataclass(frozen=True)
class Brand:
    """Everything the outputs take from the brand, resolved: colours are CSS colour values."""

    name: str
    colors: dict[str, str]
    body: Typeface
    headings: Typeface
    mono: Typeface
    link_color: str
    heading_color: str
    palette: dict[str, str] = field(default_factory=dict)
    faces: tuple[FontFace, ...] = ()
    logos: dict[str, Logo] = field(default_factory=dict)
    meta_name: str | None = None
    meta_short: str | None = None
    meta_link: str | None = None
    source: Path | None = None
    # Digest of the brand file and every file it names: a brand edit rebuilds every output.
    key: str = ""
    # Where SVG logos drawn as PNG (for PowerPoint, EPUB covers) are kept for every process of
    # a build and the builds after it: the build cache; None keeps them in this process only.
    raster_dir: Path | None = None

    @property
    def builtin(self) -> bool:
        """Tell whether this is one of Folio's built-in brands (no ``_brand.yml``)."""
        return self.source is None

    def themed(self, theme: str | None) -> Brand:
        """Return the brand a deck with its own ``theme`` uses: a brand file wins over it."""
        if self.builtin and theme and theme != self.name:
            return BUILTIN[theme]
        return self

    def logo(self, *sizes: str) -> Logo | None:
        """Return the first logo of ``sizes`` the brand has, else any of its logos, else None."""
        for size in (*sizes, *LOGO_SIZES):
            if size in self.logos:
                return self.logos[size]
        return None

    @property
    def files(self) -> tuple[BrandFile, ...]:
        """Return every file the brand names, once each, in a stable order."""
        found = {face.file.rel: face.file for face in self.faces}
        for logo in self.logos.values():
            for file in (logo.light, logo.dark):
                if file is not None:
                    found[file.rel] = file
        return tuple(found[rel] for rel in sorted(found))

    def raster(self, file: BrandFile, height: int | None = None) -> bytes:
        """Return a logo as PNG or JPEG bytes: an SVG one drawn on first need, once a build.

        An SVG logo is drawn ``height`` pixels high (by default, sharp on a 1-inch logo).
        """
        from pipeline.brand.raster import HEIGHT, logo_png

        return logo_png(file.path, self.raster_dir, height or HEIGHT)

    @property
    def font_files(self) -> tuple[Path, ...]:
        """Return the font files the brand ships, for glyph coverage."""
        return tuple(dict.fromkeys(face.file.path for face in self.faces))


def _builtin(name: str, accent: str, text: str, muted: str, body: str, heading: str) -> Brand:
    colors = {"foreground": text, "background": "#fff", "primary": accent, "secondary": muted}
    return Brand(name=name, colors=colors, body=Typeface(None, body),
                 headings=Typeface(None, heading), mono=Typeface(None, "monospace"),
                 link_color=accent, heading_color=text, key=f"builtin:{name}")


# The three built-in themes, as brands: what a _brand.yml giving these colours would make.
BUILTIN: dict[str, Brand] = {
    "default": _builtin("default", "#245a7a", "#1d1d1f", "#5b5b62", "serif", "sans-serif"),
    "serif": _builtin("serif", "#7a3b2e", "#1d1d1f", "#5b5b62", "serif", "serif"),
    "contrast": _builtin("contrast", "#00008b", "#000", "#222", "sans-serif", "sans-serif"),
}


def brand_path(project: Project) -> Path | None:
    """Return the brand file the project uses: ``brand:`` in folio.yaml, else ``_brand.yml``."""
    named = project.settings.get("brand")
    if named:
        return project.root / named
    default = project.root / BRAND_FILE
    return default if default.is_file() else None


def world_digest(project: Project) -> str:
    """Return a digest of the project's brand file, cheap enough for the nothing-changed check.

    The files it names are counted by the build once read (they are target inputs).
    """
    path = brand_path(project)
    if path is None or not path.is_file():
        return "no brand"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def watch_paths(project: Project) -> list[Path]:
    """Return the brand file and the files it names (once read), for ``folio serve`` to watch."""
    path = brand_path(project)
    if path is None or not path.is_file():
        return []
    brand = project.__dict__.get("brand")  # read by the last build, if it could be
    return [path, *(file.path for file in brand.files)] if brand else [path]


def load_brand(project: Project) -> Brand:
    """Return the project's brand: its brand file, read and checked, or the theme's."""
    path = brand_path(project)
    if path is None:
        return BUILTIN[project.settings.get("theme") or "default"]
    from pipeline.brand.read import read_brand  # brand-yml takes a while to import

    brand = read_brand(path, project)
    digest = hashlib.sha256(path.read_bytes())
    for file in brand.files:
        digest.update(file.rel.encode() + b"\0" + file.path.read_bytes())
    from pipeline.cache import CACHE_DIR

    return replace(brand, key=digest.hexdigest(),
                   raster_dir=project.build_dir / CACHE_DIR / RASTER_FOLDER)
