"""Real documents other people wrote: the Markdown READMEs of the installed packages as decks.

Nothing is copied into the repository: the documents are read from the packages' metadata
where they are installed. Each deck must keep every paragraph in its notes, pass the Nu
checker, open as PPTX, and (the largest) fit every slide on its PDF page.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from pipeline.deck import build_deck
from pipeline.formats import Site
from pipeline.formats.slides import SlidesFormat
from pipeline.output import OutputDir
from pipeline.project import load_project
from pipeline.source import read_article
from pipeline.weasy import render_pdf
from tests.test_deck import check_invariants
from tests.test_html import vnu_errors
from tests.test_slides import SPILL_CSS

MIN_CHARS = 1500  # shorter READMEs are a title and a link


def readmes() -> dict[str, str]:
    """Return the Markdown long descriptions of the installed distributions, by slug."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        meta = dist.metadata
        kind = meta.get("Description-Content-Type") or ""
        body = meta.get_payload() or ""  # type: ignore[attr-defined]
        if "markdown" in kind and len(body) >= MIN_CHARS:
            found[re.sub(r"[^a-z0-9]+", "-", meta["Name"].lower()).strip("-")] = body
    return dict(sorted(found.items()))


def test_installed_readmes_give_whole_valid_decks(make_project: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    documents = readmes()
    if len(documents) < 5:
        pytest.skip("fewer than five Markdown READMEs are installed")
    root = make_project({f"source/{slug}.md": f"---\ntitle: {json.dumps(slug)}\nslug: {slug}"
                         f"\n---\n\n{body}" for slug, body in documents.items()})
    project = load_project(root)
    slides = SlidesFormat(Site(project))
    out = OutputDir(tmp_path / "build")
    sizes = {}
    for slug in documents:
        article = read_article(root / "source" / f"{slug}.md", project)
        deck = build_deck(article)
        check_invariants(deck)
        slides.write_part(article, "deck", out)
        pptx = Presentation(str(tmp_path / "build" / "slides" / f"{slug}.pptx"))
        assert len(pptx.slides) == len(deck.slides), slug
        sizes[slug] = (len(deck.slides), article)
    pages = sorted((tmp_path / "build" / "slides").glob("*.html"))
    assert len(pages) == len(documents)
    assert vnu_errors(*pages) == []
    # The largest deck, with each slide allowed to grow: a slide whose content is taller
    # than its frame spills onto a second page.
    for slug in sorted(sizes, key=lambda s: -sizes[s][0])[:1]:
        count, article = sizes[slug]
        html = (tmp_path / "build" / "slides" / f"{slug}.html").read_text(encoding="utf-8")
        pdf = render_pdf(html, base_dir=tmp_path / "build" / "slides", project=project,
                         origin=article.source, identifier=article.identifier,
                         stylesheets=[SPILL_CSS])
        assert len(PdfReader(io.BytesIO(pdf)).pages) == count, f"{slug}: a slide overflows"
