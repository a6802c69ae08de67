"""The build: read every source once, then let each format write its outputs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import FolioError, SourceError, location
from pipeline.formats import Format, Site, Target, get_format
from pipeline.model import Article
from pipeline.output import OutputDir
from pipeline.project import Project
from pipeline.source import read_article

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened to one output."""

    path: str
    status: str  # "written", "skipped" (up to date or not to be made now) or "failed"
    seconds: float = 0.0
    size: int = 0


@dataclass
class Report:
    """Everything a build did, for the closing summary and the exit status."""

    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[FolioError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the build finished without any error."""
        return not self.errors

    def count(self, status: str) -> int:
        """Return how many outputs ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def read_sources(project: Project, paths: list[Path] | None = None
                 ) -> tuple[list[Article], list[FolioError]]:
    """Read the given sources (default: all of them); return the articles and the errors."""
    articles: list[Article] = []
    errors: list[FolioError] = []
    by_slug: dict[str, Article] = {}
    for path in paths if paths is not None else project.article_paths():
        try:
            article = read_article(path, project)
        except FolioError as exc:
            errors.append(exc)
            continue
        if article.slug in by_slug:
            errors.append(SourceError(
                f"slug '{article.slug}' is already used by {location(by_slug[article.slug].source)}"
                "; set a different 'slug:'", path))
            continue
        by_slug[article.slug] = article
        articles.append(article)
    return articles, errors


def build(project: Project, format_names: list[str], sources: list[Path] | None = None,
          options: dict[str, Any] | None = None) -> Report:
    """Build ``format_names`` for ``sources``; a failing output never stops the others."""
    report = Report()
    articles, report.errors = read_sources(project, sources)
    site = Site(project, options or {})
    out = OutputDir(project.build_dir)
    formats: list[Format] = []
    for name in format_names:
        try:
            formats.append(get_format(name)(site))
        except FolioError as exc:
            report.errors.append(exc)
    complete = sources is None and not report.errors
    for fmt in formats:
        for target in fmt.targets(articles):
            if target.whole_project and not complete:
                report.outcomes.extend(Outcome(path, "skipped") for path in target.outputs)
            else:
                _run(report, target, out)
    return report


def _run(report: Report, target: Target, out: OutputDir) -> None:
    started = time.perf_counter()
    try:
        target.write(out)
    except FolioError as exc:
        report.errors.append(exc)
        report.outcomes.extend(Outcome(path, "failed") for path in target.outputs)
        return
    seconds = time.perf_counter() - started
    for path in target.outputs:
        target_path = out.root / path
        size = target_path.stat().st_size if target_path.exists() else 0
        report.outcomes.append(Outcome(path, "written", seconds / len(target.outputs), size))
