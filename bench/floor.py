"""The floor: case 1's outputs made by bare pandoc and WeasyPrint calls in one Python process.

Run as ``python -m bench.floor SOURCE.md OUTDIR``. No templates, no checks, no metadata work:
the least any tool built on pandoc and WeasyPrint must spend, against which Folio is judged.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import escape
from pathlib import Path

import pypandoc
from weasyprint import CSS, HTML

ARTICLE_CSS = "@page { size: A4; margin: 25mm 20mm } body { font-family: DejaVu Serif }"
DECK_CSS = """
@page { size: 254mm 142.875mm; margin: 0 }
body { font-family: DejaVu Sans; margin: 0 }
section { height: 142.875mm; padding: 12mm 16mm; box-sizing: border-box; font-size: 24pt;
          break-after: page }
"""
HANDOUT_CSS = """
@page { size: A4; margin: 15mm }
body { font-family: DejaVu Sans }
section { display: flex; gap: 8mm; height: 80mm; break-inside: avoid; margin-bottom: 6mm }
.slide { width: 100mm; height: 56.25mm; border: 1px solid #888; padding: 4mm; font-size: 9pt;
         box-sizing: border-box }
.lines { flex: 1; background: repeating-linear-gradient(transparent 0 7mm, #aaa 7mm 7.2mm) }
"""
PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
TAG = re.compile(r"<[^>]+>")
SENTENCE_END = re.compile(r"(?<=[.?!])\s")


def main(source: Path, out: Path) -> None:
    """Write article.html, .epub, .pptx and three PDFs (article, deck, handout) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pandoc = pypandoc.get_pandoc_path()
    for target, args in (("article.html", ["-s", "-t", "html5"]), ("article.epub", ["-t", "epub3"]),
                         ("article.pptx", ["-t", "pptx"])):
        subprocess.run([pandoc, str(source), *args, "-o", str(out / target)], check=True)
    page = (out / "article.html").read_text(encoding="utf-8")
    HTML(string=page).write_pdf(out / "article.pdf", stylesheets=[CSS(string=ARTICLE_CSS)])
    # One slide per paragraph showing its first sentence: roughly what a derived deck holds.
    points = [SENTENCE_END.split(TAG.sub("", text).strip(), maxsplit=1)[0]
              for text in PARAGRAPH.findall(page)]
    slides = [f"<h1>{escape(points[0])}</h1>", *(f"<p>{escape(point)}</p>" for point in points)]
    deck = "".join(f"<section>{slide}</section>" for slide in slides)
    HTML(string=f"<html><body>{deck}</body></html>").write_pdf(
        out / "deck.pdf", stylesheets=[CSS(string=DECK_CSS)])
    handout = "".join(f'<section><div class="slide">{slide}</div><div class="lines"></div>'
                      "</section>" for slide in slides)
    HTML(string=f"<html><body>{handout}</body></html>").write_pdf(
        out / "handout.pdf", stylesheets=[CSS(string=HANDOUT_CSS)])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
