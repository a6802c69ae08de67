"""Worker processes on this machine, forked from the build, that survive one of them dying."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.executors.base import (
    Executor,
    Result,
    lost,
    make,
    packed,
    worker_died,
)

if TYPE_CHECKING:
    from pipeline.formats import Target


class LocalWorkers(Executor):
    """Worker processes for stale targets, started once the build knows what they must make.

    The heavy libraries of the formats with stale targets (WeasyPrint takes most of a second)
    are imported and warmed up here, before the workers are forked: once a build, not once a
    worker. A worker that dies (killed, out of memory, a crash inside a library) costs only
    the target it was making: see ``results``.
    """

    def __init__(self, jobs: int, heavy_modules: list[str]) -> None:
        # Imported here: a build with nothing to do never starts a worker.
        import multiprocessing

        load(heavy_modules)
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
        with _frozen():
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
            yield index, future.result() if error is None else lost(targets[index], error)
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


# What a preloader says once its libraries are loaded; and why its targets fail if it dies.
READY = "ready"
DIED = "the process that started the workers died"


class Preloader:
    """A process forked as a build starts, loading the heavy libraries while the build reads.

    Importing WeasyPrint and its kin takes most of a second: done here, it overlaps reading
    and planning instead of delaying the first target, and it is still done once, since the
    workers are forked from this process (``PreloadedWorkers``). When the plan needs no
    worker after all, it is killed: it holds nothing but what it imported.
    """

    def __init__(self, heavy_modules: list[str], name: str = "folio-preloader") -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.heavy_modules = heavy_modules
        self.connection, far_end = context.Pipe()
        # Not a daemon: it forks the workers, which a daemon process may not.
        self.process = context.Process(target=_preload_and_serve, name=name,
                                       args=(far_end, heavy_modules))
        with _frozen():
            self.process.start()
        far_end.close()
        self.sent = self.finished = False

    def ready(self) -> bool:
        """Tell whether the libraries are loaded (it said so, or it died: nothing to wait for)."""
        return self.connection.poll()

    def close(self) -> None:
        """Stop the process: at once if it was never used, else once its targets are done.

        Interrupted before every result came back, it is told so (as Ctrl-C tells every
        process of the terminal's group): running targets finish their writes, the rest are
        dropped.
        """
        if not self.sent:
            self.process.kill()
        elif not self.finished and self.process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGINT)
        self.process.join()
        self.connection.close()


class PreloadedWorkers(Executor):
    """Worker processes forked from a ``Preloader``, which carries their targets and results.

    While the preloader still loads, the targets of ``early`` formats (those that need none of
    the slow libraries: pages, ebooks) start at once, in a second preloader loading only their
    own: on a short build, the second or so WeasyPrint takes to load is no longer the web
    page's and the ebook's to wait too. That process is one more than ``jobs`` for as long as
    both run, and exists only while the libraries load: a build that reads for longer than
    that (a large one) finds them loaded and sends everything to the preloader's workers.
    """

    def __init__(self, preloader: Preloader, jobs: int, early: frozenset[str] = frozenset(),
                 early_modules: list[str] | None = None) -> None:
        self.preloader = preloader
        self.jobs = jobs
        self.early = early
        self.early_modules = early_modules or []
        self.helper: Preloader | None = None

    def results(self, targets: list[Target], out_root: Path) -> Iterator[tuple[int, Result]]:
        """Send ``targets`` to the preloader's workers; yield the results as they end."""
        everything = list(range(len(targets)))
        loaded = self.preloader.ready() and self.preloader.process.is_alive()
        early = [] if loaded else [
            index for index in everything if targets[index].format in self.early]
        groups = [(self.preloader, self.jobs, everything)]
        if early and len(early) < len(targets):
            self.helper = Preloader(self.early_modules, "folio-early")
            chosen = set(early)
            later = [index for index in everything if index not in chosen]
            # The helper first: sending to the preloader may wait until it has loaded.
            groups = [(self.helper, 1, early), (self.preloader, self.jobs, later)]
        waiting: dict[Any, tuple[Preloader, set[int]]] = {}
        for preloader, jobs, indexes in groups:
            payload, sendable, unsendable = packed([targets[i] for i in indexes], _pickled)
            for position, error in unsendable.items():
                yield indexes[position], lost(targets[indexes[position]], error)
            sent = [indexes[position] for position in sendable]
            preloader.sent = True
            try:
                preloader.connection.send((jobs, sent, out_root))
                preloader.connection.send_bytes(payload)
            except OSError:  # it died loading a library (a crash in Pango, say)
                for index in sent:
                    yield index, worker_died(targets[index], DIED)
                continue
            finally:
                del payload
            preloader.finished = not sent
            waiting[preloader.connection] = (preloader, set(sent))
        yield from self._gather(targets, waiting)

    def _gather(self, targets: list[Target], waiting: dict[Any, tuple[Preloader, set[int]]]
                ) -> Iterator[tuple[int, Result]]:
        """Yield the results coming back from each preloader, whichever sends first."""
        from multiprocessing.connection import wait

        waiting = {connection: group for connection, group in waiting.items() if group[1]}
        while waiting:
            for connection in wait(list(waiting)):
                preloader, pending = waiting[connection]
                try:
                    message = connection.recv()
                except EOFError:  # it died (out of memory, say): nothing more comes from it
                    for index in sorted(pending):
                        yield index, worker_died(targets[index], DIED)
                    del waiting[connection]
                    continue
                if message == READY:
                    continue
                index, result = message
                pending.discard(index)
                yield index, lost(targets[index], result) if isinstance(result, Exception) \
                    else result
                if not pending:
                    preloader.finished = True
                    del waiting[connection]

    def close(self) -> None:
        """Let the preloaders finish (see ``Preloader.close``)."""
        if self.helper is not None:
            self.helper.close()
        self.preloader.close()


def _preload_and_serve(connection: Any, modules: list[str]) -> None:
    """Be the preloader: load ``modules``, then make the targets sent in forked workers."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # as the build, if it ignores it
        signal.signal(signal.SIGINT, _interrupted)
    try:
        load(modules)
        connection.send(READY)
        jobs, indexes, out_root = connection.recv()
        try:
            targets = pickle.loads(connection.recv_bytes())
        except Exception as exc:  # the build reports it as the failure of each target
            for index in indexes:
                connection.send((index, exc))
            return
        workers = LocalWorkers(jobs, modules)
        try:
            for position, result in workers.results(targets, out_root):
                connection.send((indexes[position], result))
        finally:
            # Waits for the running targets: none is cut off in the middle of a write.
            workers.close()
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass  # the build was interrupted or ended early; its own process reports it


def _interrupted(signum: int, frame: Any) -> None:
    """Stop the preloader once: a second Ctrl-C must not cut its workers' writes short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _pickled(targets: list[Target]) -> bytes:
    return pickle.dumps(targets, pickle.HIGHEST_PROTOCOL)


@contextlib.contextmanager
def _frozen() -> Iterator[None]:
    """Fork within: the objects here now are kept out of the children's garbage collections.

    A collection writes to every object it scans, and so copies the page it lies on: without
    this, each forked process soon held its own copy of everything it inherited (libraries,
    articles), counted again in the build's memory.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_LOADED: set[str] = set()


def load(modules: list[str]) -> None:
    """Import ``modules`` and run their ``warm_up()``, once a process, for workers to inherit."""
    for module in modules:
        if module in _LOADED:
            continue
        # A library that cannot load (Pango missing) fails again in the workers, and is
        # reported there, for the targets that need it.
        with contextlib.suppress(ImportError, OSError):
            # What a module sets up on first use (WeasyPrint's fonts) is done here too.
            getattr(importlib.import_module(module), "warm_up", lambda: None)()
            _LOADED.add(module)


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
