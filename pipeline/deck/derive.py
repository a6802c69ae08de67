"""Derive a deck from the article model by the documented rules, never re-parsing the source."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field, replace
from html import escape, unescape
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pipeline.deck.model import (
    ASPECTS,
    BULLET_WORDS,
    BULLETS_PER_SLIDE,
    CAPTION_WORDS,
    CODE_COLUMNS,
    CODE_LINES,
    HANDOUT_LAYOUTS,
    LEAD_ROWS,
    MAX_SLIDE_WORDS,
    TABLE_CHARS,
    TITLE_RESERVE,
    Deck,
    Slide,
    word_budget,
)
from pipeline.deck.tables import parse_table, split_table
from pipeline.deck.text import (
    code_pages,
    cut_quotation,
    key_sentence,
    shorten,
    shorten_title,
)
from pipeline.deck.titles import derived_title
from pipeline.errors import SourceError, location
from pipeline.i18n import join_names, translate
from pipeline.math import is_display_math
from pipeline.model import Block

if TYPE_CHECKING:
    from pipeline.model import Article, Note

log = logging.getLogger(__name__)

_FIGCAPTION = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", re.DOTALL)
# A list marker, followed by the item or by the end of the line (an empty item).
_LIST_ITEM = re.compile(r"^(?:[-*+]|\(?\w{1,3}[.)])(?:[ \t]+|$)", re.MULTILINE)


@dataclass
class _Item:
    """A unit of derived content: the bullets one block gives and the notes that explain them."""

    bullets: list[str]
    notes: list[Block]
    source: Block | None = None
    slides: list[Slide] = field(default_factory=list)  # a figure, table, ... shows on its own
    code: list[tuple[str, str]] = field(default_factory=list)  # a code item's whole listing


@dataclass
class _Section:
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)


def build_deck(article: Article, base_url: str | None = None) -> Deck:
    """Derive the deck of ``article``: title slide, content slides, closing slide."""
    options = _options(article)
    lang = article.lang
    slides: list[Slide] = [_title_slide(article)]
    pending: list[Block] = []  # `::: notes` met before any slide of its section exists
    for section in _sections(article.blocks, lang):
        made = _section_slides(section, article, options["bullets"], options["aspect"],
                               pending)
        if made:
            if pending:
                made[0] = replace(made[0], notes=(*pending, *made[0].notes))
                pending = []
            slides += made
    if pending:
        slides[-1] = replace(slides[-1], notes=(*slides[-1].notes, *pending))
    slides.append(_closing_slide(article, base_url, lang))
    slides = _unique_titles([_with_footnotes(slide, article) for slide in slides])
    return Deck(article, tuple(slides), options["aspect"], options["bullets"],
                options.get("theme"), options["handout_per_page"])


def _unique_titles(slides: list[Slide]) -> list[Slide]:
    """Number a title that an earlier slide of another section already has ("Fixed 2")."""
    # Screen readers, the deck's overview and PowerPoint's slide list tell slides apart by
    # title; changelogs and FAQs repeat headings ("Changed", "Fixed") under each version.
    used: dict[str, int] = {}
    result: list[Slide] = []
    previous = None
    for slide in slides:
        title = slide.title
        # The parts of one section ("(1/3)", "(2/3)") share a title and are told apart already.
        if (previous is not None and title == previous.title and slide.part
                and not slide.part.startswith("1/")):
            result.append(replace(slide, title=result[-1].title))
            previous = slide
            continue
        if title in used:
            used[title] += 1
            candidate = f"{title} {used[title]}"
            while candidate in used:
                used[title] += 1
                candidate = f"{title} {used[title]}"
            used[candidate] = 1
            result.append(replace(slide, title=candidate))
        else:
            used[title] = 1
            result.append(slide)
        previous = slide
    return result


def _options(article: Article) -> dict[str, Any]:
    given = dict(article.options.get("slides") or {})
    aspect = given.get("aspect", "16:9")
    if aspect not in ASPECTS:
        raise SourceError(f"slides.aspect: '{aspect}' is not one of {', '.join(ASPECTS)}",
                          article.source)
    per_page = given.get("handout_per_page", 3)
    if per_page not in HANDOUT_LAYOUTS:
        raise SourceError(f"slides.handout_per_page: must be 3 or 6, not {per_page}",
                          article.source)
    return {"aspect": aspect, "bullets": given.get("bullets", BULLETS_PER_SLIDE),
            "theme": given.get("theme"), "handout_per_page": per_page}


def _title_slide(article: Article) -> Slide:
    notes = [Block("Para", f"<p>{escape(article.description)}</p>", article.description)
             ] if article.description else []
    return Slide("title", article.title, text=article.subtitle or "", notes=tuple(notes))


def _closing_slide(article: Article, base_url: str | None, lang: str) -> Slide:
    url = f"{base_url.rstrip('/')}/{article.slug}.html" if base_url else ""
    # Its own title, not the article's again: the title slide has that, and screen readers,
    # the deck's overview and PowerPoint's slide list tell slides apart by their titles.
    return Slide("closing", translate(lang, "slide_closing"), text=url,
                 bullets=(join_names(article.authors, lang),) if article.authors else ())


def _flatten(blocks: tuple[Block, ...], lang: str = "en") -> list[Block]:
    """Return the blocks with plain wrapper divs opened, so their paragraphs count as prose.

    citeproc's reference list becomes a "References" section (unless a heading introduces it
    already), each entry a block of its own: one bullet a work, the full entry in the notes.
    """
    flat: list[Block] = []
    for block in blocks:
        if block.kind == "Div" and block.id == "refs":
            if not flat or flat[-1].kind != "Header":
                words = translate(lang, "references")
                flat.append(Block("Header", f"<h1>{escape(words)}</h1>", words, level=1))
            # Alone in the notes, an entry is no longer an item of citeproc's role="list".
            flat += [replace(entry, html=entry.html.replace(' role="listitem"', "", 1))
                     for entry in block.children if entry.text.strip()]
        elif block.kind == "Div" and "csl-entry" in block.classes:
            flat.append(block)
        elif block.kind == "Div" and not block.slides_only and "no-slides" not in block.classes:
            flat += _flatten(block.children, lang)
        else:
            flat.append(block)
    return flat


def _sections(blocks: tuple[Block, ...], lang: str = "en") -> list[_Section]:
    """Split the body at its headings; content before the first heading has none."""
    sections = [_Section(None)]
    skipping = False
    for block in _flatten(blocks, lang):
        if block.kind == "Header":
            # A heading marked .no-slides leaves its whole section out of the deck.
            skipping = "no-slides" in block.classes
            if not skipping:
                sections.append(_Section(block))
            continue
        if skipping or "no-slides" in block.classes:
            continue
        sections[-1].blocks.append(block)
    return [s for s in sections if s.heading is not None or s.blocks]


def _section_slides(section: _Section, article: Article, per_slide: int, aspect: str,
                    pending: list[Block]) -> list[Slide]:
    """Return the slides of one section: the author's own, or derived from its prose."""
    title, heading_notes = _section_title(section.heading)
    explicit = [b for b in section.blocks if "slide" in b.classes]
    if explicit:
        return _explicit_slides(section, title, heading_notes, article)
    items = _joined_code(_items(section.blocks, title, article, aspect, pending), aspect)
    runs: list[list[_Item]] = [[]]
    for item in items:
        if item.slides:
            runs += [[item], []]
        elif item.source is not None and item.source.kind == "HorizontalRule":
            runs.append([])  # a horizontal rule is the author asking for a new slide here
        else:
            runs[-1].append(item)
    slides: list[Slide] = []
    for run in filter(None, _with_leads(runs, aspect)):
        if run[0].slides:
            first, *rest = run[0].slides
            slides += [replace(first, notes=tuple(run[0].notes)), *rest]
            continue
        for group in _group(run, per_slide, word_budget(aspect) - TITLE_RESERVE):
            bullets = tuple(b for item in group for b in item.bullets)
            notes = tuple(n for item in group for n in item.notes)
            slide_title = title
            if not title:
                first = group[0].source
                slide_title, bullets = derived_title(
                    bullets, first.text if first else "",
                    " ".join(n.text for item in group for n in item.notes),
                    [" ".join(n.text for n in item.notes) for item in items],
                    article.title, article.lang)
            slides.append(Slide("content", slide_title, bullets=bullets, notes=notes))
    if not slides:
        # Nothing to show but the heading (no body, or only horizontal rules, raw HTML or
        # notes): the heading still marks its place in the talk.
        return [Slide("section", title, notes=tuple(heading_notes))] if title else []
    if title and len(slides) > 1:
        slides = [replace(s, title=title, part=f"{i}/{len(slides)}")
                  for i, s in enumerate(slides, 1)]
    if heading_notes:
        slides[0] = replace(slides[0], notes=(*heading_notes, *slides[0].notes))
    return slides


