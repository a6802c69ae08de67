"""The brand of a build: read beside pandoc's parses, and kept in the build cache between builds.

Reading a brand file costs a quarter of a second (importing brand-yml and pydantic); the
build cache keeps the result as JSON, keyed by the brand file and checked against every
file it names, so a rebuild pays nothing. Its warnings are kept with it and said again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.brand import Brand, BrandFile, FontFace, Logo, Typeface, brand_path, load_brand

if TYPE_CHECKING:
    from pipeline.cache import BuildCache
    from pipeline.project import Project


def load_in_background(project: Project, cache: BuildCache | None = None
                       ) -> Callable[[], Brand]:
    """Start reading the project's brand in a thread; return a function that waits for it.

    The thread overlaps the pandoc processes that parse the sources. SVG logos are not drawn
    here: the worker making an output that needs them as PNG does, once a build (see
    pipeline.brand.raster). Waiting says the brand's warnings (from this thread, in order)
    and raises its ``ConfigError``, if any.
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="folio-brand")
    future = pool.submit(read_brand, project, cache)
    pool.shutdown(wait=False)

    def wait() -> Brand:
        brand, records = future.result()
        for record in records:
            logging.getLogger(record.name).handle(record)
        # The Project is frozen: its cached brand is set as cached_property stores it.
        project.__dict__["brand"] = brand
        return brand

    return wait


def read_brand(project: Project, cache: BuildCache | None
               ) -> tuple[Brand, list[logging.LogRecord]]:
    """Return the project's brand and the warnings reading it gave, from the cache if fresh."""
    from pipeline.cache import code_fingerprint, digest
    from pipeline.deps import file_digest

    path = brand_path(project)
    if path is None or not path.is_file():
        with _warnings() as records:
            return load_brand(project), records
    key = digest(code_fingerprint(), "brand", str(path), file_digest(path))
    kept = cache.load_parse(key) if cache else None
    if kept is not None and all(Path(name).is_file() and file_digest(Path(name)) == value
                                for name, value in kept["files"].items()):
        records = [logging.makeLogRecord(record) for record in kept["warnings"]]
        return decode(kept["brand"]), records
    with _warnings() as records:
        brand = load_brand(project)
    if cache is not None:
        cache.store_parse(key, {
            "brand": encode(brand),
            "files": {str(file.path): file_digest(file.path) for file in brand.files},
            "warnings": [{"name": r.name, "levelno": r.levelno, "levelname": r.levelname,
                          "msg": r.getMessage()} for r in records]})
    return brand, records


@contextlib.contextmanager
def _warnings() -> Iterator[list[logging.LogRecord]]:
    """Collect what the brand modules log, to be said by the thread that waits for it."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("pipeline.brand")
    handler = Keep(logging.DEBUG)
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved


def encode(brand: Brand) -> dict[str, Any]:
    """Return ``brand`` as JSON-ready data."""
    return _plain(dataclasses.asdict(brand))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def decode(data: dict[str, Any]) -> Brand:
    """Return the brand ``encode`` gave ``data`` for."""
    def file(value: dict[str, str] | None) -> BrandFile | None:
        return BrandFile(value["rel"], Path(value["path"])) if value else None

    return Brand(
        **{name: data[name] for name in ("name", "colors", "link_color", "heading_color",
                                         "palette", "meta_name", "meta_short", "meta_link",
                                         "key")},
        body=Typeface(**data["body"]), headings=Typeface(**data["headings"]),
        mono=Typeface(**data["mono"]),
        faces=tuple(FontFace(face["family"], file(face["file"]), face["weight"], face["style"])
                    for face in data["faces"]),
        logos={size: Logo(file(logo["light"]), file(logo["dark"]), logo["alt"])
               for size, logo in data["logos"].items()},
        source=Path(data["source"]) if data["source"] else None,
        raster_dir=Path(data["raster_dir"]) if data["raster_dir"] else None)
