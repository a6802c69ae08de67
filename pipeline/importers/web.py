"""Web pages, saved or fetched: the main text and metadata through trafilatura, chrome removed."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from lxml import html as lxml_html

from pipeline.importers.assemble import Media, assemble
from pipeline.importers.base import (
    Imported,
    Importer,
    Options,
    Origin,
    Skipped,
    keyword_list,
    looks_like_text,
    register,
    split_names,
)
from pipeline.importers.pandoc_ast import read_ast
from pipeline.schema import LANG_RE
from pipeline.urls import split_url

if TYPE_CHECKING:
    from pipeline.project import Project

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_EXTRACT = {"include_comments": False, "include_images": True, "include_tables": True,
            "include_links": True, "include_formatting": True}
_PARSER = lxml_html.HTMLParser(encoding="utf-8")


def looks_like_html(data: bytes) -> bool:
    """Tell whether ``data`` is an HTML page (not merely text mentioning a tag)."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    # Without a doctype or <html>, a page still opens its head or body on a line of its own;
    # prose that names the tags (pandoc's manual: "including `<head>` and `<body>`") does not.
    return bool(_HTML_START.match(head)) or bool(
        re.search(rb"^[ \t]*<(?:head|body)[\s>]", head, re.IGNORECASE | re.MULTILINE))


@register
class WebPageImporter(Importer):
    """A blog post or article page: what a reader came for, without the site around it."""

    name = "web page"
    priority = 30

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise an HTML page by its first tags, whatever the file is called."""
        return looks_like_text(data) and looks_like_html(data)

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the page's article, with title, author, date and keywords."""
        import trafilatura
        from trafilatura.utils import decode_file

        page = decode_file(data)
        document = trafilatura.bare_extraction(page, url=origin.url, with_metadata=True,
                                               **_EXTRACT)
        body = trafilatura.extract(page, url=origin.url, output_format="html", **_EXTRACT)
        if document is None or not body:
            return []
        # Parsed from the text trafilatura decoded, its encoding told: bytes alone would be read
        # as Latin-1 wherever the page's charset declaration comes late or not at all.
        tree = lxml_html.document_fromstring(page.encode("utf-8"), parser=_PARSER)
        meta = page_meta(tree, document)
        ast = read_ast(body.encode("utf-8"), "html-native_divs-native_spans", origin.label)
        dropped: Counter[str] = Counter()
        # A saved page's images are beside it; a fetched page's are on its site.
        media = Media(origin, options, base_url=origin.url,
                      site_url=origin.url or page_address(tree))
        return [assemble(ast["blocks"], meta, origin, media, dropped, chrome=True)]


def page_meta(tree: Any, document: Any) -> dict[str, Any]:
    """Return the page's metadata: trafilatura's, completed by JSON-LD and ``<meta>`` tags."""
    linked = json_ld(tree)
    tags = meta_tags(tree)
    metas = {name: values[-1] for name, values in tags.items()}
    site = document.sitename or metas.get("og:site_name") or ""
    meta: dict[str, Any] = {"title": page_title(tree, metas, linked, document.title or "", site)}
    authors = declared_authors(tags, linked) or plausible_names(document.author or "")
    if authors:
        meta["author"] = authors
    meta["date"] = (document.date or linked.get("datePublished")
                    or metas.get("article:published_time"))
    meta["description"] = document.description or linked.get("description")
    # trafilatura joins a page's tags with commas into one text: split again, as every source.
    keywords = keyword_list(*(document.tags or []), *(document.categories or []),
                            linked.get("keywords"), metas.get("keywords"),
                            *tags.get("article:tag", []))
    if keywords:
        meta["keywords"] = keywords
    lang = (tree.get("lang") or linked.get("inLanguage") or "").strip()
    if isinstance(lang, str) and LANG_RE.fullmatch(lang):
        meta["lang"] = lang
    return meta


def page_address(tree: Any) -> str | None:
    """Return the web address a saved page declares for itself (canonical, og:url, base)."""
    for path, attribute in ((".//link[@rel='canonical']", "href"),
                            (".//meta[@property='og:url']", "content"), (".//base", "href")):
        for node in tree.iterfind(path):
            address = (node.get(attribute) or "").strip()
            if split_url(address).scheme in {"http", "https"}:
                return address
    return None


