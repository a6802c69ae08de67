"""Fonts on this machine: is a brand's family installed, and does some font draw every character.

Fontconfig (``fc-match``, ``fc-query``, ``fc-list``) says what Pango, and so WeasyPrint, will
use and which characters each font has (fontTools reads the brand's own files where fontconfig
is missing). Each font's coverage is read once per process, the whole machine's only when an
article has a character its first fonts lack, and only distinct characters are looked up.
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
def installed_family(family: str) -> tuple[str, str | None, Ranges]:
    """Return the family fontconfig draws ``family`` with, its file and what it covers."""
    out = _fontconfig("fc-match", "-f", "%{family}\t%{file}\t%{charset}", family)
    if not out or out.count("\t") < 2:
        return family, None, ((), ())
    names, file, charset = out.split("\t", 2)
    return names.split(",")[0], file or None, _charset(charset)


def check_families(brand: Brand, path: Path) -> None:
    """Warn once for each family the brand names that neither it ships nor the machine has."""
    shipped = {face.family.casefold() for face in brand.faces}
    for field, face in (("base", brand.body), ("headings", brand.headings),
                        ("monospace", brand.mono)):
        if not face.family or face.family.casefold() in shipped:
            continue
        if shutil.which("fc-match") is None:
            return
        fallback, _, _ = installed_family(face.family)
        if fallback.casefold() != face.family.casefold():
            log.warning("%s: typography.%s.family: '%s' is not installed and not a font file "
                        "of the brand; '%s' is used instead", location(path), field,
                        face.family, fallback)


@functools.cache
def file_coverage(path: Path, mtime: float = 0.0) -> Ranges:
    """Return the code points the font file at ``path`` draws (``mtime`` keys the cache).

    Fontconfig reads a font's character map in C, far faster than Python; fontTools is the
    fallback where fontconfig is not installed.
    """
    out = _fontconfig("fc-query", "-f", "%{charset}\n", str(path))
    if out is not None:
        return _charset(out)
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True, fontNumber=0)]
        codes = {code for font in fonts for code in (font.getBestCmap() or {})}
    except (TTLibError, OSError, KeyError):
        return (), ()
    return _merged((code, code) for code in codes)


def _charset(text: str) -> Ranges:
    """Return fontconfig's charset notation ("20-7e a0 ...") as merged ranges."""
    ranges = []
    for word in text.split():
        first, _, last = word.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    return _merged(ranges)


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
    return _charset(_fontconfig("fc-list", "--format", "%{charset}\n") or "")


def _in(ranges: Ranges, code: int) -> bool:
    starts, ends = ranges
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def article_characters(article: Article) -> dict[str, None]:
    """Return the distinct characters the outputs draw of ``article``, in order of appearance."""
    texts = [article.title, article.subtitle or "", article.description or "",
             *article.authors, *(block.text for block in article.blocks),
             *(note.text for note in article.notes)]
    # Distinct first (at C speed), then classified: an article has thousands of characters
    # but rarely a hundred different ones.
    return {char: None for char in dict.fromkeys("".join(texts))
            if unicodedata.category(char)[0] not in "CZ"}


def primary_coverage(brand: Brand) -> list[Ranges]:
    """Return what the fonts the brand's roles are drawn with first cover: its files, else
    the installed fonts fontconfig picks for its families."""
    covered = []
    for path in brand.font_files:
        stat = path.stat() if path.is_file() else None
        covered.append(file_coverage(path, stat.st_mtime if stat else 0.0))
    shipped = {face.family.casefold() for face in brand.faces}
    for face in (brand.body, brand.headings, brand.mono):
        if not (face.family and face.family.casefold() in shipped):
            covered.append(installed_family(_first_family(face))[2])
    return covered


def _first_family(face: Typeface) -> str:
    return face.family or face.stack.split(",")[0].strip().strip('"')


def missing_characters(article: Article, brand: Brand) -> list[str]:
    """Return the characters of ``article`` that no font Folio may use draws."""
    left = list(article_characters(article))
    for ranges in primary_coverage(brand):
        left = [char for char in left if not _in(ranges, ord(char))]
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
