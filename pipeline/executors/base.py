"""Making one target and carrying its outcome back, and the interface every executor offers."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import BuildError, FolioError, InternalError
from pipeline.output import OutputDir

if TYPE_CHECKING:
    from pipeline.formats import Target

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class Result:
    """What making one target gave: success or the error, its log records, the files written."""

    error: FolioError | None
    seconds: float
    records: list[logging.LogRecord]
    files: list[str]
    # Made away from the output folder (on a cluster): {relative path: bytes} still to write.
    contents: dict[str, bytes] = field(default_factory=dict)
    # Where it was made, when that is worth telling (a Dask worker's address).
    worker: str = ""


class Executor(ABC):
    """Makes a build's stale targets, somewhere; the build plans, caches and settles them.

    Subclasses say how targets are sent and gathered (``results``); progress counting and the
    plan order of the results are the same for all.
    """

    def run(self, targets: list[Target], out_root: Path,
            progress: Progress | None = None) -> list[Result]:
        """Make ``targets``; return their results in plan order, calling ``progress`` as they go."""
        results: list[Result | None] = [None] * len(targets)
        for done, (index, result) in enumerate(self.results(targets, out_root), start=1):
            results[index] = result
            if progress:
                progress(done, len(targets))
        missing = [index for index, result in enumerate(results) if result is None]
        if missing:  # an executor bug: say which targets, rather than lose them silently
            raise RuntimeError(f"{len(missing)} target(s) got no result, e.g. "
                               f"{targets[missing[0]].outputs[0]}")
        return [result for result in results if result is not None]

    @abstractmethod
    def results(self, targets: list[Target], out_root: Path) -> Iterator[tuple[int, Result]]:
        """Yield (index in ``targets``, result) for every target, in the order they finish."""

    def summary(self, results: list[Result]) -> str:
        """Return where the targets were made, for the closing line ("" when it goes unsaid)."""
        return ""

    def close(self) -> None:  # noqa: B027 (most executors hold nothing to release)
        """Release the workers (at once when the build was interrupted)."""


class InProcess(Executor):
    """Make every target here, one after the other."""

    def results(self, targets: list[Target], out_root: Path) -> Iterator[tuple[int, Result]]:
        """Make the targets in plan order in this process."""
        for index, target in enumerate(targets):
            yield index, make(target, out_root)


def make(target: Target, out_root: Path) -> Result:
    """Make one target into ``out_root``, keeping its log records to replay in plan order.

    The coordinating process replays them in plan order, so a parallel build prints what a
    serial one would.
    """
    started = time.perf_counter()
    error = None
    out = OutputDir(out_root)
    with records_by_thread() as take:
        try:
            roomy(target.write, out)
        except FolioError as exc:
            error = exc
        except Exception as exc:  # a bug costs this target only, never the rest of the build
            error = InternalError(exc, target_source(target), target.format)
        records = take()
    files = [path.relative_to(out_root).as_posix() for path in out.written]
    return Result(error, time.perf_counter() - started, records, files)


def roomy(function: Callable[[OutputDir], None], out: OutputDir) -> None:
    """Call ``function(out)`` at the start of a frame stack chunk with room for every call below.

    CPython 3.11 and 3.12 keep a thread's Python frames in 16 KiB chunks and unmap a chunk as
    soon as the stack falls back below it (CPython issue gh-142183, fixed in 3.13 and 3.14
    point releases only). A layout whose calls keep crossing a chunk's edge maps and unmaps it
    hundreds of times a target: a Dask worker did so 66,000 times for 60 articles. This
    function's frame is made large (``_ROOMY_SLOTS``), so it starts a 1 MiB chunk of its own
    with almost half of it free after it: the frames of making a target stay in one chunk.
    """
    function(out)


# A value stack of this many 8-byte slots. A frame that does not fit its thread's chunk gets a
# new one, the smallest power of two holding the frame and 1,000 slots more: here 1 MiB
# (131,072 slots), of which 61,000 stay free for the calls below (a frame takes 10 to 50).
_ROOMY_SLOTS = 70_000
roomy.__code__ = roomy.__code__.replace(co_stacksize=_ROOMY_SLOTS)


def target_source(target: Target) -> Path | str:
    """Return the file a message about ``target`` names: its article, its book, or its output."""
    if len(target.articles) == 1:
        return target.articles[0].source
    return target.inputs[0] if target.inputs else target.outputs[0]


def lost(target: Target, error: BaseException) -> Result:
    """Return the result of a target that could not cross to a worker, or back: a bug."""
    return Result(InternalError(error, target_source(target), target.format), 0.0, [], [])


def packed(targets: list[Target], dump: Callable[[list[Target]], bytes]
           ) -> tuple[bytes, list[int], dict[int, Exception]]:
    """Pickle ``targets`` as one list with ``dump`` (articles shared by targets go once).

    Return the bytes, the indexes of the targets they hold, and the error of each target
    that cannot travel (a bug in its format): those are left out, and fail alone.
    """
    try:
        return dump(targets), list(range(len(targets))), {}
    except Exception:
        unsendable: dict[int, Exception] = {}
        for index, target in enumerate(targets):
            try:
                dump([target])
            except Exception as exc:
                unsendable[index] = exc
        sendable = [index for index in range(len(targets)) if index not in unsendable]
        return dump([targets[index] for index in sendable]), sendable, unsendable


def worker_died(target: Target, how: str = "the worker process making it died") -> Result:
    """Return the result of a target whose worker died while making it."""
    error = BuildError(f"{target.format}: {how} (a crash in a library, or it ran out of "
                       "memory); the other outputs were made", target_source(target))
    return Result(error, 0.0, [], [])


@contextlib.contextmanager
def records_by_thread() -> Iterator[Callable[[], list[logging.LogRecord]]]:
    """Collect Folio's log records per thread; yield a function taking this thread's so far."""
    local = threading.local()

    class Router(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not hasattr(local, "records"):
                local.records = []
            local.records.append(detached(record))

    def take() -> list[logging.LogRecord]:
        records, local.records = getattr(local, "records", []), []
        return records

    logger = logging.getLogger("pipeline")
    saved = logger.propagate, logger.handlers[:]
    logger.handlers[:] = [Router(logging.DEBUG)]
    logger.propagate = False
    try:
        yield take
    finally:
        logger.propagate, logger.handlers[:] = saved


def replay(records: list[logging.LogRecord]) -> None:
    """Emit records collected elsewhere (a thread, a worker) through the usual handlers."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def detached(record: logging.LogRecord) -> logging.LogRecord:
    """Return ``record`` with its message formatted, ready to cross a thread or process."""
    record.msg, record.args = record.getMessage(), None
    record.exc_info = record.exc_text = None
    return record
