"""What a target's bytes depend on besides its sources: template files and images."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import location

if TYPE_CHECKING:
    from pipeline.model import Article
    from pipeline.project import Project

log = logging.getLogger(__name__)
# The memo of the build being planned, and the (article, address) pairs warned about in it:
# every format's targets hash the same images, and a refused one is reported once a build.
_warned: tuple[dict[Path, str] | None, set[tuple[Path, str]]] = (None, set())


class TemplateDeps:
    """Which template files a target's templates pull in, and one hash over all of them."""

    def __init__(self, project: Project, facts: dict[str, Any]) -> None:
        self.search = project.template_search_path
        # facts: remembered per file (size, mtime, sha, includes) so unchanged templates are
        # not read or parsed again; updated in place and saved with the build cache.
        self.facts = facts
        self.files = self._find_files()
        self._digests: dict[tuple[str, ...], str] = {}
        for path in set(facts) - {str(p) for p in self.files.values()}:
            del facts[path]

    def _find_files(self) -> dict[str, Path]:
        files: dict[str, Path] = {}
        for folder in self.search:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    # The first folder wins, as in the ChoiceLoader: a project file shadows ours.
                    files.setdefault(path.relative_to(folder).as_posix(), path)
        return files

    def _fact(self, name: str) -> dict[str, Any]:
        path = self.files[name]
        stat = path.stat()
        fact = self.facts.get(str(path))
        if fact and (fact["size"], fact["mtime"]) == (stat.st_size, stat.st_mtime_ns):
            return fact
        source = path.read_bytes()
        fact = {"size": stat.st_size, "mtime": stat.st_mtime_ns,
                "sha": hashlib.sha256(source).hexdigest(), "includes": _includes(source)}
        self.facts[str(path)] = fact
        return fact

    def names(self, prefix: str) -> list[str]:
        """Return the templates whose names start with ``prefix`` (a format's folder)."""
        return [name for name in self.files if name.startswith(prefix)]

    def digest(self, roots: list[str]) -> str:
        """Return a hash of ``roots`` and every template they include, directly or not."""
        key = tuple(roots)
        if key not in self._digests:  # every article of a format asks for the same roots
            self._digests[key] = self._closure_digest(roots)
        return self._digests[key]

    def _closure_digest(self, roots: list[str]) -> str:
        return hashlib.sha256("\n".join(
            f"{name}={self.files[name]}:{fact['sha']}"
            for name, fact in sorted(self._closure(roots).items())).encode()).hexdigest()

    def closure(self, roots: list[str]) -> list[str]:
        """Return ``roots`` and every template they include, directly or not, sorted."""
        return sorted(self._closure(roots))

    def _closure(self, roots: list[str]) -> dict[str, dict[str, Any]]:
        """Return the facts of ``roots`` and of every template they include, by name."""
        seen: dict[str, dict[str, Any]] = {}
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name in seen or name not in self.files:
                continue
            seen[name] = self._fact(name)
            # None means an include by variable: depend on every template, to be safe.
            includes = seen[name]["includes"]
            todo.extend(self.files if includes is None else includes)
        return seen


def _includes(source: bytes) -> list[str] | None:
    """Return the templates ``source`` includes, extends or imports (None if not all known)."""
    # Imported here: a build where no template changed never needs Jinja at all.
    import jinja2
    import jinja2.meta

    env = jinja2.Environment()
    try:
        refs = list(jinja2.meta.find_referenced_templates(env.parse(source.decode("utf-8"))))
    except (jinja2.TemplateSyntaxError, UnicodeDecodeError):
        return []  # not a template we can read: rendering it will report the problem
    return None if None in refs else sorted(refs)


def asset_digest(articles: tuple[Article, ...], project: Project, memo: dict[Path, str]) -> str:
    """Return a hash of the local files (images, cover) ``articles`` show.

    ``memo`` is the build's: each file is read and hashed once, and checked as an image then
    (pipeline.images keeps the result by content, for the formats); an address Folio may not
    read, or a file it may not show, is a warning, once per article and address.
    """
    # Imported here: a build with nothing to do checks no image (resources brings the image
    # checks, and is a tenth of such a build's imports).
    from pipeline.resources import is_remote, locate, refusal

    global _warned
    if _warned[0] is not memo:  # a new build: held, so no later dict can reuse its id
        _warned = (memo, set())
    parts = []
    for article in articles:
        remote: list[tuple[str, str]] = []  # said once an article: a gallery post has 80
        for src in article.resource_sources:
            path = locate(src, article.source, project)
            first = (article.source, src) not in _warned[1]
            _warned[1].add((article.source, src))
            if isinstance(path, str) and first:
                if is_remote(src):
                    remote.append((src, path))
                else:
                    log.warning("%s: " + path, location(article.source, article.line(src)),
                                src)
            if isinstance(path, Path) and not path.exists() and first:
                log.warning("%s: image '%s' does not exist; left out",
                            location(article.source, article.line(src)), src)
            if not isinstance(path, Path) or not path.is_file():
                continue
            data = None
            if path not in memo:
                data = _read(path)
                memo[path] = _digest(path, data)
            if first:
                data = data if data is not None else _read(path)
                problem = refusal(article, src, path, data) if data is not None else None
                if problem:
                    log.warning("%s", problem)
            parts.append(f"{src}={memo[path]}")
        if remote:
            src, message = remote[0]
            where = location(article.source, article.line(src))
            if len(remote) == 1:
                log.warning("%s: " + message, where, src)
            else:
                log.warning("%s: not fetching %d network resources, the first '%s' (Folio "
                            "never goes online)", where, len(remote), src)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _digest(path: Path, data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else f"unreadable:{path}"


def file_digest(path: Path) -> str:
    """Return a hash of the file at ``path``, or a marker when it cannot be read."""
    return _digest(path, _read(path))
