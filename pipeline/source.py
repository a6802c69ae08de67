"""Read an article source: decode, split front matter, validate metadata, parse once with pandoc."""

from __future__ import annotations

import json
import logging
import math
import re
import subprocess
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from pipeline.cache import BuildCache, code_fingerprint, digest
from pipeline.cells import with_code_cells
from pipeline.errors import SourceError, line_of, location
from pipeline.highlight import highlight_parse
from pipeline.i18n import text_direction, translate, words_language
from pipeline.ids import unique_ids
from pipeline.links import address_line, address_lines
from pipeline.markup import clamped_spans, shown_captions, without_empty_headers
from pipeline.math import readable, with_alttext
from pipeline.model import Article, Block, Image, Note
from pipeline.pandoc import pandoc_command
from pipeline.project import Project
from pipeline.resources import locate, missing, parse_shown
from pipeline.schema import ARTICLE_FIELDS, RESERVED_NAMES, load_yaml_mapping, validate
from pipeline.urls import IMG, broken_host, without_broken_addresses

log = logging.getLogger(__name__)

WRITER = Path(__file__).parent / "lua" / "folio.lua"
CROSSREF = Path(__file__).parent / "lua" / "crossref.lua"
# pandoc's Markdown without "smart": the author's straight quotes and dashes stay as written.
READER_FORMAT = "markdown-smart"
WORDS_PER_MINUTE = 230
FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$", re.MULTILINE)
# What every id or reference the cross-reference filter acts on holds ({#fig-x}, @tbl-x,
# <span id="eq-x">); a body without it is left alone by the filter.
CROSSREF_ID = re.compile(r"(?:fig|tbl|eq|sec)-", re.IGNORECASE)
# A closing tag alone on a line: the end of a component such as mdBook's </Listing>, which
# pipeline/lua/folio.lua turns into a div (pandoc reads a </div> itself).
COMPONENT_END = re.compile(r"^ {0,3}</(?!div\b)[A-Za-z][\w-]*\s*>[ \t]*$",
                           re.MULTILINE | re.IGNORECASE)
# pandoc's options for every body (--sandbox: pandoc itself reads nothing but what its command
# line names); a few bodies need more (citations, cross-references).
BASE_ARGS = ("--sandbox", "--mathml", "--wrap=none")


@dataclass(frozen=True)
class Prepared:
    """A source read up to its parse: its text, checked metadata and the body pandoc reads."""

    raw: bytes
    text: str
    meta: dict[str, Any]
    lines: dict[str, int]
    body: str
    first_line: int  # the body's first line in the file


@dataclass(frozen=True)
class ParseRequest:
    """What one pandoc parse of a body is: its cache key, the text given and the options."""

    key: str
    body: str
    args: tuple[str, ...]
    first_line: int


def prepare(path: Path, project: Project) -> Prepared:
    """Read ``path`` up to its parse: decode, split and check the front matter."""
    raw = path.read_bytes()
    text = decode(raw, path)
    meta_text, body = split_front_matter(text, path)
    data, lines = load_yaml_mapping(meta_text, path, 2, SourceError)
    meta = validate(data, ARTICLE_FIELDS, path, lines, SourceError)
    meta = _with_defaults(meta, project)
    body = _without_controls(body, text, path)
    first_line = text.count("\n", 0, len(text) - len(body)) + 1
    return Prepared(raw, text, meta, lines, with_code_cells(body), first_line=first_line)