def meta_tags(tree: Any) -> dict[str, list[str]]:
    """Return the page's ``<meta>`` contents by lower-cased name or property, in page order."""
    tags: dict[str, list[str]] = {}
    for node in tree.iterfind(".//meta"):
        name = (node.get("property") or node.get("name") or "").lower()
        if node.get("content", "").strip():
            tags.setdefault(name, []).append(node.get("content").strip())
    return tags


def page_title(tree: Any, metas: dict[str, str], linked: dict[str, Any], found: str,
               site: str) -> str:
    """Return the article's title: as the page declares it, else its heading or ``<title>``.

    trafilatura takes a page's only ``<h1>`` first; but on many sites that is the site's or
    the section's banner ("Allergies Health Center"), while ``<title>`` names the article.
    The heading wins only where ``<title>`` agrees with it or is too short to be a title.
    """
    # JSON-LD's headline comes last: Wikipedia's, for one, is "Wikimedia list article".
    if metas.get("og:title"):
        return strip_site_name(" ".join(metas["og:title"].split()), site)
    named = strip_site_name(" ".join((tree.findtext(".//title") or "").split()), site)
    headings = [" ".join(h.text_content().split()) for h in tree.iterfind(".//h1")]
    heading = headings[0] if len(headings) == 1 else ""
    found = strip_site_name(" ".join(found.split()), site)
    if not heading or found != heading or not named:
        headline = linked.get("headline")
        return found or named or (headline.strip() if isinstance(headline, str) else "")
    agree = heading.lower() in named.lower() or named.lower() in heading.lower()
    return heading if agree or len(named) < 15 else named


_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S*\s*\)?")
_BY = re.compile(r"^(?:by|par|von|por|di|door|av|af)\s+", re.IGNORECASE)


def declared_authors(tags: dict[str, list[str]], linked: dict[str, Any]) -> list[str]:
    """Return the authors a page declares in JSON-LD or ``<meta>`` tags, first source found.

    These are written for machines and kept as written ("Nelson D. Schwartz"); trafilatura
    rewrites them (dots and everything in brackets go, an address becomes names).
    """
    sources = [split_names(linked.get("author"))]
    for name in ("author", "byl", "article:author", "parsely-author", "dc.creator",
                 "dcterms.creator"):
        sources.append([n for value in tags.get(name, []) for n in split_names(value)])
    for names in sources:
        cleaned = [_BY.sub("", _URL.sub(" ", n)).strip(" ,;") for n in names]
        cleaned = [n for n in cleaned if n and "://" not in n and "/" not in n]
        if cleaned:
            return cleaned
    return []


_DATE_WORDS = {dt.date(2001, month, 1).strftime(fmt).lower() for month in range(1, 13)
               for fmt in ("%B", "%b")} | {dt.date(2001, 1, day).strftime("%A").lower()
                                           for day in range(1, 8)} | {"updated", "published",
                                                                      "last", "on", "at"}


def plausible_names(found: str) -> list[str]:
    """Return the names trafilatura read from a byline, without the date that followed them.

    It drops the byline's digits, so "Joshua Sokol May 17, 2017" reaches us as "Joshua Sokol
    May": a trailing month or weekday is the date's, not the name's.
    """
    names = []
    for name in split_names(found):
        words = name.split()
        while words and _dated(words[-1]):
            words.pop()
        if words and not all(map(_dated, words)):
            names.append(" ".join(words))
    return names


def _dated(word: str) -> bool:
    """Tell whether a word of a byline belongs to its date ("Updated", "May", "7,")."""
    word = word.lower().strip(".,:")
    return word in _DATE_WORDS or word.isdigit()


def strip_site_name(title: str, site: str) -> str:
    """Return ``title`` without a " | Site name" (or " - Site name") suffix."""
    for separator in (" | ", " \u2013 ", " \u2014 ", " - ", " :: ", " \u00b7 "):
        head, found, tail = title.rpartition(separator)
        tail, name = tail.strip().lower(), site.strip().lower()
        # "Spiceworks" for the site "Spiceworks Inc": the name shortened, not another title.
        named = bool(tail and name) and (name.startswith(tail) or tail.startswith(name))
        if found and head and (named or separator == " | "):
            return head.strip()
    return title


def json_ld(tree: Any) -> dict[str, Any]:
    """Return the first schema.org article described in the page's JSON-LD, flattened."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(
            data, dict) else []
        for item in items:
            kind = item.get("@type") if isinstance(item, dict) else None
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in {"Article", "BlogPosting", "NewsArticle", "TechArticle", "Report"}
                   for k in kinds):
                return item
    return {}