def _section_title(heading: Block | None) -> tuple[str, list[Block]]:
    """Return the heading as a slide title; a heading too long to fit is shortened."""
    if heading is None:
        return "", []
    text = " ".join(heading.text.split())
    title = shorten_title(text)
    return title, ([] if title == text else [heading])


def _explicit_slides(section: _Section, title: str, heading_notes: list[Block],
                     article: Article) -> list[Slide]:
    """Return the author's ``::: slide`` blocks; the section's prose becomes their notes."""
    slides: list[Slide] = []
    waiting: list[Block] = list(heading_notes)
    for block in section.blocks:
        if "slide" in block.classes:
            slide = _custom_slide(block, title, article)
            slides.append(replace(slide, notes=(*waiting, *slide.notes)))
            waiting = []
        elif slides:
            slides[-1] = replace(slides[-1], notes=(*slides[-1].notes, *_notes_of(block)))
        else:
            waiting += _notes_of(block)
    return slides


def _custom_slide(block: Block, section_title: str, article: Article) -> Slide:
    heading = next((c for c in block.children if c.kind == "Header"), None)
    notes = [c for c in block.children if "notes" in c.classes]
    shown = [c for c in block.children if c is not heading and c not in notes]
    title = heading.text if heading else section_title or article.title
    slide = Slide("custom", title, html="\n".join(c.html for c in shown),
                  bullets=tuple(line for c in shown for line in _list_lines(c)),
                  notes=tuple(Block("Para", _unwrap_div(n.html), n.text) for n in notes))
    if slide.visible_words > MAX_SLIDE_WORDS:
        log.warning("%s: the slide '%s' shows %d words; more than %d may not fit",
                    location(article.source), title, slide.visible_words, MAX_SLIDE_WORDS)
    return slide


