"""WordPress export files (WXR): published posts, and drafts and pages when asked."""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

from pipeline.importers.assemble import Media, assemble
from pipeline.importers.base import (
    SAFE_XML,
    Importer,
    ImportFailed,
    Origin,
    Skipped,
    keyword_list,
    register,
)
from pipeline.importers.pandoc_ast import read_ast
from pipeline.schema import LANG_RE, SLUG_RE

if TYPE_CHECKING:
    from pipeline.importers.base import Imported, Options
    from pipeline.project import Project

log = logging.getLogger(__name__)

NS = {"wp": "http://wordpress.org/export/1.2/",
      "content": "http://purl.org/rss/1.0/modules/content/",
      "excerpt": "http://wordpress.org/export/1.2/excerpt/",
      "dc": "http://purl.org/dc/elements/1.1/"}
_DRAFTS = {"draft", "pending", "private", "future"}
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->\n?", re.DOTALL)
_BLOCKS = (r"(?:p|h[1-6]|ul|ol|li|blockquote|figure|figcaption|table|thead|tbody|tfoot|tr|td|th|"
           r"caption|pre|div|hr|dl|dt|dd|section|iframe|img|video|audio)")
_BLOCK_START = re.compile(rf"^\s*</?{_BLOCKS}\b", re.IGNORECASE)
_BLOCK_OPEN = re.compile(rf"(<{_BLOCKS}[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</{_BLOCKS}>)", re.IGNORECASE)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.IGNORECASE | re.DOTALL)
# [name attrs]...[/name] or [name attrs]; WordPress itself knows only registered names.
_SHORTCODE = re.compile(r"\[(\[?)([a-zA-Z][\w-]*)((?:\s[^\]]*)?)\](?:(.*?)\[/\2\])?(\]?)",
                        re.DOTALL)
_ATTR = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
KNOWN_SHORTCODES = {"caption", "wp_caption", "gallery", "embed", "video", "audio", "youtube",
                    "vimeo", "playlist", "soundcloud", "tweet", "gist", "code", "sourcecode"}


@register
class WordPressImporter(Importer):
    """A WordPress site's export (Tools > Export): one article per post."""

    name = "WordPress export (WXR)"
    priority = 20

    def sniff(self, data: bytes, name: str) -> bool:
        """Recognise the RSS document with WordPress's export namespace."""
        head = data[:8192]
        return b"<rss" in head and b"wordpress.org/export/" in head

    def read(self, data: bytes, origin: Origin, options: Options,
             project: Project) -> list[Imported | Skipped]:
        """Return the site's posts (and drafts and pages when asked), skipped ones named."""
        try:
            root = etree.fromstring(data, SAFE_XML)
        except etree.XMLSyntaxError as exc:
            raise ImportFailed(f"not a well-formed export: {exc}", origin.label) from None
        channel = root.find("channel")
        if channel is None:
            raise ImportFailed("an RSS file without a <channel>: not a WordPress export",
                               origin.label)
        # 1.0, 1.1 and 1.2 differ only in the namespace's name: take the file's own.
        ns = {**NS, "wp": root.nsmap.get("wp", NS["wp"])}
        authors = {_text(a, "wp:author_login", ns): _text(a, "wp:author_display_name", ns)
                   for a in channel.iterfind("wp:author", ns)}
        items = channel.findall("item")
        attachments = {_text(i, "wp:post_id", ns): _text(i, "wp:attachment_url", ns)
                       for i in items if _text(i, "wp:post_type", ns) == "attachment"}
        lang = (_text(channel, "language", ns) or "").strip()
        results: list[Imported | Skipped] = []
        for item in items:
            reason = _skip_reason(item, options, ns)
            if reason:
                if reason != "hidden":
                    results.append(Skipped(_text(item, "title", ns) or "(untitled)", reason))
                continue
            results.append(self._post(item, origin, options, authors, attachments, lang, ns))
        return results

    def _post(self, item: Any, origin: Origin, options: Options, authors: dict[str, str],
              attachments: dict[str, str], lang: str, ns: dict[str, str]) -> Imported:
        dropped: Counter[str] = Counter()
        comments = len(item.findall("wp:comment", ns))
        if comments:
            dropped["reader comments"] += comments
        content = _text(item, "content:encoded", ns)
        content, blocks = _BLOCK_COMMENT.subn("", content)
        if blocks:
            dropped["block comments"] += blocks
        content = _SHORTCODE.sub(_shortcode_replacer(origin, attachments, dropped), content)
        content = autop(content)
        # The login names the author; WordPress's own test data has ">themereviewteam".
        login = _text(item, "dc:creator", ns).strip("<> ")
        keywords = keyword_list([c.text for c in item.iterfind("category")
                                 if c.get("domain") in {"category", "post_tag"} and c.text
                                 and c.text.strip().lower() != "uncategorized"])
        meta: dict[str, Any] = {
            # WordPress prints a title as HTML: "Title <em>With</em> Markup" is emphasis.
            "title": plain(_text(item, "title", ns)),
            "author": [authors.get(login) or login] if login else None,
            "date": _text(item, "wp:post_date", ns) or _text(item, "pubDate", ns),
            "description": plain(_text(item, "excerpt:encoded", ns)),
            "keywords": keywords,
        }
        if lang and LANG_RE.fullmatch(lang):
            meta["lang"] = lang
        slug = _text(item, "wp:post_name", ns)
        ast = read_ast(content.encode("utf-8"), "html-native_divs-native_spans", origin.label)
        label = Origin(label=f"{origin.label} ({meta['title'] or 'untitled'})", path=None,
                       url=_text(item, "link", ns) or None, fetcher=origin.fetcher)
        media = Media(label, options, base_url=label.url)
        slug = slug if SLUG_RE.fullmatch(slug or "") else None
        untitled = _untitled(slug, _text(item, "wp:post_id", ns))
        titled = bool(meta["title"].strip())
        article = assemble(ast["blocks"], meta, label, media, dropped,
                           fallback_title=untitled, slug=slug)
        if not titled and article.title == untitled:
            log.warning("%s: the post has no title; titled '%s'", label.label, untitled)
        return article


