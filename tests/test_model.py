"""The article model's derived facts, on the shapes real documents have."""

from __future__ import annotations

from pipeline.project import load_project
from pipeline.source import read_article
from tests.conftest import article


def test_the_summary_skips_a_row_of_badges(make_project):
    # A README's first paragraph is often only images: it has no words to summarise, and an
    # empty summary made the ebook's dc:description empty (an EPUBCheck error).
    root = make_project({"source/readme.md": article("Readme", """\
        [![build](https://example.org/b.svg)](https://example.org) ![docs](https://example.org/d.svg)

        The package does one thing well.
        """)})
    read = read_article(root / "source" / "readme.md", load_project(root))
    assert read.summary == "The package does one thing well."
