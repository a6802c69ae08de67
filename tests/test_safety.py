"""Hostile input: paths stay inside build/, clean removes only Folio's files, writes are atomic."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import FolioError, UnsafePathError
from pipeline.output import OutputDir
from pipeline.project import load_project
from pipeline.source import read_article
from tests.conftest import article
from tests.test_deck import png


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "html/../../x", "C:\\x.html",
                                  "html/a\x00b.html", "html/\nx.html", ""])
def test_output_paths_must_stay_inside(tmp_path, name):
    with pytest.raises(UnsafePathError):
        OutputDir(tmp_path / "build").path(name)


def test_a_symlink_in_build_cannot_carry_writes_elsewhere(make_project, folio, tmp_path):
    root = make_project({"source/a.md": article("Fine")})
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "build").mkdir()
    (root / "build" / "html").symlink_to(outside)
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 1
    assert "leads outside" in result.stderr
    assert list(outside.iterdir()) == []


def test_interrupted_write_keeps_the_old_file(tmp_path):
    out = OutputDir(tmp_path)
    out.write_text("page.html", "old")
    with pytest.raises(KeyboardInterrupt), out.replacing("page.html") as temp:
        temp.write_text("half of the new")
        raise KeyboardInterrupt
    assert (tmp_path / "page.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_clean_removes_only_what_folio_made(make_project, folio, tmp_path):
    root = make_project({"source/a.md": article("Fine", "![f](f.png)\n"),
                         "source/f.png": png()})
    assert folio(root, "build", "-f", "html").exit_code == 0
    mine = root / "build" / "notes.txt"
    mine.write_text("the user's own file")
    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    (root / "build" / "html" / "link.txt").symlink_to(secret)
    result = folio(root, "clean")
    assert result.exit_code == 0, result.output
    assert "removed 4 file(s) Folio made" in result.stderr
    left = sorted(p.relative_to(root / "build").as_posix() for p in (root / "build").rglob("*"))
    assert left == ["html", "html/link.txt", "notes.txt"]
    assert secret.read_text() == "keep" and mine.read_text() == "the user's own file"
    assert (root / "source" / "f.png").is_file()


def test_clean_refuses_with_a_damaged_record(make_project, folio):
    root = make_project({"source/a.md": article("Fine")})
    folio(root, "build", "-f", "html")
    (root / "build" / ".folio-cache" / "state.json").write_text("{broken")
    result = folio(root, "clean")
    assert result.exit_code == 1
    assert "Folio made (its record is damaged); nothing was removed" in result.stderr
    assert (root / "build" / "html" / "fine.html").is_file()


def test_five_megabyte_article_builds(make_project, folio):
    paragraph = "Words upon words, sentence after sentence, to make a long text. " * 12
    body = "\n\n".join(f"## Part {i}\n\n{paragraph}" if i % 20 == 0 else paragraph
                       for i in range(6500))
    assert len(body) > 5_000_000
    root = make_project({"source/big.md": article("Big", body)})
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert (root / "build" / "html" / "big.html").stat().st_size > 5_000_000


def test_deep_nesting_builds(make_project, folio):
    lists = "".join("  " * depth + "- level\n" for depth in range(120))
    quotes = "> " * 120 + "deep quotation\n"
    root = make_project({"source/deep.md": article("Deep", lists + "\n" + quotes)})
    result = folio(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert "deep quotation" in (root / "build" / "html" / "deep.html").read_text()


def test_metadata_markup_is_escaped(make_project, folio):
    root = make_project({"source/x.md": article("<script>alert(1)</script>", slug="x",
                                                author="'<img src=x onerror=alert(2)>'")})
    assert folio(root, "build", "-f", "html").exit_code == 0
    for name in ("x.html", "index.html"):
        page = (root / "build" / "html" / name).read_text()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


yaml_scalars = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(),
                         st.lists(st.text(max_size=8), max_size=3),
                         st.dates().map(lambda d: d.isoformat()))
front_matter = st.dictionaries(
    st.sampled_from(["title", "subtitle", "author", "date", "lang", "slug", "keywords",
                     "description", "cover", "rights", "unknown", "slides", "handout"]),
    yaml_scalars, max_size=6)
markdown = st.text(alphabet=string.printable + "äöü—“”\u200b", max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(meta=front_matter, body=markdown, raw=st.booleans())
def test_reader_never_crashes(make_project, meta, body, raw):
    import yaml

    root = make_project()
    path = root / "source" / "fuzz.md"
    text = body if raw else "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    path.write_text(text, encoding="utf-8")
    try:
        result = read_article(path, load_project(root))
    except FolioError as exc:
        assert "\n" not in exc.format_message().strip()
    else:
        assert result.title and result.slug
    os.remove(path)



def test_ctrl_c_leaves_no_half_written_file(make_project):
    import signal
    import subprocess
    import sys
    import time

    from pypdf import PdfReader

    paragraph = "A sentence that fills the page with words for the printer. " * 40
    root = make_project({f"source/a{i}.md": article(f"Article {i}", paragraph * 3)
                         for i in range(8)})
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "-q", "-C", str(root), "build",
                                "-f", "pdf", "-j", "2"], stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    # Interrupt once the first handout is in place, as a writer pressing Ctrl-C would.
    while not list((root / "build").glob("pdf/*.pdf")) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # the whole group, as a terminal does
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    if process.returncode:  # interrupted before the end, as intended
        assert stderr.strip().splitlines()[-1] == "Aborted!"
    leftovers = [p for p in (root / "build").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    for pdf in (root / "build").glob("pdf/*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1


def test_an_image_with_no_address_is_a_warning(make_project, folio):
    root = make_project({"source/e.md": article("Empty", "![An empty address]()\n")})
    result = folio(root, "build", "-f", "html,pdf,epub,slides")
    assert result.exit_code == 0, result.output
    assert "resource '' names no file" in result.stderr
