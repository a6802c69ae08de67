"""An incremental build reads again only what changed, and says the same warnings (issue 15)."""

from __future__ import annotations

import pickle

import pytest
from lxml import html as lxml_html

import pipeline.source
from pipeline.cache import ARTICLES_FILE, CACHE_DIR, BuildCache
from tests.conftest import article, build_warnings

BIB = "@book{doe2020, author = {Doe, Jane}, title = {Builds}, year = {2020}}\n"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Count the sources actually read (front matter, parse), by file name."""
    names: list[str] = []
    real = pipeline.source.read_article

    def counting(path, project, cache=None):
        names.append(path.name)
        return real(path, project, cache)

    # Where the build finds it: it imports the reader only when it has sources to read.
    monkeypatch.setattr("pipeline.source.read_article", counting)
    return names


def test_an_edit_reads_only_the_edited_source_again(make_project, folio, reads):
    root = make_project({f"source/a{n}.md": article(f"Article {n}") for n in range(3)})
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert sorted(reads) == ["a0.md", "a1.md", "a2.md"]
    reads.clear()
    (root / "source" / "a1.md").write_text(article("Article 1", "Changed words.\n"))
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert reads == ["a1.md"]
    page = lxml_html.parse(str(root / "build" / "html" / "article-1.html"))
    assert "Changed words." in page.xpath("string(//main)")
    # The index lists every article, the unchanged ones from the cache.
    index = lxml_html.parse(str(root / "build" / "html" / "index.html"))
    assert {"Article 0", "Article 1", "Article 2"} <= set(index.xpath("//a/text()"))


def test_a_changed_bibliography_or_setting_reads_the_source_again(make_project, folio, reads):
    root = make_project({"source/refs.bib": BIB,
                         "source/a.md": article("Cited", "As @doe2020 says.\n",
                                                bibliography="refs.bib"),
                         "source/b.md": article("Plain")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    reads.clear()
    (root / "source" / "refs.bib").write_text(BIB.replace("Builds", "Rebuilds"))
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert reads == ["a.md"]
    page = lxml_html.parse(str(root / "build" / "html" / "cited.html"))
    assert "Rebuilds" in page.xpath("string(//body)")
    reads.clear()
    (root / "source" / "folio.yaml").write_text("site_title: Test site\nlang: de\n")
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert sorted(reads) == ["a.md", "b.md"]


def test_a_kept_article_says_its_warnings_again(make_project, folio):
    body = "# Same\n\nOne.\n\n# Same {#same}\n\nTwo.\n\n[x](#nowhere)\n\nText &#x4; here.\n"
    root = make_project({"source/a.md": article("Warned", body), "source/b.md": article("B")})
    first = folio(root, "build", "-f", "html")
    warnings = build_warnings(first)
    assert warnings
    (root / "source" / "b.md").write_text(article("B", "Changed.\n"))
    second = folio(root, "build", "-f", "html")
    assert build_warnings(second) == warnings


def test_a_deleted_image_is_still_an_error_for_a_kept_article(make_project, folio):
    from tests.documents import FIGURE

    root = make_project({"source/images/f.png": FIGURE,
                         "source/a.md": article("Pictured", "![A figure](images/f.png)\n"),
                         "source/b.md": article("B")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    (root / "source" / "images" / "f.png").unlink()
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 1
    assert "image 'images/f.png' does not exist" in result.output


def test_kept_articles_of_deleted_sources_are_dropped(make_project, folio):
    root = make_project({"source/a.md": article("A"), "source/b.md": article("B")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    (root / "source" / "b.md").unlink()
    assert folio(root, "build", "-f", "html").exit_code == 0
    cache = BuildCache(root / "build")
    assert cache.article(root / "source" / "a.md") is not None
    assert cache.article(root / "source" / "b.md") is None


def test_a_planted_pickle_is_never_run(make_project, folio, tmp_path):
    root = make_project({"source/a.md": article("A")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (root / "build" / CACHE_DIR / ARTICLES_FILE).write_bytes(pickle.dumps({"key": Evil()}))
    (root / "source" / "a.md").write_text(article("A", "Changed.\n"))
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert not marker.exists()
    # The damaged file was replaced by a good one.
    assert BuildCache(root / "build").article(root / "source" / "a.md") is not None


def test_targets_are_sent_longest_first_and_reported_in_plan_order(make_project, folio,
                                                                    monkeypatch):
    from pipeline.executors.base import InProcess

    root = make_project({f"source/a{n}.md": article(f"Article {n}") for n in range(3)})
    sent: list[list[str]] = []
    real = InProcess.run

    def spy(self, targets, out_root, progress=None):
        sent.append([target.outputs[0] for target in targets])
        return real(self, targets, out_root, progress)

    monkeypatch.setattr(InProcess, "run", spy)
    first = folio(root, "build", "-f", "html,epub", "-j", "1")
    assert first.exit_code == 0
    # Unknown durations: each format's expectation decides (an ebook takes longer than a
    # page), then the number of articles (the index after the pages).
    assert [path.split("/")[0] for path in sent[0][:3]] == ["epub"] * 3
    assert sent[0][3:6] == [f"html/article-{n}.html" for n in range(3)]
    cache = BuildCache(root / "build")
    slow = "html:html/article-2.html"
    cache.state["targets"][slow]["seconds"] = 9.0
    cache.save()
    for n in range(3):
        (root / "source" / f"a{n}.md").write_text(article(f"Article {n}", "Again.\n"))
    second = folio(root, "-v", "build", "-f", "html", "-j", "1")
    assert second.exit_code == 0
    assert sent[1][0] == "html/article-2.html"
    written = [line.split()[1] for line in second.output.splitlines()
               if line.startswith("written")]
    assert [path.rsplit("/", 1)[-1] for path in written] == [
        "article-0.html", "article-1.html", "article-2.html", "index.html"]


def test_workers_start_only_for_stale_targets_with_only_their_libraries(make_project, folio,
                                                                         monkeypatch):
    import pipeline.build

    root = make_project({f"source/a{n}.md": article(f"Article {n}") for n in range(3)})
    # (workers, heavy libraries, whether loaded while the sources were read)
    opened: list[tuple[int, list[str], bool]] = []
    real, preloaded = pipeline.build.open_executor, pipeline.build.PreloadedWorkers

    def spy(project, token, jobs, heavy, scheduler=None):
        opened.append((jobs, heavy, False))
        return real(project, token, jobs, heavy, scheduler)

    def spy_preloaded(preloader, jobs, *early):
        opened.append((jobs, preloader.heavy_modules, True))
        return preloaded(preloader, jobs, *early)

    monkeypatch.setattr(pipeline.build, "open_executor", spy)
    monkeypatch.setattr(pipeline.build, "PreloadedWorkers", spy_preloaded)
    assert folio(root, "build", "-f", "html,epub", "-j", "2").exit_code == 0
    jobs, heavy, early = opened[-1]
    assert (jobs, early) == (2, True) and "ebooklib.epub" in heavy
    # One web page to make again: no worker at all.
    (root / "build" / "html" / "article-0.html").unlink()
    assert folio(root, "build", "-f", "html,epub", "-j", "2").exit_code == 0
    assert opened[-1] == (1, [], False)
    # Two: two workers, which need not load the EPUB libraries.
    for n in (0, 1):
        (root / "build" / "html" / f"article-{n}.html").unlink()
    assert folio(root, "build", "-f", "html,epub", "-j", "2").exit_code == 0
    assert opened[-1] == (2, [], False)
    page = lxml_html.parse(str(root / "build" / "html" / "article-1.html"))
    assert page.xpath("string(//h1)") == "Article 1"


def write_probe(name: str, out) -> None:
    """Write ``name``.txt holding the process id that made it (a target for the tests)."""
    import os

    out.write_text(f"{name}.txt", str(os.getpid()))


def probe_module(tmp_path, monkeypatch, name: str, source: str) -> None:
    """Make ``source`` importable as the module ``name`` (a library for the preloader tests)."""
    import sys

    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)


def heavy_probe(tmp_path, monkeypatch):
    """Return a log file that a module folio_heavy_probe, and its warm_up(), write pids to."""
    log = tmp_path / "imported"
    probe_module(tmp_path, monkeypatch, "folio_heavy_probe",
                 f"import os\nwith open({str(log)!r}, 'a') as f:\n"
                 f"    f.write(f'{{os.getpid()}}\\n')\n"
                 f"def warm_up():\n    with open({str(log)!r}, 'a') as f:\n"
                 f"        f.write('warm\\n')\n")
    return log


def test_a_preloader_loads_the_libraries_once_and_forks_the_workers(tmp_path, monkeypatch):
    import os
    from functools import partial

    from pipeline.executors.local import PreloadedWorkers, Preloader
    from pipeline.formats import Target

    log = heavy_probe(tmp_path, monkeypatch)
    preloader = Preloader(["folio_heavy_probe"])
    workers = PreloadedWorkers(preloader, 2)
    targets = [Target("probe", (f"t{n}.txt",), (), partial(write_probe, f"t{n}"))
               for n in range(4)]
    try:
        results = workers.run(targets, tmp_path / "out")
    finally:
        workers.close()
    assert [result.error for result in results] == [None] * 4
    assert [result.files for result in results] == [[f"t{n}.txt"] for n in range(4)]
    # Loaded (and warmed up) once, in the preloader: not here, nor in each worker.
    pid, warm = log.read_text().split()
    assert warm == "warm"
    assert int(pid) == preloader.process.pid and pid != str(os.getpid())
    makers = {(tmp_path / "out" / f"t{n}.txt").read_text() for n in range(4)}
    assert pid not in makers and str(os.getpid()) not in makers
    assert not preloader.process.is_alive()


def test_a_target_that_cannot_reach_the_preloaders_workers_fails_alone(tmp_path):
    from functools import partial

    from pipeline.errors import InternalError
    from pipeline.executors.local import PreloadedWorkers, Preloader
    from pipeline.formats import Target

    preloader = Preloader([])
    workers = PreloadedWorkers(preloader, 2)
    targets = [Target("probe", ("good.txt",), (), partial(write_probe, "good")),
               Target("probe", ("bad.txt",), (), lambda out: None)]  # a lambda cannot travel
    try:
        good, bad = workers.run(targets, tmp_path / "out")
    finally:
        workers.close()
    assert good.error is None and (tmp_path / "out" / "good.txt").is_file()
    assert isinstance(bad.error, InternalError) and "probe" in str(bad.error)


def test_a_preloader_not_needed_is_stopped_at_once(tmp_path, monkeypatch):
    import signal

    from pipeline.executors.local import Preloader

    heavy_probe(tmp_path, monkeypatch)
    preloader = Preloader(["folio_heavy_probe"])
    preloader.close()
    assert preloader.process.exitcode == -signal.SIGKILL


def test_heavy_libraries_are_imported_once_before_the_workers_are_forked(tmp_path,
                                                                         monkeypatch):
    import os

    from pipeline.executors.local import LocalWorkers, import_all

    # Its warm_up() (WeasyPrint loads its fonts so) runs once too, in the parent.
    log = heavy_probe(tmp_path, monkeypatch)
    workers = LocalWorkers(2, ["folio_heavy_probe"])
    try:
        for future in [workers.pool.submit(import_all, ["folio_heavy_probe"]) for _ in range(4)]:
            future.result()
    finally:
        workers.close()
    assert log.read_text().split() == [str(os.getpid()), "warm"]


def test_only_articles_that_passed_the_fonts_check_skip_it(make_project, folio, monkeypatch):
    import logging

    import pipeline.brand.fonts

    checked: list[str] = []

    def check(articles, brand):
        for item in articles:
            checked.append(item.title)
            if item.title == "Lacking":
                logging.getLogger("pipeline.brand.fonts").warning(
                    "%s: no font has \u2603 (U+2603)", item.source.name)

    monkeypatch.setattr(pipeline.brand.fonts, "check_coverage", check)
    root = make_project({"source/a.md": article("Lacking"), "source/b.md": article("Fine"),
                         "source/c.md": article("Edited")})
    first = folio(root, "build", "-f", "html")
    assert sorted(checked) == ["Edited", "Fine", "Lacking"]
    assert "warning: a.md: no font has \u2603 (U+2603)" in first.output
    checked.clear()
    (root / "source" / "c.md").write_text(article("Edited", "Changed.\n"))
    second = folio(root, "build", "-f", "html")
    # The clean article is not checked again; the lacking one is, and still warns.
    assert sorted(checked) == ["Edited", "Lacking"]
    assert "warning: a.md: no font has \u2603 (U+2603)" in second.output


def test_compiled_templates_are_kept_and_compiled_again_when_edited(make_project, folio):
    from pipeline.cache import TEMPLATE_CACHE

    root = make_project({"source/a.md": article("Kept"),
                         "templates/html/article.html.j2": "<p>{{ article.title }} one</p>\n"})
    assert folio(root, "build", "-f", "html").exit_code == 0
    kept = root / "build" / CACHE_DIR / TEMPLATE_CACHE
    assert list(kept.glob("*.cache"))
    assert "Kept one" in (root / "build" / "html" / "kept.html").read_text()
    (root / "templates" / "html" / "article.html.j2").write_text("<p>{{ article.title }} two</p>\n")
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert "Kept two" in (root / "build" / "html" / "kept.html").read_text()
    # A cache that cannot be written is no error: the templates are compiled each time.
    for path in kept.iterdir():
        path.unlink()
    kept.rmdir()
    kept.write_text("not a folder")
    (root / "templates" / "html" / "article.html.j2").write_text("<p>{{ article.title }} 3</p>\n")
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert "Kept 3" in (root / "build" / "html" / "kept.html").read_text()


def test_the_stale_targets_templates_are_compiled_before_they_are_made(make_project, folio,
                                                                       monkeypatch):
    """Once, by the build, the templates (includes and all) of the stale targets only."""
    import pipeline.build

    compiled: list[list[str]] = []
    real = pipeline.build._compile_templates
    monkeypatch.setattr(pipeline.build, "_compile_templates",
                        lambda site, names: (compiled.append(names), real(site, names)))
    root = make_project({
        "source/a.md": article("Alpha"), "source/b.md": article("Beta"),
        "templates/html/article.html.j2": "{% include 'partials/mine.html.j2' %}\n",
        "templates/partials/mine.html.j2": "<p>{{ article.title }}</p>\n"})
    assert folio(root, "build", "-f", "html,epub").exit_code == 0
    first = compiled[-1]
    assert {"html/article.html.j2", "partials/mine.html.j2", "epub/chapter.xhtml.j2"} <= set(first)
    assert first == sorted(first) and not any(name.startswith("pdf/") for name in first)
    (root / "source" / "a.md").write_text(article("Alpha", slug="alpha", subtitle="Edited"),
                                          encoding="utf-8")
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert "partials/mine.html.j2" in compiled[-1]
    assert not any(name.startswith("epub/") for name in compiled[-1])
    assert (root / "build" / "html" / "alpha.html").read_text() == "<p>Alpha</p>\n"


def slow_probe(tmp_path, monkeypatch, seconds: float) -> None:
    """Make a module folio_slow_probe whose warm_up() takes ``seconds``."""
    probe_module(tmp_path, monkeypatch, "folio_slow_probe",
                 f"import time\ndef warm_up():\n    time.sleep({seconds})\n")


def kill_own_process(out) -> None:
    """Die at once, as a crash inside a library would (a target for the tests)."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_pages_start_while_the_slow_libraries_load_in_a_process_of_their_own(tmp_path,
                                                                             monkeypatch):
    from functools import partial

    from pipeline.executors.local import PreloadedWorkers, Preloader
    from pipeline.formats import Target

    slow_probe(tmp_path, monkeypatch, 1.5)
    preloader = Preloader(["folio_slow_probe"])
    workers = PreloadedWorkers(preloader, 2, frozenset({"page"}))
    targets = [Target("print", ("p0.txt",), (), partial(write_probe, "p0")),
               *(Target("page", (f"e{n}.txt",), (), partial(write_probe, f"e{n}"))
                 for n in range(3)),
               Target("page", ("dies.txt",), (), kill_own_process)]
    finished: list[int] = []
    try:
        results = [None] * len(targets)
        for index, result in workers.results(targets, tmp_path / "out"):
            results[index] = result
            finished.append(index)
    finally:
        workers.close()
    assert [result.error is None for result in results] == [True] * 4 + [False]
    assert "worker process making it died" in str(results[4].error)
    # The pages were made (and the one that killed its process failed alone) while the
    # preloader still loaded: before the one target that needs it.
    assert finished[-1] == 0
    makers = {n: (tmp_path / "out" / f"{n}.txt").read_text() for n in ("p0", "e0", "e1", "e2")}
    assert workers.helper is not None and preloader.process.pid not in makers.values()
    assert makers["p0"] not in {makers["e0"], makers["e1"], makers["e2"]}
    assert not workers.helper.process.is_alive() and not preloader.process.is_alive()


