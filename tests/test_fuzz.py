"""Property-based tests of the whole pipeline: random whole documents, every format, validated.

The profile here fits CI (a few minutes, the same examples every run). Set
FOLIO_FUZZ_EXAMPLES=200 for a longer, randomised search; Hypothesis keeps any failure it finds
in .hypothesis/ and tries it first next time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings

from pipeline.cli import cli
from tests.documents import BIBLIOGRAPHY, IMAGES, documents
from tests.outputs import (
    ARTICLE_OUTPUTS,
    deck_notes_text,
    epub_text,
    missing_words,
    page_text,
    pdf_text,
    pptx_text,
    source_paragraphs,
)
from tests.validators import epubcheck_problems, vnu_errors

LONG_RUN = os.environ.get("FOLIO_FUZZ_EXAMPLES")


def build(text: str, root: Path) -> tuple[str, int]:
    """Write ``text`` as the one article of a new project at ``root``, build it, return the log."""
    (root / "source" / "images").mkdir(parents=True)
    (root / "source" / "folio.yaml").write_text("site_title: Fuzz\n", encoding="utf-8")
    (root / "source" / "fuzzed.md").write_text(text, encoding="utf-8")
    (root / "source" / "refs.bib").write_text(BIBLIOGRAPHY, encoding="utf-8")
    for name, data in IMAGES.items():
        (root / "source" / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-j", "1"],
                                catch_exceptions=False)
    return result.stderr, result.exit_code


# In CI: the same examples every run, and no shrinking (each example is a whole build, so
# shrinking a failure could take many minutes); the failing document is printed whole.
@settings(max_examples=int(LONG_RUN or 8), derandomize=not LONG_RUN, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          phases=list(Phase) if LONG_RUN else [Phase.explicit, Phase.reuse, Phase.generate],
          print_blob=True)
@given(documents())
def test_any_document_builds_whole_and_valid_in_every_format(text):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        log, status = build(text, root)
        assert "internal error" not in log
        assert status == 0, log
        paths = {name: root / "build" / pattern.format("fuzzed")
                 for name, pattern in ARTICLE_OUTPUTS.items()}
        assert [name for name, path in paths.items() if not path.is_file()] == []
        # Nothing of the file the SVG's entity names reaches any output.
        assert not any(b"root:x:0:0" in path.read_bytes() for path in paths.values()
                       if path.suffix in {".html", ".epub"})
        body = text.split("\n---\n", 1)[1]
        paragraphs = source_paragraphs(body)
        _, pptx_notes = pptx_text(paths["pptx"])  # python-pptx opens it
        texts = {"page": page_text(paths["page"]), "handout": pdf_text(paths["handout"]),
                 "ebook": epub_text(paths["ebook"]),
                 "deck notes": deck_notes_text(paths["deck"]), "pptx notes": pptx_notes}
        missing = {name: missing_words(paragraphs, found) for name, found in texts.items()}
        assert {name: words for name, words in missing.items() if words} == {}
        problems = [f"{m.get('lastLine')}: {m['message']}"
                    for m in vnu_errors(paths["page"], paths["deck"])]
        assert problems == []
        assert epubcheck_problems(paths["ebook"]) == []
