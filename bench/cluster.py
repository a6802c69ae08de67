"""The cluster case: the large project built on a LocalCluster, and a model of a bigger cluster."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.measure import CommandFailed, Measurement, measure

if TYPE_CHECKING:
    from bench.__main__ import Bench

# The model's assumptions: a catalogue of this many articles, on clusters of these sizes,
# reached over a 1 Gbit/s network.
MODEL_ARTICLES = 10_000
MODEL_WORKERS = (10, 100)
BANDWIDTH = 125e6  # bytes a second
# Cluster overhead against the local -j 2 build: the target of issue 15.
OVERHEAD = 1.15

WRITTEN = re.compile(r"^written .*\((?:[\d.]+ [KM]?B|\d+ B), ([\d.]+) s\)$", re.MULTILINE)
SENT = re.compile(r"Dask: (\d+) task\(s\) sent (\d+) bytes of targets, (\d+) bytes of project "
                  r"files went to each worker, (\d+) bytes of outputs came back")


@dataclass(frozen=True)
class ClusterRun:
    """What the cluster build measured: time, task seconds, bytes moved, identical outputs."""

    result: Measurement
    articles: int
    task_seconds: float
    tasks: int
    sent: int
    shipped: int
    received: int
    identical: bool | None

    def model(self, articles: int, workers: int) -> tuple[float, float]:
        """Return (total, serial) seconds to build ``articles`` on ``workers`` workers.

        The serial part is the CPU time of the coordinating process and its pandoc runs
        (reading, planning, writing what comes back): it does not shrink with more workers.
        CPU time, not wall time, so that a busy machine does not inflate it. Bytes cross a
        network of ``BANDWIDTH``.
        """
        per_article_tasks = self.task_seconds / self.articles
        serial = self.result.cpu / self.articles * articles
        traffic = (self.sent + self.received) / self.articles * articles + self.shipped * workers
        return serial + per_article_tasks * articles / workers + traffic / BANDWIDTH, serial


def run_cluster_case(bench: Bench, source: Path, reference: Path, count: int) -> ClusterRun | str:
    """Build a copy of ``source`` on a LocalCluster of two single-threaded worker processes.

    Return the run, or why there is none. ``reference`` is the output of the same project
    built locally with -j 2, to compare byte for byte.
    """
    try:
        from distributed import LocalCluster
    except ImportError:
        return "skipped: Dask is not installed (pip install 'folio[cluster]')"
    root = bench.copy(source, f"cluster-{count}")
    # Dask's nanny writes its workers' environment (MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS)
    # into this process's and leaves it there: the coordinating folio, and the cases measured
    # after this one, must run as they would on a machine of their own.
    environment = dict(os.environ)
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            _restore(environment)
            command = bench.folio(root, "--force", "--scheduler", cluster.scheduler_address)
            # -vv instead of -q: the time of each output and the bytes moved, for the model.
            command[command.index("-q")] = "-vv"
            try:
                result = measure(command, keep_log=True)
            except CommandFailed as exc:
                return str(exc)
    finally:
        _restore(environment)
    sent = SENT.search(result.log)
    tasks, task_bytes, shipped, received = (int(n) for n in sent.groups()) if sent else (0,) * 4
    return ClusterRun(result, count, sum(float(s) for s in WRITTEN.findall(result.log)), tasks,
                      task_bytes, shipped, received, same_outputs(root / "build", reference))


def _restore(environment: dict[str, str]) -> None:
    """Make this process's environment ``environment`` again."""
    os.environ.clear()
    os.environ.update(environment)


def same_outputs(built: Path, reference: Path) -> bool | None:
    """Tell whether two output folders hold the same files with the same bytes."""
    if not reference.is_dir():
        return None

    def files(folder: Path) -> dict[str, bytes]:
        return {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in folder.rglob("*")
                if path.is_file() and ".folio-cache" not in path.parts}

    return files(built) == files(reference)


def report_lines(run: ClusterRun) -> list[str]:
    """Return the lines describing the run and the model of a larger catalogue."""
    lines = [f"cluster case: {run.tasks} tasks, {run.task_seconds:.1f} task-seconds on the "
             f"workers; {run.sent / 1e6:.1f} MB of targets sent, {run.shipped / 1e3:.0f} KB of "
             f"project files to each worker, {run.received / 1e6:.1f} MB of outputs back"]
    for workers in MODEL_WORKERS:
        total, serial = run.model(MODEL_ARTICLES, workers)
        lines.append(f"  model: {MODEL_ARTICLES} articles on {workers} workers ~ "
                     f"{total / 60:.1f} min, of which {serial / 60:.1f} min in the coordinating "
                     f"process (1 Gbit/s network)")
    return lines