def read_article(path: Path, project: Project, cache: BuildCache | None = None) -> Article:
    """Read the article at ``path`` into the model, or raise a one-line ``SourceError``.

    With a ``cache``, pandoc runs only for a body (or bibliography) it has not parsed before.
    """
    prepared = prepare(path, project)
    raw, text, meta = prepared.raw, prepared.text, prepared.meta
    parse_key, parsed = parse_body(prepared.body, path, project, meta, prepared.lines, cache,
                                   first_line=prepared.first_line)
    if parsed.get("controls"):
        log.warning("%s: %d control character(s) given as character references (such as "
                    "&#x4;) removed", location(path), parsed["controls"])
    _warn_roles(parsed.get("roles") or {}, text, path)
    parsed = without_title_heading(unique_ids(parsed, path, text), meta["title"])
    _check_images(parsed["images"], text, path, project)
    slug = meta.get("slug") or slugify(meta["title"]) or slugify(path.stem) or "article"
    broken: list[tuple[str, str]] = []  # addresses with a malformed host, mended in the HTML

    def mended(html: str) -> str:  # what no format can take, mended once, for every format
        return without_empty_headers(
            clamped_spans(without_broken_addresses(html, broken, missing)))

    words = sum(len(item["text"].split()) for item in (*parsed["blocks"], *parsed["notes"]))
    article = Article(
        source=path,
        title=meta["title"],
        slug=slug,
        lang=meta["lang"],
        identifier=stable_identifier(slug, project.settings.get("base_url")),
        source_hash=digest(raw, parse_key),
        subtitle=meta.get("subtitle"),
        authors=meta.get("author", ()),
        date=meta.get("date"),
        description=meta.get("description"),
        keywords=meta.get("keywords", ()),
        rights=meta.get("rights"),
        cover=meta.get("cover"),
        blocks=tuple(_block(item, mended) for item in parsed["blocks"]),
        notes=tuple(Note(n["number"], with_alttext(mended(n["html"])),
                               readable(n["text"], n["html"])) for n in parsed["notes"]),
        images=_images([*parsed["images"], *_raw_images(parsed)]),
        word_count=words,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        options={k: v for k, v in meta.items() if k not in _MODEL_FIELDS},
        labels=dict(parsed.get("labels", ())),
        missing_refs=tuple((ref, line_of(text, "@" + ref))
                           for ref in dict.fromkeys(parsed.get("missing", ()))),
        label=meta.get("id"),
    )
    article = replace(article, address_lines=address_lines(text, article))
    _warn_broken(broken, text, path)
    _check_heading_levels(article, text)
    _check_direction(article, prepared.lines)
    return article


_MODEL_FIELDS = {"title", "subtitle", "author", "date", "lang", "description", "keywords",
                 "slug", "rights", "cover", "id"}


