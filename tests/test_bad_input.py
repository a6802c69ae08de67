"""Broken sources: each gets one exact line naming the file and line, and harms nothing else."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import REPO, article

BAD = REPO / "tests" / "bad"
MESSAGES: dict[str, list] = yaml.safe_load((BAD / "messages.yaml").read_text(encoding="utf-8"))


def test_every_corpus_file_has_its_message():
    assert sorted(MESSAGES) == sorted(p.name for p in BAD.glob("*.md"))


def run_in(root: Path, *args: str):
    """Run folio inside ``root``, so paths print as the user would see them."""
    with contextlib.chdir(root):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_bad_source_message(name, make_project):
    expected, status = MESSAGES[name]
    root = make_project({f"source/{name}": (BAD / name).read_bytes()})
    result = run_in(root, "-q", "check") if status else run_in(root, "check")
    shown = [line for line in result.stderr.splitlines()
             if line.startswith(("Error:", "warning:"))]
    assert shown == ([expected.format(file=f"source/{name}")] if expected else [])
    assert result.exit_code == status
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(n for n, (_, status) in MESSAGES.items() if status))
def test_bad_source_does_not_stop_or_damage_others(name, make_project, folio):
    root = make_project({"source/good.md": article("Good one", "Fine text.\n")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    page = root / "build" / "html" / "good-one.html"
    index = root / "build" / "html" / "index.html"
    before = index.read_bytes()
    (root / "source" / name).write_bytes((BAD / name).read_bytes())
    page.unlink()
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith(
        " s; 1 source not read (see the errors above)")
    assert page.is_file(), "the good article was not rebuilt"
    # The index would lose the broken article's entry: the last good one is kept.
    assert index.read_bytes() == before
    assert not list((root / "build").rglob("*.tmp"))


def test_bom_and_crlf_are_read_as_plain_text(make_project, folio):
    root = make_project({"source/w.md": (BAD / "bom-crlf.md").read_bytes()})
    assert folio(root, "build", "-f", "html").exit_code == 0
    page = (root / "build" / "html" / "windows-file.html").read_text(encoding="utf-8")
    assert "<h1 class=\"title\">Windows file</h1>" in page and "\r" not in page


def test_error_in_one_of_several_fields_reports_all(make_project):
    root = make_project({"source/x.md": "---\ntitle: 3\ndate: soon\nlang: 'no way'\n---\n\nx\n"})
    result = run_in(root, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: source/x.md:2: title: expected text, got the number 3; line 3: date: expected a "
        "date as YYYY-MM-DD, got 'soon'; line 4: lang: 'no way' is not a language tag such as "
        "en or de-AT")


def test_two_articles_with_one_slug(make_project):
    root = make_project({"source/a.md": article("Same"), "source/b.md": article("Same")})
    result = run_in(root, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: source/b.md: slug 'same' is already used by source/a.md; set a different 'slug:'")


def test_bad_project_file(make_project):
    root = make_project(settings="paper: a5\ntheme: 3\n")
    result = run_in(root, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: source/folio.yaml:1: paper: 'a5' is not one of a4, letter; line 2: theme: "
        "expected text, got the number 3")


def test_code_style_is_checked_against_pygments_styles(make_project):
    # The styles are listed only when a project names one: a no-op build never loads Pygments.
    assert run_in(make_project(settings="code_style: monokai\n"), "check").exit_code == 0
    result = run_in(make_project(settings="code_style: neon\n"), "check")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: source/folio.yaml:1: code_style: 'neon' is not one of ")
    assert "monokai" in first and "github-dark" in first


def test_a_ratio_is_text_not_a_base_60_number(make_project, folio):
    root = make_project({"source/r.md": article("Ratio", slides="{aspect: 4:3}")})
    result = run_in(root, "check")
    assert result.exit_code == 0, result.output


def test_a_title_naming_a_device_gets_a_safe_slug(make_project, folio):
    root = make_project({"source/n.md": (BAD / "reserved-title.md").read_bytes()})
    assert folio(root, "build", "-f", "html").exit_code == 0
    assert (root / "build" / "html" / "nul-article.html").is_file()


def test_pandoc_warnings_name_the_files_line(make_project):
    # pandoc counts lines from the body it reads, after the front matter, and placed warnings
    # inside a quotation at "_chunk line 3": the user must see the line of their file.
    body = """\
        Text with a note[^n].

        # Twice {#same}

        > # Again {#same}

        [home]: https://example.org/a
        [home]: https://example.org/b

        [^n]: The note.
        [^unused]: Never cited.
        """
    root = make_project({"source/w.md": article("Warnings", body, author="Ann", lang="en")})
    result = run_in(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: source/w.md:17: pandoc: Note with key 'unused' defined but not used.",
        "warning: source/w.md:14: pandoc: Duplicate link reference '[home]'",
        "warning: source/w.md:11: id 'same' is used more than once: renamed 'same-2' here; "
        "links to it lead to the first"]


def test_a_heading_that_skips_a_level_is_one_warning_at_its_line(make_project, folio) -> None:
    # The WordPress theme unit test's posts jump from the title to <h6>: Ace and axe report
    # "heading-order", and screen readers' lists of headings have a gap. One warning an
    # article, at the first skip, naming the line the heading is written on.
    body = "Intro.\n\n## Fine\n\nText.\n\n#### Too *deep* here\n\nMore.\n\n##### Again\n"
    root = make_project({"source/h.md": article("Levels", body),
                         "source/ok.md": article("Fine", "## Two\n\n### Three\n\n## Two\n")})
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    line = (root / "source" / "h.md").read_text().splitlines().index("#### Too *deep* here") + 1
    warnings = [text for text in result.output.splitlines() if text.startswith("warning:")]
    assert warnings == [f"warning: {root / 'source' / 'h.md'}:{line}: heading 'Too deep here' "
                        "is level 4 under level 2; a level between is missing from the outline "
                        "screen readers move through"]


def test_unknown_front_matter_fields_are_one_warning(make_project, folio) -> None:
    # An MDN page's front matter: page-type, browser-compat and sidebar, three lines of warning.
    root = make_project({"source/c.md": article("CSP", "Text.\n", slug="c",
                                                **{"page-type": "http-header",
                                                   "browser-compat": "http.headers.csp",
                                                   "sidebar": "http"})})
    result = folio(root, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].endswith(
        "source/c.md:4: unknown fields 'page-type', 'browser-compat', 'sidebar' are ignored"), \
        warnings
