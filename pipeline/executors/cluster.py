"""Targets made on a Dask cluster: sent as tasks, their outputs sent back and written here.

The coordinating ``folio`` process keeps everything else: planning, the cache, its lock and
every write into the output folder. No shared filesystem is assumed. The project files the
targets read go to each worker once per build (one blob, fetched once by each worker and
unpacked into a temporary project folder there); each task carries the pickled targets of one
article and returns their output bytes and log records.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import logging
import os
import pickle
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import SHOWN_AS, BuildError, FolioError, InternalError
from pipeline.executors.base import (
    Executor,
    Result,
    lost,
    make,
    packed,
    target_source,
    worker_died,
)
from pipeline.executors.local import load
from pipeline.executors.transfer import PACKAGE_DIR, dumps, loads, project_files, unpack
from pipeline.output import OutputDir

if TYPE_CHECKING:
    from distributed import Future, Worker

    from pipeline.formats import Target
    from pipeline.project import Project

log = logging.getLogger(__name__)

# Environment variables that decide output bytes (the dates stamped into PDFs and ebooks).
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)
# An unreachable scheduler is reported this soon, rather than after Dask's 30 s default.
CONNECT_SECONDS = 5


class ClusterError(BuildError):
    """The Dask cluster cannot be used: unreachable, or Dask is not installed."""


@dataclass(frozen=True)
class Shipment:
    """What every task of one build needs on a worker, sent there once."""

    files: dict[str, bytes]
    # The project folder and working directory here: a worker names files as we would.
    root: Path
    cwd: Path
    # Folio's log level here, so a worker keeps the records this process would show.
    level: int
    # The environment variables outputs depend on, as they are here.
    environment: dict[str, str | None]

    @property
    def size(self) -> int:
        """Return the bytes of project files shipped."""
        return sum(len(data) for data in self.files.values())


class DaskWorkers(Executor):
    """The workers of a Dask cluster, reached through its scheduler."""

    def __init__(self, address: str, project: Project, token: str,
                 heavy_modules: list[str]) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError("building on a Dask cluster needs Dask: pip install "
                               "'folio[cluster]'") from None
        try:
            # A probe first: a Client that fails to connect spends seconds more closing itself.
            asyncio.run(_probe(address))
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, ValueError, TypeError) as exc:  # TimeoutError is an OSError
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: "
                               f"{_reason(exc, address)}") from None
        except MemoryError:  # Dask read a giant frame length from something else's reply
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: what answers "
                               "there does not speak Dask's protocol") from None
        self.address = address
        self.project = project
        self.token = token
        # Workers import WeasyPrint and the rest while this process reads the sources.
        self.client.run(warm_up, heavy_modules, token, wait=False)

    def results(self, targets: list[Target], out_root: Path) -> Iterator[tuple[int, Result]]:
        """Send the targets as tasks; write what each sends back; yield results as they end.

        One task makes every target of one article (its page, handout, ebook and deck): the
        article is pickled once, not once a target, and the scheduler handles a fifth of the
        tasks. A target of several articles (a book, the index) is a task of its own.
        """
        from distributed import as_completed

        shipment = Shipment(project_files(self.project, targets), self.project.root,
                            Path.cwd(), logging.getLogger("pipeline").getEffectiveLevel(),
                            {name: os.environ.get(name) for name in ENVIRONMENT})
        # A task rather than scattered data: should every worker holding it die, the
        # scheduler can make it again. Each worker fetches it once, from a peer.
        blob = self.client.submit(_shipped, pickle.dumps(shipment, pickle.HIGHEST_PROTOCOL),
                                  pure=False, key=f"folio-project-{self.token}")
        dump = functools.partial(dumps, folders={self.project.root: "project",
                                                 PACKAGE_DIR: "folio"})
        futures: dict[Future, tuple[list[int], bool]] = {}  # indices in targets, sent alone
        sent = received = tasks = 0

        def submit(indices: list[int], payload: bytes, alone: bool) -> None:
            nonlocal sent, tasks
            sent += len(payload)
            tasks += 1
            kind = "alone" if alone else targets[indices[0]].format
            future = self.client.submit(run_task, payload, len(indices), self.token, blob,
                                        pure=False,
                                        key=f"folio-{kind}-{indices[0]}-{self.token}")
            futures[future] = indices, alone

        for indices in _batches(targets):
            payload, sendable, unsendable = packed([targets[i] for i in indices], dump)
            for position, error in unsendable.items():
                yield indices[position], lost(targets[indices[position]], error)
            if sendable:
                submit([indices[position] for position in sendable], payload, False)
        out = OutputDir(out_root)
        suspects: list[int] = []
        while futures:
            for future in as_completed(futures, loop=self.client.loop):
                indices, alone = futures.pop(future)
                results = self._gathered(future, [targets[i] for i in indices], out, alone)
                if results is None:
                    suspects += indices
                    continue
                for index, result in zip(indices, results, strict=True):
                    received += sum(len(data) for data in result.contents.values())
                    result.files, result.contents = list(result.contents), {}
                    yield index, result
            # Dask also blames the tasks only waiting on a worker that died: each target is
            # sent again, alone, so that the one that kills its workers fails by itself.
            if suspects:
                index = suspects.pop(0)
                submit([index], dump([targets[index]]), True)
        blob.release()
        # The figures the benchmark's model of a large cluster is made from.
        log.debug("Dask: %d task(s) sent %d bytes of targets, %d bytes of project files went to "
                  "each worker, %d bytes of outputs came back", tasks, sent, shipment.size,
                  received)

    def _gathered(self, future: Future, targets: list[Target], out: OutputDir,
                  alone: bool) -> list[Result] | None:
        """Return the results of one finished task, their files written into ``out``.

        None means its workers died, and it was not alone on them: it is to be sent again.
        """
        from distributed import KilledWorker

        error = future.exception() if future.status == "error" else None
        if isinstance(error, KilledWorker):
            # Dask already ran it again elsewhere, as often as its allowed-failures says.
            future.release()
            return [worker_died(targets[0], "every Dask worker making it died")] if alone \
                else None
        if isinstance(error, CancelledError):  # the cluster gave up on it: not a bug of ours
            return [Result(BuildError(f"{target.format}: the Dask cluster cancelled it: {error}",
                                      target_source(target)), 0.0, [], []) for target in targets]
        try:
            if error is not None:
                raise error
            results: list[Result] = loads(future.result(), {"project": self.project.root,
                                                            "folio": PACKAGE_DIR})
        except Exception as exc:  # results that could not cross back: the targets are lost
            return [lost(target, exc) for target in targets]
        finally:
            future.release()
        for result in results:
            try:
                for relative, data in result.contents.items():
                    path = out.path(relative)
                    if not (path.is_file() and path.read_bytes() == data):  # as OutputDir.copy
                        out.write_bytes(relative, data)
            except FolioError as exc:
                result.error = result.error or exc
        return results

    def summary(self, results: list[Result]) -> str:
        """Return how many targets were made on how many workers."""
        workers = Counter(result.worker for result in results if result.worker)
        return (f"{sum(workers.values())} made on {len(workers)} Dask worker"
                f"{'' if len(workers) == 1 else 's'}")

    def close(self) -> None:
        """Remove this build's files from the workers and disconnect."""
        with contextlib.suppress(Exception):  # a cluster that went away keeps nothing of ours
            self.client.run(forget_build, self.token, on_error="ignore")
        self.client.close()