def _unwrap_div(html: str) -> str:
    return re.sub(r"^<div[^>]*>\s*|\s*</div>$", "", html.strip())


def _notes_of(block: Block) -> list[Block]:
    """Return what ``block`` adds to the speaker notes (a notes div adds its inner blocks)."""
    if block.kind == "Div":
        return [Block(c.kind, c.html, c.text) for c in block.children]
    return [block]


def _items(blocks: list[Block], title: str, article: Article, aspect: str,
           pending: list[Block]) -> list[_Item]:
    """Turn a section's blocks into items: bullets, or slides of their own, with their notes."""
    items: list[_Item] = []
    for block in blocks:
        if "notes" in block.classes:
            if items:
                items[-1].notes += _notes_of(block)
            else:
                pending += _notes_of(block)
            continue
        if block.kind == "HorizontalRule":
            items.append(_Item([], [], block))
            continue
        own = _block_slides(block, title, article, aspect)
        if own:
            image = own[0].image
            # A figure's notes are its whole caption; the picture is on the slide already.
            notes = [block] if image is None else [
                Block("Para", f"<p>{escape(image.alt)}</p>", image.alt)] if image.alt else []
            code = _listing(block) if own[0].kind == "code" else []
            items.append(_Item([], notes, block, own, code))
            continue
        if "csl-entry" in block.classes:
            # A work cited: its opening (authors, year, title) on the slide, all in the notes.
            bullets = [shorten(" ".join(block.text.split()), BULLET_WORDS)]
        elif block.kind in {"BulletList", "OrderedList"}:
            bullets = _list_bullets(block)
        else:
            bullets = [shorten(key_sentence(block.text, block.keys, article.lang), BULLET_WORDS)]
        bullets = [b for b in bullets if b]
        if bullets or block.text.strip():
            items.append(_Item(bullets, [block], block))
    return items


