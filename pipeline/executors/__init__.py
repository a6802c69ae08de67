"""Where a build's targets are made: in this process, local worker processes, or a Dask cluster.

Every executor offers the same interface (``Executor.run``), so planning, the cache, progress
and the replay of log records have one code path in pipeline/build.py whichever is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.executors.base import Executor, InProcess, Result

if TYPE_CHECKING:
    from pipeline.project import Project

__all__ = ["Executor", "InProcess", "Result", "open_executor"]


def open_executor(project: Project, token: str, jobs: int, heavy_modules: list[str],
                  scheduler: str | None = None) -> Executor:
    """Return the executor for a build: the Dask cluster at ``scheduler``, else ``jobs`` here."""
    if scheduler:
        # Imported here: Dask is an optional dependency (folio[cluster]).
        from pipeline.executors.cluster import DaskWorkers

        return DaskWorkers(scheduler, project, token, heavy_modules)
    if jobs > 1:
        from pipeline.executors.local import LocalWorkers

        return LocalWorkers(jobs, heavy_modules)
    return InProcess()