async def _probe(address: str) -> None:
    """Connect to the scheduler and hang up, with Dask's security settings (TLS) from its config."""
    from distributed.comm import connect
    from distributed.security import Security

    comm = await connect(address, timeout=CONNECT_SECONDS,
                         **Security().get_connection_args("client"))
    await comm.close()


def _reason(exc: BaseException, address: str) -> str:
    """Return Dask's reason for not connecting, without repeating the address."""
    text = str(exc) or type(exc).__name__
    return text.replace(f" to {address}", "").rstrip(":")


# On a worker: the project folder unpacked for each build, by the build's token.
_UNPACKED: dict[str, Shipment] = {}
_ROOTS: dict[str, Path] = {}
_UNPACKING = threading.Lock()
# The builds running on this worker, and what the first of them changed for all of them
# (Dask's profiler paused, malloc's thresholds raised), for the last to set back.
_RUNNING: set[str] = set()
_CHANGED = {"profiler": False, "malloc": False}
# mallopt's parameters (malloc.h), and their values while builds run: the ceilings of the
# thresholds glibc raises by itself when no environment variable has fixed them.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_FREE = 64 * 1024 * 1024
MAPPED_FROM = 32 * 1024 * 1024
# glibc's mmap threshold (and trim threshold) when the environment does not set it.
MALLOC_DEFAULT = 128 * 1024


