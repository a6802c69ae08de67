"""Word documents as people write them: Apache POI's test-data, collected from bug reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.importers import Options, import_sources
from pipeline.project import load_project
from pipeline.source import split_front_matter
from tests.wordml import para, write_docx


@pytest.fixture
def project(make_project):
    """Return an empty project."""
    return make_project()


def front(path: Path) -> dict:
    """Return the front matter of an article file."""
    return yaml.safe_load(split_front_matter(path.read_text(encoding="utf-8"), path)[0])


def test_documents_of_one_title_or_no_ascii_title_take_their_file_names(project, tmp_path):
    # POI's OPCCompliance_*.docx all carry the core title "MyTitle"; headerPic.docx and
    # stress004.docx have a Russian and a Persian title, which made the same slug "article".
    same = [write_docx(tmp_path / f"{name}.docx", para("Text."), title="MyTitle")
            for name in ("first", "Second_Copy")]
    russian = write_docx(tmp_path / "headerPic.docx", para("Текст."), title="Русский вариант")
    persian = write_docx(tmp_path / "stress004.docx", para("متن."), title="کلیدهای تدبر")
    report = import_sources(load_project(project), [str(p) for p in (*same, russian, persian)],
                            Options())
    assert report.errors == []
    source = project / "source"
    assert sorted(p.name for p in source.glob("*.md")) == [
        "headerpic.md", "mytitle.md", "second-copy.md", "stress004.md"]
    assert front(source / "second-copy.md")["title"] == "MyTitle"
    assert front(source / "headerpic.md")["title"] == "Русский вариант"
