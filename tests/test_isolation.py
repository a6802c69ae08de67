"""One failure stays with its own output: a bug or a dying worker never costs the rest."""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.formats import get_format
from pipeline.model import Article
from pipeline.pandoc import pandoc_command, pandoc_path
from tests.conftest import article
from tests.validators import epubcheck_problems

EVERY_OUTPUT = ["epub/{}.epub", "html/{}.html", "pdf/{}-slides-handout.pdf", "pdf/{}.pdf",
                "slides/{}.html", "slides/{}.pdf", "slides/{}.pptx"]


@pytest.fixture
def project(make_project, monkeypatch) -> Path:
    root = make_project({
        "source/good.md": article("Good", "A sound article.\n\n## Part\n\nMore text.\n"),
        "source/broken.md": article("Broken", "An article that meets a bug.\n"),
    })
    monkeypatch.chdir(root)  # messages name files as the user sees them: source/broken.md
    return root


def outputs(root: Path, slug: str) -> list[str]:
    """Return which of an article's outputs exist in the project's build folder."""
    return [name.format(slug) for name in EVERY_OUTPUT
            if (root / "build" / name.format(slug)).is_file()]


def fail_for(slug: str, fault: Callable[[], None]) -> Callable[..., Callable[..., None]]:
    """Return a wrapper for a format method that calls ``fault`` for the article ``slug``."""

    def wrap(method: Callable[..., None]) -> Callable[..., None]:
        # wraps: a bound method crosses to a worker by its name, so the name must stay.
        @functools.wraps(method)
        def patched(self, article: Article, *args: object) -> None:
            if article.slug == slug:
                fault()
            return method(self, article, *args)

        return patched

    return wrap


def divide_by_zero() -> None:
    print(1 / 0)


def kill_this_process() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_bug_in_one_format_costs_only_that_output(project, folio, monkeypatch):
    slides = get_format("slides")
    monkeypatch.setattr(slides, "write_part",
                        fail_for("broken", divide_by_zero)(slides.write_part))
    result = folio(project, "build", "-j", "1")
    assert result.exit_code == 1
    assert outputs(project, "good") == [name.format("good") for name in EVERY_OUTPUT]
    # The broken article still has every output its breakage does not touch.
    assert outputs(project, "broken") == ["epub/broken.epub", "html/broken.html",
                                          "pdf/broken.pdf"]
    assert (project / "build" / "html" / "index.html").is_file()
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    # One line naming the source, the format and the bug, though all three deck parts met it.
    assert errors == [("Error: source/broken.md: slides: internal error: ZeroDivisionError: "
                         "division by zero (a bug in Folio: please report it; --debug shows "
                         "the traceback)")]
    assert "Traceback" not in result.stderr
    assert "4 failed" in result.stderr


def test_a_failed_target_is_not_remembered_and_debug_shows_the_traceback(project, folio,
                                                                          monkeypatch):
    html = get_format("html")
    monkeypatch.setattr(html, "write_article",
                        fail_for("broken", divide_by_zero)(html.write_article))
    assert folio(project, "build", "-f", "html").exit_code == 1
    # Nothing changed, but the failed page is tried again rather than taken as up to date.
    result = folio(project, "--debug", "build", "-f", "html")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "in divide_by_zero" in result.stderr
    assert "Error: source/broken.md: html: internal error: ZeroDivisionError" in result.stderr
    assert "written  build/html/broken.html" not in result.stderr


def test_a_worker_that_dies_costs_only_its_own_target(project, folio, monkeypatch):
    pdf = get_format("pdf")
    monkeypatch.setattr(pdf, "write_article",
                        fail_for("broken", kill_this_process)(pdf.write_article))
    result = folio(project, "build", "-j", "2")
    assert result.exit_code == 1
    assert outputs(project, "good") == [name.format("good") for name in EVERY_OUTPUT]
    assert "pdf/broken.pdf" not in outputs(project, "broken")
    assert len(outputs(project, "broken")) == len(EVERY_OUTPUT) - 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: source/broken.md: pdf: the worker process making it died (a crash "
                      "in a library, or it ran out of memory); the other outputs were made"]


def test_a_bug_while_reading_costs_only_that_source(project, folio, monkeypatch):
    import pipeline.source

    parse = pipeline.source.parse_body

    def broken_parse(body: str, path: Path, *args: object, **kwargs: object):
        if path.name == "broken.md":
            raise KeyError("blocks")
        return parse(body, path, *args, **kwargs)

    monkeypatch.setattr(pipeline.source, "parse_body", broken_parse)
    result = folio(project, "build", "-f", "html")
    assert result.exit_code == 1
    assert outputs(project, "good") == ["html/good.html"]
    assert ("Error: source/broken.md: reading: internal error: KeyError: 'blocks'"
            in result.stderr)


def test_a_folder_named_pandoc_is_not_mistaken_for_pandoc(make_project, folio, monkeypatch):
    root = make_project({"source/a.md": article("Fine"), "pandoc/readme.txt": "notes"})
    monkeypatch.chdir(root)
    pandoc_path.cache_clear()
    pandoc_command.cache_clear()
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr and "pandoc" not in result.stderr
    assert Path(pandoc_path()).is_file()


def test_pandoc_runs_with_a_smaller_heap_only_when_it_takes_runtime_options(tmp_path,
                                                                           monkeypatch):
    import pipeline.pandoc

    pandoc_command.cache_clear()
    assert pandoc_command()[1:] == pipeline.pandoc.HEAP  # the bundled pandoc takes them
    # One built without them (a system pandoc, say) is run as it is.
    strict = tmp_path / "pandoc"
    strict.write_text('#!/bin/sh\ncase "$*" in *+RTS*) exit 1;; esac\necho pandoc 3\n')
    strict.chmod(0o755)
    monkeypatch.setattr(pipeline.pandoc, "pandoc_path", lambda: str(strict))
    pandoc_command.cache_clear()
    try:
        assert pandoc_command() == [str(strict)]
    finally:
        pandoc_command.cache_clear()


def test_control_characters_are_removed_with_a_warning(project, folio):
    (project / "source" / "broken.md").write_bytes(
        b"---\ntitle: Old text\n---\n\nPage one.\x0c\n\nA bell\x07, `co\x01de` and a"
        b" reference &#x4;, &#12;.\n\n## Head\x1bing\n")
    result = folio(project, "build", "-f", "html,epub", "-j", "1")
    assert result.exit_code == 0, result.output
    assert ("warning: source/broken.md:5: control character U+000C and 3 more removed (a form "
            "feed or other invisible code, which no output can hold)") in result.stderr
    assert ("warning: source/broken.md: 2 control character(s) given as character references "
            "(such as &#x4;) removed") in result.stderr
    page = (project / "build" / "html" / "old-text.html").read_text(encoding="utf-8")
    assert "A bell, <code>code</code> and a reference , ." in page
    assert "<h2 id=\"heading\">Heading</h2>" in page
    assert epubcheck_problems(project / "build" / "epub" / "old-text.epub") == []