async def warm_up(modules: list[str], token: str, dask_worker: Worker | None = None) -> None:
    """Load ``modules`` on a worker, off its event loop (Dask runs only coroutines unwaited).

    As for local workers, their ``warm_up()`` runs too: the fonts and the hyphenation patterns
    are then loaded before the first target, once a worker. Dask's profiler is paused and
    malloc keeps freed memory until the build ends (see ``forget_build``).
    """
    if dask_worker is not None:
        with _UNPACKING:
            if not _RUNNING:
                _CHANGED["profiler"] = _pause_profiler(dask_worker)
                _CHANGED["malloc"] = _keep_freed_memory()
            _RUNNING.add(token)
    await asyncio.get_running_loop().run_in_executor(None, load, modules)
    # What is loaded now lives as long as the worker: kept out of the collections that
    # every target's many short-lived objects set off, it is not scanned again each time.
    gc.freeze()


def _shipped(shipment: bytes) -> bytes:
    """Return the project files of a build: a task, so that Dask can make it again if lost."""
    return shipment


def run_task(payload: bytes, count: int, token: str, shipment: bytes) -> bytes:
    """Make ``count`` targets on a Dask worker; return their results with their output bytes."""
    from distributed import get_worker

    scratch = get_worker().local_directory
    root, build = _unpacked(token, shipment, scratch)
    places = {"project": root, "folio": PACKAGE_DIR}
    logging.getLogger("pipeline").setLevel(build.level)
    for name, value in build.environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        targets: list[Target] = loads(payload, places)
    except Exception as exc:  # e.g. another Folio version on this worker
        results = [Result(InternalError(exc, None, "loading targets on a Dask worker"),
                          0.0, [], []) for _ in range(count)]
    else:
        results = [_made(target, scratch) for target in targets]
    worker = get_worker().address
    for result in results:
        result.worker = worker
    return dumps(results, {root: "project", PACKAGE_DIR: "folio"})


def _made(target: Target, scratch: str) -> Result:
    """Make ``target`` in a folder of its own in ``scratch``; return its result and output bytes."""
    with tempfile.TemporaryDirectory(prefix="folio-out-", dir=scratch) as temp:
        out_root = Path(temp)
        result = make(target, out_root)
        result.contents = {relative: (out_root / relative).read_bytes()
                           for relative in result.files}
    return result


def _batches(targets: list[Target]) -> list[list[int]]:
    """Return the indices of ``targets`` grouped by article, in the order of each first one.

    A target of several articles (or none) is a group of its own.
    """
    groups: dict[object, list[int]] = {}
    for index, target in enumerate(targets):
        single = len(target.articles) == 1
        groups.setdefault(target.articles[0].source if single else index, []).append(index)
    return list(groups.values())


