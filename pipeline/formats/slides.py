"""The slides format: a deck derived from the article, as HTML, PDF, PPTX and a slide handout."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from pipeline.brand.outputs import copy_brand_files
from pipeline.context import article_context
from pipeline.deck import Deck, build_deck
from pipeline.deck.fragments import balanced
from pipeline.formats import Format, Target, register
from pipeline.formats.pdf import page_of_content
from pipeline.i18n import STRINGS, base_language
from pipeline.links import lead_links
from pipeline.math import with_svg
from pipeline.rawhtml import Mended, page_html
from pipeline.resources import (
    ArticleFiles,
    Asset,
    Shown,
    article_files,
    media_label,
    picture,
    place_media,
)
from pipeline.templates import render

if TYPE_CHECKING:
    from collections.abc import Callable

    from weasyprint import Document as WeasyDocument

    from pipeline.deck import Slide
    from pipeline.model import Article
    from pipeline.nup import Place
    from pipeline.output import OutputDir

# The words the deck's script shows (its live region), handed to it as JSON.
SCRIPT_STRINGS = ("slide_of",)
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# Each part of a deck is its own target, made from these templates (and what they include):
# the PDF deck and the slide handout are one, since the handout shows the deck's own pages.
PART_TEMPLATES = {"deck": ("slides/deck.html.j2",),
                  "pdf": ("slides/deck.html.j2", "css/slides-pdf.css",
                          "slides/handout.html.j2")}
# Roughly how long each part takes (see Target.expected_seconds): the PDFs are the longest.
PART_SECONDS = {"deck": 0.2, "pdf": 0.6}
# CSS pixels to PDF points.
POINTS = 0.75
IMG = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"[^>]*>')
ALT = re.compile(r'\balt="([^"]*)"')


@register
class SlidesFormat(Format):
    """Write the HTML, PDF and PPTX decks under ``slides/``, the slide handout under ``pdf/``."""

    name = "slides"
    description = "slide decks (HTML, PDF, PPTX) and slide handouts"
    slow_to_load = True
    heavy_modules = ("pipeline.weasy", "pipeline.nup", "pipeline.pptx")

    def article_outputs(self, article: Article) -> list[str]:
        """Return the deck files and the slide handout of ``article``."""
        return [path for paths in self.part_outputs(article).values() for path in paths]

    def part_outputs(self, article: Article) -> dict[str, tuple[str, ...]]:
        """Return the outputs of each part: the deck (HTML, PPTX), the PDF deck, the handout."""
        slug = article.slug
        return {"deck": (f"slides/{slug}.html", f"slides/{slug}.pptx"),
                "pdf": (f"slides/{slug}.pdf", f"pdf/{slug}-slides-handout.pdf")}

    def targets(self, articles: list[Article]) -> list[Target]:
        """Return two targets per article, so the PDFs and the PPTX can be made at once."""
        return [Target(self.name, outputs, (article,), partial(self.write_part, article, part),
                       templates=PART_TEMPLATES[part], expected_seconds=PART_SECONDS[part])
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
        files = article_files(article, project)
        images = {asset.src: asset for asset in files.assets if asset.media.is_picture}
        uris = {src: data_uri(asset) for src, asset in images.items()}
        # Each block stands alone on a slide: raw HTML opened in one block and closed
        # in another would leave both halves invalid there. What HTML5 calls obsolete is
        # mended as on the web page (which says so).
        if any(block.raw for block in article.blocks):
            deck = map_html(deck, lambda html: page_html(balanced(html), Mended()))
        deck = embed_images(deck, files, uris)
        if part == "deck":  # a printed deck keeps the address as written: it has no pages
            deck = map_html(deck, partial(lead_links, leads=article.leads))
        context = self.context(deck, uris)
        if part != "deck":  # WeasyPrint reads the brand's files where they are
            context["brand_links"] = "file"
        context["for_print"] = part == "pdf"
        html = render(self.site.env, "slides/deck.html.j2", context)
        if part == "pdf":
            self.write_pdfs(deck, context, html, out)
            return
        from pipeline.pptx import write_pptx  # heavy: imported only when a deck is written

        out.write_text(f"slides/{article.slug}.html", html)
        # The fonts the deck links to; its logos are embedded.
        copy_brand_files(project.brand, out, "slides", logos=False)
        pptx = write_pptx(deck, images, project.brand.themed(deck.theme),
                          project.settings["code_style"])
        out.write_bytes(f"slides/{article.slug}.pptx", pptx)

    def context(self, deck: Deck, images: dict[str, str]) -> dict[str, Any]:
        """Return the template context of the deck and the handout."""
        article = deck.article
        settings = self.site.project.settings
        site = {**settings, "theme": deck.theme} if deck.theme else settings
        strings = STRINGS[base_language(article.lang)]
        return article_context(article, self.site.project, site=site, deck=deck,
                               images=images, brand_links="deck",
                               strings={key: strings[key] for key in SCRIPT_STRINGS})

    def write_pdfs(self, deck: Deck, context: dict[str, Any], html: str,
                   out: OutputDir) -> None:
        """Write the PDF deck, then the slide handout showing its pages in ruled frames."""
        from pipeline.nup import place_pages
        from pipeline.weasy import lay_out, write_pdf

        article = deck.article
        project = self.site.project
        # The PDF deck is the very HTML the browser shows: its print styles give a page a
        # slide.
        slides = self.pdf(article, html, render(self.site.env, "css/slides-pdf.css", {}))
        out.write_bytes(f"slides/{article.slug}.pdf", slides)
        frame = render(self.site.env, "slides/handout.html.j2", {
            **context,
            "pages": handout_pages(deck),
            "page_size": PAGE_SIZES[project.settings["paper"]],
            "page_of_css": page_of_content(article.lang),
        })
        document = lay_out(frame, base_dir=article.source.parent, project=project,
                           origin=article.source)
        framed = write_pdf(document, identifier=article.identifier, date=article.date)
        out.write_bytes(f"pdf/{article.slug}-slides-handout.pdf",
                        place_pages(framed, slides, frames(document, len(deck.slides))))

    def pdf(self, article: Article, html: str, *stylesheets: str) -> bytes:
        """Render the deck's ``html`` to a tagged PDF with the article's metadata."""
        from pipeline.weasy import render_pdf

        # Formulas as MathJax's SVG: WeasyPrint cannot lay out MathML.
        html = with_svg(html, self.site.project.build_dir)
        return render_pdf(html, base_dir=article.source.parent, project=self.site.project,
                          origin=article.source, identifier=article.identifier,
                          date=article.date, stylesheets=stylesheets)


def frames(document: WeasyDocument, count: int) -> list[Place]:
    """Return where the handout ``document`` framed each of ``count`` slides, in PDF points.

    A frame is the box anchored as ``handout-slide-N``; a slide without one (a project's own
    template dropped it) is left out.
    """
    from pipeline.nup import Place

    places = []
    for index, page in enumerate(document.pages):
        for number in range(1, count + 1):
            box = page.anchors.get(f"handout-slide-{number}")
            if box is not None:
                left, top, right, bottom = (value * POINTS for value in box)
                height = page.height * POINTS
                places.append(Place(index, number - 1, (left, height - bottom, right,
                                                        height - top)))
    return places


def handout_pages(deck: Deck) -> list[list[tuple[int, Any]]]:
    """Return the slides, numbered from 1, in pages of ``deck.handout_per_page``."""
    numbered = list(enumerate(deck.slides, 1))
    size = deck.handout_per_page
    return [numbered[start:start + size] for start in range(0, len(numbered), size)]


def embed_images(deck: Deck, files: ArticleFiles, uris: dict[str, str]) -> Deck:
    """Return the deck with images in notes and authors' slides embedded, or left as their alt.

    The deck must work offline from one file and never fetch from another host, and a hidden
    <img> in the notes would still be fetched by the browser. A video, audio or PDF file is
    named instead, on its figure slide too (the PPTX shows the same caption).
    """
    def show(shown: Shown, asset: Asset) -> str:
        uri = uris.get(asset.src)
        return picture(shown, uri) if uri is not None else media_label(asset)

    def outside(match: re.Match[str]) -> str:
        if match.group(1).startswith("data:"):
            return match.group(0)
        alt = ALT.search(match.group(0))
        return alt.group(1) if alt else ""

    def embed(html: str) -> str:
        return IMG.sub(outside, place_media(html, files, show)) if "<" in html else html

    media = {asset.src: asset for asset in files.assets if not asset.media.is_picture}

    def caption(slide: Slide) -> str:
        asset = media.get(slide.image.src) if slide.image else None
        if asset is None:
            return slide.text
        label = asset.media.label(asset.name)
        return f"{slide.text} ({label})" if slide.text else label

    deck = map_html(deck, embed)
    return replace(deck, slides=tuple(replace(slide, text=caption(slide))
                                      for slide in deck.slides))


def map_html(deck: Deck, change: Callable[[str], str]) -> Deck:
    """Return the deck with ``change`` applied to the HTML it shows as is: slides and notes."""
    return replace(deck, slides=tuple(
        replace(slide, html=change(slide.html),
                notes=tuple(replace(block, html=change(block.html)) for block in slide.notes))
        for slide in deck.slides))


def data_uri(asset: Asset) -> str:
    """Return the checked image as a data: URL, so the deck is one self-contained file."""
    shown = asset.shown
    encoded = base64.b64encode(shown.data).decode("ascii")
    return f"data:{shown.media_type};base64,{encoded}"
