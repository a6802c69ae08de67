"""The benchmark's generator (valid, varied, deterministic articles and a book) and its checks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from bench.__main__ import Edit
from bench.generate import BOOK, generate
from bench.measure import CommandFailed, measure
from pipeline.books import load_book
from pipeline.project import load_project
from pipeline.source import read_article

COUNT = 8


def test_generated_articles_pass_check(tmp_path: Path, folio: Callable[..., Result]) -> None:
    paths = generate(tmp_path, COUNT)
    assert len(paths) == COUNT
    result = folio(tmp_path, "check")
    assert result.exit_code == 0, result.output
    # The book is checked too, once `folio check` knows books.
    assert result.output.startswith(f"{COUNT} article(s)")
    assert result.output.rstrip().endswith("checked, 0 with errors")


def test_generated_articles_have_the_structures_the_engine_must_handle(tmp_path: Path) -> None:
    generate(tmp_path, COUNT)
    project = load_project(tmp_path)
    articles = [read_article(path, project) for path in project.article_paths()]
    kinds = {block.kind for article in articles for block in article.blocks}
    assert {"Header", "Para", "BulletList", "OrderedList", "Table"} <= kinds
    assert sum(len(article.notes) for article in articles) > COUNT
    # Varied length: the longest article has at least twice the words of the shortest.
    words = sorted(article.word_count for article in articles)
    assert words[-1] >= 2 * words[0]
    assert len({article.slug for article in articles}) == COUNT


def test_the_book_lists_every_article_in_order(tmp_path: Path) -> None:
    paths = generate(tmp_path, COUNT)
    book = load_book(tmp_path / "source" / BOOK, load_project(tmp_path))
    assert [entry.source for entry in book.entries] == paths
    assert book.title == f"All {COUNT} articles"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "one", COUNT)
    generate(tmp_path / "two", COUNT)
    one = {p.relative_to(tmp_path / "one"): p.read_bytes()
           for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes()
           for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two
    assert len(one) == COUNT + 2  # the articles, the project file and the book


def test_a_failing_command_is_reported_with_its_message() -> None:
    script = "import sys; print('no such project', file=sys.stderr); sys.exit(3)"
    with pytest.raises(CommandFailed, match="exited with 3: no such project"):
        measure([sys.executable, "-c", script])


def test_case_3_verdict_needs_the_article_and_the_book_and_nothing_else() -> None:
    own = ["html/a002-x.html", "epub/all.epub"]
    assert Edit("a002-x", own, [], ["epub/all.epub"]).verdict == ("1 own, 1/1 book, 0 other",
                                                                  True)
    assert not Edit("a002-x", own[:1], [], ["epub/all.epub"]).verdict[1]
    assert not Edit("a002-x", [*own, "html/a001-y.html"], ["html/a001-y.html"],
                    ["epub/all.epub"]).verdict[1]


def test_the_memory_sampler_sees_a_grandchilds_peak() -> None:
    # A child that starts a grandchild holding ~120 MB for a second: ru_maxrss of the child
    # alone would miss it; the sampler, however rarely it now looks, sums the whole tree.
    script = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
              "'import time; b = bytearray(120 * 2**20); time.sleep(1)'])")
    result = measure([sys.executable, "-c", script])
    assert result.peak_mb >= 120
