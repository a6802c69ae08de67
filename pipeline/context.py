"""Build the template context: the one place that decides what templates see."""

from __future__ import annotations

from typing import Any

from pipeline.i18n import format_date, translate
from pipeline.model import Article
from pipeline.project import Project


def article_context(article: Article, project: Project, **extra: Any) -> dict[str, Any]:
    """Return the context for rendering ``article`` in any format."""
    settings = project.settings
    base_url = settings.get("base_url")
    return {
        "site": settings,
        "article": article,
        "lang": article.lang,
        "date_text": format_date(article.date, article.lang) if article.date else None,
        "reading_time": translate(article.lang, "min_read", minutes=article.reading_minutes),
        "online_url": f"{base_url.rstrip('/')}/{article.slug}.html" if base_url else None,
        "json_ld": json_ld(article, base_url),
        **brand_context(project),
        **extra,
    }


def collection_context(articles: list[Article], project: Project, **extra: Any) -> dict[str, Any]:
    """Return the context for a page or book made of several articles, newest first."""
    newest_first = sorted(articles, key=lambda a: (a.date is not None, a.date, a.title),
                          reverse=True)
    return {
        "site": project.settings,
        "lang": project.settings["lang"],
        "articles": [article_context(a, project) for a in newest_first],
        **brand_context(project),
        **extra,
    }


def brand_context(project: Project) -> dict[str, Any]:
    """Return the brand and how outputs link to its files (a format may override the latter).

    ``brand_links`` is ``relative`` (copies under ``brand/``), ``file`` (WeasyPrint reads the
    project's files) or ``data`` (embedded, for one-file outputs).
    """
    return {"brand": project.brand, "brand_links": "relative"}


def json_ld(article: Article, base_url: str | None) -> dict[str, Any]:
    """Return the schema.org Article description of ``article``."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "inLanguage": article.lang,
        "wordCount": article.word_count,
        "identifier": article.identifier,
    }
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.date:
        data["datePublished"] = article.date.isoformat()
    if article.description:
        data["description"] = article.description
    if article.keywords:
        data["keywords"] = ", ".join(article.keywords)
    if base_url:
        data["url"] = f"{base_url.rstrip('/')}/{article.slug}.html"
    return data
