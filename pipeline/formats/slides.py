"""The slides format: a deck derived from the article, as HTML, PDF, PPTX and a slide handout."""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import replace
from functools import partial
from html import unescape
from typing import TYPE_CHECKING, Any

from pipeline.brand.outputs import copy_brand_files
from pipeline.context import article_context
from pipeline.deck import Deck, build_deck
from pipeline.formats import Format, Target, register
from pipeline.formats.pdf import page_of_content
from pipeline.i18n import STRINGS, base_language
from pipeline.resources import article_assets
from pipeline.templates import render

if TYPE_CHECKING:
    from pathlib import Path

    from pipeline.model import Article
    from pipeline.output import OutputDir

# The words the deck's script shows (its live region), handed to it as JSON.
SCRIPT_STRINGS = ("slide_of",)
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# Each part of a deck is its own target, made from these templates (and what they include).
PART_TEMPLATES = {"deck": ("slides/deck.html.j2",),
                  "pdf": ("slides/deck.html.j2", "css/slides-pdf.css"),
                  "handout": ("slides/handout.html.j2",)}
IMG = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"[^>]*>')
ALT = re.compile(r'\balt="([^"]*)"')


@register
class SlidesFormat(Format):
    """Write the HTML, PDF and PPTX decks under ``slides/``, the slide handout under ``pdf/``."""

    name = "slides"
    description = "slide decks (HTML, PDF, PPTX) and slide handouts"
    heavy_modules = ("pipeline.weasy", "pipeline.pptx")

    def article_outputs(self, article: Article) -> list[str]:
        """Return the deck files and the slide handout of ``article``."""
        return [path for paths in self.part_outputs(article).values() for path in paths]

    def part_outputs(self, article: Article) -> dict[str, tuple[str, ...]]:
        """Return the outputs of each part: the deck (HTML, PPTX), the PDF deck, the handout."""
        slug = article.slug
        return {"deck": (f"slides/{slug}.html", f"slides/{slug}.pptx"),
                "pdf": (f"slides/{slug}.pdf",),
                "handout": (f"pdf/{slug}-slides-handout.pdf",)}

    def targets(self, articles: list[Article]) -> list[Target]:
        """Return three targets per article, so the two WeasyPrint renders can run at once."""
        return [Target(self.name, outputs, (article,), partial(self.write_part, article, part),
                       templates=PART_TEMPLATES[part])
                for article in articles
                for part, outputs in self.part_outputs(article).items()]

    def write_article(self, article: Article, out: OutputDir) -> None:
        """Write every part of the deck of ``article``."""
        for part in PART_TEMPLATES:
            self.write_part(article, part, out)

    def write_part(self, article: Article, part: str, out: OutputDir) -> None:
        """Derive the deck (a few milliseconds), then write one part of it."""
        project = self.site.project
        deck = build_deck(article, project.settings.get("base_url"))
        images = {asset.src: asset.path for asset in article_assets(article, project)}
        uris = {src: data_uri(path) for src, path in images.items()}
        deck = embed_images(deck, uris)
        context = self.context(deck, uris)
        if part != "deck":  # WeasyPrint reads the brand's files where they are
            context["brand_links"] = "file"
        if part == "handout":
            handout = render(self.site.env, "slides/handout.html.j2", {
                **context,
                "pages": handout_pages(deck),
                "page_size": PAGE_SIZES[project.settings["paper"]],
                "page_of_css": page_of_content(article.lang),
            })
            out.write_bytes(f"pdf/{article.slug}-slides-handout.pdf", self.pdf(article, handout))
            return
        html = render(self.site.env, "slides/deck.html.j2", context)
        if part == "pdf":
            # The PDF deck is the very HTML the browser shows: its print styles give a page
            # a slide.
            bookmarks = render(self.site.env, "css/slides-pdf.css", {})
            out.write_bytes(f"slides/{article.slug}.pdf", self.pdf(article, html, bookmarks))
            return
        from pipeline.pptx import write_pptx  # heavy: imported only when a deck is written

        out.write_text(f"slides/{article.slug}.html", html)
        # The fonts the deck links to; its logos are embedded.
        copy_brand_files(project.brand, out, "slides", logos=False)
        out.write_bytes(f"slides/{article.slug}.pptx",
                        write_pptx(deck, images, project.brand.themed(deck.theme)))

    def context(self, deck: Deck, images: dict[str, str]) -> dict[str, Any]:
        """Return the template context of the deck and the handout."""
        article = deck.article
        settings = self.site.project.settings
        site = {**settings, "theme": deck.theme} if deck.theme else settings
        strings = STRINGS[base_language(article.lang)]
        return article_context(article, self.site.project, site=site, deck=deck,
                               images=images, brand_links="deck",
                               strings={key: strings[key] for key in SCRIPT_STRINGS})

    def pdf(self, article: Article, html: str, *stylesheets: str) -> bytes:
        """Render ``html`` (deck or handout) to a tagged PDF with the article's metadata."""
        from pipeline.weasy import render_pdf

        return render_pdf(html, base_dir=article.source.parent, project=self.site.project,
                          origin=article.source, identifier=article.identifier,
                          date=article.date, stylesheets=stylesheets)


def handout_pages(deck: Deck) -> list[list[tuple[int, Any]]]:
    """Return the slides, numbered from 1, in pages of ``deck.handout_per_page``."""
    numbered = list(enumerate(deck.slides, 1))
    size = deck.handout_per_page
    return [numbered[start:start + size] for start in range(0, len(numbered), size)]


def embed_images(deck: Deck, uris: dict[str, str]) -> Deck:
    """Return the deck with images in notes and authors' slides embedded, or left as their alt.

    The deck must work offline from one file and never fetch from another host, and a hidden
    <img> in the notes would still be fetched by the browser.
    """
    def embed(html: str) -> str:
        def swap(match: re.Match[str]) -> str:
            uri = uris.get(unescape(match.group(1)))
            if uri is not None:
                return match.group(0).replace(f'src="{match.group(1)}"', f'src="{uri}"')
            alt = ALT.search(match.group(0))
            return alt.group(1) if alt else ""
        return IMG.sub(swap, html) if "<img" in html else html

    return replace(deck, slides=tuple(
        replace(slide, html=embed(slide.html),
                notes=tuple(replace(block, html=embed(block.html)) for block in slide.notes))
        for slide in deck.slides))


def data_uri(path: Path) -> str:
    """Return the file at ``path`` as a data: URL, so the deck is one self-contained file."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