def _block_slides(block: Block, title: str, article: Article, aspect: str) -> list[Slide]:
    """Return the own slides of a figure, table, quotation or code block; none for prose."""
    image = block.images[0] if block.images else None
    if image is not None and (block.kind == "Figure" or
                              block.text.strip(" []") in {"", image.alt}):
        # A figure's caption as shown (numbered "Figure 1: ..." when it has a fig- id).
        shown = _FIGCAPTION.search(block.html)
        caption = (" ".join(unescape(re.sub(r"<[^>]+>", "", shown.group(1))).split()) if shown
                   else "") or block.text.strip().strip("[]").strip() or image.alt
        return [Slide("figure", title or shorten(caption, 8)
                      or translate(article.lang, "slide_figure"), image=image,
                      text=shorten(caption, CAPTION_WORDS))]
    if block.kind == "Para" and is_display_math(block.html):
        # A display equation is a block of its own, whole: never a bullet cut short with "…".
        return [Slide("equation", title or article.title, html=block.html, text=block.text)]
    if block.kind == "Table":
        table = parse_table(block.html)
        parts = split_table(table, word_budget(aspect), TABLE_CHARS[aspect])
        # Numbered as a long listing's are: "Planets (2/3)", not "Planets 2".
        return [Slide("table", title or table.caption or translate(article.lang, "slide_table"),
                      table=rows, part=f"{i}/{len(parts)}" if len(parts) > 1 else "")
                for i, rows in enumerate(parts, 1)]
    if block.kind == "BlockQuote":
        return [Slide("quote", title or translate(article.lang, "slide_quotation"),
                      text=cut_quotation(block.text))]
    if block.kind == "CodeBlock":
        return _code_slides(_listing(block), title or translate(article.lang, "slide_code"),
                            aspect)
    return []


def _listing(block: Block) -> list[tuple[str, str]]:
    """Return a code block's highlighted tokens (one plain token when it has none)."""
    return list(block.tokens) or [("", block.code or block.text)]


def _code_slides(tokens: list[tuple[str, str]], title: str, aspect: str,
                 lead: str = "") -> list[Slide]:
    """Return a listing's slides, a long one continued; ``lead`` above the first."""
    pages = code_pages(tokens, CODE_COLUMNS[aspect],
                       CODE_LINES - LEAD_ROWS if lead else CODE_LINES)
    return [Slide("code", title, part=f"{i}/{len(pages)}" if len(pages) > 1 else "",
                  text="".join(text for _, text in page), tokens=tuple(page),
                  lead=lead if i == 1 else "")
            for i, page in enumerate(pages, 1)]


def _with_leads(runs: list[list[_Item]], aspect: str) -> list[list[_Item]]:
    """Move the sentence that introduces a code block or an equation onto that block's slide.

    Lecture notes set a sentence before each listing and formula ("Let's run an example
    command:", "where"); as a slide of its own it leaves one bullet (or one word) on an empty
    slide before each. The paragraph's words go to the block's notes, in order.
    """
    for before, after in pairwise(runs):
        if not before or not after or not after[0].slides:
            continue
        intro, own = before[-1], after[0]
        first = own.slides[0]
        if (first.kind not in {"code", "equation"} or first.lead or intro.source is None
                or intro.source.kind != "Para" or len(intro.bullets) != 1):
            continue
        if first.kind == "code":
            slides = _code_slides(own.code, first.title, aspect, intro.bullets[0])
            if len(slides) > len(own.slides):
                continue  # the sentence would push a listing that fits onto a second slide
        else:
            slides = [replace(first, lead=intro.bullets[0]), *own.slides[1:]]
        before.pop()
        own.notes, own.slides = [*intro.notes, *own.notes], slides
    return runs


