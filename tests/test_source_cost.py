"""Reading a source does no work that cannot change the article (issue 15)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline import source
from pipeline.source import CROSSREF_ID, crossref_args

SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"


def markdown_readmes(limit: int = 6) -> list[Path]:
    """Return Markdown READMEs installed packages ship, with no cross-reference id and no
    character reference in them."""
    found = []
    for path in sorted(SITE.glob("site-packages/*.dist-info/METADATA")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if ("Description-Content-Type: text/markdown" in text and not CROSSREF_ID.search(text)
                and "&#" not in text):
            found.append(path)
    return found[:limit]


@pytest.mark.parametrize("readme", markdown_readmes(), ids=lambda p: p.parent.name)
def test_walks_are_left_out_only_where_they_change_nothing(readme):
    # Real documents other people wrote: the parse without the cross-reference filter and the
    # writer's walk for control characters is the parse with them.
    body = readme.read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
    base = ["--sandbox", "--mathml", "--wrap=none"]
    assert (source._run_pandoc(body, base, readme)
            == source._run_pandoc(body, [*base, *crossref_args("en"),
                                         "--variable=folio-controls"], readme))


def test_a_character_reference_to_a_control_character_is_still_removed(tmp_path):
    project = type("P", (), {"settings": {"lang": "en"}, "source_dir": tmp_path})()
    _, parsed = source.parse_body("Bell &#x7; and &#128; here.\n", tmp_path / "a.md", project,
                                  {}, {})
    assert parsed["controls"] == 2
    assert "\x07" not in parsed["blocks"][0]["html"]
    assert "\x80" not in parsed["blocks"][0]["text"]


def test_pandoc_runs_only_the_walks_a_body_needs(monkeypatch, tmp_path):
    calls: list[list[str]] = []
    real = source._run_pandoc

    def spy(body, args, path, first_line=1):
        calls.append(args)
        return real(body, args, path, first_line)

    monkeypatch.setattr(source, "_run_pandoc", spy)
    project = type("P", (), {"settings": {"lang": "en"}, "source_dir": tmp_path})()
    path = tmp_path / "a.md"
    _, plain = source.parse_body("Just words.\n", path, project, {}, {})
    _, numbered = source.parse_body("![A cat](cat.png){#fig-cat}\n\nSee @fig-cat.\n", path,
                                    project, {}, {})
    assert not any(arg.startswith("--lua-filter") for arg in calls[0])
    assert "--variable=folio-controls" not in calls[0]
    assert any(arg.startswith("--lua-filter") for arg in calls[1])
    # The filter still numbers what it should.
    assert "Figure\u00a01" in numbered["blocks"][0]["html"]
    assert 'href="#fig-cat"' in numbered["blocks"][1]["html"]
    assert plain["blocks"][0]["text"] == "Just words."
