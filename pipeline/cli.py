"""The ``folio`` command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.errors import FolioError, InternalError, location
from pipeline.formats import available_format_names, format_names
from pipeline.project import ARTICLE_SUFFIXES, PROJECT_FILE, Project, load_project

log = logging.getLogger("pipeline")


class FolioGroup(click.Group):
    """A group that turns unexpected exceptions into one line unless ``--debug`` is given."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a bug shows its traceback only under ``--debug``."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
            ) from None


class _Formatter(logging.Formatter):
    """Plain lines for information; "warning: ..." and "error: ..." for problems."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the line shown for ``record``."""
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {record.getMessage()}"
        return record.getMessage()


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    # WeasyPrint's own messages (CSS it ignores, say) concern Folio's templates more than the
    # writer's text: shown with -v.
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.handlers[:] = [handler]
    weasyprint_log.setLevel(logging.WARNING if verbose else logging.CRITICAL)
    weasyprint_log.propagate = False


@click.group(cls=FolioGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="folio")
@click.option("-C", "--project", "root", type=click.Path(file_okay=False, path_type=Path),
              default=".", help="Project folder (default: the current one).")
@click.option("-v", "--verbose", count=True, help="Say more; -vv for debugging detail.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, root: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Folio: one article in; web page, PDF handout, EPUB and slides out."""
    _configure_logging(verbose, quiet)
    ctx.obj = {"root": root, "quiet": quiet, "verbose": verbose, "debug": debug}


def _formats(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    names = [name.strip().lower() for item in value for name in item.split(",") if name.strip()]
    unknown = [name for name in names if name not in format_names()]
    if unknown:
        raise click.BadParameter(f"unknown format '{unknown[0]}'; choose from "
                                 f"{', '.join(format_names())}")
    if names:
        return list(dict.fromkeys(names))
    missing = [name for name in format_names() if name not in available_format_names()]
    if missing:
        log.info("not available yet, skipped: %s", ", ".join(missing))
    return available_format_names()


def _source_paths(project: Project, sources: tuple[Path, ...]) -> list[Path] | None:
    """Return the articles named, each from here, else from the project's folder (``-C``)."""
    if not sources:
        return None
    paths = []
    for source in sources:
        path = source.resolve()
        if not path.is_file() and not source.is_absolute():
            # "folio -C site build source/a.md", as git -C and make -C read their paths.
            path = (project.root / source).resolve()
        if not path.is_file():
            raise click.BadParameter(f"{source}: no such file", param_hint="SOURCES")
        if not path.is_relative_to(project.source_dir) or path.suffix not in ARTICLE_SUFFIXES:
            raise click.BadParameter(f"{source}: not a Markdown file in {project.source_dir}",
                                     param_hint="SOURCES")
        paths.append(path)
    return paths


def _report_errors(errors: list[FolioError], debug: bool = False) -> None:
    # The same fault met by several targets (a deck's three parts, say) is one line.
    unique: dict[str, FolioError] = {}
    for error in errors:
        unique.setdefault(error.format_message(), error)
    for error in unique.values():
        # A bug met while making one output: its traceback, from wherever it ran, on request.
        if debug and isinstance(error, InternalError) and error.details:
            click.echo(error.details.rstrip(), err=True)
        click.echo(f"Error: {error.format_message()}", err=True)


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "formats", multiple=True, callback=_formats,
              help="Formats to build, comma-separated: html, pdf, epub, slides (default: all).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: build/).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size for PDFs.")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Outputs to make at once (default: one per core).")
@click.option("--force", is_flag=True, help="Rebuild everything, ignoring the cache.")
@click.option("--scheduler", envvar="FOLIO_SCHEDULER", metavar="ADDRESS",
              help="Make the outputs on the Dask cluster of this scheduler "
                   "(tcp://host:8786; default: $FOLIO_SCHEDULER).")
@click.pass_context
def build(ctx: click.Context, sources: tuple[Path, ...], formats: list[str], out: Path | None,
          paper: str | None, jobs: int | None, force: bool, scheduler: str | None) -> None:
    """Build articles (default: all in source/) into build/."""
    from pipeline.build import build as run_build

    project = load_project(ctx.obj["root"], out)
    if paper:
        project.settings["paper"] = paper
    started = time.perf_counter()
    with _progress(ctx.obj["quiet"]) as progress:
        report = run_build(project, formats, _source_paths(project, sources), jobs=jobs,
                           force=force, progress=progress, scheduler=scheduler or None)
    _report_errors(report.errors, ctx.obj["debug"])
    _summarise(report, project, ctx.obj["verbose"], time.perf_counter() - started)
    if not report.ok:
        ctx.exit(1)


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback: a bar on an interactive terminal, nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                  console=_stderr_console()) as bar:
        task = bar.add_task("building", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _summarise(report: Any, project: Project, verbose: int, seconds: float) -> None:
    """Log each output written or failed (skipped ones too with -v), then the totals."""
    if log.isEnabledFor(logging.INFO):  # with -q, nothing is printed: nothing is worked out
        # The build folder is placed once: a catalogue has thousands of outputs.
        folder = Path(location(project.build_dir))
        for outcome in report.outcomes:
            if outcome.status == "skipped" and not verbose:
                continue
            detail = (f"{_size(outcome.size)}, {outcome.seconds:.2f} s"
                      if outcome.status == "written" else "up to date or not due"
                      if outcome.status == "skipped" else "see the error above")
            log.info("%-8s %s (%s)", outcome.status, folder / outcome.path, detail)
    where = f" ({report.where})" if report.where else ""
    # A source that could not be read failed no output: "0 failed" alone reads as success.
    unread = (f"; {report.unread} source{'' if report.unread == 1 else 's'} not read (see the "
              "errors above)") if report.unread else ""
    log.info("%d written, %d skipped, %d failed in %.2f s%s%s", report.count("written"),
             report.count("skipped"), report.count("failed"), seconds, where, unread)


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def check(ctx: click.Context, sources: tuple[Path, ...]) -> None:
    """Check sources and the project file; build nothing."""
    from pipeline.books import book_paths, load_book
    from pipeline.brand.fonts import check_coverage
    from pipeline.build import read_sources
    from pipeline.crossrefs import with_crossrefs

    project = load_project(ctx.obj["root"])
    articles, errors = read_sources(project, _source_paths(project, sources))
    articles = with_crossrefs(articles)  # says which references no article has
    try:
        check_coverage(articles, project.brand)
    except FolioError as exc:
        errors.append(exc)
    checked = len(articles) + len(errors)
    books = book_paths(project) if not sources else []
    for path in books:
        try:
            load_book(path, project)
        except FolioError as exc:
            errors.append(exc)
    _report_errors(errors, ctx.obj["debug"])
    log.info("%d article(s) and %d book(s) checked, %d with errors", checked, len(books),
             len(errors))
    if errors:
        ctx.exit(1)


@cli.command()
@click.option("-f", "--format", "formats", multiple=True, callback=_formats,
              help="Formats to build, comma-separated (default: all).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the index in a browser.")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Outputs to make at once (default: 1).")
@click.pass_context
def serve(ctx: click.Context, formats: list[str], port: int, open_browser: bool,
          jobs: int | None) -> None:
    """Build, serve build/ locally, rebuild and reload on change."""
    from pipeline.serve import serve as run_serve

    # One job by default: the preview's server and watcher threads make forking workers
    # riskier than the small rebuilds of an edit are worth.
    run_serve(load_project(ctx.obj["root"]), formats=formats, port=port,
              open_browser=open_browser, jobs=jobs or 1)


@cli.command()
@click.pass_context
def clean(ctx: click.Context) -> None:
    """Remove what Folio built, and nothing else."""
    from pipeline.build import clean as run_clean

    project = load_project(ctx.obj["root"])
    removed, kept = run_clean(project)
    log.info("removed %d file(s) Folio made", removed)
    if kept:
        log.info("kept %d file(s) Folio did not make, e.g. %s", len(kept), location(kept[0]))


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My Folio", help="The site title.")
@click.option("--brand", "with_brand", is_flag=True,
              help="Also write a commented example _brand.yml (colours, fonts, logo).")
def init(directory: Path, title: str, with_brand: bool) -> None:
    """Start a project: source/, templates/, a project file."""
    source = directory / "source"
    if with_brand and (source / PROJECT_FILE).exists():
        # An existing project gets the brand file only.
        _write_brand_example(directory)
        return
    if (source / PROJECT_FILE).exists():
        raise FolioError(f"a Folio project already exists here ({source / PROJECT_FILE})")
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    source.mkdir(parents=True, exist_ok=True)
    from pipeline.project import DEFAULT_TEMPLATES

    (source / PROJECT_FILE).write_text(
        (DEFAULT_TEMPLATES / "new" / "folio.yaml").read_text(encoding="utf-8")
        .replace("My Folio", title), encoding="utf-8")
    (directory / ".gitignore").write_text("/build/\n", encoding="utf-8")
    if with_brand:
        _write_brand_example(directory)
    _new_article(load_project(directory), "Welcome")
    log.info("created a Folio project in %s; run 'folio build' there", directory)


def _write_brand_example(directory: Path) -> None:
    """Write the commented example _brand.yml, never over one that exists."""
    from pipeline.brand import BRAND_FILE
    from pipeline.project import DEFAULT_TEMPLATES

    target = directory / BRAND_FILE
    if target.exists():
        raise FolioError("already exists; edit it, or remove it for a fresh example", target)
    shutil.copyfile(DEFAULT_TEMPLATES / "new" / BRAND_FILE, target)
    log.info("wrote %s: edit its colours, fonts and logo", location(target))


@cli.command()
@click.argument("title")
@click.option("--slug", help="File name and address (default: from the title).")
@click.pass_context
def new(ctx: click.Context, title: str, slug: str | None) -> None:
    """Start a new article called TITLE in source/."""
    path = _new_article(load_project(ctx.obj["root"]), title, slug)
    log.info("created %s", location(path))


def _new_article(project: Project, title: str, slug: str | None = None) -> Path:
    from pipeline.schema import SLUG_RE
    from pipeline.source import slugify
    from pipeline.templates import make_environment

    slug = slug or slugify(title) or "article"
    if not SLUG_RE.fullmatch(slug):
        raise click.BadParameter(f"'{slug}' is not a slug (lower-case letters, digits, hyphens)",
                                 param_hint="--slug")
    path = project.source_dir / f"{slug}.md"
    if path.exists():
        raise FolioError("already exists; choose another title or --slug", path)
    text = make_environment(project).get_template("new/article.md.j2").render(
        title=title, date=dt.date.today().isoformat(), lang=project.settings["lang"],
        author=", ".join(project.settings["author"]))
    path.write_text(text, encoding="utf-8")
    return path


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--slug", help="Slug of the one article imported (default: from its title).")
@click.option("--force", is_flag=True, help="Replace articles that already exist.")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@click.option("--drafts", is_flag=True, help="Import drafts too.")
@click.option("--pages", is_flag=True, help="Import a WordPress site's pages too.")
@click.option("--images", is_flag=True, help="Download a web page's images from its own site.")
@click.pass_context
def import_(ctx: click.Context, sources: tuple[str, ...], slug: str | None, force: bool,
            dry_run: bool, drafts: bool, pages: bool, images: bool) -> None:
    """Bring documents, web pages and exports into source/ as articles.

    A folder brings its book (_quarto.yml, SUMMARY.md) if it has one, else its documents.
    """
    from pipeline.importers import Options, import_sources

    if slug and len(sources) > 1:
        raise click.BadParameter("names one article; import one source with it",
                                 param_hint="--slug")
    options = Options(slug=slug, force=force, dry_run=dry_run, drafts=drafts, pages=pages,
                      images=images)
    report = import_sources(load_project(ctx.obj["root"]), sources, options)
    _report_errors(report.errors, ctx.obj["debug"])
    if report.errors:
        ctx.exit(1)


def main() -> None:
    """Run the command line."""
    try:
        cli(prog_name="folio")
    finally:
        # Python's exit ends with a full garbage collection of everything still alive: the
        # libraries a build loaded (a brand's pydantic models, say), tens of milliseconds of
        # scanning objects that are about to go anyway. Frozen, they are skipped.
        gc.freeze()