def decode(raw: bytes, path: Path) -> str:
    """Decode UTF-8 (a byte-order mark allowed) and normalise line endings to LF."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(f"not valid UTF-8: byte 0x{raw[exc.start]:02X} at column {column}; "
                          "save the file as UTF-8", path, line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: Path) -> tuple[str, str]:
    """Return the YAML text between the ``---`` fences and the Markdown body after them."""
    if not text.strip():
        raise SourceError("the file is empty; an article needs front matter with a title", path, 1)
    if not FENCE.match(text):
        if text.startswith("%"):  # pandoc's older title block: import reads it
            raise SourceError("a '% title' block is not front matter: write it as '---', "
                              "'title: ...', '---', or bring the file in with 'folio import'",
                              path, 1)
        raise SourceError("no front matter: start the file with a '---' line, 'title: ...' "
                          "and another '---'", path, 1)
    closing = FENCE.search(text, text.index("\n") + 1 if "\n" in text else len(text))
    if closing is None:
        raise SourceError("front matter opened by '---' is never closed by '---'", path, 1)
    meta_text = text[text.index("\n") + 1 : closing.start()]
    return meta_text, text[closing.end() :].lstrip("\n")


# What no output may hold (XML forbids it, HTML calls it a parse error); pipeline/lua/folio.lua
# removes the same characters when they come from character references such as "&#x4;".
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _without_controls(body: str, text: str, path: Path) -> str:
    """Return ``body`` without control characters, with one warning naming the first."""
    found = CONTROL.findall(body)
    if not found:
        return body
    offset = len(text) - len(body)  # the body is the end of the file
    first = CONTROL.search(body)
    line = text.count("\n", 0, offset + first.start()) + 1 if first else None
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    log.warning("%s: control character U+%04X%s removed (a form feed or other invisible code, "
                "which no output can hold)", location(path, line), ord(found[0]), more)
    return CONTROL.sub("", body)


def _with_defaults(meta: dict[str, Any], project: Project) -> dict[str, Any]:
    settings = project.settings
    meta.setdefault("lang", settings["lang"])
    if "author" not in meta and settings["author"]:
        meta["author"] = settings["author"]
    if "rights" not in meta and settings["rights"]:
        meta["rights"] = settings["rights"]
    return meta


def parse_body(body: str, path: Path, project: Project, meta: dict[str, Any],
               lines: dict[str, int], cache: BuildCache | None = None, first_line: int = 1
               ) -> tuple[str, dict[str, Any]]:
    """Run pandoc once over the body; return the parse's key and its blocks, notes and text.

    ``first_line`` is the body's first line in the file, for the lines warnings name.
    """
    request = parse_request(body, path, project, meta, lines, first_line)
    parsed = cache.load_parse(request.key) if cache else None
    if parsed is None:
        parsed = highlight_parse(_run_pandoc(request.body, list(request.args), path,
                                             request.first_line))
        if cache:
            cache.store_parse(request.key, parsed)
    return request.key, parsed


def parse_request(body: str, path: Path, project: Project, meta: dict[str, Any],
                  lines: dict[str, int], first_line: int = 1) -> ParseRequest:
    """Return the pandoc parse a body needs: the text given, the options and the cache key."""
    lang = meta.get("lang") or project.settings["lang"]
    args = list(BASE_ARGS)
    # The filter walks the whole document twice, a fifth of pandoc's time for an article;
    # it can only change one that names a figure, table, equation or section id.
    if CROSSREF_ID.search(body):
        args += crossref_args(lang)
    if "callout" in body:
        args += callout_args(lang)
    # The body's own control characters are gone; only a reference such as "&#x4;" can make
    # one, so the writer looks for them only then.
    if "&#" in body:
        args.append("--variable=folio-controls")
    if COMPONENT_END.search(body):
        args.append("--variable=folio-components")
    bibliographies, csl = citation_files(meta, path, project, lines)
    inputs = [*bibliographies, *([csl] if csl else [])]
    if bibliographies:
        args.append("--citeproc")
        args += [f"--bibliography={bib}" for bib in bibliographies]
        if csl:
            args.append(f"--csl={csl}")
        # Lines of warnings count from the body: the block's lines come before its first.
        prefix = _citation_meta(meta)
        body, first_line = prefix + body, first_line - prefix.count("\n")
    # The parse depends on the body, pandoc's options and the files those options name.
    key = digest(code_fingerprint(), body, *args,
                 *(file.read_bytes() for file in inputs))
    return ParseRequest(key, body, tuple(args), first_line)


def citation_files(meta: dict[str, Any], path: Path, project: Project,
                   lines: dict[str, int] | None = None) -> tuple[list[Path], Path | None]:
    """Return the bibliographies and the CSL style pandoc reads for an article, if any.

    ``meta`` is the article's front matter (or its ``Article.options``, which hold these keys).
    """
    lines = lines or {}
    # An article's own bibliography (relative to it), else the project's (relative to source/).
    own = "bibliography" in meta
    settings = meta if own else project.settings
    base = path.parent if own else project.source_dir
    bibliographies = [_project_file(name, base, path, project, "bibliography", lines)
                      for name in settings.get("bibliography") or ()]
    if not bibliographies:
        return [], None
    csl, csl_base = ((meta["csl"], path.parent) if "csl" in meta
                     else (project.settings.get("csl"), project.source_dir))
    return bibliographies, (_project_file(csl, csl_base, path, project, "csl", lines)
                            if csl else None)


def crossref_args(lang: str) -> list[str]:
    """Return pandoc's arguments for the cross-reference filter, in the language ``lang``.

    The filter comes before --citeproc: "@fig-x" parses as a citation, and must be resolved
    before citeproc reports it missing.
    """
    words = [f"--metadata=crossref-{kind}:{translate(lang, f'crossref_{kind}')}"
             for kind in ("fig", "tbl", "eq", "sec")]
    return [f"--lua-filter={CROSSREF}", *words]


CALLOUT_KINDS = ("note", "tip", "warning", "important", "caution")


def callout_args(lang: str) -> list[str]:
    """Return the writer's variables naming each kind of callout in ``lang`` ("Note", "Tip")."""
    words = [f"--variable=folio-callout-{kind}:{translate(lang, f'callout_{kind}')}"
             for kind in CALLOUT_KINDS]
    if words_language(lang) != lang:  # Folio's English, marked as such
        words.append(f"--variable=folio-callout-lang:{words_language(lang)}")
    return words


