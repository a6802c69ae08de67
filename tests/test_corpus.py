"""Real documents other people wrote, built in every format, every output validated.

Each is checked as a reader would meet it: every paragraph's words on the page, in the
handout, the ebook and the deck's notes; the Nu checker on pages and decks, EPUBCheck on the
ebooks, the deck's own rules (every paragraph in the notes, in order; no slide over its limits)
and python-pptx on the PowerPoint files.

The corpus is what installed packages ship: the Markdown READMEs of Folio's own dependencies
and test tools (their package metadata) and the Markdown manuals inside Playwright's package.
Nothing is copied into this repository; the documents are read where pip put them.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pypdf import PdfReader

from pipeline.cli import cli
from pipeline.deck import build_deck
from pipeline.project import load_project
from pipeline.source import read_article, slugify
from pipeline.weasy import render_pdf
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
from tests.test_deck import check_invariants
from tests.test_slides import SPILL_CSS
from tests.validators import epubcheck_problems, vnu_errors

# Shorter documents say little a format could get wrong; the longest are built whole anyway.
MIN_WORDS = 150


@dataclass(frozen=True)
class Document:
    """One real document: where it comes from, its title and its Markdown body."""

    origin: str
    title: str
    body: str

    @property
    def slug(self) -> str:
        """Return the slug Folio gives the article made of it."""
        return slugify(self.title)


def package_readmes() -> list[Document]:
    """Return the Markdown long descriptions of the installed distributions."""
    found = {}
    for dist in importlib.metadata.distributions():
        meta = dist.metadata
        kind = (meta.get("Description-Content-Type") or "").split(";")[0].strip()
        body = meta.get_payload() or meta.get("Description") or ""
        name = meta["Name"]
        if kind == "text/markdown" and len(body.split()) >= MIN_WORDS and name != "folio":
            found[name.lower()] = Document(f"{name} {meta['Version']} README",
                                           f"The {name} README", body)
    return [found[name] for name in sorted(found)]


def package_manuals() -> list[Document]:
    """Return the Markdown manuals Playwright's package carries, one article each."""
    try:
        files = importlib.metadata.files("playwright") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    documents = []
    for file in sorted(files, key=str):
        path = Path(str(file.locate()))
        if path.suffix == ".md" and path.stat().st_size > 2000:
            text = path.read_text(encoding="utf-8")
            # Some start with front matter of their own (a skill's name): that is not ours.
            text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
            documents.append(Document(f"playwright {file}", f"Playwright {path.parent.name} "
                                      f"{path.stem}", text))
    return documents


CORPUS = package_readmes() + package_manuals()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str, int]:
    """Build the whole corpus once, in every format; return the project, the log, the status."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "source").mkdir()
    (root / "source" / "folio.yaml").write_text("site_title: Corpus\nlang: en\n")
    for document in CORPUS:
        front = f"---\ntitle: {document.title!r}\n---\n\n"
        (root / "source" / f"{document.slug}.md").write_text(front + document.body,
                                                             encoding="utf-8")
    # And all of them as one book, which EPUBCheck reads in one run.
    (root / "source" / "books").mkdir()
    contents = "".join(f"  - {document.slug}.md\n" for document in CORPUS)
    (root / "source" / "books" / "corpus.yaml").write_text(
        f"title: Manuals and READMEs\nauthor: Their authors\ncontents:\n{contents}",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    return root, result.stderr, result.exit_code


def test_the_corpus_is_real_and_large(built):
    assert len(CORPUS) >= 20
    assert sum(len(document.body.split()) for document in CORPUS) > 20_000


def test_every_document_builds_without_error(built):
    _, log, status = built
    assert "internal error" not in log
    assert [line for line in log.splitlines() if line.startswith("Error:")] == []
    assert status == 0


@pytest.mark.parametrize("document", CORPUS, ids=[d.slug for d in CORPUS])
def test_every_paragraph_reaches_every_format(built, document):
    root = built[0]
    paths = {name: root / "build" / pattern.format(document.slug)
             for name, pattern in ARTICLE_OUTPUTS.items()}
    assert [name for name, path in paths.items() if not path.is_file()] == []
    paragraphs = source_paragraphs(document.body)
    shown, notes = pptx_text(paths["pptx"])
    assert shown.strip()
    texts = {"page": page_text(paths["page"]), "handout": pdf_text(paths["handout"]),
             "ebook": epub_text(paths["ebook"]), "deck notes": deck_notes_text(paths["deck"]),
             "pptx notes": notes}
    missing = {name: missing_words(paragraphs, text)[:10] for name, text in texts.items()}
    assert {name: words for name, words in missing.items() if words} == {}


def test_every_page_and_deck_passes_the_nu_checker(built):
    root = built[0]
    files = [root / "build" / folder / f"{document.slug}.html" for document in CORPUS
             for folder in ("html", "slides")]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
              for m in vnu_errors(*files, root / "build" / "html" / "index.html")]
    assert errors == []


@pytest.mark.parametrize("document", CORPUS, ids=[d.slug for d in CORPUS])
def test_every_deck_keeps_the_deck_rules(built, document):
    root = built[0]
    article = read_article(root / "source" / f"{document.slug}.md", load_project(root))
    deck = build_deck(article)
    check_invariants(deck)
    assert len(Presentation(str(root / "build" / "slides" / f"{document.slug}.pptx")).slides) \
        == len(deck.slides)


def test_the_largest_deck_fits_every_slide_on_its_page(built):
    root = built[0]
    project = load_project(root)
    articles = [read_article(root / "source" / f"{d.slug}.md", project) for d in CORPUS]
    article, deck = max(((a, build_deck(a)) for a in articles), key=lambda p: len(p[1].slides))
    # Each slide allowed to grow: one whose content is taller than its frame spills over.
    html = (root / "build" / "slides" / f"{article.slug}.html").read_text(encoding="utf-8")
    pdf = render_pdf(html, base_dir=root / "build" / "slides", project=project,
                     origin=article.source, identifier=article.identifier,
                     stylesheets=[SPILL_CSS])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(deck.slides)


def test_the_book_of_every_document_passes_epubcheck(built):
    assert epubcheck_problems(built[0] / "build" / "epub" / "manuals-and-readmes.epub") == []


# The book holds every chapter; these check the packaging of a one-article ebook as well.
@pytest.mark.parametrize("document", CORPUS[::5], ids=[d.slug for d in CORPUS[::5]])
def test_one_article_ebooks_pass_epubcheck(built, document):
    assert epubcheck_problems(built[0] / "build" / "epub" / f"{document.slug}.epub") == []
