"""The same build on a Dask cluster: identical outputs, and failures that stay with their target."""

from __future__ import annotations

import functools
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.brand import add_brand
from pipeline.executors.cluster import forget_build, warm_up
from pipeline.formats import get_format
from tests.conftest import article
from tests.test_deck import png
from tests.test_isolation import EVERY_OUTPUT, divide_by_zero, fail_for, outputs

distributed = pytest.importorskip("distributed", reason="pip install 'folio[cluster]'")
dask = pytest.importorskip("dask")

FIGURE = png()


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """Return a cluster of two single-threaded worker processes, shared by this module."""
    # One death is forgiven: a task whose worker dies twice is reported as failed (KilledWorker),
    # so the test of a target that always kills its worker ends quickly.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster) -> Iterator[distributed.Client]:
    """Return a client of the cluster, for changing what its workers run."""
    with distributed.Client(cluster, set_as_default=False) as connected:
        yield connected


@pytest.fixture
def on_workers(client) -> Iterator[Callable[..., None]]:
    """Return a function patching a format method on every worker; undone after the test.

    A worker plugin, so that a worker started in place of a killed one is patched too.
    """
    names = []

    def patch(format_name: str, method: str, slug: str, fault: Callable[[], None]) -> None:
        names.append(f"fault-{len(names)}")
        client.register_plugin(_Fault(format_name, method, slug, fault), name=names[-1])

    yield patch
    for name in names:
        client.unregister_worker_plugin(name)


class _Fault(distributed.WorkerPlugin):
    """On a worker: make ``method`` of a format call ``fault`` for the article ``slug``."""

    def __init__(self, format_name: str, method: str, slug: str,
                 fault: Callable[[], None]) -> None:
        self.format_name, self.method, self.slug, self.fault = format_name, method, slug, fault

    def setup(self, worker: object) -> None:
        cls = get_format(self.format_name)
        self.original = getattr(cls, self.method)
        setattr(cls, self.method, fail_for(self.slug, self.fault)(self.original))

    def teardown(self, worker: object) -> None:
        setattr(get_format(self.format_name), self.method, self.original)


def kill_once(marker: Path) -> None:
    """Kill this worker process the first time only (``marker`` remembers)."""
    if not marker.exists():
        marker.touch()
        kill_this_process()


def kill_this_process() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture
def project(make_project, monkeypatch) -> Path:
    root = make_project({
        "source/good.md": article("Good", "A sound article with a figure.\n\n"
                                  "![A growth curve](images/curve.png)\n\n## Part\n\nMore.[^1]\n\n"
                                  "[^1]: A note.\n", date="2023-11-02"),
        "source/broken.md": article("Broken", "An article that meets trouble, [unlinked] in "
                                    "the book.\n\n![](../figures/plain.png)\n\n::: notes\n"
                                    "Speak slowly.\n:::\n\n[unlinked]: notes.md\n"),
        "source/images/curve.png": FIGURE,
        # Outside source/ but inside the project: shipped because an article shows it.
        "figures/plain.png": FIGURE,
        "source/books/reader.yaml": "title: Reader\ncover: images/curve.png\n"
                                    "contents: [good.md, broken.md]\n",
        # A project template overriding Folio's: shipped with the rest of templates/.
        "templates/partials/byline.html.j2": "<p class=\"byline\">By the team</p>\n",
    }, sample=True)
    monkeypatch.chdir(root)  # messages name files as the user sees them: source/broken.md
    return root


