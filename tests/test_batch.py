"""Several bodies a pandoc run: the same parses as one at a time, and every warning in its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import batch, source
from pipeline.build import read_sources
from pipeline.cache import BuildCache
from pipeline.project import load_project
from pipeline.source import BASE_ARGS, ParseRequest
from tests.conftest import article
from tests.test_source_cost import markdown_readmes

# What the writer does per article: notes numbered from 1, code blocks numbered from 1, a wide
# table marked, formulas in MathML, raw HTML flagged, a pipe table wider than pandoc's columns.
OWN_BODIES = [
    "Words[^1] and `code`.\n\n```python\nx = 1\n```\n\n[^1]: A note with *emphasis*.\n",
    "More[^1].\n\n```\nplain\n```\n\n```js\nlet y = 2;\n```\n\n[^1]: Its own first note.\n",
    "| " + " | ".join(f"heading{i}" for i in range(9)) + " |\n|" + "---|" * 9 + "\n"
    + "| " + " | ".join(f"cell-number-{i}" for i in range(9)) + " |\n",
    "An equation $e^{i\\pi} + 1 = 0$ and <span class=\"key\">a key</span>.\n\n<div>raw</div>\n",
]


def bodies() -> list[str]:
    """Return real READMEs other people wrote, then bodies that use what the writer numbers."""
    readmes = [path.read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
               for path in markdown_readmes(8)]
    return [body for body in readmes if "\t" not in body] + OWN_BODIES


def test_a_batch_parses_each_body_as_a_run_of_its_own_does(tmp_path: Path) -> None:
    texts = bodies()
    assert len(texts) >= 8
    requests = [ParseRequest(str(i), text, BASE_ARGS, 1) for i, text in enumerate(texts)]
    together = batch._parse_batch(requests)
    alone = [source._run_pandoc(text, list(BASE_ARGS), tmp_path / "a.md") for text in texts]
    assert together == alone
    # The second body's code blocks and notes are numbered from 1, not after the first's.
    assert [code["code"] for code in together[-3]["codes"]] == ["plain", "let y = 2;"]
    assert together[-3]["notes"][0]["number"] == 1


def project_of(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write a project of ``files`` under ``tmp_path`` and return its root."""
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("site_title: T\nlang: en\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def spy_on_pandoc(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    """Count the single parses (by file) and the batches (by size) pandoc is run for."""
    singles: list[str] = []
    batches: list[int] = []
    run_single, run_batch = source._run_pandoc, batch._run_batch
    monkeypatch.setattr(source, "_run_pandoc", lambda body, args, path, *more:
                        singles.append(path.name) or run_single(body, args, path, *more))
    monkeypatch.setattr(batch, "_run_batch", lambda requests:
                        batches.append(len(requests)) or run_batch(requests))
    return singles, batches


def test_sources_read_from_scratch_are_parsed_several_a_run(tmp_path, monkeypatch):
    files = {f"source/a{i}.md": article(f"Article {i}", f"Words of article {i}.\n")
             for i in range(5)}
    # Cross-references need the filter: that article is parsed on its own.
    files["source/x.md"] = article("Crossed", "## Start {#sec-start}\n\nSee @sec-start.\n")
    root = project_of(tmp_path, files)
    singles, batches = spy_on_pandoc(monkeypatch)
    project = load_project(root)
    articles, errors = read_sources(project, cache=BuildCache(project.build_dir), jobs=2)
    assert errors == []
    assert sorted(batches) == [2, 3] and singles == ["x.md"]
    texts = {a.title: a.blocks[0].text for a in articles}
    assert texts["Article 3"] == "Words of article 3."
    # Read again from the cache: pandoc does not run at all.
    singles.clear()
    batches.clear()
    read_sources(project, cache=BuildCache(project.build_dir), jobs=2)
    assert singles == [] and batches == []


def test_a_warning_is_told_once_for_its_own_file_and_line(make_project, folio, monkeypatch):
    files = {f"source/a{i}.md": article(f"Article {i}", f"Words of article {i}.\n")
             for i in range(8)}
    files["source/a3.md"] = article("Noted", "Text[^1].\n\n[^1]: One.\n\n[^1]: Two.\n")
    root = make_project(files)
    singles, batches = spy_on_pandoc(monkeypatch)
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Duplicate note reference") == 1
    assert "source/a3.md:9: pandoc: Duplicate note reference '1'" in result.stderr
    # The batch of eight said it; its halves were run again until the pair holding a3.md,
    # whose two articles alone were parsed singly.
    assert sorted(batches) == [2, 2, 4, 4, 8] and sorted(singles) == ["a2.md", "a3.md"]


def test_a_batch_that_fails_costs_time_never_an_article(make_project, folio, monkeypatch):
    def broken(requests: list[ParseRequest]) -> None:
        raise OSError("pandoc could not be started")

    monkeypatch.setattr(batch, "_run_batch", broken)
    files = {f"source/a{i}.md": article(f"Article {i}", f"Words of article {i}.\n")
             for i in range(4)}
    root = make_project(files)
    result = folio(root, "build", "-f", "html", "-j", "2")
    assert result.exit_code == 0, result.output
    assert len(list((root / "build" / "html").glob("article-*.html"))) == 4
