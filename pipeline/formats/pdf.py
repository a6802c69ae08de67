"""The PDF handout: the article on paper, rendered by WeasyPrint from the shared partials."""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import TYPE_CHECKING

from pipeline.context import article_context
from pipeline.errors import location
from pipeline.formats import Format, register
from pipeline.i18n import translate
from pipeline.math import with_svg
from pipeline.resources import article_files, media_label, missing, picture, place_media
from pipeline.templates import render

if TYPE_CHECKING:
    from pipeline.model import Article
    from pipeline.output import OutputDir
    from pipeline.resources import ArticleFiles, Asset, Shown

log = logging.getLogger(__name__)

# Pandoc's footnote call: <a class="footnote-ref" id="fnref1" href="#fn1" ...><sup>1</sup></a>.
FOOTNOTE_REF = re.compile(r'<a class="footnote-ref" id="fnref(\d+)" href="#fn\1"[^>]*>'
                          r"<sup>\d+</sup></a>")
# A note's paragraphs must become inline spans: a <p> inside the calling <p> would split it.
NOTE_PARAGRAPH = re.compile(r"<(/?)p\b[^>]*>")
# Pandoc's empty per-line anchors in code: a web page's link to a line, in a PDF only link
# annotations a screen reader announces as "cb1-1".
LINE_ANCHOR = re.compile(r'<a href="#[^"]*" aria-hidden="true" tabindex="-1"></a>')
# A link to the web or a mail address, whose address the handout prints after it.
OUTSIDE_LINK = re.compile(r'(<a\b[^>]*\bhref="((?:https?:|mailto:)[^"]*)"[^>]*>.*?</a>)', re.S)
# Ruled lines on the notes page: fits the text area of both A4 and US Letter.
NOTES_LINES = 22


@register
class PdfFormat(Format):
    """Write ``pdf/<slug>.pdf``: a print-ready, tagged handout of one article."""

    name = "pdf"
    description = "PDF handouts"
    slow_to_load = True
    heavy_modules = ("pipeline.weasy",)
    article_templates = ("pdf/handout.html.j2", "css/handout.css.j2")
    seconds_per_article = 0.4

    def article_outputs(self, article: Article) -> list[str]:
        """Return the handout of ``article``."""
        return [f"pdf/{article.slug}.pdf"]

    def write_article(self, article: Article, out: OutputDir) -> None:
        """Render the handout with one WeasyPrint run and write it atomically."""
        project = self.site.project
        options = article.options.get("handout", {})
        files = article_files(article, project)
        warn_missing_alt(article, files.refused)
        context = article_context(
            article, project,
            body=place_media(with_svg(handout_body(article), project.build_dir), files,
                             show_in_print, partial(keep_inside, files)),
            toc=article.headings if options.get("toc") else (),
            notes_page=options.get("notes_page", False),
            notes_lines=NOTES_LINES,
            paper=project.settings["paper"],
            brand_links="file",  # WeasyPrint reads the brand's fonts and logos in place
        )
        if context["online_url"]:
            context["qr_code"] = qr_code(context["online_url"])
        context["page_of"] = page_of_content(article.lang)
        html = render(self.site.env, "pdf/handout.html.j2", context)
        # Separate from the page, so the parsed styles serve every handout of the build.
        css = render(self.site.env, "css/handout.css.j2", context)
        # Imported here: WeasyPrint takes a while to load, and a build with nothing to make
        # should not pay for it (the build preloads heavy_modules before forking workers).
        from pipeline.weasy import PDF_A, PDF_UA, render_pdf

        data = render_pdf(html, base_dir=article.source.parent, project=project,
                          origin=article.source, identifier=article.identifier,
                          date=article.date, variant=PDF_A if options.get("archival") else PDF_UA,
                          stylesheets=[css])
        out.write_bytes(f"pdf/{article.slug}.pdf", data)


