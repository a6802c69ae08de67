"""Hostile input across every format: nothing leaks in, nothing goes out, markup stays text."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import REPO, article
from tests.validators import epubcheck_problems, vnu_errors

FIGURE = (REPO / "tests" / "fixtures" / "figure.png").read_bytes()
SECRET = b"TOP-SECRET-CONTENT-1234"


def output_texts(build: Path) -> dict[str, bytes]:
    """Return every file Folio wrote, zipped ones opened up, PDFs as their extracted text."""
    found: dict[str, bytes] = {}
    for path in sorted(build.rglob("*")):
        if not path.is_file() or ".folio-cache" in path.parts:
            continue
        rel = path.relative_to(build).as_posix()
        if path.suffix in {".epub", ".pptx"}:
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    found[f"{rel}!{name}"] = archive.read(name)
        elif path.suffix == ".pdf":
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
            found[rel] = path.read_bytes() + text.encode()
        else:
            found[rel] = path.read_bytes()
    return found


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """Serve on 127.0.0.1 and record every request that reaches it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(FIGURE)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_no_request_leaves_the_machine(make_project, folio, local_server):
    url, requests = local_server
    body = (f"Text with a remote picture.\n\n![Remote]({url}/image.png)\n\n"
            f'<img src="{url}/raw.png" alt="raw">\n\n'
            f'<link rel="stylesheet" href="{url}/style.css">\n\n'
            f"A [link]({url}/page) is only a link.\n")
    root = make_project({"source/remote.md": article("Remote", body, slug="remote",
                                                     cover=f"'{url}/cover.png'")})
    result = folio(root, "build")
    assert result.exit_code == 0, result.output
    assert requests == []
    # One warning for the article's network pictures (the raw <img> is one too), naming the first.
    assert f"not fetching 3 network resources, the first '{url}/image.png'" in result.stderr
    for name in ("html/remote.html", "pdf/remote.pdf", "epub/remote.epub",
                 "slides/remote.html", "slides/remote.pdf", "slides/remote.pptx",
                 "pdf/remote-slides-handout.pdf"):
        assert (root / "build" / name).is_file(), name


def test_files_outside_the_project_are_never_read(make_project, folio, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(FIGURE + SECRET)
    body = ("Trying to read what is not ours.\n\n"
            "![passwd](/etc/passwd)\n\n![host](file:///etc/hostname)\n\n"
            "![escape](../../outside.png)\n\n![linked](link.png)\n")
    root = make_project({"source/escape.md": article("Escape", body, slug="escape")})
    (root / "source" / "link.png").symlink_to(outside)
    result = folio(root, "build")
    assert result.exit_code == 0, result.output
    for resource in ("/etc/passwd", "file:///etc/hostname", "../../outside.png", "link.png"):
        assert f"'{resource}'" in result.stderr, resource
    passwd = Path("/etc/passwd").read_bytes()[:60]
    hostname = Path("/etc/hostname").read_bytes().strip() if Path("/etc/hostname").exists() else b""
    for name, content in output_texts(root / "build").items():
        assert SECRET not in content, name
        assert passwd not in content, name
        if len(hostname) > 6:
            assert hostname not in content, name


def test_markup_in_metadata_is_text_everywhere(make_project, folio):
    title = "<script>alert(1)</script> & <b>friends</b>"
    root = make_project({"source/x.md": article(title, "Some words to present.\n", slug="x",
                                                author="'Eve <img src=x onerror=alert(2)>'",
                                                date="2024-01-01")})
    result = folio(root, "build")
    assert result.exit_code == 0, result.output
    outputs = output_texts(root / "build")
    for name, content in outputs.items():
        if name.endswith((".html", ".xhtml", ".opf", ".ncx", ".xml")):
            assert b"<script>alert(1)" not in content, name
            assert b"<img src=x" not in content, name
    # PDFs and the PPTX carry the title as the text the author typed.
    assert "<script>alert(1)</script>" in outputs["pdf/x.pdf"].decode("latin-1")
    assert "<script>alert(1)</script>" in outputs["slides/x.pdf"].decode("latin-1")
    slide_xml = b"".join(v for k, v in outputs.items()
                         if k.startswith("slides/x.pptx!ppt/slides/slide"))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in slide_xml


def test_script_in_the_body_stays_in_html_and_leaves_the_ebook(make_project, folio):
    body = 'Before.\n\n<script>document.title = "x";</script>\n\nAfter.\n'
    root = make_project({"source/s.md": article("Scripted", body, slug="s")})
    result = folio(root, "build", "-f", "html,epub")
    assert result.exit_code == 0, result.output
    assert '<script>document.title = "x";</script>' in (
        root / "build" / "html" / "s.html").read_text()
    epub = output_texts(root / "build")
    assert not any(b"document.title" in v for k, v in epub.items() if k.startswith("epub/"))
    assert "script" in result.stderr.lower()


def test_a_malformed_host_is_text_in_every_format(make_project, folio, monkeypatch):
    # urlsplit refuses "http://[oops" (an unbalanced IPv6 bracket): WeasyPrint stopped the
    # handout on it, and the validators refuse it even escaped. A link keeps its words, a
    # picture its alternative text; the author is told where.
    body = ('A <a href="http://[oops/x">raw link</a> and a [Markdown one](https://[md/y).'
            '[^1]\n\n<img src="http://[oops/p.png" alt="A raw picture">\n\n'
            '![A figure](https://[fig/z.png)\n\n[^1]: A <a href="//[note">noted link</a>.\n')
    root = make_project({"source/m.md": article("Malformed", body, slug="m")})
    monkeypatch.chdir(root)
    result = folio(root, "build")
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if "malformed host" in line]
    assert warned == [
        "warning: source/m.md:6: link to 'http://[oops/x' names a malformed host; kept as "
        "plain text",
        "warning: source/m.md:6: link to 'https://[md/y' names a malformed host; kept as "
        "plain text",
        "warning: source/m.md:8: address 'http://[oops/p.png' names a malformed host; left out",
        "warning: source/m.md:10: address 'https://[fig/z.png' names a malformed host; left out",
        "warning: source/m.md:12: link to '//[note' names a malformed host; kept as plain text"]
    built = root / "build"
    page = (built / "html" / "m.html").read_text()
    assert "raw link</a>" in page and "A raw picture" in page and "[oops" not in page
    assert vnu_errors(built / "html" / "m.html", built / "slides" / "m.html") == []
    assert epubcheck_problems(built / "epub" / "m.epub") == []
    handout = "".join(page.extract_text() for page in PdfReader(built / "pdf" / "m.pdf").pages)
    assert "raw link" in handout and "noted link" in handout
