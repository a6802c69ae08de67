"""The slide model: a deck derived from the article model by documented rules, never re-parsed."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from html import escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from pipeline.errors import SourceError, location
from pipeline.i18n import base_language, join_names, translate
from pipeline.model import Block

if TYPE_CHECKING:
    from pipeline.model import Article, Image

log = logging.getLogger(__name__)

# The fit rules. A slide is 1280 x 720 CSS px (16:9) or 960 x 720 (4:3); these limits keep any
# derived slide inside its frame at the sizes css/slides.css sets, whose smallest content text is
# 24 px (18 pt on the PDF page). Crowded content is split over several slides, never shrunk.
BULLETS_PER_SLIDE = 4      # default of the `slides: bullets:` option
BULLET_WORDS = 14          # a key sentence longer than this is shortened
MAX_SLIDE_WORDS = 70       # visible words on one 16:9 slide, title included
NARROW_SLIDE_WORDS = 52    # the same on a 4:3 slide, three quarters as wide
TITLE_RESERVE = 10         # of those words, kept for the title
TITLE_CHARS = 70           # a longer heading is shortened; the full one goes to the notes
TITLE_TERMS = 3            # salient terms in a derived title
QUOTE_WORDS = 45           # a quotation slide shows whole sentences up to this many words
CAPTION_WORDS = 25         # a figure caption longer than this is shortened
TABLE_ROWS = 6             # body rows per table slide
CELL_WORDS = 8             # words per table cell on a slide
CODE_LINES = 12            # lines of a code block on a slide
ASPECTS = ("16:9", "4:3")
HANDOUT_LAYOUTS = (3, 6)

# Words a key sentence may open with that carry no content of their own ("In conclusion, ...").
# English only: in German the verb follows the opener, so dropping it would break the sentence.
CONNECTIVES = {
    "en": ("in conclusion", "in summary", "to conclude", "ultimately", "essentially",
           "moreover", "furthermore", "however", "therefore", "thus", "hence", "finally",
           "in addition", "additionally", "also", "indeed", "in fact", "of course"),
}
# Function words (and a few generic nouns such as "point") never chosen as salient terms and
# never left dangling at a cut.
_STOPWORD_LIST = """
a an the and or but nor so yet of in on at to for from by with without into onto over under
about above after before between through during as than then that this these those there here
it its is are was were be been being has have had do does did can could may might must shall
should will would not no only also very more most such some any each every all both either
neither other another own same which who whom whose what when where why how their them they
we our us you your he him his she her i me my one two while within upon often many much
der die das den dem des ein eine einer eines einem einen und oder aber doch nicht kein keine
von vom zu zum zur mit ohne für auf aus bei nach über unter vor hinter neben zwischen durch
gegen um als wie wenn dass daß ob weil denn sondern auch nur noch schon sehr mehr ist sind war
waren sein wird werden wurde hat haben hatte kann können muss müssen soll sollen es er sie wir
ihr ich du man sich sein seine ihre ihren dieser diese dieses jener welche welcher im ins am
point thing way part kind sort type fact case example aspect term terms context realm level
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
DASHES = "\u2013\u2014-"  # en dash, em dash, hyphen
# English endings that mostly mark adjectives; such terms count half in a derived title.
ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ful", "less", "able", "ible")
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e",
                           "cf", "fig", "no", "z.b", "bzw", "ca", "nr", "usw", "vgl", "s"})
_SENTENCE_END = re.compile("[.!?…][\"'\u201d\u2019)\\]]*\\s+")
_WORD = re.compile("[^\\W\\d_][\\w'\u2019-]*[^\\W_]|[^\\W\\d_]")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\(?\w{1,3}[.)])\s+", re.MULTILINE)


