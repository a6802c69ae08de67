"""The finished chapters of a book, kept between builds: one edited article redoes one chapter.

A book of 200 articles spent most of its time turning each rendered chapter into clean
XHTML (parsing, repairs, link checks), again for every chapter whenever one article changed.
A chapter is kept by what decides its bytes: the rendered template text, the file it comes
from, where the book's links lead and the images the book embeds. Folio's code is part of
every key (``code_fingerprint``), so a changed Folio never reuses a kept chapter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.cache import CACHE_DIR, code_fingerprint, digest, load_kept
from pipeline.executors.base import detached

FOLDER = "chapters"
# What a kept chapter is made of: nothing else is unpickled from the store.
KEPT_CLASSES = frozenset({(__name__, "Chapter"), ("logging", "LogRecord"),
                          ("copyreg", "_reconstructor"), ("builtins", "object")})


@dataclass(frozen=True)
class Chapter:
    """One chapter as the ebook holds it, and the warnings making it gave."""

    data: bytes
    properties: list[str]
    undescribed: bool  # shows an image without alternative text
    records: list[logging.LogRecord]


class ChapterStore:
    """The kept chapters of one book, in ``build/.folio-cache/chapters/<slug>.pickle``.

    Saved with only the chapters this build used, so the file never outgrows its book. On a
    Dask worker, the store lies in the build's copy of the project, thrown away after it.
    """

    def __init__(self, build_dir: Path, slug: str, salt: str) -> None:
        self.path = build_dir / CACHE_DIR / FOLDER / f"{slug}.pickle"
        # What every key shares: Folio's code and where the book's links lead.
        self.salt = digest(code_fingerprint(), salt)
        self.kept = self._load()
        self.used: dict[str, Chapter] = {}

    def _load(self) -> dict[str, Chapter]:
        # Damaged or from another layout: the chapters are made again, and it is rewritten.
        kept = load_kept(self.path, KEPT_CLASSES)
        if isinstance(kept, dict) and all(isinstance(c, Chapter) for c in kept.values()):
            return kept
        return {}

    def key(self, text: str, source: Path, extra: str) -> str:
        """Return the key of a chapter rendered as ``text`` from ``source``, with ``extra``."""
        return digest(self.salt, str(source), extra, text)

    def get(self, key: str) -> Chapter | None:
        """Return the kept chapter of ``key``, if there is one."""
        chapter = self.kept.get(key)
        if chapter is not None:
            self.used[key] = chapter
        return chapter

    def put(self, key: str, chapter: Chapter) -> None:
        """Keep ``chapter`` under ``key``."""
        self.used[key] = chapter

    def save(self) -> None:
        """Write the chapters used (atomically) if they differ from those kept."""
        if self.used.keys() == self.kept.keys():
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(pickle.dumps(self.used, pickle.HIGHEST_PROTOCOL))
            temporary.replace(self.path)


@contextlib.contextmanager
def recorded() -> Iterator[list[logging.LogRecord]]:
    """Collect the records Folio logs in this thread meanwhile, as they also go on as usual."""
    records: list[logging.LogRecord] = []
    thread = threading.get_ident()

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:  # a copy: the handlers after this one see it unchanged
                records.append(detached(logging.makeLogRecord(record.__dict__)))

    logger = logging.getLogger("pipeline")
    collector = Collector(logging.DEBUG)
    logger.addHandler(collector)
    try:
        yield records
    finally:
        logger.removeHandler(collector)