# pandoc's words for a citation it cannot resolve (a cross-reference the filter cannot resolve
# may be another article's: pipeline/crossrefs.py looks, and warns).
MISSING = re.compile(r"\[WARNING\] Citeproc: citation (?P<key>\S+) not found")


def _run_pandoc(body: str, args: list[str], path: Path, first_line: int = 1) -> dict[str, Any]:
    # We run pandoc ourselves, not through pypandoc's API, to hear its warnings and tell the
    # user which file they are about.
    done = subprocess.run(
        [*pandoc_command(), "--from", READER_FORMAT, "--to", str(WRITER), *args],
        input=body.encode("utf-8"), capture_output=True, check=False)
    for message in _messages(done.stderr.decode("utf-8", "replace")):
        missing = MISSING.match(message.strip())
        if missing:
            key = missing.group("key")
            line = line_of(body, "@" + key)
            log.warning("%s: citation '%s' not found", location(
                path, line + first_line - 1 if line else None), key)
        elif (formula := UNREAD_MATH.match(message)) is not None:
            # The author's TeX, without the rows pipeline/lua/folio.lua set in an environment.
            written = WRAPPED_ROWS.sub(r"\1", formula.group("tex").strip())
            tex = " ".join(written.split())
            line = line_of(body, written.split("\n")[0].strip())
            why = next((r.strip() for r in formula.group("rest").split("\n")
                        if r.strip().startswith(("unexpected", "expecting"))), "")
            log.warning("%s: pandoc could not read the formula '%s'%s; it is shown as TeX",
                        location(path, line + first_line - 1 if line else None),
                        tex if len(tex) <= 60 else tex[:59] + "…", f" ({why})" if why else "")
        elif message.strip() and not REDUNDANT.match(message.strip()):
            text, line = _pandoc_position(" ".join(message.replace("[WARNING] ", "").split()))
            log.warning("%s: pandoc: %s", location(
                path, line + first_line - 1 if line else None), text)
    if done.returncode != 0:
        raise SourceError(f"pandoc could not read the article (exit {done.returncode})", path)
    return json.loads(done.stdout)


# pandoc's message about a formula its MathML writer cannot read, over several lines: the
# TeX (its own lines too), where the reading stopped, and why.
UNREAD_MATH = re.compile(r"\[WARNING\] Could not convert TeX math (?P<tex>.*?)\s*, rendering as "
                         r"TeX:(?P<rest>.*)", re.DOTALL)
WRAPPED_ROWS = re.compile(r"^\\begin\{(?:gathered|aligned)\}(.*)\\end\{(?:gathered|aligned)\}$",
                          re.DOTALL)


def _messages(stderr: str) -> list[str]:
    """Return pandoc's messages, each a "[WARNING] ..." line with the lines that continue it."""
    messages: list[str] = []
    for line in stderr.splitlines():
        if line.startswith("[") or not messages:
            messages.append(line)
        else:
            messages[-1] += "\n" + line
    return messages


# pandoc's warnings Folio gives better itself: a duplicate id is renamed, and the warning says
# to what (pipeline/ids.py); pandoc names the line after the heading, not the heading's.
REDUNDANT = re.compile(r"\[WARNING\] Duplicate identifier ")

