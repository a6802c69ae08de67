"""Output formats: one small class per format behind one interface, registered by name."""

from __future__ import annotations

import importlib
import importlib.util
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pipeline.errors import BuildError

if TYPE_CHECKING:
    import jinja2

    from pipeline.cache import BuildCache
    from pipeline.model import Article
    from pipeline.output import OutputDir
    from pipeline.project import Project

# Where each built-in format lives. Modules are imported only when their format is asked for,
# so `folio --help` and `folio check` never pay for WeasyPrint or EbookLib.
BUILTIN_MODULES: dict[str, str] = {
    "html": "pipeline.formats.html",
    "pdf": "pipeline.formats.pdf",
    "epub": "pipeline.formats.epub",
    "slides": "pipeline.formats.slides",
}

_REGISTRY: dict[str, type[Format]] = {}


@dataclass
class Site:
    """What every format shares during one build: the project, its templates and the options."""

    project: Project
    options: dict[str, Any] = field(default_factory=dict)
    # The build cache, for a format that must read an article itself (a book naming one the
    # build was not asked for): the pandoc parse is then reused, not run again.
    cache: BuildCache | None = None
    # Names this build's site in worker processes (see __reduce__).
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __reduce__(self) -> tuple[Any, ...]:
        """Cross to a worker as one shared Site per build, without its cache and templates.

        Every target sent to a worker carries its site; rebuilding the Jinja environment for
        each would compile every template again, target after target.
        """
        return (_site_in_worker, (self.token, self.project, self.options))

    def read(self, path: Path) -> Article:
        """Read the article at ``path`` through the build cache."""
        from pipeline.source import read_article

        return read_article(path, self.project, self.cache)

    @cached_property
    def env(self) -> jinja2.Environment:
        """Return the one Jinja environment of this build."""
        from pipeline.templates import make_environment

        return make_environment(self.project, cached=True)


# A worker process's sites and formats, by build: each target arriving from the parent finds
# the ones the targets before it already set up (templates compiled, stylesheets parsed).
_IN_WORKER: dict[tuple[Any, ...], Any] = {}


def _site_in_worker(token: str, project: Project, options: dict[str, Any]) -> Site:
    key = ("site", token)
    if key not in _IN_WORKER:
        _IN_WORKER[key] = Site(project, options, token=token)
    return _IN_WORKER[key]


def _format_in_worker(cls: type[Format], site: Site) -> Format:
    key = (cls, site.token)
    if key not in _IN_WORKER:
        _IN_WORKER[key] = cls(site)
    return _IN_WORKER[key]


@dataclass(frozen=True)
class Target:
    """One unit of work: the outputs it writes, the articles they depend on, how to write them."""

    format: str
    outputs: tuple[str, ...]
    articles: tuple[Article, ...]
    write: Callable[[OutputDir], None]
    # Made from every article (an index): skipped, keeping the last good one, when the build
    # covers only some sources or some failed to read, since it would silently lose entries.
    whole_project: bool = False
    # The templates it renders (their includes are found by the build); by default every
    # template in the format's own folder.
    templates: tuple[str, ...] = ()
    # Whether the outputs show the articles' images (an index of titles does not).
    uses_images: bool = True
    # Other files whose content decides the bytes: a book file, its cover, an embedded font.
    inputs: tuple[Path, ...] = ()
    # Roughly how long making it takes, until a build has timed it: the longest are started
    # first, so that no long one is left to run alone at the end.
    expected_seconds: float = 0.0


class Format(ABC):
    """An output format: the targets it makes for each article and for the whole project."""

    name: ClassVar[str]
    description: ClassVar[str]
    # Heavy libraries writing needs: imported once before the build forks its workers, and
    # never at module level, so a build with nothing to do does not pay for them.
    heavy_modules: ClassVar[tuple[str, ...]] = ()
    # Whether those take most of a second to load (WeasyPrint): while they load, the targets
    # of the other formats are started by a process loading only their own.
    slow_to_load: ClassVar[bool] = False
    # The templates an article's outputs are rendered from (default: the format's folder).
    article_templates: ClassVar[tuple[str, ...]] = ()
    # Roughly how long one article's outputs take on a laptop (see Target.expected_seconds).
    seconds_per_article: ClassVar[float] = 0.05

    def __init__(self, site: Site) -> None:
        self.site = site

    def __reduce__(self) -> tuple[Any, ...]:
        """Cross to a worker as the one instance of this format there for this build."""
        return (_format_in_worker, (type(self), self.site))


    def targets(self, articles: list[Article]) -> list[Target]:
        """Return one target per article, then those made from several articles together."""
        per_article = [Target(self.name, tuple(self.article_outputs(article)), (article,),
                              partial(self.write_article, article),
                              templates=self.article_templates,
                              expected_seconds=self.seconds_per_article)
                       for article in articles]
        return per_article + self.collection_targets(articles)

    @abstractmethod
    def article_outputs(self, article: Article) -> list[str]:
        """Return the paths, relative to the output folder, this format writes for ``article``."""

    @abstractmethod
    def write_article(self, article: Article, out: OutputDir) -> None:
        """Write this format's outputs for one article."""

    def collection_targets(self, articles: list[Article]) -> list[Target]:
        """Return targets made from several articles (an index, a book); none by default."""
        return []


def register(cls: type[Format]) -> type[Format]:
    """Class decorator: make ``cls`` available under its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RuntimeError(f"format {cls.name!r} is registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def format_names() -> list[str]:
    """Return the names of all formats Folio knows, built or not."""
    return list(BUILTIN_MODULES)


def available_format_names() -> list[str]:
    """Return the names of the formats whose module is installed."""
    return [name for name, module in BUILTIN_MODULES.items()
            if name in _REGISTRY or importlib.util.find_spec(module) is not None]


def get_format(name: str) -> type[Format]:
    """Return the format class called ``name``, importing its module on first use."""
    if name not in _REGISTRY:
        module = BUILTIN_MODULES.get(name)
        if module is None:
            raise BuildError(f"unknown format '{name}'; choose from {', '.join(format_names())}")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise BuildError(f"format '{name}' is not available yet") from None
    return _REGISTRY[name]


def forget_site(token: str) -> None:
    """Drop the site and formats a worker kept for the build ``token``, once it is over."""
    for key in [key for key in _IN_WORKER if key[-1] == token]:
        del _IN_WORKER[key]
