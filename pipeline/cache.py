"""The build cache in build/: what each target was made from, and each source's pandoc parse."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import BuildError, location

log = logging.getLogger(__name__)

CACHE_DIR = ".folio-cache"
# Its folder of compiled templates (see pipeline.templates.TemplateCache).
TEMPLATE_CACHE = "templates"
STATE_FILE = "state.json"
# The articles of the last build, as read (the model, and what reading them logged).
ARTICLES_FILE = "articles.pickle"
# Bump when the layout of state.json changes; a cache of any other layout is discarded.
LAYOUT = 1
_Kept = tuple[str, Any, list[logging.LogRecord], set[str]]


@functools.cache
def code_fingerprint() -> str:
    """Return a hash of Folio's version and its own files (code, templates, Lua writer).

    Part of every key, so a changed Folio, even a development copy, never reuses old results.
    """
    package = Path(__file__).parent
    stats = sorted(f"{path.relative_to(package)}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
                   for path in package.rglob("*")
                   if path.is_file() and "__pycache__" not in path.parts)
    return digest(__version__, *stats)


def digest(*parts: str | bytes) -> str:
    """Return the SHA-256 of ``parts``, each length-prefixed so no two sequences collide."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(f"{len(data)}:".encode())
        sha.update(data)
    return sha.hexdigest()