# Where pandoc places a warning: "at line 5 column 1" counts from the body it was given,
# "at _chunk line 3 column 1" from the text of a quotation or list item, which it does not say.
PANDOC_POSITION = re.compile(r" at (?:(?P<chunk>\S+) )?line (?P<line>\d+) column \d+")


def _pandoc_position(message: str) -> tuple[str, int | None]:
    """Return pandoc's ``message`` without its position, and the body's line it names if any."""
    found = PANDOC_POSITION.search(message)
    if found is None:
        return message, None
    text = message[:found.start()] + message[found.end():]
    return text, None if found.group("chunk") else int(found.group("line"))


def _citation_meta(meta: dict[str, Any]) -> str:
    """Return a YAML block giving pandoc the citation settings of the article's front matter.

    pandoc reads the body only; nocite must reach it as Markdown (citations), which a
    --metadata value is not.
    """
    fields: dict[str, Any] = {}
    if meta.get("nocite"):
        fields["nocite"] = " ".join(meta["nocite"])
    if "link-citations" in meta:
        fields["link-citations"] = bool(meta["link-citations"])
    if not fields:
        return ""
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n\n"


def _project_file(name: str, base: Path, path: Path, project: Project, field: str,
                  lines: dict[str, int]) -> Path:
    target = (base / name).resolve()
    if not project.contains(target):
        raise SourceError(f"{field} '{name}' is outside the project", path, lines.get(field))
    if not target.is_file():
        raise SourceError(f"{field} '{name}' does not exist", path, lines.get(field))
    return target


def without_title_heading(parsed: dict[str, Any], title: str) -> dict[str, Any]:
    """Return ``parsed`` without a first heading that only says the title again.

    A Jekyll post or a d2l chapter has its title in the front matter and again as "# Title":
    the page showed it twice, and the deck made a second title slide, "Functions 2".
    """
    blocks = parsed["blocks"]
    if (blocks and blocks[0]["t"] == "Header"
            and " ".join(blocks[0]["text"].split()).casefold()
            == " ".join(title.split()).casefold()):
        return {**parsed, "blocks": blocks[1:]}
    return parsed


def _block(item: dict[str, Any], mended: Callable[[str], str]) -> Block:
    return Block(
        kind=item["t"],
        html=shown_captions(with_alttext(mended(item["html"]))),
        text=readable(item["text"], item["html"]),
        id=item.get("id", ""),
        classes=tuple(item.get("classes", ())),
        attributes=dict(item.get("attributes") or {}),
        level=item.get("level", 0),
        keys=tuple(item.get("keys", ())),
        images=_images(item.get("images", ())),
        children=tuple(_block(child, mended) for child in item.get("children", ())),
        raw=bool(item.get("raw")),
        code=item.get("code", ""),
        tokens=tuple((kind, text) for kind, text in item.get("tokens", ())),
    )


def _images(images: list[dict[str, str]]) -> tuple[Image, ...]:
    """Return the images shown, but those with a malformed host (the HTML shows their alt)."""
    return tuple(Image(i["src"], i["alt"]) for i in images if not broken_host(i["src"]))


def _warn_roles(roles: dict[str, int], text: str, path: Path) -> None:
    """Warn once about the d2l (Sphinx, MyST) roles an article holds, naming each kind.

    A chapter holds hundreds (:label:, :numref:, :cite:); a warning for each would bury
    every other.
    """
    if not roles:
        return
    names = sorted(roles, key=lambda name: (-roles[name], name))
    first = line_of(text, re.compile(rf":(?:{'|'.join(map(re.escape, names))}):"))
    shown = ", ".join(f":{name}: ({roles[name]})" for name in names)
    log.warning("%s: roles Folio cannot use, as d2l and Sphinx write them: %s; labels, widths "
                "and tab marks are left out, references show their target's name",
                location(path, first), shown)


