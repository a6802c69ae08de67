"""The build: read every source once, plan the targets, make the stale ones, in parallel."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.brand import world_digest as brand_digest
from pipeline.brand.store import load_in_background
from pipeline.cache import (
    BuildCache,
    code_fingerprint,
    digest,
)
from pipeline.crossrefs import with_crossrefs
from pipeline.deps import TemplateDeps, asset_digest, file_digest
from pipeline.errors import BuildError, FolioError, InternalError, SourceError, location
from pipeline.executors import Result, open_executor
from pipeline.executors.base import records_by_thread, replay
from pipeline.executors.local import PreloadedWorkers, Preloader
from pipeline.formats import Format, Site, Target, get_format
from pipeline.links import with_leads
from pipeline.project import Project

if TYPE_CHECKING:
    from pipeline.brand import Brand
    from pipeline.model import Article

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
    # Where the outputs were made, when it is worth saying ("40 made on 2 Dask workers").
    where: str = ""
    # Sources that could not be read: they made no output, failed or not.
    unread: int = 0

    @property
    def ok(self) -> bool:
        """Tell whether the build finished without any error."""
        return not self.errors

    def count(self, status: str) -> int:
        """Return how many outputs ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def read_sources(project: Project, paths: list[Path] | None = None,
                 cache: BuildCache | None = None, jobs: int = 1
                 ) -> tuple[list[Article], list[FolioError]]:
    """Read the given sources (default: all of them); return the articles and the errors.

    An unchanged source is not read again: its article comes from the cache, and what reading
    it logged is said again. With ``jobs`` above one, that many sources are read at once:
    reading is mostly waiting for pandoc, so threads suffice. Messages come out in source order.
    """
    whole = paths is None
    paths = list(paths if paths is not None else project.article_paths())
    with records_by_thread() as take:
        kept = ({path: _unchanged(project, cache, path) for path in paths}
                if cache is not None else {})
        changed = [path for path in paths if kept.get(path) is None]
        if cache is not None and len(changed) > 1:
            from pipeline.batch import parse_ahead

            parse_ahead(changed, project, cache, jobs)
            take()  # what preparing the sources logged, reading them says again
        read = partial(_read_one, project, cache, take, kept)
        if jobs > 1 and len(paths) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=jobs) as pool:
                outcomes = list(pool.map(read, paths))
        else:
            outcomes = [read(path) for path in paths]
    articles: list[Article] = []
    errors: list[FolioError] = []
    by_slug: dict[str, Article] = {}
    for path, (result, records) in zip(paths, outcomes, strict=True):
        replay(records)
        if isinstance(result, FolioError):
            errors.append(result)
        elif result.slug in by_slug:
            errors.append(SourceError(
                f"slug '{result.slug}' is already used by {location(by_slug[result.slug].source)}"
                "; set a different 'slug:'", path))
        else:
            by_slug[result.slug] = result
            articles.append(result)
    if cache is not None:
        if whole:  # sources deleted or renamed since: their articles are not kept
            cache.keep_only_articles({str(path) for path in paths})
        cache.save_articles()
    return articles, errors


def _unchanged(project: Project, cache: BuildCache, path: Path
               ) -> tuple[Article, list[logging.LogRecord]] | None:
    """Return the kept article of ``path`` and what reading it logged, if it is still current.

    None also when looking fails: reading the source then says why, for that source alone.
    """
    from pipeline.source import missing_image

    kept = cache.article(path)
    if kept is None:
        return None
    key, article, records = kept
    try:
        raw = path.read_bytes()
        # Images are looked for again: one deleted since is an error, as on a first read.
        if (key != _article_key(raw, article.options, path, project)
                or missing_image(path, [image.src for image in article.images],
                                 project) is not None):
            return None
    except Exception:  # reading it reports the error
        return None
    return article, records


