"""Run one command in a fresh child process; measure its wall time, CPU time and peak memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# How often the process tree's memory is sampled, at most: often enough to see a worker's peak.
SAMPLE_SECONDS = 0.05
# The share of one core the sampler may take. Reading smaps_rollup walks every mapping of every
# process of the tree: ~9 ms a sample for a build's three WeasyPrint processes, so that at a
# fixed 50 ms the sampler took a fifth of a core from the 2-core build it was measuring (its
# wall time 37 s against 29 s; the "others" column was mostly the sampler). It now waits
# nineteen times as long as a sample took, and its own CPU is not counted in "others".
SAMPLER_SHARE = 0.05


class CommandFailed(Exception):
    """A measured command exited with an error; the message holds the end of its stderr."""


@dataclass(frozen=True)
class Measurement:
    """Wall and CPU seconds and peak memory (MB) of one command, children included.

    ``others`` is the CPU time the rest of the machine used meanwhile: when it is large, other
    work competed for the cores and the wall time is pessimistic.
    """

    wall: float
    cpu: float
    peak_mb: float
    others: float = 0.0
    # What the command printed on stderr, when asked for (see ``measure``).
    log: str = ""


def measure(command: list[str], cwd: Path | None = None, keep_log: bool = False) -> Measurement:
    """Run ``command`` to its end and return what it cost; raise ``CommandFailed`` if it fails.

    With ``keep_log``, the measurement holds what the command printed on stderr.

    CPU time is user + system of the child and every descendant it waited for (pandoc runs,
    worker processes), from ``os.wait4``. Peak memory is the larger of the biggest single
    process (``ru_maxrss``) and the sampled sum of the whole tree's proportional set size, since
    parallel workers are alive at the same time and ``ru_maxrss`` sees only the biggest one.
    """
    with tempfile.TemporaryFile() as stderr:
        busy_before = machine_busy_seconds()
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        sampler = _TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        busy = machine_busy_seconds() - busy_before
        child.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        stderr.seek(0)
        log = stderr.read().decode("utf-8", "replace")
        if child.returncode != 0:
            lines = log.strip().splitlines()
            raise CommandFailed(f"{' '.join(command)} exited with {child.returncode}: "
                                + (" | ".join(lines[-3:]) or "no message"))
    peak_kb = max(usage.ru_maxrss, sampler.peak_kb)
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(wall, cpu, peak_kb / 1024, max(0.0, busy - cpu - sampler.cpu),
                       log if keep_log else "")


def machine_busy_seconds() -> float:
    """Return the CPU seconds all cores have spent busy since boot (Linux /proc/stat, else 0)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


class _TreeSampler(threading.Thread):
    """Sample the summed PSS of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.cpu = 0.0  # the sampler's own CPU seconds
        self._done = threading.Event()

    def run(self) -> None:
        """Sample until ``stop()``, never taking more than ``SAMPLER_SHARE`` of a core."""
        wait = SAMPLE_SECONDS
        while not self._done.wait(wait):
            started = time.thread_time()
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))
            spent = time.thread_time() - started
            self.cpu += spent
            wait = max(SAMPLE_SECONDS, spent * (1 - SAMPLER_SHARE) / SAMPLER_SHARE)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    """Return ``pid`` and its living descendants (Linux /proc; empty elsewhere)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:  # the process ended between two looks: it holds no memory any more
            continue
        for task in tasks:
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    """Return the proportional set size of ``pid`` in KB, or 0 once it has ended."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0