def _raw_images(parsed: dict[str, Any]) -> list[dict[str, str]]:
    """Return the pictures the raw HTML's ``<img>`` elements show, which pandoc's walk never sees.

    The Rust book draws its figures with raw ``<img>``: left out of the article's images, they
    were never copied beside the web page (a broken picture there) nor packed in the ebook.
    """
    known = {image["src"] for image in parsed["images"]}
    htmls = [item["html"] for item in (*parsed["blocks"], *parsed["notes"])
             if "<img" in item["html"].lower()]
    if not htmls:
        return []
    found: dict[str, dict[str, str]] = {}
    for html in htmls:
        for element in IMG.finditer(html):
            shown = parse_shown(element.group(0))
            if shown.src and shown.src not in known:
                found.setdefault(shown.src, {"src": shown.src, "alt": shown.alt})
    return list(found.values())


def _warn_broken(broken: list[tuple[str, str]], text: str, path: Path) -> None:
    """Warn once about each address with a malformed host, which the model has mended."""
    for name, address in dict.fromkeys(broken):
        line = address_line(text, address)
        if name == "href":
            log.warning("%s: link to '%s' names a malformed host; kept as plain text",
                        location(path, line), unquote(address))
        else:
            log.warning("%s: address '%s' names a malformed host; left out",
                        location(path, line), unquote(address))


def _check_heading_levels(article: Article, text: str) -> None:
    """Warn at the first heading that skips a level: the outline readers move through has a gap.

    Screen readers list a page's headings to move by, the ebook's contents nest them, and Ace
    and axe report a skip ("heading-order"). The article's title is the first heading.
    """
    level = 1
    for heading in article.headings:
        if heading.level > level + 1:
            words = heading.text.split()
            line = line_of(text, re.compile(rf"^#{{{heading.level}}}[ \t]+.*{re.escape(words[0])}",
                                            re.MULTILINE)) if words else None
            log.warning("%s: heading '%s' is level %d under level %d; a level between is "
                        "missing from the outline screen readers move through",
                        location(article.source, line), heading.text, heading.level, level)
            return
        level = heading.level


# Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko and their
# presentation forms), and letters of any script.
RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
LETTER = re.compile(r"[^\W\d_]")


def _check_direction(article: Article, lines: dict[str, int]) -> None:
    """Warn when the text is mostly in a right-to-left script but its language runs left to right.

    The language decides the direction of every output (see ``text_direction``): an Arabic or
    Persian article without ``lang:`` takes the project's, English, and is laid out backwards.
    """
    if text_direction(article.lang) == "rtl":
        return
    text = "\n".join(block.text for block in article.blocks if block.kind != "CodeBlock")
    rtl = len(RTL_LETTER.findall(text))
    if rtl and rtl > len(LETTER.findall(text)) / 2:
        log.warning("%s: the text is mostly in a right-to-left script, but its language is "
                    "'%s', which runs left to right; set 'lang:' (ar, fa, he, ur...) so that it "
                    "runs right to left", location(article.source, lines.get("lang")),
                    article.lang)


def _check_images(images: list[dict[str, str]], text: str, path: Path, project: Project) -> None:
    missing = missing_image(path, [image["src"] for image in images], project)
    if missing is not None:
        raise SourceError(f"image '{missing}' does not exist", path, line_of(text, missing))


def missing_image(path: Path, sources: list[str], project: Project) -> str | None:
    """Return the first of the images ``sources`` the article at ``path`` shows that is gone."""
    for src in sources:
        target = locate(src, path, project)
        # Refused addresses are warned about, and left out, by whatever would load them.
        if isinstance(target, Path) and not target.is_file():
            return src
    return None


def slugify(text: str) -> str:
    """Turn a title into a file-name-safe slug: ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")
    # A title such as "Con" must not name a file Windows reserves for a device.
    return f"{slug}-article" if slug in RESERVED_NAMES else slug


def stable_identifier(slug: str, base_url: str | None) -> str:
    """Return a UUID URN that depends only on the article's address, never on the clock."""
    name = f"{base_url.rstrip('/')}/{slug}" if base_url else f"folio:{slug}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn
