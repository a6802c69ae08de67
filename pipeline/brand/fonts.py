"""Fonts on this machine: is a brand's family installed, and does some font draw every character.

Fontconfig (``fc-match``, ``fc-list``) says what Pango, and so WeasyPrint, will use; fontTools
reads the character maps of the brand's own font files. Each font's coverage is read once per
process, and only the distinct characters of an article are looked up.
"""

from __future__ import annotations

import bisect
import functools
import logging
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import location

if TYPE_CHECKING:
    from pipeline.brand import Brand, Typeface
    from pipeline.model import Article

log = logging.getLogger(__name__)

# Warn about this many characters of one article at most: one missing script is one problem.
MAX_REPORTED = 5
# What to install for a character no font has, by the start of its Unicode block.
PACKAGES = ((0x2E80, 0xA4CF, "fonts-noto-cjk"), (0xAC00, 0xD7AF, "fonts-noto-cjk"),
            (0xF900, 0xFAFF, "fonts-noto-cjk"), (0xFF00, 0xFFEF, "fonts-noto-cjk"),
            (0x1F000, 0x1FAFF, "fonts-noto-color-emoji"), (0x20000, 0x3FFFF, "fonts-noto-cjk"))
Ranges = tuple[tuple[int, ...], tuple[int, ...]]


def _fontconfig(*args: str) -> str | None:
    """Return the output of a fontconfig tool, or None when fontconfig is not installed."""
    if shutil.which(args[0]) is None:
        return None
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


@functools.cache
def installed_family(family: str) -> tuple[str, str | None]:
    """Return the family fontconfig draws ``family`` with, and its file."""
    out = _fontconfig("fc-match", "-f", "%{family}\t%{file}", family)
    if not out or "\t" not in out:
        return family, None
    names, file = out.split("\t", 1)
    return names.split(",")[0], file or None


def check_families(brand: Brand, path: Path) -> None:
    """Warn once for each family the brand names that neither it ships nor the machine has."""
    shipped = {face.family.casefold() for face in brand.faces}
    for field, face in (("base", brand.body), ("headings", brand.headings),
                        ("monospace", brand.mono)):
        if not face.family or face.family.casefold() in shipped:
            continue
        out = _fontconfig("fc-match", "-f", "%{family}", face.family)
        if out is None:
            continue
        names = [name.strip().casefold() for name in out.split(",")]
        if face.family.casefold() not in names:
            log.warning("%s: typography.%s.family: '%s' is not installed and not a font file "
                        "of the brand; '%s' is used instead", location(path), field,
                        face.family, out.split(",")[0])


@functools.cache
def file_coverage(path: Path, mtime: float = 0.0) -> frozenset[int]:
    """Return the code points the font file at ``path`` draws (``mtime`` keys the cache)."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True, fontNumber=0)]
        return frozenset(code for font in fonts for code in (font.getBestCmap() or {}))
    except (TTLibError, OSError, KeyError):
        return frozenset()


def _merged(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Return sorted, merged ranges as two tuples (starts, ends) for bisecting."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(ranges):
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return tuple(starts), tuple(ends)


@functools.cache
def system_coverage() -> Ranges:
    """Return the code points some installed font draws, as ranges (one fc-list call)."""
    out = _fontconfig("fc-list", "--format", "%{charset}\n") or ""
    ranges = []
    for word in out.split():
        first, _, last = word.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    return _merged(ranges)


def _in(ranges: Ranges, code: int) -> bool:
    starts, ends = ranges
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def article_characters(article: Article) -> dict[str, None]:
    """Return the distinct characters the outputs draw of ``article``, in order of appearance."""
    texts = [article.title, article.subtitle or "", article.description or "",
             *article.authors, *(block.text for block in article.blocks),
             *(note.text for note in article.notes)]
    return dict.fromkeys(char for char in "".join(texts)
                         if unicodedata.category(char)[0] not in "CZ")


def primary_fonts(brand: Brand) -> tuple[Path, ...]:
    """Return the font files the brand's roles are drawn with first."""
    files = list(brand.font_files)
    shipped = {face.family.casefold() for face in brand.faces}
    for face in (brand.body, brand.headings, brand.mono):
        if face.family and face.family.casefold() in shipped:
            continue
        _, file = installed_family(_first_family(face))
        if file:
            files.append(Path(file))
    return tuple(dict.fromkeys(files))


def _first_family(face: Typeface) -> str:
    return face.family or face.stack.split(",")[0].strip().strip('"')


def missing_characters(article: Article, brand: Brand) -> list[str]:
    """Return the characters of ``article`` that no font Folio may use draws."""
    chars = article_characters(article)
    covered: set[int] = set()
    for path in primary_fonts(brand):
        stat = path.stat() if path.is_file() else None
        covered |= file_coverage(path, stat.st_mtime if stat else 0.0)
    left = [char for char in chars if ord(char) not in covered]
    if not left:
        return []
    ranges = system_coverage()
    return [char for char in left if not _in(ranges, ord(char))]


def check_coverage(articles: Iterable[Article], brand: Brand) -> None:
    """Warn, naming the line, about each character of an article no font can draw."""
    for article in articles:
        missing = missing_characters(article, brand)
        if not missing:
            continue
        try:
            lines = article.source.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for char in missing[:MAX_REPORTED]:
            line = next((n for n, text in enumerate(lines, 1) if char in text), None)
            log.warning("%s: no font has %s (U+%04X); install %s or name a font in %s",
                        location(article.source, line), char, ord(char), package_for(char),
                        brand.source.name if brand.source else "_brand.yml")
        if len(missing) > MAX_REPORTED:
            log.warning("%s: %d more characters no font has", location(article.source),
                        len(missing) - MAX_REPORTED)


def package_for(char: str) -> str:
    """Return the Debian font package that would most likely draw ``char``."""
    code = ord(char)
    for start, end, package in PACKAGES:
        if start <= code <= end:
            return package
    return "fonts-noto-core"
