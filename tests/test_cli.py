"""The command line: commands, exit statuses, and how errors are shown."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lxml import html as lxml_html

import pipeline
from pipeline import formats
from tests.conftest import article


def test_version(folio, tmp_path):
    result = folio(tmp_path, "--version")
    assert result.exit_code == 0
    assert result.output == f"folio, version {pipeline.__version__}\n"


def test_python_dash_m_runs_the_same_cli():
    done = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    for command in ("build", "check", "init", "new"):
        assert f"  {command}" in done.stdout


def test_help_imports_no_renderer():
    code = ("import sys; from pipeline.cli import main; sys.argv = ['folio', '--help']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "heavy = {'weasyprint', 'ebooklib', 'pypandoc', 'jinja2'} & set(sys.modules)\n"
            "print(sorted(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().endswith("[]")


def test_init_new_then_build(tmp_path, folio):
    root = tmp_path / "site"
    result = folio(tmp_path, "init", str(root), "--title", "Course notes")
    assert result.exit_code == 0, result.output
    assert (root / "source" / "folio.yaml").is_file() and (root / "templates").is_dir()
    result = folio(root, "new", "Second Session: Transference")
    assert result.exit_code == 0, result.output
    new = root / "source" / "second-session-transference.md"
    assert new.read_text(encoding="utf-8").startswith(
        '---\ntitle: "Second Session: Transference"\n')
    result = folio(root, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    index = lxml_html.parse(str(root / "build" / "html" / "index.html")).getroot()
    assert index.findtext(".//h1") == "Course notes"
    assert sorted(index.xpath("//article/h2/a/text()")) == ["Second Session: Transference",
                                                            "Welcome"]
    # Running new twice for one title must not overwrite the author's text.
    result = folio(root, "new", "Second Session: Transference")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("already exists; choose another title or --slug")


def test_init_refuses_an_existing_project(make_project, folio):
    root = make_project()
    result = folio(root, "init", str(root))
    assert result.exit_code == 1
    assert "a Folio project already exists here" in result.stderr


def test_check_builds_nothing(make_project, folio):
    root = make_project({"source/a.md": article("Fine")})
    result = folio(root, "check")
    assert result.exit_code == 0
    assert "1 article(s) and 0 book(s) checked, 0 with errors" in result.stderr
    assert not (root / "build").exists()


def test_usage_errors_exit_2(make_project, folio):
    root = make_project({"source/a.md": article("Fine")})
    result = folio(root, "build", "--format", "docx")
    assert result.exit_code == 2
    assert "unknown format 'docx'; choose from html, pdf, epub, slides" in result.stderr
    result = folio(root, "build", str(root / "nope.md"))
    assert result.exit_code == 2
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert folio(root, "frobnicate").exit_code == 2


def test_format_not_available_yet(make_project, folio, monkeypatch):
    monkeypatch.setitem(formats.BUILTIN_MODULES, "pdf", "pipeline.formats.not_written")
    monkeypatch.delitem(formats._REGISTRY, "pdf", raising=False)
    root = make_project({"source/a.md": article("Fine")})
    result = folio(root, "build", "--format", "html,pdf")
    assert result.exit_code == 1
    assert "Error: format 'pdf' is not available yet" in result.stderr
    assert (root / "build" / "html" / "fine.html").is_file()


@pytest.mark.parametrize("out", [".", "source", "templates", "/"])
def test_out_may_not_be_the_project_or_root(make_project, folio, out):
    root = make_project({"source/a.md": article("Fine")})
    (root / "templates").mkdir()
    target = out if out == "/" else str(root / out)
    result = folio(root, "build", "--out", target)
    assert result.exit_code == 1
    assert "refusing to write outputs into" in result.stderr
    assert sorted(p.name for p in (root / "source").iterdir()) == ["a.md", "folio.yaml"]


def test_out_elsewhere(make_project, folio, tmp_path):
    root = make_project({"source/a.md": article("Fine")})
    result = folio(root, "build", "-f", "html", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0
    assert (tmp_path / "site" / "html" / "fine.html").is_file()


def test_internal_errors_show_a_traceback_only_with_debug(make_project, folio, monkeypatch):
    root = make_project({"source/a.md": article("Fine")})

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    # A bug outside any one source or output (those cost only their own: test_isolation.py).
    monkeypatch.setattr("pipeline.books.book_paths", broken)
    result = folio(root, "check")
    assert result.exit_code == 1
    assert result.stderr == ("Error: internal error: ZeroDivisionError: a bug "
                             "(run with --debug for the traceback)\n")
    with pytest.raises(ZeroDivisionError):
        folio(root, "--debug", "check")


def test_quiet_prints_only_errors(make_project, folio):
    root = make_project({"source/a.md": article("Fine"), "source/b.md": "---\n---\n"})
    result = folio(root, "-q", "build", "-f", "html")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["Error: " + str(root / "source" / "b.md") +
                                          ":1: title is required"]


def test_check_reads_book_files_too(make_project, folio):
    root = make_project({"source/a.md": article("Fine"),
                         "source/books/all.yaml": "title: All\ncontents:\n  - a.md\n  - gone.md\n"})
    result = folio(root, "check")
    assert result.exit_code == 1
    assert "all.yaml:4: " in result.stderr and "gone.md" in result.stderr
    assert "1 article(s) and 1 book(s) checked" in result.stderr


def test_a_source_is_named_from_here_or_from_the_project(make_project, folio, tmp_path,
                                                         monkeypatch):
    # "folio -C site build source/a.md" from outside the project, as git -C reads paths.
    root = make_project({"source/a.md": article("Alpha"), "source/b.md": article("Beta")})
    monkeypatch.chdir(tmp_path)
    result = folio(root, "build", "-f", "html", "source/a.md")
    assert result.exit_code == 0, result.output
    assert (root / "build" / "html" / "alpha.html").is_file()
    assert not (root / "build" / "html" / "beta.html").exists()
    assert folio(root, "build", "-f", "html", "source/nope.md").exit_code == 2