def _untitled(slug: str | None, post_id: str) -> str:
    """Return the title of a post that has none: from its slug, else its number."""
    # WordPress publishes posts with no title (the theme unit test data holds one). Every
    # output needs a title (the page's <title>, the EPUB's dc:title, the PDF's DisplayDocTitle),
    # and failing the post would fail the whole export with it.
    if slug and not slug.isdigit():
        return slug.replace("-", " ").capitalize()
    return f"Untitled post {post_id}".strip()


def _text(node: Any, path: str, ns: dict[str, str] = NS) -> str:
    found = node.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


def _skip_reason(item: Any, options: Options, ns: dict[str, str]) -> str | None:
    kind, status = _text(item, "wp:post_type", ns), _text(item, "wp:status", ns)
    if kind == "attachment":
        return "an attachment (an uploaded file): its posts show it"
    if kind not in {"post", "page"}:
        return "hidden"  # menus, reusable blocks, templates: WordPress's machinery
    if status in {"trash", "auto-draft", "inherit"}:
        return "hidden"
    if kind == "page" and not options.pages:
        return "a page; --pages imports it"
    if status in _DRAFTS and not options.drafts:
        return f"a {status} post; --drafts imports it"
    if status != "publish" and status not in _DRAFTS:
        return f"status '{status}'"
    return None


def plain(fragment: str) -> str:
    """Return the text of an HTML fragment, on one line."""
    if not fragment.strip():
        return ""
    return " ".join(lxml_html.fromstring(f"<div>{fragment}</div>").text_content().split())


def autop(content: str) -> str:
    """Add the paragraphs WordPress makes of blank-line-separated text, as ``wpautop`` does."""
    out = []
    # A <pre> keeps its blank lines and line breaks, as in wpautop.
    for number, part in enumerate(_PRE.split(content)):
        if number % 2:
            out.append(part)
            continue
        # As wpautop does, a block tag starts a chunk of its own, so the line breaks around the
        # <li> of a list that follows a line of text do not become <br>s (empty list items,
        # and a line then read as a heading's underline in the Markdown written).
        part = _BLOCK_CLOSE.sub(r"\1\n\n", _BLOCK_OPEN.sub(r"\n\n\1", part))
        for chunk in re.split(r"\n\s*\n", part.strip()):
            if not chunk.strip():
                continue
            if _BLOCK_START.match(chunk):
                out.append(chunk)
            else:
                out.append("<p>" + chunk.strip().replace("\n", "<br />\n") + "</p>")
    return "\n\n".join(out)


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.group(2, 3, 4) if g is not None)
            for m in _ATTR.finditer(text)}


def _shortcode_replacer(origin: Origin, attachments: dict[str, str],
                        dropped: Counter[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) and match.group(5):
            return match.group(0)[1:-1]  # [[name]] is WordPress's escape for a literal
        name, attrs = match.group(2).lower(), _attrs(match.group(3))
        inner = match.group(4)
        if name not in KNOWN_SHORTCODES and not attrs and inner is None:
            return match.group(0)  # "[sic]" or "[1]": text in brackets, not a shortcode
        dropped["shortcodes"] += 1
        if name in {"caption", "wp_caption"}:
            return _caption(inner or "", attrs)
        if name == "gallery":
            ids = [i.strip() for i in attrs.get("ids", "").split(",") if i.strip()]
            return "".join(f'<p><img src="{html.escape(attachments[i])}" alt=""></p>'
                           for i in ids if attachments.get(i))
        if name in {"embed", "video", "audio", "youtube", "vimeo", "soundcloud", "tweet"}:
            url = (inner or "").strip() or attrs.get("src") or attrs.get("url") or next(
                iter(attrs.values()), "")
            url = url or match.group(3).strip().lstrip("=").strip()
            return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>' if url else ""
        if name in {"code", "sourcecode"}:
            return f"<pre><code>{html.escape(inner or '')}</code></pre>"
        log.warning("%s: shortcode [%s] has no Markdown form: removed%s", origin.label, name,
                    " (the text it wraps is kept)" if inner else "")
        return inner or ""
    return replace


def _caption(inner: str, attrs: dict[str, str]) -> str:
    """Return a ``[caption]``'s image as a figure whose caption is the text beside the image."""
    image = re.search(r"<img\b[^>]*>", inner)
    if image is None:
        return inner
    outer = re.search(r"<a\b[^>]*>\s*" + re.escape(image.group(0)) + r"\s*</a>", inner)
    caption = (attrs.get("caption") or inner.replace((outer or image).group(0), "")).strip()
    return f"<figure>{image.group(0)}<figcaption>{caption}</figcaption></figure>"
