"""The HTML format: a standalone, semantic page per article and an index of them all."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from html import escape
from typing import TYPE_CHECKING

from pipeline.brand.outputs import copy_brand_files
from pipeline.context import article_context, collection_context
from pipeline.formats import Format, Target, register
from pipeline.links import lead_links
from pipeline.rawhtml import Mended, page_html
from pipeline.resources import Asset, Shown, article_files, picture, place_media
from pipeline.templates import render

if TYPE_CHECKING:
    from pipeline.model import Article
    from pipeline.output import OutputDir

STYLESHEET = "html/folio.css"
INDEX = "html/index.html"


@register
class HtmlFormat(Format):
    """Write ``html/<slug>.html`` per article, ``html/index.html`` and the shared stylesheet."""

    name = "html"
    description = "web pages"
    article_templates = ("html/article.html.j2",)
    seconds_per_article = 0.01

    def article_outputs(self, article: Article) -> list[str]:
        """Return the page of ``article``."""
        return [f"html/{article.slug}.html"]

    def write_article(self, article: Article, out: OutputDir) -> None:
        """Render the page and copy the images, videos and files it shows next to it."""
        project = self.site.project
        files = article_files(article, project)
        for asset in files.assets:
            if asset.media.is_svg:
                out.write_bytes(f"html/{asset.output}", asset.media.data)  # the cleaned SVG
            else:
                out.copy(asset.path, f"html/{asset.output}")
        body = lead_links(article.body_html, article.leads)
        if article.leads:  # a footnote may link another article too
            article = replace(article, notes=tuple(
                replace(note, html=lead_links(note.html, article.leads))
                for note in article.notes))
        # Raw HTML may open in one block and close in another: it is mended as a whole.
        if any(block.raw for block in article.body_blocks):
            mended = Mended()
            body = page_html(body, mended)
            mended.report(article.source)
        context = article_context(article, project,
                                  body=place_media(body, files, show_on_page),
                                  stylesheet="folio.css")
        out.write_text(f"html/{article.slug}.html",
                       render(self.site.env, "html/article.html.j2", context))

    def collection_targets(self, articles: list[Article]) -> list[Target]:
        """Return the stylesheet every page links to and the index of all articles."""
        return [Target(self.name, (STYLESHEET,), (), self.write_stylesheet,
                       templates=("css/folio.css.j2",)),
                Target(self.name, (INDEX,), tuple(articles), partial(self.write_index, articles),
                       whole_project=True, templates=("html/index.html.j2",),
                       uses_images=False)]

    def write_stylesheet(self, out: OutputDir) -> None:
        """Write the stylesheet shared by every page."""
        context = collection_context([], self.site.project)
        out.write_text(STYLESHEET, render(self.site.env, "css/folio.css.j2", context))
        copy_brand_files(self.site.project.brand, out, "html")  # the fonts and logos it names

    def write_index(self, articles: list[Article], out: OutputDir) -> None:
        """Write the index of articles, newest first."""
        context = collection_context(articles, self.site.project, stylesheet="folio.css")
        out.write_text(INDEX, render(self.site.env, "html/index.html.j2", context))


def show_on_page(shown: Shown, asset: Asset) -> str:
    """Return the page's element for a copied file: a picture, a player, or a link to a PDF."""
    src = escape(asset.output)
    kind = asset.media.kind
    if kind == "image":
        return picture(shown, asset.output)
    label = escape(asset.media.label(asset.name))
    if kind in {"video", "audio"}:
        # The link inside is for browsers that cannot play the file: they offer it instead.
        described = f' aria-label="{escape(shown.alt)}"' if shown.alt else ""
        return (f'<{kind} src="{src}" controls=""{described}><a href="{src}">{label}</a>'
                f"</{kind}>")
    return f'<a class="media-file" href="{src}">{label}</a>'