@dataclass(frozen=True)
class Table:
    """A table as a slide shows it: caption, header cells and body rows as plain text."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Slide:
    """One slide: what it shows, and the article's own words the speaker has beside it."""

    kind: str  # title, content, section, figure, table, quote, code, custom, closing
    title: str
    part: str = ""  # "1/2" when a section needs several slides
    bullets: tuple[str, ...] = ()
    text: str = ""  # a quotation, a code excerpt or a figure caption
    image: Image | None = None
    table: Table | None = None
    html: str = ""  # an author's explicit slide, shown as written
    notes: tuple[Block, ...] = ()

    @property
    def heading(self) -> str:
        """Return the title as shown, with the part number when there is one."""
        return f"{self.title} ({self.part})" if self.part else self.title

    @property
    def visible_words(self) -> int:
        """Return how many words the slide shows (title included): the fit rules bound this."""
        shown = [self.heading, *self.bullets, self.text]
        if self.table:
            shown += [self.table.caption, *self.table.header]
            shown += [cell for row in self.table.rows for cell in row]
        if self.html:
            shown.append(re.sub(r"<[^>]+>", " ", self.html))
        return sum(len(part.split()) for part in shown)

    @property
    def notes_text(self) -> str:
        """Return the speaker notes as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(block.text.strip() for block in self.notes if block.text.strip())


@dataclass(frozen=True)
class Deck:
    """The slides of one article and the options they were made with."""

    article: Article
    slides: tuple[Slide, ...]
    aspect: str = "16:9"
    bullets: int = BULLETS_PER_SLIDE
    theme: str | None = None
    handout_per_page: int = 3

    @property
    def max_words(self) -> int:
        """Return how many words a derived slide of this deck shows at most."""
        return _budget(self.aspect)

    @property
    def width(self) -> int:
        """Return the slide width in CSS pixels (the height is always 720)."""
        return 1280 if self.aspect == "16:9" else 960


@dataclass
class _Item:
    """A unit of derived content: the bullets one block gives and the notes that explain them."""

    bullets: list[str]
    notes: list[Block]
    source: Block | None = None
    slides: list[Slide] = field(default_factory=list)  # a figure, table, ... shows on its own


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
    for section in _sections(article.blocks):
        made = _section_slides(section, article, options["bullets"], _budget(options["aspect"]),
                               pending)
        if made:
            if pending:
                made[0] = replace(made[0], notes=(*pending, *made[0].notes))
                pending = []
            slides += made
    if pending:
        slides[-1] = replace(slides[-1], notes=(*slides[-1].notes, *pending))
    slides.append(_closing_slide(article, base_url, lang))
    slides = [_with_footnotes(slide, article) for slide in slides]
    return Deck(article, tuple(slides), options["aspect"], options["bullets"],
                options.get("theme"), options["handout_per_page"])


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
    return Slide("closing", article.title, text=url,
                 bullets=(join_names(article.authors, lang),) if article.authors else ())


def _flatten(blocks: tuple[Block, ...]) -> list[Block]:
    """Return the blocks with plain wrapper divs opened, so their paragraphs count as prose."""
    flat: list[Block] = []
    for block in blocks:
        if block.kind == "Div" and not block.slides_only and "no-slides" not in block.classes:
            flat += _flatten(block.children)
        else:
            flat.append(block)
    return flat


def _sections(blocks: tuple[Block, ...]) -> list[_Section]:
    """Split the body at its headings; content before the first heading has none."""
    sections = [_Section(None)]
    skipping = False
    for block in _flatten(blocks):
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


def _budget(aspect: str) -> int:
    """Return how many words a slide of ``aspect`` may show."""
    return MAX_SLIDE_WORDS if aspect == "16:9" else NARROW_SLIDE_WORDS


def _section_slides(section: _Section, article: Article, per_slide: int, budget: int,
                    pending: list[Block]) -> list[Slide]:
    """Return the slides of one section: the author's own, or derived from its prose."""
    title, heading_notes = _section_title(section.heading)
    explicit = [b for b in section.blocks if "slide" in b.classes]
    if explicit:
        return _explicit_slides(section, title, heading_notes, article)
    items = _items(section.blocks, title, article, budget, pending)
    if not items:
        return [Slide("section", title, notes=tuple(heading_notes))] if title else []
    runs: list[list[_Item]] = [[]]
    for item in items:
        if item.slides:
            runs += [[item], []]
        elif item.source is not None and item.source.kind == "HorizontalRule":
            runs.append([])  # a horizontal rule is the author asking for a new slide here
        else:
            runs[-1].append(item)
    slides: list[Slide] = []
    for run in filter(None, runs):
        if run[0].slides:
            first, *rest = run[0].slides
            slides += [replace(first, notes=tuple(run[0].notes)), *rest]
            continue
        for group in _group(run, per_slide, budget - TITLE_RESERVE):
            bullets = tuple(b for item in group for b in item.bullets)
            notes = tuple(n for item in group for n in item.notes)
            slide_title = title
            if not title:
                slide_title, bullets = _derived_title(group, items, article, bullets)
            slides.append(Slide("content", slide_title, bullets=bullets, notes=notes))
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
    if len(text) <= TITLE_CHARS:
        return text, []
    cut = text[: TITLE_CHARS + 1].rsplit(" ", 1)[0]
    return _trim_end(cut.split()) + "…", [heading]


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
    notes = [c for c in block.children if c.kind == "Div" and 'class="notes"' in c.html[:40]]
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


