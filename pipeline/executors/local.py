"""Worker processes on this machine, forked from the build, that survive one of them dying."""

from __future__ import annotations

import contextlib
import importlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InternalError
from pipeline.executors.base import (
    Executor,
    Result,
    make,
    target_source,
    worker_died,
)

if TYPE_CHECKING:
    from pipeline.formats import Target


class LocalWorkers(Executor):
    """Worker processes for stale targets, started once the build knows what they must make.

    The heavy libraries of the formats with stale targets (WeasyPrint takes most of a second)
    are imported and warmed up here, before the workers are forked: once a build, not once a
    worker. A
    worker that dies (killed, out of memory, a crash inside a library) costs only the target
    it was making: see ``results``.
    """

    def __init__(self, jobs: int, heavy_modules: list[str]) -> None:
        # Imported here: a build with nothing to do never starts a worker.
        import multiprocessing

        for module in heavy_modules:
            # A library that cannot load (Pango missing) fails again in the workers, and is
            # reported there, for the targets that need it.
            with contextlib.suppress(ImportError, OSError):
                # What a module sets up on first use (WeasyPrint's fonts) is done here too,
                # once, for every worker to inherit.
                getattr(importlib.import_module(module), "warm_up", lambda: None)()

        self.jobs = jobs
        self.heavy_modules = heavy_modules
        self.context = multiprocessing.get_context("fork")
        # Each worker says which target it starts, so that when one dies the parent knows
        # which targets were running (suspects) and which were only waiting.
        self.started = self.context.SimpleQueue()
        self.pool = self._start(jobs)

    def _start(self, jobs: int) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=self.context,
                                   initializer=_start_worker,
                                   initargs=(self.heavy_modules, self.started))
        # With "fork", the first task starts every worker at once.
        pool.submit(import_all, [])
        return pool

    def results(self, targets: list[Target], out_root: Path) -> Iterator[tuple[int, Result]]:
        """Make ``targets`` in the workers (one alone is made here), yielding results as they end.

        When a worker dies, the targets that were running then are made again one at a time,
        each in a fresh worker, so that the one that kills its worker fails alone; the
        targets still waiting are simply sent again.
        """
        if len(targets) <= 1:  # not worth a round trip to a worker
            for index, target in enumerate(targets):
                yield index, make(target, out_root)
            return
        finished: set[int] = set()
        pending = list(range(len(targets)))
        while pending:
            suspects = yield from self._batch(targets, pending, out_root, finished)
            waiting = [index for index in pending
                       if index not in finished and index not in suspects]
            for index in sorted(suspects):
                self._renew(1)
                yield from self._batch(targets, [index], out_root, finished)
                if index not in finished:
                    finished.add(index)
                    yield index, worker_died(targets[index])
            if suspects:
                self._renew(self.jobs)
            pending = waiting

    def _batch(self, targets: list[Target], indexes: list[int], out_root: Path,
               finished: set[int]) -> Iterator[tuple[int, Result]]:
        """Make ``indexes`` of ``targets``; return those running when a worker died, if any."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        futures = {}
        broken = False
        for index in indexes:
            try:
                futures[self.pool.submit(_make_announced, targets[index], out_root, index)] = index
            except BrokenProcessPool:  # a worker died while the rest were being sent
                broken = True
                break
        for future in as_completed(futures):
            index = futures[future]
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                broken = True
                continue
            finished.add(index)
            # make() reports every failure itself; what is left is a result that could not
            # cross back from the worker.
            yield index, future.result() if error is None else Result(
                InternalError(error, target_source(targets[index]), targets[index].format),
                0.0, [], [])
        if not broken:
            return set()
        started = set()
        while not self.started.empty():
            started.add(self.started.get())
        unfinished = {index for index in indexes if index not in finished}
        # No target had started: a worker died before it could say which (a task that could
        # not be sent, say), so each unfinished one is tried alone.
        return (started & unfinished) or unfinished

    def _renew(self, jobs: int) -> None:
        """Replace a broken pool by a new one of ``jobs`` workers."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        while not self.started.empty():
            self.started.get()
        self.pool = self._start(jobs)

    def close(self) -> None:
        """Stop the workers (at once when the build was interrupted)."""
        self.pool.shutdown(cancel_futures=True)


_STARTED: Any = None


def _start_worker(modules: list[str], started: Any) -> None:
    global _STARTED
    # Ctrl-C is the parent's to handle: it lets running targets finish their (atomic) writes,
    # cancels the rest and stops, instead of every worker printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STARTED = started
    import_all(modules)


def import_all(modules: list[str]) -> None:
    """Import ``modules`` (the heavy libraries the formats of a build need)."""
    for module in modules:
        importlib.import_module(module)


def _make_announced(target: Target, out_root: Path, index: int) -> Result:
    """Say which target this worker starts (should it die, the parent knows), then make it."""
    if _STARTED is not None:
        _STARTED.put(index)
    return make(target, out_root)