def _read_one(project: Project, cache: BuildCache | None,
              take: Callable[[], list[logging.LogRecord]],
              kept: dict[Path, tuple[Article, list[logging.LogRecord]] | None], path: Path
              ) -> tuple[Article | FolioError, list[logging.LogRecord]]:
    """Read one source, or take its unchanged article (``kept``); return what it logged."""
    # Imported here, as in _article_key: a build with nothing to do reads no source, and the
    # reader brings pygments and lxml.
    from pipeline.source import read_article

    unchanged = kept.get(path)
    if unchanged is not None:
        return unchanged
    try:
        if cache is None:
            return read_article(path, project), take()
        raw = path.read_bytes()
        article = read_article(path, project, cache)
    except FolioError as exc:
        return exc, take()
    except Exception as exc:  # a bug: this source is lost, the others are still built
        return InternalError(exc, path, "reading"), take()
    records = take()
    key = _article_key(raw, article.options, path, project)
    if key is not None:
        cache.keep_article(path, key, article, records)
    return article, records


def _article_key(raw: bytes, meta: dict[str, Any], path: Path, project: Project) -> str | None:
    """Return what reading ``path`` depends on, hashed; None when that cannot be told."""
    from pipeline.source import citation_files

    try:
        bibliographies, csl = citation_files(meta, path, project)
    except SourceError:
        return None  # a bibliography gone: reading again says so
    settings = json.dumps(project.settings, sort_keys=True, default=str)
    return digest(code_fingerprint(), raw, settings,
                  *(file_digest(file) for file in [*bibliographies, *([csl] if csl else [])]))


def _check_fonts(articles: list[Article], brand: Brand, cache: BuildCache) -> None:
    """Warn about characters no font draws; a kept article found complete is not checked again.

    Only a clean result is kept: an article that lacked a character is checked on every
    build, so the warning goes as soon as the font it asked for is installed.
    """
    from pipeline.brand.fonts import check_coverage

    check = f"fonts:{brand.key}"
    said: list[logging.LogRecord] = []
    with records_by_thread() as take:
        for article in articles:
            if cache.passed(article.source, check):
                continue
            check_coverage([article], brand)
            records = take()
            if not records:
                cache.keep_passed(article.source, check)
            said += records
    replay(said)


