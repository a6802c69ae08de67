"""Web pages, saved or fetched: the main text and metadata through trafilatura, chrome removed."""

from __future__ import annotations

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

if TYPE_CHECKING:
    from pipeline.project import Project

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_EXTRACT = {"include_comments": False, "include_images": True, "include_tables": True,
            "include_links": True, "include_formatting": True}


def looks_like_html(data: bytes) -> bool:
    """Tell whether ``data`` is an HTML page (not merely text mentioning a tag)."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) or bool(
        re.search(rb"<(?:head|body)[\s>]", head, re.IGNORECASE))


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
        tree = lxml_html.fromstring(page.encode("utf-8"))
        meta = page_meta(tree, document)
        ast = read_ast(body.encode("utf-8"), "html-native_divs-native_spans", origin.label)
        dropped: Counter[str] = Counter()
        # A saved page's images are beside it; a fetched page's are on its site.
        media = Media(origin, options, base_url=origin.url)
        return [assemble(ast["blocks"], meta, origin, media, dropped, chrome=True)]


def page_meta(tree: Any, document: Any) -> dict[str, Any]:
    """Return the page's metadata: trafilatura's, completed by JSON-LD and ``<meta>`` tags."""
    linked = json_ld(tree)
    metas = {(node.get("property") or node.get("name") or "").lower(): node.get("content", "")
             for node in tree.iterfind(".//meta") if node.get("content")}
    site = document.sitename or metas.get("og:site_name") or ""
    title = (metas.get("og:title") or document.title or linked.get("headline") or "").strip()
    meta: dict[str, Any] = {"title": strip_site_name(title, site)}
    authors = split_names(document.author or "") or split_names(linked.get("author"))
    if authors:
        meta["author"] = authors
    meta["date"] = (document.date or linked.get("datePublished")
                    or metas.get("article:published_time"))
    meta["description"] = document.description or linked.get("description")
    keywords = keyword_list(document.tags or [], document.categories or [],
                            linked.get("keywords"), metas.get("keywords"),
                            [v for k, v in metas.items() if k == "article:tag"])
    if keywords:
        meta["keywords"] = keywords
    lang = (tree.get("lang") or linked.get("inLanguage") or "").strip()
    if isinstance(lang, str) and LANG_RE.fullmatch(lang):
        meta["lang"] = lang
    return meta


def strip_site_name(title: str, site: str) -> str:
    """Return ``title`` without a " | Site name" (or " - Site name") suffix."""
    for separator in (" | ", " \u2013 ", " \u2014 ", " - ", " :: ", " \u00b7 "):
        head, found, tail = title.rpartition(separator)
        named = tail.strip().lower() == site.strip().lower()
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