def _items(blocks: list[Block], title: str, article: Article, budget: int,
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
        own = _block_slides(block, title, article, budget)
        if own:
            image = own[0].image
            # A figure's notes are its whole caption; the picture is on the slide already.
            notes = [block] if image is None else [
                Block("Para", f"<p>{escape(image.alt)}</p>", image.alt)] if image.alt else []
            items.append(_Item([], notes, block, own))
            continue
        bullets = _list_bullets(block) if block.kind in {"BulletList", "OrderedList"} \
            else [shorten(key_sentence(block.text, block.keys, article.lang), BULLET_WORDS)]
        bullets = [b for b in bullets if b]
        if bullets or block.text.strip():
            items.append(_Item(bullets, [block], block))
    return items


def _block_slides(block: Block, title: str, article: Article, budget: int) -> list[Slide]:
    """Return the own slides of a figure, table, quotation or code block; none for prose."""
    image = block.images[0] if block.images else None
    if image is not None and (block.kind == "Figure" or
                              block.text.strip(" []") in {"", image.alt}):
        caption = block.text.strip().strip("[]").strip() or image.alt
        return [Slide("figure", title or shorten(caption, 8)
                      or translate(article.lang, "slide_figure"), image=image,
                      text=shorten(caption, CAPTION_WORDS))]
    if block.kind == "Table":
        table = parse_table(block.html)
        return [Slide("table", title or table.caption or translate(article.lang, "slide_table"),
                      table=part) for part in split_table(table, budget)]
    if block.kind == "BlockQuote":
        return [Slide("quote", title or translate(article.lang, "slide_quotation"),
                      text=cut_quotation(block.text))]
    if block.kind == "CodeBlock":
        lines = block.text.splitlines()
        shown = "\n".join(lines[:CODE_LINES]) + ("\n…" if len(lines) > CODE_LINES else "")
        return [Slide("code", title or translate(article.lang, "slide_code"), text=shown)]
    return []


def _list_bullets(block: Block) -> list[str]:
    return [shorten(line, BULLET_WORDS) for line in _list_lines(block)]


def _list_lines(block: Block) -> list[str]:
    """Return the items of a list block's plain text, one line each."""
    if block.kind not in {"BulletList", "OrderedList"}:
        return []
    parts = _LIST_ITEM.split(block.text)
    return [" ".join(part.split()) for part in parts if part.strip()]


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


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as "e.g." inside them."""
    text = " ".join(text.split())
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start:match.start() + 1].split()
        last = before[-1].rstrip(".").lower() if before else ""
        following = text[match.end():match.end() + 1]
        if last in ABBREVIATIONS or (following and following.islower()):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def key_sentence(text: str, keys: tuple[str, ...] = (), lang: str = "en") -> str:
    """Return a paragraph's key sentence: the author's key span, a short question or the first."""
    if keys:
        return " … ".join(" ".join(k.split()) for k in keys)
    sentences = split_sentences(text)
    if not sentences:
        return ""
    for sentence in sentences:
        if sentence.endswith("?") and len(sentence.split()) <= BULLET_WORDS:
            return sentence
    return _drop_connective(sentences[0], lang)


def _drop_connective(sentence: str, lang: str) -> str:
    lowered = sentence.lower()
    for connective in CONNECTIVES.get(base_language(lang), ()):
        if lowered.startswith(connective + ",") or lowered.startswith(connective + " "):
            rest = sentence[len(connective):].lstrip(" ,")
            if len(rest.split()) >= 4:
                return rest[0].upper() + rest[1:]
    return sentence


def shorten(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` words, at a clause boundary when one is near."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    clause_end = 0
    for index in range(limit // 2, limit):
        word, following = words[index - 1], words[index]
        if (word[-1] in ";:" or (word[-1] == "," and not _enumerating(words, index))
                or following in DASHES
                or following.startswith("(")):
            clause_end = index
    return _trim_end(words[:clause_end or limit]) + "…"


def _enumerating(words: list[str], index: int) -> bool:
    """Tell whether the comma after ``words[index - 1]`` separates items of a list."""
    # "presenting, engaging, and working": an item of one or two words between commas.
    start = index - 1
    while start > 0 and not words[start - 1].endswith(","):
        start -= 1
    end = index
    while end < len(words) and not words[end].endswith(","):
        end += 1
    return index - start <= 2 or (end < len(words) and end - index + 1 <= 2)


def _trim_end(words: list[str]) -> str:
    """Join words, dropping dangling function words and punctuation before an ellipsis."""
    while len(words) > 1 and words[-1].strip(",;:" + DASHES).lower() in STOPWORDS | {""}:
        words = words[:-1]
    return " ".join(words).rstrip(",;:( " + DASHES)


def cut_quotation(text: str) -> str:
    """Return the whole sentences of a quotation that fit on a slide, with an ellipsis if cut."""
    sentences = split_sentences(text)
    shown: list[str] = []
    for sentence in sentences:
        if shown and len(" ".join([*shown, sentence]).split()) > QUOTE_WORDS:
            break
        shown.append(sentence)
    if len(" ".join(shown).split()) > QUOTE_WORDS:
        return shorten(" ".join(shown), QUOTE_WORDS)
    return " ".join(shown) + (" …" if len(shown) < len(sentences) else "")


def _terms(text: str) -> list[str]:
    """Return the content words of ``text``, lower-cased, plural "s" folded."""
    # Hyphenated words ("one-sided") are mostly adjectives: poor titles on their own.
    return [w.lower() for w in _WORD.findall(text)
            if len(w) > 3 and "-" not in w and w.lower() not in STOPWORDS]


def _derived_title(group: list[_Item], items: list[_Item], article: Article,
                   bullets: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Title a slide cut from untitled prose, and return the bullets left under that title."""
    first = group[0]
    if bullets and bullets[0].endswith("?") and len(bullets[0]) <= 40 and first.source:
        # A short opening question is the best title a group can have; its bullet then moves
        # on to what the paragraph says next.
        sentences = split_sentences(first.source.text)
        rest = sentences[sentences.index(bullets[0]) + 1:] if bullets[0] in sentences else []
        following = shorten(key_sentence(" ".join(rest), (), article.lang), BULLET_WORDS)
        return bullets[0], ((following,) if following else ()) + bullets[1:]
    return _salient_title(group, items, article), bullets


def _salient_title(group: list[_Item], items: list[_Item], article: Article) -> str:
    """Return the group's most distinctive terms, key sentences counting double (see README)."""
    texts = [" ".join(n.text for n in item.notes) for item in items]
    group_text = " ".join(n.text for item in group for n in item.notes)
    counts = Counter(_fold(_terms(group_text)))
    counts.update(_fold(_terms(" ".join(b for item in group for b in item.bullets))))
    document_freq = Counter(t for text in texts for t in set(_fold(_terms(text))))
    title_terms = set(_fold(_terms(article.title)))
    surface = _surface_forms(group_text)

    english = base_language(article.lang) == "en"

    def score(term: str) -> float:
        weight = 0.5 if term in title_terms else 1.0
        if english and term.endswith(ADJECTIVE_ENDINGS):
            weight *= 0.5  # "focal", "therapeutic": a title of nouns reads better
        return counts[term] * math.log(1 + len(texts) / document_freq[term]) * weight

    order = {term: index for index, term in enumerate(_fold(_terms(group_text)))}
    ranked = sorted(counts, key=lambda t: (-score(t), order[t]))
    chosen = [surface.get(t, t) for t in ranked[:TITLE_TERMS]]
    if not chosen:
        return article.title
    chosen[0] = chosen[0][0].upper() + chosen[0][1:]
    return join_names(chosen, article.lang)


def _fold(terms: list[str]) -> list[str]:
    """Map plural forms onto a singular seen in the same list ("roles" -> "role")."""
    seen = set(terms)
    return [t[:-1] if t.endswith("s") and t[:-1] in seen else t for t in terms]


def _surface_forms(text: str) -> dict[str, str]:
    """Return the most frequent spelling of each term inside a sentence (keeps German nouns)."""
    spellings: dict[str, Counter[str]] = {}
    for sentence in split_sentences(text):
        for word in _WORD.findall(sentence)[1:]:
            key = word.lower()
            spellings.setdefault(key, Counter())[word] += 1
            if key.endswith("s"):
                spellings.setdefault(key[:-1], Counter())[word[:-1]] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}


