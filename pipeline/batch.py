"""Parse many article bodies in one pandoc run, ahead of reading them.

Starting pandoc's Lua writer costs ~0.06 CPU-s, more than parsing an article (~0.07 with its
HTML); a project read from scratch pays it once a batch instead of once an article. The
results go to the parse cache, where reading each article then finds its parse. Only what
reads alike in both ways is batched: bodies with pandoc's plain options (no citations, no
cross-references, no character references) and no tabs (pandoc's command line expands them;
its Lua reader does not). A batch whose run says anything on stderr, or fails, is dropped:
its articles are read one by one, so that every warning names its own file and line.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.highlight import highlight_parse
from pipeline.pandoc import pandoc_command
from pipeline.source import BASE_ARGS, READER_FORMAT, WRITER, ParseRequest, parse_request, prepare

if TYPE_CHECKING:
    from pipeline.cache import BuildCache
    from pipeline.project import Project

log = logging.getLogger(__name__)

# Bodies a run: enough that pandoc's start is a small share, few enough that every reading
# thread gets a batch of a small project.
MOST_A_BATCH = 16
# A batch that has to be run again in halves is not split below this.
SMALLEST_SPLIT = 2


def parse_ahead(paths: list[Path], project: Project, cache: BuildCache, jobs: int = 1) -> None:
    """Parse the bodies of ``paths`` not yet in ``cache``, several a pandoc run, into ``cache``.

    Whatever cannot be batched, or goes wrong, is left for reading to parse (and report).
    What preparing the sources logs is said again when they are read: the caller drops it.
    """
    requests: dict[str, ParseRequest] = {}
    for path in paths:
        request = _batchable(path, project)
        if request is not None and request.key not in requests and not cache.has_parse(
                request.key):
            requests[request.key] = request
    pending = list(requests.values())
    if len(pending) < 2:
        return
    size = max(2, min(MOST_A_BATCH, math.ceil(len(pending) / jobs)))
    batches = [pending[start:start + size] for start in range(0, len(pending), size)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(_parse_batch, batches))
    for batch, parses in zip(batches, results, strict=True):
        for request, parsed in zip(batch, parses, strict=True):
            if parsed is None:
                continue
            try:
                cache.store_parse(request.key, highlight_parse(parsed))
            except Exception:  # reading this body parses it again, and reports what fails
                log.debug("a parse made ahead is not kept", exc_info=True)


def _batchable(path: Path, project: Project) -> ParseRequest | None:
    """Return the parse ``path`` needs when it can be batched; None otherwise or on any error."""
    try:
        prepared = prepare(path, project)
        request = parse_request(prepared.body, path, project, prepared.meta, prepared.lines,
                                prepared.first_line)
    except Exception:  # reading the source again reports it
        return None
    if request.args != BASE_ARGS or "\t" in request.body:
        return None
    return request


def _parse_batch(batch: list[ParseRequest]) -> list[dict[str, Any] | None]:
    """Return the parses of ``batch``, None for each body to be read singly.

    A run that warns or fails is split in two and each half run again, down to pairs: one
    article with a warning costs a few short runs, not a run for each of its batch.
    """
    try:
        parses = _run_batch(batch)
    except Exception:  # a shortcut that fails costs time, never the build
        log.debug("a batch of %d bodies is read one by one", len(batch), exc_info=True)
        parses = None
    if parses is not None:
        return parses
    if len(batch) < 2 * SMALLEST_SPLIT:
        return [None] * len(batch)
    half = len(batch) // 2
    return _parse_batch(batch[:half]) + _parse_batch(batch[half:])


def _run_batch(batch: list[ParseRequest]) -> list[dict[str, Any]] | None:
    document = {"pandoc-api-version": api_version(), "meta": {},
                "blocks": [{"t": "RawBlock", "c": ["folio", request.body]} for request in batch]}
    done = subprocess.run(
        [*pandoc_command(), "--from", "json", "--to", str(WRITER), *BASE_ARGS,
         f"--variable=folio-batch={READER_FORMAT}"],
        input=json.dumps(document).encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0 or done.stderr.strip():
        log.debug("a batch of %d bodies is read one by one: pandoc said %r", len(batch),
                  done.stderr.decode("utf-8", "replace")[:200])
        return None
    try:
        parses = json.loads(done.stdout)
    except ValueError:
        return None
    return parses if isinstance(parses, list) and len(parses) == len(batch) else None


@cache
def api_version() -> list[int]:
    """Return the version of pandoc's document model that its JSON reader expects."""
    done = subprocess.run([*pandoc_command(), "--from", "markdown", "--to", "json"],
                          input=b"", capture_output=True, check=True)
    return list(json.loads(done.stdout)["pandoc-api-version"])