def files(folder: Path) -> dict[str, bytes]:
    """Return {relative path: bytes} of every output in ``folder`` (not the cache)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and ".folio-cache" not in path.parts}


def warnings(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("warning:"))


def test_a_cluster_build_is_byte_identical_to_a_local_one(project, folio, cluster, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    local = folio(project, "build", "-j", "2", "-o", "local")
    assert local.exit_code == 0, local.output
    remote = folio(project, "build", "--scheduler", cluster.scheduler_address)
    assert remote.exit_code == 0, remote.output
    built, expected = files(project / "build"), files(project / "local")
    assert "html/images/curve.png" in built and "epub/reader.epub" in built
    assert sorted(built) == sorted(expected)
    assert [name for name in built if built[name] != expected[name]] == []
    # Warnings made on a worker name the files as they are named here.
    assert warnings(remote.stderr) == warnings(local.stderr)
    # Their lines too: read with the source, by the coordinator, and carried in the article.
    assert ("warning: source/broken.md:7: image '../figures/plain.png' has no alt text; "
            "describe it for readers who cannot see it") in warnings(remote.stderr)
    assert ("warning: source/broken.md:13: link to 'notes.md' unlinked in the ebook: the file is "
            "not part of it") in warnings(remote.stderr)
    assert re.search(r"written, 0 skipped, 0 failed in [\d.]+ s \(\d+ made on [12] Dask "
                     r"workers?\)$", remote.stderr.strip().splitlines()[-1])
    # Nothing changed: the cluster is not even asked.
    again = folio(project, "build", "--scheduler", cluster.scheduler_address)
    assert "made on" not in again.stderr and "0 written" in again.stderr


def test_a_brand_travels_to_the_workers(make_project, folio, cluster, monkeypatch):
    # The brand file and the fonts and logos it names lie at the project's root, outside
    # source/ and templates/: the workers get them too, and draw the same bytes.
    root = make_project({"source/a.md": article("Branded", "Words in the brand's font.\n")})
    add_brand(root)
    monkeypatch.chdir(root)
    local = folio(root, "build", "-j", "2", "-o", "local")
    assert local.exit_code == 0, local.output
    remote = folio(root, "build", "--scheduler", cluster.scheduler_address)
    assert remote.exit_code == 0, remote.output
    assert warnings(remote.stderr) == warnings(local.stderr) == []
    built, expected = files(root / "build"), files(root / "local")
    assert "html/brand/logo.svg" in built and sorted(built) == sorted(expected)
    assert [name for name in built if built[name] != expected[name]] == []


def test_a_bug_on_the_cluster_costs_only_its_target(project, folio, cluster, on_workers,
                                                    monkeypatch):
    on_workers("html", "write_article", "broken", divide_by_zero)
    monkeypatch.setenv("FOLIO_SCHEDULER", cluster.scheduler_address)
    result = folio(project, "build")
    assert result.exit_code == 1
    assert outputs(project, "good") == [name.format("good") for name in EVERY_OUTPUT]
    assert "html/broken.html" not in outputs(project, "broken")
    assert len(outputs(project, "broken")) == len(EVERY_OUTPUT) - 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [("Error: source/broken.md: html: internal error: ZeroDivisionError: "
                       "division by zero (a bug in Folio: please report it; --debug shows "
                       "the traceback)")]
    debug = folio(project, "--debug", "build")
    assert "in divide_by_zero" in debug.stderr  # the traceback from the worker


def test_a_worker_killed_mid_build_still_ends_in_a_complete_build(project, folio, cluster,
                                                                   client, on_workers, tmp_path):
    marker = tmp_path / "killed-once"
    on_workers("pdf", "write_article", "broken", functools.partial(kill_once, marker))
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("folio-*"))
    result = folio(project, "build", "--scheduler", cluster.scheduler_address)
    assert marker.exists()  # a worker did die
    assert result.exit_code == 0, result.output
    assert outputs(project, "broken") == [name.format("broken") for name in EVERY_OUTPUT]
    assert outputs(project, "good") == [name.format("good") for name in EVERY_OUTPUT]
    _wait_for_workers(cluster, 2)
    # The killed worker's copy of the project went with its folder, which the worker
    # started in its place removed; the others removed theirs as the build ended.
    folders = [Path(folder) for folder in client.run(_local_directory).values()]
    assert [path.name for path in _folio_folders(folders[0].parent)] == []
    assert set(temp.glob("folio-*")) == before


def _local_directory(dask_worker: distributed.Worker) -> str:
    return dask_worker.local_directory


def _folio_folders(scratch: Path) -> list[Path]:
    """Return the folders Folio's tasks made in the workers' folders under ``scratch``."""
    return sorted(scratch.glob("*/folio-*"))


def test_a_target_that_kills_every_worker_fails_alone(project, folio, cluster, on_workers):
    on_workers("pdf", "write_article", "broken", kill_this_process)
    result = folio(project, "build", "-f", "pdf,html", "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 1
    assert outputs(project, "good") == ["html/good.html", "pdf/good.pdf"]
    # Its page travelled in the same task as its handout: sent again alone, it was made.
    assert outputs(project, "broken") == ["html/broken.html"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: source/broken.md: pdf: every Dask worker making it died (a crash in "
                      "a library, or it ran out of memory); the other outputs were made"]
    _wait_for_workers(cluster, 2)


def test_dasks_profiler_is_paused_while_builds_run(client):
    def sampling(dask_worker) -> bool:
        return dask_worker.periodic_callbacks["profile"].is_running()

    def running() -> list[bool]:
        return list(client.run(sampling).values())

    assert running() == [True, True]
    client.run(warm_up, [], "build-a")
    client.run(warm_up, [], "build-b")
    assert running() == [False, False]
    client.run(forget_build, "build-a")
    assert running() == [False, False]  # build-b still runs
    client.run(forget_build, "build-b")
    assert running() == [True, True]


def test_freed_memory_is_kept_for_the_next_target_while_builds_run(client):
    def faults() -> int:
        """Return the page faults of making an ebook cover's canvas ten times."""
        import resource

        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        for _ in range(10):
            bytearray(8_640_000)
        return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

    def most() -> int:
        return max(client.run(faults).values())

    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_: each canvas is mapped and faulted in afresh.
    assert most() > 15_000
    client.run(warm_up, [], "build-a")
    try:
        most()  # the first canvas grows the heap
        assert most() < 1_000
    finally:
        client.run(forget_build, "build-a")
    assert most() > 15_000


def test_an_unreachable_scheduler_is_one_line(project, folio, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("FOLIO_SCHEDULER", address)
    started = time.monotonic()
    result = folio(project, "build")
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach the Dask scheduler at {address}: ")
    assert len(result.stderr.splitlines()) == 1
    assert not (project / "build" / "html").exists()


def _wait_for_workers(cluster: distributed.LocalCluster, count: int) -> None:
    """Wait until the nannies have replaced the killed workers, for the next test."""
    deadline = time.monotonic() + 60
    while len(cluster.scheduler_info["workers"]) < count and time.monotonic() < deadline:
        time.sleep(0.2)