def default_jobs() -> int:
    """Return how many targets to make at once: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build(project: Project, format_names: list[str], sources: list[Path] | None = None,
          options: dict[str, Any] | None = None, *, jobs: int | None = None, force: bool = False,
          progress: Callable[[int, int], None] | None = None,
          scheduler: str | None = None) -> Report:
    """Make the stale outputs of ``format_names`` for ``sources``; one failure stops nothing else.

    ``progress(done, total)`` is called as targets finish. With ``scheduler`` (a Dask
    scheduler's address) they are made on that cluster, and written here.
    """
    report = Report()
    cache = BuildCache(project.build_dir)
    with cache.lock():
        world = _World(project, format_names, sources, options or {})
        unchanged = None if force else cache.nothing_changed(world.key(cache.extra_inputs),
                                                             project.build_dir)
        if unchanged is not None:
            # Not one input changed since the last complete build: no need to even plan.
            report.outcomes = [Outcome(path, "skipped") for path in unchanged]
            return report
        site = Site(project, options or {}, cache)
        formats: list[Format] = []
        for name in format_names:
            try:
                formats.append(get_format(name)(site))
            except FolioError as exc:
                report.errors.append(exc)
            except Exception as exc:  # a bug in one format costs that format only
                report.errors.append(InternalError(exc, None, name))
        jobs = jobs or default_jobs()
        heavy = [module for fmt in formats for module in fmt.heavy_modules]
        # A cluster is reached while the sources are read: connecting takes a while. Local
        # workers will likely be needed too: their libraries are loaded meanwhile, in a
        # process of their own (forked now, before any thread is started).
        executor = open_executor(project, site.token, jobs, heavy, scheduler) if scheduler \
            else None
        preloader = _preloader(heavy, jobs) if executor is None else None
        brand = load_in_background(project, cache)
        try:
            articles, source_errors = read_sources(project, sources, cache, jobs)
            articles = with_leads(with_crossrefs(articles))
            report.errors += source_errors
            report.unread = len(source_errors)
            _check_fonts(articles, brand(), cache)
            planned = _plan(report, formats, articles, sources is None, site, cache, force)
            plan = planned.stale
            if scheduler is None:
                _compile_templates(site, planned.templates)
            if executor is None:
                # Local workers are started once the plan is known, and only as many as there
                # are targets, loading only the libraries of the formats that have work: a
                # rebuild of one page needs no worker, nor WeasyPrint. (The sources are read by
                # then, mostly from the cache; and threads, all ended now, mix ill with fork.)
                stale = {target.format for target, _ in plan}
                needed = [module for fmt in formats if fmt.name in stale
                          for module in fmt.heavy_modules]
                workers = min(jobs, len(plan))
                # The preloader loads every requested format's libraries: those needed too.
                if preloader is not None and workers > 1 and needed:
                    early = [fmt for fmt in formats if fmt.name in stale and not fmt.slow_to_load]
                    executor = PreloadedWorkers(
                        preloader, workers, frozenset(fmt.name for fmt in early),
                        [module for fmt in early for module in fmt.heavy_modules])
                    preloader = None
                else:
                    executor = open_executor(project, site.token, workers, needed)
            # The longest first (as last time, else as its format expects), so that no long
            # target starts last while the other workers sit idle.
            order = sorted(range(len(plan)), key=lambda i: (
                -(cache.seconds(_target_id(plan[i][0])) or plan[i][0].expected_seconds),
                -len(plan[i][0].articles)))
            ran = executor.run([plan[i][0] for i in order], project.build_dir, progress)
            results = [result for _, result in sorted(zip(order, ran, strict=True))]
            report.where = executor.summary(results)
        finally:
            if executor is not None:
                executor.close()
            if preloader is not None:  # not needed after all
                preloader.close()
        for (target, key), result in zip(plan, results, strict=True):
            replay(result.records)
            _settle(report, cache, target, key, result, project.build_dir)
        complete = report.ok and report.count("skipped") + report.count("written") == sum(
            len(target.outputs) for target in planned.every_target)
        cache.remember_world(world.key(planned.extras) if complete else None,
                             [_target_id(target) for target in planned.every_target],
                             planned.extras)
        cache.save()
        cache.save_articles()
    return report


def _preloader(heavy_modules: list[str], jobs: int) -> Preloader | None:
    """Start loading the heavy libraries for local workers, if the build may have any."""
    return Preloader(heavy_modules) if jobs > 1 and heavy_modules else None


class _World:
    """Everything a build reads, hashed: when it is unchanged, so are all the outputs."""

    def __init__(self, project: Project, format_names: list[str], sources: list[Path] | None,
                 options: dict[str, Any]) -> None:
        self.project = project
        request = json.dumps([format_names, [str(p) for p in sources or []], sources is None,
                              project.settings, options, os.environ.get("SOURCE_DATE_EPOCH")],
                             sort_keys=True, default=str)
        parts = [code_fingerprint(), request, brand_digest(project)]
        # Sources, the project file, books, images, bibliographies: all by content.
        for path in sorted(project.source_dir.rglob("*")):
            if path.is_file():
                parts += [str(path), file_digest(path)]
        # The project's templates by size and time (Folio's own are in the code fingerprint).
        for path in sorted(project.templates_dir.rglob("*")):
            if path.is_file():
                stat = path.stat()
                parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        self.base = digest(*parts)

    def key(self, extras: list[str]) -> str:
        """Return the key, counting the files outside source/ the last build read (images)."""
        return digest(self.base, *(f"{path}={file_digest(Path(path))}" for path in extras))


@dataclass
class _Plan:
    """What a build makes: the stale targets with their keys, and what it reads."""

    stale: list[tuple[Target, str]]
    every_target: list[Target]
    extras: list[str]  # inputs outside source/ (images, brand files)
    templates: list[str]  # what the stale targets render, includes and all


def _plan(report: Report, formats: list[Format], articles: list[Article], whole: bool,
          site: Site, cache: BuildCache, force: bool) -> _Plan:
    """Return the targets to make with their keys, every target, and what they read.

    The targets not to make are recorded in the report as skipped.
    """
    complete = whole and not report.errors
    deps = TemplateDeps(site.project, cache.templates)
    assets: dict[Path, str] = {}
    # SOURCE_DATE_EPOCH sets the dates stamped into PDFs and ebooks, so it is an input too.
    settings = json.dumps([site.project.settings, site.options,
                           os.environ.get("SOURCE_DATE_EPOCH"), site.project.brand.key],
                          sort_keys=True, default=str)
    # The brand's fonts and logos are inputs of every output.
    plan, every_target, inputs = [], [], {file.path for file in site.project.brand.files}
    rendered: set[str] = set()
    for fmt in formats:
        try:
            targets = fmt.targets(articles)
        except Exception as exc:  # a bug in one format's planning costs that format only
            report.errors.append(exc if isinstance(exc, FolioError)
                                 else InternalError(exc, None, fmt.name))
            continue
        for target in targets:
            if target.whole_project and not complete:
                report.outcomes.extend(Outcome(path, "skipped") for path in target.outputs)
                continue
            every_target.append(target)
            inputs.update(target.inputs)
            roots = list(target.templates) or deps.names(f"{target.format}/")
            key = digest(code_fingerprint(), target.format, *target.outputs, settings,
                         *(article.source_hash for article in target.articles),
                         *(repr((article.leads, article.crossrefs))
                           for article in target.articles),
                         asset_digest(target.articles if target.uses_images else (),
                                      site.project, assets),
                         deps.digest(roots), *(file_digest(path) for path in target.inputs))
            if not force and cache.is_fresh(_target_id(target), key, site.project.build_dir):
                report.outcomes.extend(Outcome(path, "skipped") for path in target.outputs)
            else:
                plan.append((target, key))
                rendered.update(roots)
    source_dir = site.project.source_dir.resolve()
    extras = sorted(str(path) for path in {*assets, *inputs}
                    if not path.resolve().is_relative_to(source_dir))
    return _Plan(plan, every_target, extras, deps.closure(sorted(rendered)))


def _compile_templates(site: Site, names: list[str]) -> None:
    """Compile the templates the stale targets render, once, before any worker needs them.

    Compiled here, before any worker is forked from this process, they go to the bytecode
    cache and into those workers: otherwise, in a cold build, each worker compiles every
    template it renders (~0.15 s a format), two workers the same ones at once. A template that
    cannot be compiled is left to the targets that render it, which report it.
    """
    import jinja2

    env = site.env
    for name in names:
        with contextlib.suppress(jinja2.TemplateError, UnicodeDecodeError, OSError):
            env.get_template(name)


def _target_id(target: Target) -> str:
    return f"{target.format}:{'|'.join(target.outputs)}"


def _settle(report: Report, cache: BuildCache, target: Target, key: str, result: Result,
            out_root: Path) -> None:
    """Record one finished target in the report and the cache."""
    if result.error is not None:
        report.errors.append(result.error)
        report.outcomes.extend(Outcome(path, "failed") for path in target.outputs)
        cache.forget(_target_id(target))
        return
    share = result.seconds / max(1, len(target.outputs))
    for path in target.outputs:
        target_path = out_root / path
        size = target_path.stat().st_size if target_path.exists() else 0
        report.outcomes.append(Outcome(path, "written", share, size))
    cache.record(_target_id(target), key, out_root, target.outputs, result.files,
                 result.seconds)


def clean(project: Project) -> tuple[int, list[Path]]:
    """Remove the files Folio recorded making; return how many, and the files left behind."""
    root = project.build_dir
    if not root.is_dir():
        return 0, []
    cache = BuildCache(root)
    if cache.damaged:
        raise BuildError(f"cannot tell which files in {location(root)} Folio made (its record "
                         "is damaged); nothing was removed")
    removed = 0
    with cache.lock():
        real_root = root.resolve()
        for rel in sorted(cache.files()):
            path = root / rel
            # Only regular files Folio put there: never follow a link out of the folder.
            if (".." in Path(rel).parts or path.is_symlink() or not path.is_file()
                    or not path.parent.resolve().is_relative_to(real_root)):
                continue
            path.unlink()
            removed += 1
        # Everything in the cache folder is Folio's (its record, parses, compiled templates,
        # drawings of logos and formulas, finished chapters), its lock file too.
        if not cache.dir.is_symlink():
            shutil.rmtree(cache.dir, ignore_errors=True)
    for folder in sorted((p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()),
                         key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only empty folders go
    kept = sorted(p for p in root.rglob("*") if not p.is_dir())
    if not kept:
        with contextlib.suppress(OSError):
            root.rmdir()
    return removed, kept