def _with_footnotes(slide: Slide, article: Article) -> Slide:
    """Add the footnotes cited in a slide's notes to the end of those notes."""
    cited = [int(n) for block in slide.notes
             for n in re.findall(r'class="footnote-ref"[^>]*href="#fn(\d+)"', block.html)]
    extra = [Block("Footnote", f"<p class=\"footnote\"><sup>{note.number}</sup> "
                   f"{re.sub(r'</?p>', '', note.html).strip()}</p>",
                   f"[{note.number}] {note.text}")
             for note in article.notes if note.number in cited]
    return replace(slide, notes=(*slide.notes, *extra)) if extra else slide


class _TableParser(HTMLParser):
    """Collect the caption, header cells and body rows of one pandoc HTML table."""

    def __init__(self) -> None:
        super().__init__()
        self.caption: list[str] = []
        self.rows: list[tuple[bool, list[str]]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note where the caption, the header rows, a row or a cell begins."""
        if tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self.rows.append((self._in_head, []))
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        """Close the caption or header, or store a finished cell's text."""
        if tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in {"td", "th"} and self._cell is not None and self.rows:
            self.rows[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        """Collect text for the caption or the current cell."""
        if self._in_caption:
            self.caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def split_table(table: Table, budget: int = MAX_SLIDE_WORDS) -> list[Table]:
    """Split a table's rows over as few slides as keep each within the row and word limits."""
    def words(cells: tuple[str, ...]) -> int:
        return sum(len(cell.split()) for cell in cells)

    budget -= TITLE_RESERVE + words(table.header) + len(table.caption.split())
    parts: list[list[tuple[str, ...]]] = [[]]
    for row in table.rows:
        current = parts[-1]
        if current and (len(current) >= TABLE_ROWS or
                        sum(map(words, current)) + words(row) > budget):
            parts.append([])
        parts[-1].append(row)
    return [replace(table, rows=tuple(rows)) for rows in parts]


def parse_table(html: str) -> Table:
    """Return the text of a pandoc HTML table, cells shortened to fit a slide."""
    parser = _TableParser()
    parser.feed(html)
    header = next((cells for head, cells in parser.rows if head), [])
    rows = [tuple(shorten(c, CELL_WORDS) for c in cells) for head, cells in parser.rows
            if not head]
    return Table(" ".join("".join(parser.caption).split()),
                 tuple(shorten(c, CELL_WORDS) for c in header), tuple(rows))