def test_once_the_libraries_are_loaded_every_target_goes_to_the_preloaders_workers(
        tmp_path, monkeypatch):
    import time
    from functools import partial

    from pipeline.executors.local import PreloadedWorkers, Preloader
    from pipeline.formats import Target

    slow_probe(tmp_path, monkeypatch, 0)
    preloader = Preloader(["folio_slow_probe"])
    deadline = time.monotonic() + 30
    while not preloader.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = PreloadedWorkers(preloader, 2, frozenset({"page"}))
    targets = [Target("print", ("p.txt",), (), partial(write_probe, "p")),
               Target("page", ("e.txt",), (), partial(write_probe, "e"))]
    try:
        results = workers.run(targets, tmp_path / "out")
    finally:
        workers.close()
    assert [result.error for result in results] == [None, None]
    assert workers.helper is None


def test_a_preloader_that_dies_while_loading_fails_its_targets_not_the_build(tmp_path,
                                                                             monkeypatch):
    from functools import partial

    from pipeline.executors.local import PreloadedWorkers, Preloader
    from pipeline.formats import Target

    # A library whose import kills the process, as a crash in a broken Pango would.
    probe_module(tmp_path, monkeypatch, "folio_dying_probe",
                 "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    preloader = Preloader(["folio_dying_probe"])
    preloader.process.join(30)
    workers = PreloadedWorkers(preloader, 2, frozenset({"page"}))
    targets = [Target("print", (f"p{n}.txt",), (), partial(write_probe, f"p{n}"))
               for n in range(2)]
    # Big enough that sending it cannot fit in the pipe's buffer.
    targets.append(Target("print", ("big.txt",), (), partial(write_probe, "x" * 200_000)))
    page = Target("page", ("e.txt",), (), partial(write_probe, "e"))
    try:
        results = workers.run([*targets, page], tmp_path / "out")
    finally:
        workers.close()
    assert ["process that started the workers died" in str(result.error)
            for result in results] == [True, True, True, False]
    assert (tmp_path / "out" / "e.txt").is_file()
