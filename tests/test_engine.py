"""The build engine: the cache rebuilds exactly what changed; parallel builds match serial ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cache import CACHE_DIR, STATE_FILE, BuildCache
from tests.conftest import REPO, article

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()


@pytest.fixture
def project(make_project):
    return make_project({
        "source/one.md": article("One", "First article.\n\n![Figure](images/figure.png)\n",
                                 date="2024-01-01", author="Ann"),
        "source/two.md": article("Two", "Second article.\n", date="2024-02-01", author="Bo"),
        "source/images/figure.png": FIGURE,
    })


def written(result) -> list[str]:
    """Return the outputs a build reports writing, from its summary lines."""
    return sorted(line.split()[1].split("build/", 1)[1] for line in result.stderr.splitlines()
                  if line.startswith("written "))


def build_html(folio, root: Path, *args: str):
    result = folio(root, "build", "-f", "html", *args)
    assert result.exit_code == 0, result.output
    return written(result)


ALL_HTML = ["html/folio.css", "html/index.html", "html/one.html", "html/two.html"]


def test_nothing_changed_means_nothing_rebuilt(project, folio):
    assert build_html(folio, project) == ALL_HTML
    assert build_html(folio, project) == []
    assert build_html(folio, project, "--force") == ALL_HTML


def test_editing_a_source_rebuilds_its_page_and_the_index(project, folio):
    build_html(folio, project)
    path = project / "source" / "two.md"
    path.write_text(path.read_text() + "\nAnother paragraph.\n")
    assert build_html(folio, project) == ["html/index.html", "html/two.html"]


def test_editing_the_article_template_rebuilds_pages_only(project, folio):
    build_html(folio, project)
    override = project / "templates" / "html" / "article.html.j2"
    override.parent.mkdir(parents=True)
    default = REPO / "pipeline" / "templates" / "html" / "article.html.j2"
    override.write_text(default.read_text().replace("<main>", "<main class='x'>"))
    assert build_html(folio, project) == ["html/one.html", "html/two.html"]


def test_editing_a_shared_partial_rebuilds_what_includes_it(project, folio):
    build_html(folio, project)
    override = project / "templates" / "partials" / "byline.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text('<p class="byline">{{ article.authors|names(lang) }}</p>\n')
    # The byline is on every page and in the index; the stylesheet does not use it.
    assert build_html(folio, project) == ["html/index.html", "html/one.html", "html/two.html"]
    override.write_text('<p class="byline">By {{ article.authors|names(lang) }}</p>\n')
    assert build_html(folio, project) == ["html/index.html", "html/one.html", "html/two.html"]
    assert "By Ann" in (project / "build" / "html" / "one.html").read_text()


def test_editing_the_project_file_rebuilds_everything(project, folio):
    build_html(folio, project)
    settings = project / "source" / "folio.yaml"
    settings.write_text(settings.read_text().replace("Test site", "Renamed site"))
    assert build_html(folio, project) == ALL_HTML


def test_editing_an_image_rebuilds_the_page_showing_it(project, folio):
    build_html(folio, project)
    (project / "source" / "images" / "figure.png").write_bytes(FIGURE + b"\0")
    assert build_html(folio, project) == ["html/one.html"]
    assert (project / "build" / "html" / "images" / "figure.png").read_bytes() == FIGURE + b"\0"


def test_an_image_outside_source_is_watched_too(make_project, folio):
    root = make_project({"source/a.md": article("Shared", "![Logo](../assets/logo.png)\n"),
                         "assets/logo.png": FIGURE})
    build_html(folio, root)
    assert build_html(folio, root) == []
    (root / "assets" / "logo.png").write_bytes(FIGURE + b"\0\0")
    assert build_html(folio, root) == ["html/shared.html"]


def test_a_failed_build_is_retried_and_reported_again(make_project, folio):
    root = make_project({"source/a.md": article("Fine"), "source/b.md": "---\n---\n"})
    for _ in range(2):
        result = folio(root, "build", "-f", "html")
        assert result.exit_code == 1
        assert "title is required" in result.stderr


def test_a_deleted_or_edited_output_is_made_again(project, folio):
    build_html(folio, project)
    (project / "build" / "html" / "one.html").unlink()
    (project / "build" / "html" / "two.html").write_text("tampered")
    assert build_html(folio, project) == ["html/one.html", "html/two.html"]


@pytest.mark.parametrize("damage", [b"{not json", b'{"layout": 99}', b"[]",
                                    b'{"layout": 1, "folio": "0.0.0", "targets": {}}'])
def test_a_damaged_or_foreign_cache_is_discarded(project, folio, damage):
    build_html(folio, project)
    state = project / "build" / CACHE_DIR / STATE_FILE
    state.write_bytes(damage)
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 0
    assert written(result) == ALL_HTML
    assert "build cache is" in result.stderr and "ignoring it" in result.stderr
    json.loads(state.read_text())  # and a sound one replaces it


def test_parallel_build_writes_the_same_bytes_as_serial(make_project, folio, tmp_path):
    files = {f"source/a{i}.md": article(f"Article {i}", f"Text {i}.[^n]\n\n[^n]: Note {i}.\n",
                                        date=f"2024-01-{i + 1:02d}") for i in range(6)}
    root = make_project(files)
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = folio(root, "build", "-f", "html", "-j", jobs, "--out", str(out))
        assert result.exit_code == 0, result.output
        outputs[jobs] = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
                         if p.is_file() and CACHE_DIR not in p.parts}
    assert len(outputs["1"]) == 8
    assert outputs["1"] == outputs["2"]


def test_parallel_build_reports_like_a_serial_one(make_project, folio, tmp_path):
    # Warnings both while reading (an unknown field) and while writing (a network image).
    files = {f"source/a{i}.md": article(f"Article {i}", "![x](http://example.org/x.png)\n",
                                        colour=f"c{i}")
             for i in range(4)}
    root = make_project(files)
    logs = []
    for jobs in ("1", "2"):
        result = folio(root, "build", "-f", "html", "-j", jobs, "--out", str(tmp_path / jobs))
        logs.append([line for line in result.stderr.splitlines()
                     if line.startswith("warning:")])
    assert len(logs[0]) == 8 and logs[0] == logs[1]


def test_a_second_build_at_once_is_refused(project, folio):
    cache = BuildCache(project / "build")
    with cache.lock():
        result = folio(project, "build", "-f", "html")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: another folio build is running in this project; "
                                     "try again when it has finished")
def test_nothing_to_do_imports_no_renderer(project, folio):
    assert folio(project, "build").exit_code == 0
    code = ("import sys; from pipeline.cli import main\n"
            f"sys.argv = ['folio', '-q', '-C', {str(project)!r}, 'build']\n"
            "try: main()\nexcept SystemExit as exit: assert not exit.code, exit.code\n"
            "print(sorted({'weasyprint', 'ebooklib', 'pypandoc', 'pptx'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_partial_build_reads_a_books_other_articles_from_the_cache(make_project, folio,
                                                                      monkeypatch):
    import pipeline.source

    files = {f"source/a{i}.md": article(f"Article {i}", f"Text {i}.\n") for i in range(3)}
    files["source/books/all.yaml"] = "title: All\ncontents: [a0.md, a1.md, a2.md]\n"
    root = make_project(files)
    assert folio(root, "build", "-f", "epub", "-j", "1").exit_code == 0
    edited = root / "source" / "a1.md"
    edited.write_text(edited.read_text() + "\nMore.\n")
    runs = []
    real = pipeline.source._run_pandoc
    monkeypatch.setattr(pipeline.source, "_run_pandoc",
                        lambda body, args, path, *more: runs.append(path.name)
                        or real(body, args, path, *more))
    result = folio(root, "build", "-f", "epub", "-j", "1", str(edited))
    assert result.exit_code == 0, result.output
    assert written(result) == ["epub/all.epub", "epub/article-1.epub"]
    assert runs == ["a1.md"]
