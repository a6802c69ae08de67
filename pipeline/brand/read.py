"""Read a ``_brand.yml`` with the ``brand-yml`` package and check what Folio needs of it."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.brand import Brand as FolioBrand
from pipeline.brand import BrandFile, FontFace, Logo, Typeface
from pipeline.brand.colour import check_contrast, css_colour
from pipeline.errors import ConfigError, location
from pipeline.schema import load_yaml_mapping

if TYPE_CHECKING:
    from pipeline.project import Project

log = logging.getLogger(__name__)

# Colour fields of brand.yml's `color` section (besides the palette).
COLOUR_FIELDS = ("foreground", "background", "primary", "secondary", "tertiary", "success",
                 "info", "warning", "danger", "light", "dark")
# A family name goes into CSS and the PPTX theme between quotes: nothing that could end them.
FAMILY = re.compile(r"[^\"'\\<>;{}]+")
SOURCE_TAGS = {"file", "system", "google", "bunny"}
MODEL_NAME = re.compile(r"Brand[A-Z]\w*$")
# Sizes and line heights go into CSS as they are written: a number and a unit, nothing more.
LENGTH = re.compile(r"\d*\.?\d+(px|pt|em|rem|%)?")
WEIGHT_NAMES = {"thin": 100, "extra-light": 200, "ultra-light": 200, "light": 300,
                "normal": 400, "regular": 400, "medium": 500, "semi-bold": 600,
                "demi-bold": 600, "bold": 700, "extra-bold": 800, "ultra-bold": 800,
                "black": 900}


def read_brand(path: Path, project: Project) -> FolioBrand:
    """Return the brand in ``path``; a mistake is a ``ConfigError`` naming the file and field."""
    import pydantic

    model = brand_model()
    if not path.is_file():
        raise ConfigError("the brand file does not exist (see 'brand:' in folio.yaml)", path)
    if not project.contains(path):
        raise ConfigError("the brand file lies outside the project", path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path) from None
    # Folio's own YAML reading: a syntax error names its line, as in every other file.
    mapping, _ = load_yaml_mapping(text, path, 1, ConfigError)
    try:
        data = model.model_validate({**mapping, "path": path})
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        # Leave out pydantic's names of the union member tried ("file", "BrandLogo").
        field = ".".join(str(part) for part in error["loc"]
                         if not (isinstance(part, str) and (part in SOURCE_TAGS
                                                            or MODEL_NAME.match(part))))
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{field}: {message}", path) from None
    except (ValueError, TypeError, AttributeError) as exc:
        # brand-yml's own checks of a value of the wrong shape (a list for a mapping, say).
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"not a brand file Folio can read: {first}", path) from None
    reader = _Reader(path, project)
    return reader.brand(data)


def brand_model() -> type[Any]:
    """Return brand-yml's ``Brand`` model, imported without reading its source code.

    brand-yml's models ask pydantic for attribute docstrings (``use_attribute_docstrings``),
    so defining each class reads its source with ``inspect`` and ``ast``: a fifth of what
    importing brand-yml costs, for field descriptions that validation never uses. Pydantic's
    docstring reader is set aside while brand-yml's classes are defined (by this thread; no
    other code of Folio defines pydantic models), and put back after.
    """
    if "brand_yml" in sys.modules:
        from brand_yml import Brand

        return Brand
    from pydantic._internal import _fields

    reader = getattr(_fields, "extract_docstrings_from_cls", None)
    if reader is not None:  # a pydantic without it imports brand-yml as it is
        _fields.extract_docstrings_from_cls = _no_docstrings
    try:
        from brand_yml import Brand
    finally:
        if reader is not None:
            _fields.extract_docstrings_from_cls = reader
    return Brand


def _no_docstrings(*args: Any, **kwargs: Any) -> dict[str, str]:
    return {}


class _Reader:
    """Turn a validated brand-yml ``Brand`` into Folio's plain :class:`Brand`."""

    def __init__(self, path: Path, project: Project) -> None:
        self.path = path
        self.root = path.parent
        self.project = project

    def brand(self, data: Any) -> FolioBrand:
        """Return Folio's brand for ``data``, checking colours, files and families."""
        color = data.color
        palette = {name: self.colour(value, f"color.palette.{name}")
                   for name, value in ((color.palette or {}) if color else {}).items()}
        colors = {"foreground": "#1d1d1f", "background": "#fff", "primary": "#245a7a",
                  "secondary": "#5b5b62"}
        for name in COLOUR_FIELDS:
            value = getattr(color, name, None) if color else None
            if value is not None:
                colors[name] = self.colour(value, f"color.{name}")
        typography = data.typography
        faces = self.faces(typography.fonts if typography else [])
        body = self.typeface(typography and typography.base, "serif", "base")
        headings = self.typeface(typography and typography.headings, "sans-serif", "headings")
        mono = self.typeface(typography and typography.monospace, "monospace", "monospace")
        link = getattr(typography and typography.link, "color", None)
        heading = getattr(typography and typography.headings, "color", None)
        meta = data.meta
        name = meta.name if meta else None
        home = getattr(meta.link, "home", None) if meta and meta.link else None
        brand = FolioBrand(
            name=str(self.path), colors=colors, palette=palette, body=body, headings=headings,
            mono=mono, faces=faces, source=self.path,
            link_color=self.colour(link, "typography.link.color") if link else colors["primary"],
            heading_color=(self.colour(heading, "typography.headings.color") if heading
                           else colors["foreground"]),
            logos=self.logos(data.logo, name.full if name else None),
            meta_name=name.full if name else None, meta_short=name.short if name else None,
            meta_link=str(home) if home else None)
        check_contrast(brand, self.path)
        from pipeline.brand.fonts import check_families

        check_families(brand, self.path)
        return brand

    def colour(self, value: str, field: str) -> str:
        """Return ``value`` as a CSS colour; a name that resolves to nothing is an error."""
        found = css_colour(str(value))
        if found is None:
            raise ConfigError(f"{field}: '{value}' is neither a colour nor a name in "
                              "color.palette", self.path)
        return found

    def file(self, rel: Any, field: str) -> BrandFile:
        """Return a file the brand names, which must exist inside the project."""
        text = str(rel)
        if re.match(r"^[a-z][a-z0-9+.-]*://", text):
            raise ConfigError(f"{field}: '{text}' is a web address; Folio never goes online, "
                              "so name a file in the project", self.path)
        path = self.root / text
        if not self.project.contains(path):
            raise ConfigError(f"{field}: '{text}' is outside the project", self.path)
        if not path.is_file():
            raise ConfigError(f"{field}: '{text}' does not exist", self.path)
        return BrandFile(PurePosixPath(text).as_posix(), path.resolve())

    def faces(self, fonts: list[Any]) -> tuple[FontFace, ...]:
        """Return the font files of ``source: file`` families; warn about online sources."""
        faces = []
        for number, font in enumerate(fonts or []):
            family = self.family(font.family, f"typography.fonts.{number}.family")
            if font.source == "file":
                for index, entry in enumerate(font.files):
                    weight = entry.weight.root
                    weight = (" ".join(str(w) for w in weight)
                              if isinstance(weight, list | tuple) else str(weight))
                    faces.append(FontFace(family, self.file(
                        entry.path.root, f"typography.fonts.{number}.files.{index}.path"),
                        "400" if weight == "auto" else weight, entry.style))
            elif font.source in {"google", "bunny"}:
                log.warning("%s: typography.fonts.%d: '%s' comes from %s Fonts; Folio never "
                            "goes online, so the installed font of that name is used, if any",
                            location(self.path), number, family, font.source.title())
        return tuple(faces)

    def family(self, name: str, field: str) -> str:
        """Return a family name that is safe to quote in CSS and XML."""
        if not FAMILY.fullmatch(name or ""):
            raise ConfigError(f"{field}: '{name}' is not a font family name", self.path)
        return name.strip()

    def typeface(self, options: Any, generic: str, field: str) -> Typeface:
        """Return the type of one role (base, headings, monospace)."""
        if not options:
            return Typeface(None, generic)
        family = getattr(options, "family", None)
        weight = getattr(options, "weight", None)
        if isinstance(weight, str):
            weight = WEIGHT_NAMES.get(weight, weight)
        size = getattr(options, "size", None)
        height = getattr(options, "line_height", None)
        for name, value in (("size", size), ("line-height", height)):
            if value is not None and not LENGTH.fullmatch(str(value).strip()):
                raise ConfigError(f"typography.{field}.{name}: '{value}' is not a CSS length "
                                  "such as 17px, 1.1rem or 1.4", self.path)
        return Typeface(self.family(family, f"typography.{field}.family") if family else None,
                        generic, str(weight) if weight is not None else None,
                        str(size) if size is not None else None,
                        str(height) if height is not None else None)

    def logos(self, logo: Any, name: str | None) -> dict[str, Logo]:
        """Return the logos by size, each with its light and dark variants and alt text."""
        found: dict[str, Logo] = {}
        for size in ("small", "medium", "large"):
            value = getattr(logo, size, None) if logo else None
            if value is None:
                continue
            light = getattr(value, "light", None) or value
            dark = getattr(value, "dark", None)
            alt = getattr(light, "alt", None) or name or ""
            found[size] = Logo(self.file(light.path.root, f"logo.{size}"),
                               self.file(dark.path.root, f"logo.{size}.dark") if dark else None,
                               alt)
        return found