def handout_body(article: Article) -> str:
    """Return the body HTML with each footnote call replaced by its note, for `float: footnote`."""
    notes = {str(note.number): note.html for note in article.notes}

    def inline_note(match: re.Match[str]) -> str:
        number = match.group(1)
        text = NOTE_PARAGRAPH.sub(lambda m: "</span>" if m.group(1) else
                                  '<span class="footnote-para">', notes.get(number, ""))
        return f'<span class="footnote" id="fn{number}">{text.strip()}</span>'

    body = LINE_ANCHOR.sub("", FOOTNOTE_REF.sub(inline_note, article.body_html))
    # The address follows the link as text of its own: printed by CSS ::after it would be a
    # second link nested in the first in the PDF's structure. An address reads left to right
    # in any language: in an Arabic line the bidi algorithm would otherwise mirror its brackets.
    return OUTSIDE_LINK.sub(lambda m: f'{m.group(1)}<span class="link-address" dir="ltr"> '
                            f"({m.group(2)})</span>", body)


def show_in_print(shown: Shown, asset: Asset) -> str:
    """Return the handout's element for a file: a picture, or a line naming what it is."""
    # The picture keeps its address: WeasyPrint reads it through the project fetcher, which
    # hands over the checked (and, for SVG, cleaned) bytes.
    return picture(shown, None) if asset.media.is_picture else media_label(asset)


def keep_inside(files: ArticleFiles, shown: Shown) -> str:
    """Return an element the article's files do not cover: its alt text if it lies outside."""
    # The build warned about the address already; WeasyPrint would only refuse it again.
    if shown.src in files.outside:
        return missing(shown.alt)
    return shown.kept()


# How many images without alternative text get a warning each.
MISSING_ALT_LINES = 3


def warn_missing_alt(article: Article, left_out: frozenset[str] = frozenset()) -> None:
    """Warn once per image that has no alternative text: screen readers would skip it.

    Past a few, one warning says how many and where: a notebook's 40 plots gave 40 lines
    that buried every other warning.
    """
    sources = list(dict.fromkeys(image.src for image in article.images
                                 if not image.alt.strip() and image.src not in left_out))
    if len(sources) > MISSING_ALT_LINES:
        lines = [str(line) for src in sources if (line := article.line(src)) is not None]
        log.warning("%s: %d images have no alt text, the first '%s'%s; describe them for "
                    "readers who cannot see them", location(article.source,
                                                            article.line(sources[0])),
                    len(sources), sources[0], f" (lines {', '.join(lines)})" if lines else "")
        return
    for src in sources:
        log.warning("%s: image '%s' has no alt text; describe it for readers who cannot see it",
                    location(article.source, article.line(src)), src)


def qr_code(url: str) -> str:
    """Return a QR code for ``url`` as a one-pixel-per-module PNG ``data:`` address."""
    import segno  # only handouts with an online address need it

    code = segno.make(url, error="m", micro=False)
    # An <img>, so the tagged PDF carries its alt text; a tiny PNG drawn without smoothing
    # (image-rendering: pixelated) is as sharp as SVG and far cheaper for WeasyPrint to lay out.
    return code.png_data_uri(scale=1, border=0)


def css_string(text: str) -> str:
    """Return ``text`` as a quoted CSS string that cannot break out of its declaration."""
    # Quotes and backslashes would end the string; "<" could end a <style> element.
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>' or not c.isprintable() else c
                      for c in text)
    return f'"{escaped}"'


def page_of_content(lang: str) -> str:
    """Return the CSS ``content`` value for "page N of M" in ``lang``."""
    marker = "\x00"
    text = translate(lang, "page_of", page=f"{marker}page{marker}", pages=f"{marker}pages{marker}")
    parts = text.split(marker)
    # Even parts are words of the translation; odd parts name a counter.
    return " ".join(f"counter({part})" if i % 2 else css_string(part)
                    for i, part in enumerate(parts) if part or i % 2)