def _unpacked(token: str, shipment: bytes, scratch: str) -> tuple[Path, Shipment]:
    """Return this build's project folder on this worker, unpacking it on the first task.

    It goes in ``scratch``, the worker's own folder, which Dask removes when the worker
    stops; a worker that was killed leaves it behind, and the next worker that starts on
    the machine removes it (Dask locks each worker's folder to know).
    """
    with _UNPACKING:
        if token not in _UNPACKED:
            build: Shipment = pickle.loads(shipment)
            root = Path(tempfile.mkdtemp(prefix="folio-project-", dir=scratch)).resolve()
            unpack(build.files, root)
            _UNPACKED[token] = Shipment({}, build.root, build.cwd, build.level,
                                        build.environment)
            _ROOTS[token] = root
            # Messages made here name files as the coordinating process would.
            SHOWN_AS[root] = (build.root, build.cwd)
        return _ROOTS[token], _UNPACKED[token]


def _pause_profiler(worker: Worker) -> bool:
    """Stop Dask's statistical profiler on ``worker``; tell whether it was running.

    A hundred times a second it walks the stack of the running task and reads the source
    line of every frame: WeasyPrint's layout stacks are deep, and the sampling cost Folio's
    tasks a fifth of their time. Run in the worker's event loop, as is ``forget_build``.
    """
    sampler = worker.periodic_callbacks.get("profile")
    if sampler is None or not sampler.is_running():  # profiling is off in its configuration
        return False
    sampler.stop()
    return True


def _keep_freed_memory() -> bool:
    """Let glibc's malloc keep the memory targets free, for the next ones; tell if it did.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so that freed memory goes
    back to the system at once. Fixed so, glibc also stops raising the size from which it maps
    each allocation afresh: every one over 128 KiB (an ebook cover's 8.6 MB canvas, a PDF's
    bytes) was mapped, faulted in page by page and unmapped, 270,000 page faults for 60 articles
    where a local worker has 60,000, and ebooks took half as long again. Freed memory is now
    kept up to 64 MiB, as glibc would by itself; the thresholds are set back when the last
    build here ends.
    """
    # Without the variable, glibc raises its thresholds itself, as the allocations need;
    # without glibc's malloc, there is nothing to set.
    return "MALLOC_TRIM_THRESHOLD_" in os.environ and _set_malloc(KEPT_FREE, MAPPED_FROM)


def _set_malloc(trim: int, mmap: int) -> bool:
    """Set glibc's trim and mmap thresholds in this process; tell whether it could."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # another C library (musl, macOS)
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, trim)) and bool(mallopt(M_MMAP_THRESHOLD, mmap))


def _malloc_setting(name: str) -> int:
    """Return the threshold the environment variable ``name`` gives glibc, or its default."""
    try:
        return int(os.environ.get(name, MALLOC_DEFAULT))
    except ValueError:
        return MALLOC_DEFAULT


def forget_build(token: str, dask_worker: Worker | None = None) -> None:
    """Remove a finished build's project folder and shared state from this worker.

    The last build running here starts Dask's profiler again, if it ran before, and sets
    malloc's thresholds back as the environment had them.
    """
    from pipeline.formats import forget_site

    with _UNPACKING:
        _UNPACKED.pop(token, None)
        root = _ROOTS.pop(token, None)
        if token in _RUNNING:
            _RUNNING.discard(token)
            sampler = dask_worker.periodic_callbacks.get("profile") if dask_worker else None
            if not _RUNNING and _CHANGED["profiler"] and sampler is not None:
                sampler.start()
            if not _RUNNING and _CHANGED["malloc"]:
                _set_malloc(_malloc_setting("MALLOC_TRIM_THRESHOLD_"),
                            _malloc_setting("MALLOC_MMAP_THRESHOLD_"))
    if root is not None:
        SHOWN_AS.pop(root, None)
        shutil.rmtree(root, ignore_errors=True)
    forget_site(token)