class BuildCache:
    """The state of the last build: a key per target, the outputs it wrote, template facts."""

    def __init__(self, build_dir: Path) -> None:
        self.dir = build_dir / CACHE_DIR
        self.path = self.dir / STATE_FILE
        self._discarded = False
        self.state = self._load()
        # By source: (key, article, records of reading it, the checks it passed since).
        self._articles: dict[str, _Kept] | None = None
        self._articles_changed = False
        self._articles_lock = threading.Lock()  # sources are read by several threads

    def _load(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"layout": LAYOUT, "folio": __version__, "targets": {},
                                 "templates": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return empty
        except (OSError, ValueError):
            log.warning("%s: build cache is unreadable; ignoring it and rebuilding",
                        location(self.path))
            self._discarded = True
            return empty
        if not _well_formed(data):
            self._discarded = True
            log.warning("%s: build cache is from another Folio version or damaged; ignoring it "
                        "and rebuilding", location(self.path))
            return empty
        return data

    def nothing_changed(self, world: str, out_root: Path) -> list[str] | None:
        """Return the outputs of the last build if ``world`` (all its inputs) is unchanged.

        None when anything differs, so the build plans target by target.
        """
        last = self.state.get("world")
        if not isinstance(last, dict) or last.get("key") != world:
            return None
        targets = last.get("targets")
        if not isinstance(targets, list) or not all(
                isinstance(t, str) and t in self.state["targets"] for t in targets):
            return None
        for target_id in targets:
            if not self.is_fresh(target_id, self.state["targets"][target_id]["key"], out_root):
                return None
        return [rel for t in targets for rel in self.state["targets"][t]["outputs"]]

    def remember_world(self, world: str | None, targets: list[str], extras: list[str]) -> None:
        """Record the inputs of a complete, error-free build (None forgets them)."""
        self.state["world"] = ({"key": world, "targets": targets, "extras": extras}
                               if world else None)

    @property
    def extra_inputs(self) -> list[str]:
        """Return the files outside source/ the last complete build read."""
        last = self.state.get("world")
        extras = last.get("extras") if isinstance(last, dict) else None
        if isinstance(extras, list) and all(isinstance(extra, str) for extra in extras):
            return extras
        return []

    @property
    def templates(self) -> dict[str, Any]:
        """Return the remembered facts about template files (hash, includes), by path."""
        return self.state["templates"]

    def is_fresh(self, target_id: str, key: str, out_root: Path) -> bool:
        """Tell whether ``target_id`` was built with ``key`` and its outputs are untouched."""
        entry = self.state["targets"].get(target_id)
        if not entry or entry.get("key") != key:
            return False
        for rel, (size, mtime_ns) in entry["outputs"].items():
            try:
                stat = (out_root / rel).stat()
            except OSError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return False
        return True

    def record(self, target_id: str, key: str, out_root: Path, outputs: tuple[str, ...],
               files: list[str], seconds: float = 0.0) -> None:
        """Remember that ``target_id`` was built with ``key`` into ``outputs`` (and ``files``).

        ``seconds``, what making it took, orders the next build's work: the longest first.
        """
        stats = {}
        for rel in outputs:
            stat = (out_root / rel).stat()
            stats[rel] = [stat.st_size, stat.st_mtime_ns]
        # files: everything the target wrote, copied images included, for `folio clean`.
        self.state["targets"][target_id] = {"key": key, "outputs": stats,
                                            "files": sorted(set(files) | set(outputs)),
                                            "seconds": round(seconds, 3)}

    def seconds(self, target_id: str) -> float:
        """Return how long ``target_id`` took when last made (0 when unknown)."""
        seconds = self.state["targets"].get(target_id, {}).get("seconds")
        return float(seconds) if isinstance(seconds, int | float) else 0.0

    def forget(self, target_id: str) -> None:
        """Drop ``target_id``, so the next build makes it again."""
        self.state["targets"].pop(target_id, None)

    def files(self) -> set[str]:
        """Return every file Folio has recorded writing, relative to the output folder."""
        return {rel for entry in self.state["targets"].values()
                for rel in entry.get("files", entry["outputs"])}

    @property
    def damaged(self) -> bool:
        """Tell whether a state file exists but could not be trusted."""
        return self._discarded

    def save(self) -> None:
        """Write the state atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.state, sort_keys=True), encoding="utf-8")
        os.replace(temp, self.path)

    def _kept(self) -> dict[str, _Kept]:
        """Return the kept articles, loaded on first use."""
        with self._articles_lock:
            if self._articles is None:
                self._articles = _load_articles(self.dir / ARTICLES_FILE)
            return self._articles

    def article(self, path: Path) -> tuple[str, Any, list[logging.LogRecord]] | None:
        """Return the key, article and log records of the last read of ``path``, if kept."""
        entry = self._kept().get(str(path))
        return (entry[0], entry[1], list(entry[2])) if entry is not None else None

    def keep_article(self, path: Path, key: str, article: Any,
                     records: list[logging.LogRecord]) -> None:
        """Remember the article read from ``path`` with ``key``, for the next build."""
        self._kept()[str(path)] = (key, article, records, set())
        self._articles_changed = True

    def passed(self, path: Path, check: str) -> bool:
        """Tell whether the kept article of ``path`` passed ``check`` (its name and inputs)."""
        entry = self._kept().get(str(path))
        return entry is not None and check in entry[3]

    def keep_passed(self, path: Path, check: str) -> None:
        """Remember that the kept article of ``path`` passed ``check``, with no warning."""
        entry = self._kept().get(str(path))
        if entry is not None and check not in entry[3]:
            entry[3].add(check)
            self._articles_changed = True

    def keep_only_articles(self, paths: set[str]) -> None:
        """Forget the articles of every source but ``paths`` (deleted or renamed sources)."""
        if self._articles is None:
            return
        for gone in set(self._articles) - paths:
            del self._articles[gone]
            self._articles_changed = True

    def save_articles(self) -> None:
        """Write the remembered articles atomically, if any changed."""
        if not self._articles_changed or self._articles is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".articles.", suffix=".tmp", dir=self.dir)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump({"key": _articles_layout(), "articles": self._articles}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, self.dir / ARTICLES_FILE)
        self._articles_changed = False

    def parse_path(self, key: str) -> Path:
        """Return where the pandoc parse with ``key`` is kept."""
        return self.dir / "parse" / f"{key}.json"

    def load_parse(self, key: str) -> dict[str, Any] | None:
        """Return a cached pandoc parse, or None when missing or damaged."""
        try:
            data = json.loads(self.parse_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return data["parsed"]

    def has_parse(self, key: str) -> bool:
        """Tell whether a pandoc parse is kept under ``key`` (not whether it is undamaged)."""
        return self.parse_path(key).is_file()

    def store_parse(self, key: str, parsed: dict[str, Any]) -> None:
        """Keep a pandoc parse for the next build."""
        path = self.parse_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name of its own: two sources with the same body are stored at once.
        fd, temp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"key": key, "parsed": parsed}, handle)
        os.replace(temp, path)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the project's build lock, so two builds never write the same files at once."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError("another folio build is running in this project; "
                                 "try again when it has finished") from None
            yield


def _articles_layout() -> str:
    # Articles pickled by another Folio, even a development copy, are never unpickled.
    return digest("articles", code_fingerprint())


# The classes kept articles are made of: nothing else is unpickled from articles.pickle.
MODEL_CLASSES = frozenset({("pipeline.model", name) for name in (
    "Article", "Block", "Note", "Image", "Heading")} | {
    ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "Path"),
    ("datetime", "date"), ("datetime", "datetime"), ("logging", "LogRecord"),
    ("copyreg", "_reconstructor"), ("builtins", "object"), ("builtins", "set"),
    ("builtins", "frozenset")})


class _KeptUnpickler(pickle.Unpickler):
    """Unpickles the classes it is told of and nothing else: a planted file cannot run code."""

    def __init__(self, file: Any, allowed: frozenset[tuple[str, str]]) -> None:
        super().__init__(file)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        """Return the class ``module.name`` if it is one of those allowed, else refuse."""
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of what Folio keeps")
        return super().find_class(module, name)


def load_kept(path: Path, allowed: frozenset[tuple[str, str]]) -> object | None:
    """Return what is pickled at ``path``, made of ``allowed`` classes; None if it cannot be.

    Missing, damaged, truncated or from another Folio: only a slower build follows.
    """
    try:
        with path.open("rb") as handle:
            return _KeptUnpickler(handle, allowed).load()
    except FileNotFoundError:
        return None
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
            ValueError, IndexError, KeyError):
        log.debug("%s: kept data unreadable; made again", location(path))
        return None


def _load_articles(path: Path) -> dict[str, _Kept]:
    """Return the articles kept at ``path``; none when missing, stale or damaged."""
    data = load_kept(path, MODEL_CLASSES)
    if not isinstance(data, dict) or data.get("key") != _articles_layout():
        return {}
    articles = data.get("articles")
    return articles if isinstance(articles, dict) else {}


def _well_formed(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    if data.get("layout") != LAYOUT or data.get("folio") != __version__:
        return False
    targets, templates = data.get("targets"), data.get("templates")
    if not isinstance(targets, dict) or not isinstance(templates, dict):
        return False
    for entry in targets.values():
        if not (isinstance(entry, dict) and isinstance(entry.get("key"), str)
                and isinstance(entry.get("outputs"), dict)
                and isinstance(entry.get("files", []), list)
                and all(isinstance(f, str) for f in entry.get("files", []))):
            return False
        for value in entry["outputs"].values():
            if not (isinstance(value, list) and len(value) == 2
                    and all(isinstance(v, int) for v in value)):
                return False
    return True