def _joined_code(items: list[_Item], aspect: str) -> list[_Item]:
    """Show consecutive code blocks on one slide when together they fit it.

    Lessons set a command and its output (or a call and its error) as two blocks, one after
    the other: on slides of their own each is a line or two on an empty slide, and the output
    is parted from the command that made it.
    """
    joined: list[_Item] = []
    for item in items:
        last = joined[-1] if joined else None
        if last is not None and last.code and item.code and len(last.slides) == 1:
            # A blank line between them, as the page shows two blocks.
            code = [*last.code, ("", "\n\n"), *item.code]
            slides = _code_slides(code, last.slides[0].title, aspect)
            if len(slides) == 1:
                last.code, last.slides = code, slides
                last.notes = [*last.notes, *item.notes]
                continue
        joined.append(item)
    return joined


def _list_bullets(block: Block) -> list[str]:
    return [shorten(line, BULLET_WORDS) for line in _list_lines(block)]


def _list_lines(block: Block) -> list[str]:
    """Return the items of a list block's plain text, one line each: its first paragraph."""
    if block.kind not in {"BulletList", "OrderedList"}:
        return []
    parts = _LIST_ITEM.split(block.text)
    # An item's code block or further paragraphs follow a blank line: they stay in the notes,
    # or a bullet would run a command's text into its sentence.
    return [" ".join(part.strip().split("\n\n")[0].split()) for part in parts if part.strip()]


def _group(run: list[_Item], per_slide: int, words: int) -> list[list[_Item]]:
    """Split a run of items into balanced slides within the bullet and word limits."""
    # One unit per bullet (a list gives several); a paragraph's notes travel with its first.
    units = [_Item(item.bullets[i:i + 1], item.notes if i == 0 else [], item.source)
             for item in run for i in range(max(1, len(item.bullets)))]
    count = max(math.ceil(sum(len(u.bullets) for u in units) / per_slide),
                math.ceil(sum(_words(u) for u in units) / words), 1)
    while True:
        groups = _balanced(units, count)
        # One bullet is at most BULLET_WORDS long, within any budget: the loop ends.
        if count >= len(units) or all(sum(len(u.bullets) for u in g) <= per_slide and
                                      sum(_words(u) for u in g) <= words for g in groups):
            return groups
        count += 1


def _balanced(units: list[_Item], count: int) -> list[list[_Item]]:
    """Cut ``units`` into ``count`` consecutive groups of near-equal size, larger ones first."""
    count = min(count, len(units))
    size, extra = divmod(len(units), count)
    groups, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        groups.append(units[start:end])
        start = end
    return groups


def _words(item: _Item) -> int:
    return sum(len(b.split()) for b in item.bullets)


def _with_footnotes(slide: Slide, article: Article) -> Slide:
    """Add the footnotes cited in a slide's notes to the end of those notes."""
    cited = {int(n) for block in slide.notes
             for n in re.findall(r'class="footnote-ref"[^>]*href="#fn(\d+)"', block.html)}
    extra = [footnote_block(note) for note in article.notes if note.number in cited]
    return replace(slide, notes=(*slide.notes, *extra)) if extra else slide


def footnote_block(note: Note) -> Block:
    """Return a footnote as a block of speaker notes, numbered, its own blocks kept whole."""
    # A note may hold several paragraphs, code or a list: only its first paragraph can take
    # the number, and nothing may be unwrapped into a <p> (a <pre> there is invalid HTML).
    number = f'<sup class="footnote-number">{note.number}</sup>'
    if note.html.startswith("<p>"):
        inner = note.html.replace("<p>", f"<p>{number} ", 1)
    else:
        inner = f"<p>{number}</p>\n{note.html}"
    return Block("Footnote", f'<div class="footnote">\n{inner}\n</div>',
                 f"[{note.number}] {note.text}")
